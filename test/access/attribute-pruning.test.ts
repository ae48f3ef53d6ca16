/**
 * The engine sends Cedar only the entity attributes some policy can name. These tests prove
 * the name scan (known answers, escapes), a policy that reaches an attribute only through a
 * string escape, and that plans equal those of an engine that sends every attribute.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DatasetInfo, PrincipalInfo } from '../../src/access/index.js'
import { DEFAULT_POLICIES, PolicyEngine } from '../../src/access/index.js'
import { referencedNames } from '../../src/access/engine.js'

const dataset: DatasetInfo = {
  id: 'crm.customers',
  owner: 'olga',
  region: 'eu',
  tags: ['domain=crm'],
  sensitivity: 'low',
  purposes: ['analytics'],
  columns: [
    { name: 'id', sensitivity: 'none' },
    { name: 'email', classification: 'EMAIL_ADDRESS', sensitivity: 'medium', pii: true },
  ],
}
const pat: PrincipalInfo = {
  id: 'pat',
  roles: ['auditor'],
  clearance: 'high',
  region: 'eu',
  mfa: true,
}

describe('referencedNames', () => {
  it('collects every word of the texts, record-access strings included', () => {
    const names = referencedNames([
      'permit (principal, action, resource) when { principal.mfa && resource["tier_1"] };',
    ])
    expect(names).not.toBeNull()
    for (const n of ['principal', 'mfa', 'resource', 'tier_1']) expect(names?.has(n)).toBe(true)
    expect(names?.has('tags')).toBe(false)
  })

  it('gives up (keeps everything) on a character escape, not on an escaped quote', () => {
    expect(referencedNames(['when { principal["m\\u{66}a"] }'])).toBeNull()
    expect(referencedNames(['when { principal["m\\x66a"] }'])).toBeNull()
    expect(
      referencedNames(['@description("say \\"hi\\"") permit (principal, action, resource);']),
    ).not.toBeNull()
  })
})

describe('attributes left out of the entities', () => {
  const auditorOnMfa = (spelled: string) => `
@id("auditor-dataset")
permit (principal in Role::"auditor", action == Action::"read", resource is Dataset)
when { principal[${spelled}] };
`

  it('an attribute named only through an escape still reaches Cedar', () => {
    for (const spelled of ['"mfa"', '"m\\u{66}a"', '"\\x6dfa"']) {
      const e = PolicyEngine.create({ policies: [auditorOnMfa(spelled)], version: 'v1' })
      const r = e.authorize({ principal: pat, action: 'read', resource: { dataset } })
      expect({ spelled, decision: r.decision, errors: r.errors }).toEqual({
        spelled,
        decision: 'allow',
        errors: [],
      })
      const off = e.authorize({
        principal: { ...pat, mfa: false },
        action: 'read',
        resource: { dataset },
      })
      expect(off.decision).toBe('deny')
    }
  })

  it('plans equal those of an engine that sends every attribute (schema-checked)', () => {
    const extra = `
@id("gold-columns")
permit (principal in Role::"auditor", action == Action::"readPlaintext", resource is Column)
when { principal.mfa && resource.tags.contains("tier=gold") && resource.dataset.region == principal.region };

@id("auditor-read")
permit (principal in Role::"auditor", action == Action::"read", resource)
when { resource has pii && !resource.pii };
`
    const policies = [...DEFAULT_POLICIES, { name: 'extra.cedar', text: extra }]
    const lean = PolicyEngine.create({ policies, version: 'p1' })
    const full = PolicyEngine.create({ policies, version: 'p1', validateEntities: true })
    const principal = fc.record({
      id: fc.constantFrom('olga', 'pat'),
      roles: fc.subarray(['reader', 'plaintext-reader', 'auditor']),
      clearance: fc.constantFrom('none' as const, 'low' as const, 'high' as const),
      region: fc.constantFrom('eu', 'us'),
      mfa: fc.boolean(),
    })
    const column = fc.record({
      name: fc.constantFrom('a', 'b', 'c'),
      sensitivity: fc.constantFrom('none' as const, 'medium' as const, 'high' as const),
      pii: fc.boolean(),
      tags: fc.subarray(['tier=gold', 'x=y']),
    })
    fc.assert(
      fc.property(
        principal,
        fc.uniqueArray(column, { selector: (c) => c.name, minLength: 1 }),
        fc.constantFrom('eu', 'us'),
        (p, columns, region) => {
          const d: DatasetInfo = { ...dataset, region, columns }
          const a = lean.planColumns({ principal: p, dataset: d, purpose: 'analytics' })
          const b = full.planColumns({ principal: p, dataset: d, purpose: 'analytics' })
          expect(a.columns).toEqual(b.columns)
          expect(a.dataset).toEqual(b.dataset)
          expect(a.errors).toEqual(b.errors)
        },
      ),
      { numRuns: 150 },
    )
  })
})
