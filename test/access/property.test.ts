import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_POLICIES, PolicyEngine } from '../../src/access/index.js'
import type { Level, NColumn, NDataset, NPrincipal } from './naive.js'
import { naivePlan, naiveRows } from './naive.js'

const REGIONAL = `
@id("regional-reader")
@rowFilter("region = principal.region and status in ('active', 'pending')")
permit (principal in Role::"regional", action == Action::"read", resource is Dataset)
when { resource.tags.contains("shared") };

@id("regional-column")
permit (principal in Role::"regional", action == Action::"read", resource is Column)
when { !resource.pii };
`

const level = fc.constantFrom<Level>('none', 'low', 'medium', 'high')
const region = fc.constantFrom('eu', 'us')
const person = fc.constantFrom('olga', 'rita', 'pete')
// One tag per key, as the catalog stores them.
const piiTag = fc.constantFrom<string[]>([], ['pii'], ['pii=false'], ['pii=contact'])
const tags = fc
  .tuple(piiTag, fc.subarray(['shared', 'domain=crm', 'tier=gold']))
  .map(([a, b]) => [...a, ...b])

const principal: fc.Arbitrary<NPrincipal> = fc.record({
  id: person,
  roles: fc.subarray([
    'reader',
    'plaintext-reader',
    'ssn-reader',
    'admin',
    'detokenizer',
    'regional',
  ]),
  clearance: level,
  region,
  mfa: fc.boolean(),
})

const column = (name: string): fc.Arbitrary<NColumn> =>
  fc.record(
    {
      name: fc.constant(name),
      tags: fc.tuple(piiTag, fc.subarray(['tier=gold'])).map(([a, b]) => [...a, ...b]),
      classification: fc.constantFrom(null, 'EMAIL_ADDRESS', 'US_SSN'),
      sensitivity: level,
      pii: fc.boolean(),
    },
    { requiredKeys: ['name'] },
  )

const dataset: fc.Arbitrary<NDataset> = fc.record({
  id: fc.constant('crm.accounts'),
  owner: person,
  region,
  tags,
  sensitivity: level,
  purposes: fc.subarray(['training', 'analytics']),
  columns: fc.tuple(column('region'), column('status'), column('c1'), column('c2'), column('c3')),
})

const rows = fc.array(
  fc.record({
    region: fc.constantFrom('eu', 'us', null),
    status: fc.constantFrom('active', 'pending', 'closed', null),
  }),
  { maxLength: 20 },
)

describe('property: the engine allows exactly the columns and rows of the naive evaluator', () => {
  const engine = PolicyEngine.create({
    policies: [...DEFAULT_POLICIES, REGIONAL],
    version: 'prop',
    cacheSize: 64,
    validateEntities: true,
  })

  it('random principals, columns and rows', () => {
    fc.assert(
      fc.property(
        principal,
        dataset,
        rows,
        fc.constantFrom('training', 'analytics', ''),
        (p, d, rs, purpose) => {
          const plan = engine.planColumns({ principal: p, dataset: d, purpose })
          const columns = Object.fromEntries(plan.columns.map((c) => [c.column, c.access]))
          expect(columns).toEqual(naivePlan(p, d, purpose, { regional: true }))
          const allowed =
            plan.dataset.decision === 'allow'
              ? rs.flatMap((r, i) => (plan.rowFilter.matches(r) ? [i] : []))
              : []
          expect(allowed).toEqual(naiveRows(p, d, purpose, rs))
          expect(plan.errors).toEqual([])
        },
      ),
      { numRuns: 300 },
    )
  })
})
