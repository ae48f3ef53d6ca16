import { readFileSync } from 'node:fs'
import { checkParseEntities, checkParseSchema } from '@cedar-policy/cedar-wasm/nodejs'
import { describe, expect, it } from 'vitest'
import type { DatasetInfo, PrincipalInfo } from '../../src/access/index.js'
import {
  DEFAULT_GUARDRAILS,
  DEFAULT_PERMITS,
  DEFAULT_POLICIES,
  DEFAULT_POLICY_VERSION,
  PolicyEngine,
  STRONGROOM_CEDAR_SCHEMA,
} from '../../src/access/index.js'
import { columnEntity, datasetEntity, userEntity } from '../../src/access/entities.js'
import { exitCodeFor } from '../../src/cli/exit-codes.js'
import { isStrongroomError } from '../../src/errors.js'

const engine = () =>
  PolicyEngine.create({ policies: DEFAULT_POLICIES, version: DEFAULT_POLICY_VERSION })

const customers: DatasetInfo = {
  id: 'crm.customers',
  owner: 'olga',
  region: 'eu',
  tags: ['domain=crm'],
  sensitivity: 'medium',
  purposes: ['training'],
  columns: [
    { name: 'id' },
    { name: 'email', classification: 'EMAIL_ADDRESS', pii: true },
    { name: 'ssn', classification: 'US_SSN', sensitivity: 'high' },
    { name: 'region' },
    { name: 'phone_note' },
  ],
}
const olga: PrincipalInfo = { id: 'olga', roles: [], clearance: 'high', region: 'eu', mfa: true }
const rita: PrincipalInfo = {
  id: 'rita',
  roles: ['reader'],
  clearance: 'medium',
  region: 'eu',
  mfa: true,
}
const pete: PrincipalInfo = {
  id: 'pete',
  roles: ['reader', 'plaintext-reader'],
  clearance: 'high',
  region: 'eu',
  mfa: true,
}

function access(plan: ReturnType<PolicyEngine['planColumns']>): Record<string, string> {
  return Object.fromEntries(plan.columns.map((c) => [c.column, c.access]))
}

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (e) {
    return e
  }
  throw new Error('expected a throw')
}

describe('schema and default policies', () => {
  it('the schema parses', () => {
    expect(checkParseSchema(STRONGROOM_CEDAR_SCHEMA)).toEqual({ type: 'success' })
  })

  it('the entities the engine builds conform to the schema', () => {
    const entities = [
      userEntity(pete),
      datasetEntity(customers),
      ...customers.columns.map((c) => columnEntity(customers, c)),
    ]
    expect(checkParseEntities({ entities, schema: STRONGROOM_CEDAR_SCHEMA })).toEqual({
      type: 'success',
    })
  })

  it('every default policy has an @id and the set validates', () => {
    const e = engine()
    expect(e.policyIds()).toContain('owner-dataset-access')
    expect(e.policyIds()).toContain('guardrail-export-region')
    expect(e.policyIds().length).toBe(11)
    // MFA is a server-mode guardrail, shipped as an example rather than a default.
    expect(e.policyIds()).not.toContain('guardrail-plaintext-mfa')
  })

  it('denies by default: a principal with no role and no ownership gets nothing', () => {
    const nobody: PrincipalInfo = { id: 'x', roles: [], clearance: 'high', region: 'eu', mfa: true }
    const r = engine().authorize({
      principal: nobody,
      action: 'read',
      resource: { dataset: customers },
    })
    expect(r).toEqual({ decision: 'deny', policies: [], errors: [] })
  })

  it('owners cannot manage keys or policies; admins cannot read plaintext', () => {
    const e = engine()
    for (const action of ['manageKeys', 'managePolicy', 'admin']) {
      expect(
        e.authorize({ principal: olga, action, resource: { dataset: customers } }).decision,
      ).toBe('deny')
    }
    const adam: PrincipalInfo = {
      id: 'adam',
      roles: ['admin'],
      clearance: 'high',
      region: 'eu',
      mfa: true,
    }
    expect(
      e.authorize({ principal: adam, action: 'manageKeys', resource: { dataset: customers } })
        .decision,
    ).toBe('allow')
    const plan = e.planColumns({ principal: adam, dataset: customers })
    expect(Object.values(access(plan))).toEqual(['hidden', 'hidden', 'hidden', 'hidden', 'hidden'])
  })
})

describe('hard cases', () => {
  it('forbid beats permit: the owner cannot export outside the region nor read for training without the purpose', () => {
    const e = engine()
    const out = e.explain({
      principal: olga,
      action: 'export',
      resource: { dataset: customers },
      context: { destinationRegion: 'us' },
    })
    expect(out.decision).toBe('deny')
    expect(out.policies).toEqual(['guardrail-export-region'])
    expect(out.summary).toBe('denied by forbid "guardrail-export-region"')
    expect(
      e.authorize({
        principal: olga,
        action: 'export',
        resource: { dataset: customers },
        context: { destinationRegion: 'eu' },
      }).policies,
    ).toEqual(['owner-dataset-access'])
    const analyticsOnly = { ...customers, purposes: ['analytics'] }
    const plan = e.planColumns({ principal: olga, dataset: analyticsOnly, purpose: 'training' })
    expect(plan.dataset.policies).toEqual(['guardrail-purpose-training-dataset'])
    expect(new Set(Object.values(access(plan)))).toEqual(new Set(['hidden']))
    expect(plan.rowFilter.sql).toBe('FALSE')
  })

  it('forbid beats permit: even the owner sees a US_SSN column masked without ssn-reader', () => {
    const plan = engine().planColumns({ principal: olga, dataset: customers })
    expect(access(plan)).toEqual({
      id: 'plaintext',
      email: 'plaintext',
      ssn: 'masked',
      region: 'plaintext',
      phone_note: 'plaintext',
    })
    const ssnReader = { ...olga, roles: ['ssn-reader'] }
    expect(access(engine().planColumns({ principal: ssnReader, dataset: customers }))['ssn']).toBe(
      'plaintext',
    )
  })

  it('tag inheritance: a column tagged pii later is protected with no policy change', () => {
    const e = engine()
    expect(access(e.planColumns({ principal: rita, dataset: customers }))['phone_note']).toBe(
      'plaintext',
    )
    const tagged: DatasetInfo = {
      ...customers,
      columns: customers.columns.map((c) =>
        c.name === 'phone_note' ? { ...c, tags: ['pii'] } : c,
      ),
    }
    expect(access(e.planColumns({ principal: rita, dataset: tagged }))['phone_note']).toBe('masked')
    // A dataset-level tag reaches every column that does not override it.
    const datasetTagged: DatasetInfo = { ...customers, tags: ['pii=contact'] }
    const plan = access(e.planColumns({ principal: rita, dataset: datasetTagged }))
    expect(plan['id']).toBe('masked')
    expect(plan['region']).toBe('masked')
    const overridden: DatasetInfo = {
      ...datasetTagged,
      columns: customers.columns.map((c) =>
        c.name === 'region' ? { ...c, tags: ['pii=false'] } : c,
      ),
    }
    expect(access(e.planColumns({ principal: rita, dataset: overridden }))['region']).toBe(
      'plaintext',
    )
  })

  it('a principal in two roles gets the union of what each role allows', () => {
    const both: PrincipalInfo = {
      id: 'ravi',
      roles: ['reader', 'admin'],
      clearance: 'medium',
      region: 'eu',
      mfa: true,
    }
    const e = engine()
    expect(
      e.authorize({ principal: both, action: 'read', resource: { dataset: customers } }).policies,
    ).toEqual(['reader-dataset-by-clearance'])
    expect(
      e.authorize({ principal: both, action: 'manageKeys', resource: { dataset: customers } })
        .policies,
    ).toEqual(['admin-manage'])
    expect(
      e.authorize({ principal: both, action: 'list', resource: { dataset: customers } }).policies,
    ).toEqual(['admin-manage', 'reader-dataset-by-clearance'])
  })

  it('a revoked role takes effect at once, although the earlier decision is cached', () => {
    const e = engine()
    expect(access(e.planColumns({ principal: pete, dataset: customers }))['email']).toBe(
      'plaintext',
    )
    const revoked = { ...pete, roles: ['reader'] }
    expect(access(e.planColumns({ principal: revoked, dataset: customers }))['email']).toBe(
      'masked',
    )
    const gone = { ...pete, roles: [] }
    expect(
      new Set(Object.values(access(e.planColumns({ principal: gone, dataset: customers })))),
    ).toEqual(new Set(['hidden']))
  })

  it('a policy version rolled back: two engines with different versions decide independently', () => {
    const analystPermit = `
      @id("analyst-read")
      permit (principal in Role::"analyst", action == Action::"read", resource);`
    const v1 = PolicyEngine.create({ policies: DEFAULT_POLICIES, version: 'v1' })
    const v2 = PolicyEngine.create({
      policies: [...DEFAULT_POLICIES, analystPermit],
      version: 'v2',
    })
    const ana: PrincipalInfo = {
      id: 'ana',
      roles: ['analyst'],
      clearance: 'none',
      region: 'eu',
      mfa: false,
    }
    const req = { principal: ana, action: 'read', resource: { dataset: customers } } as const
    expect(v2.authorize(req).policies).toEqual(['analyst-read'])
    expect(v1.authorize(req).decision).toBe('deny')
    // Rolling back is creating the older version again; it must not pick up v2's set.
    const back = PolicyEngine.create({ policies: DEFAULT_POLICIES, version: 'v1' })
    expect(back.authorize(req).decision).toBe('deny')
    expect(v2.authorize(req).decision).toBe('allow')
  })

  it('a column added after the policy is governed by its attributes', () => {
    const e = engine()
    e.planColumns({ principal: rita, dataset: customers })
    const grown: DatasetInfo = {
      ...customers,
      columns: [
        ...customers.columns,
        { name: 'phone', classification: 'PHONE_NUMBER' },
        { name: 'score', sensitivity: 'high' },
        { name: 'city' },
      ],
    }
    const plan = access(e.planColumns({ principal: rita, dataset: grown }))
    expect(plan['phone']).toBe('masked')
    expect(plan['score']).toBe('hidden') // above rita's clearance
    expect(plan['city']).toBe('plaintext')
  })

  it('a policy naming one column entity is honoured although other columns share its attributes', () => {
    const e = PolicyEngine.create({
      policies: [
        ...DEFAULT_POLICIES,
        `@id("hide-notes") forbid (principal, action, resource == Column::"crm.customers/phone_note");`,
      ],
      version: 'with-column',
    })
    const plan = access(e.planColumns({ principal: rita, dataset: customers }))
    expect(plan['phone_note']).toBe('hidden')
    expect(plan['region']).toBe('plaintext')
  })

  it('a guardrail whose condition errors at run time denies instead of failing open', () => {
    const e = PolicyEngine.create({
      policies: [
        DEFAULT_PERMITS,
        `@id("overflowing-guardrail")
         forbid (principal, action == Action::"read", resource is Dataset)
         when { principal.clearance * 9223372036854775807 > 0 };`,
      ],
      version: 'overflow',
    })
    const r = e.authorize({ principal: olga, action: 'read', resource: { dataset: customers } })
    expect(r.decision).toBe('deny')
    expect(r.policies).toEqual(['overflowing-guardrail'])
    expect(r.errors.map((x) => x.policyId)).toEqual(['overflowing-guardrail'])
  })
})

describe('errors', () => {
  it('rejects a schema-invalid policy set, listing every problem', () => {
    const e = thrown(() =>
      PolicyEngine.create({
        version: 'bad',
        policies: [
          {
            name: 'a.cedar',
            text: `@id("a") permit (principal, action == Action::"read", resource) when { principal.clearence > 1 };`,
          },
          { name: 'b.cedar', text: `permit (principal, action == Action::"read", resource);` },
          {
            name: 'c.cedar',
            text: `@id("c") permit (principal, action == Action::"fly", resource);`,
          },
          {
            name: 'd.cedar',
            text: `@id("d") forbid (principal, action, resource) when { resource.owner == 3 ;`,
          },
          {
            name: 'e.cedar',
            text: `@id("a") @rowFilter("region = principal.region") permit (principal, action == Action::"list", resource);`,
          },
          {
            name: 'f.cedar',
            text: `@id("f") @rowFilter("region = ") permit (principal, action == Action::"read", resource is Dataset);`,
          },
        ],
      }),
    )
    expect(isStrongroomError(e, 'ERR_AUTHZ_POLICY_INVALID')).toBe(true)
    if (!isStrongroomError(e)) return
    const paths = e.issues.map((i) => i.path).sort()
    expect(paths).toEqual(['a', 'b.cedar#1', 'c', 'd.cedar', 'e.cedar#1', 'f'])
    expect(e.issues.find((i) => i.path === 'a')?.message).toMatch(/clearence/)
    expect(e.issues.find((i) => i.path === 'b.cedar#1')?.message).toMatch(/@id/)
    expect(e.issues.find((i) => i.path === 'e.cedar#1')?.message).toMatch(/duplicate/)
    expect(e.message).toBe('the policy set is invalid: 6 problems')
  })

  it('rejects a forbid carrying a row filter, and an empty set', () => {
    const e = thrown(() =>
      PolicyEngine.create({
        version: 'x',
        policies: [`@id("f") @rowFilter("region = 'eu'") forbid (principal, action, resource);`],
      }),
    )
    expect(isStrongroomError(e, 'ERR_AUTHZ_POLICY_INVALID') && e.issues[0]?.message).toMatch(
      /permit/,
    )
    expect(
      isStrongroomError(
        thrown(() => PolicyEngine.create({ version: 'x', policies: [''] })),
        'ERR_AUTHZ_POLICY_INVALID',
      ),
    ).toBe(true)
  })

  it('unknown action, column and principal have their own codes and exit codes', () => {
    const e = engine()
    const a = thrown(() =>
      e.authorize({ principal: olga, action: 'fly', resource: { dataset: customers } }),
    )
    expect(isStrongroomError(a, 'ERR_AUTHZ_UNKNOWN_ACTION')).toBe(true)
    const c = thrown(() =>
      e.authorize({
        principal: olga,
        action: 'read',
        resource: { dataset: customers, column: 'nope' },
      }),
    )
    expect(isStrongroomError(c, 'ERR_AUTHZ_UNKNOWN_RESOURCE')).toBe(true)
    const w = thrown(() =>
      e.authorize({
        principal: olga,
        action: 'write',
        resource: { dataset: customers, column: 'id' },
      }),
    )
    expect(isStrongroomError(w, 'ERR_AUTHZ_UNKNOWN_RESOURCE')).toBe(true)
    const p = thrown(() =>
      e.authorize({
        principal: { ...olga, id: '' },
        action: 'read',
        resource: { dataset: customers },
      }),
    )
    expect(isStrongroomError(p, 'ERR_AUTHZ_UNKNOWN_PRINCIPAL')).toBe(true)
    const q = thrown(() =>
      e.authorize({
        principal: { ...olga, clearance: 7 },
        action: 'read',
        resource: { dataset: customers },
      }),
    )
    expect(isStrongroomError(q, 'ERR_AUTHZ_UNKNOWN_PRINCIPAL')).toBe(true)
    expect(exitCodeFor('ERR_AUTHZ_UNKNOWN_RESOURCE')).toBe(3)
    expect(exitCodeFor('ERR_AUTHZ_UNKNOWN_PRINCIPAL')).toBe(3)
    expect(exitCodeFor('ERR_AUTHZ_UNKNOWN_ACTION')).toBe(2)
  })

  it('assertAuthorized throws ERR_AUTHZ_DENIED (exit 10) naming policy ids only', () => {
    const d = thrown(() =>
      engine().assertAuthorized({
        principal: olga,
        action: 'export',
        resource: { dataset: customers },
        context: { destinationRegion: 'us' },
      }),
    )
    expect(isStrongroomError(d, 'ERR_AUTHZ_DENIED')).toBe(true)
    if (!isStrongroomError(d)) return
    expect(d.message).toBe('export is not allowed: denied by guardrail-export-region')
    expect(exitCodeFor(d.code)).toBe(10)
  })

  it('export without a destination region is a usage error, not a silent allow', () => {
    const x = thrown(() =>
      engine().authorize({ principal: olga, action: 'export', resource: { dataset: customers } }),
    )
    expect(isStrongroomError(x, 'ERR_USAGE_INVALID_ARGUMENT')).toBe(true)
  })
})

describe('explain', () => {
  it('names the deciding policies and their descriptions', () => {
    const e = engine()
    const allow = e.explain({ principal: rita, action: 'read', resource: { dataset: customers } })
    expect(allow.summary).toBe('allowed by permit "reader-dataset-by-clearance"')
    expect(allow.determining).toEqual([
      {
        id: 'reader-dataset-by-clearance',
        effect: 'permit',
        description: 'readers read datasets up to their clearance',
        rowFilter: undefined,
      },
    ])
    const none = e.explain({ principal: rita, action: 'erase', resource: { dataset: customers } })
    expect(none).toMatchObject({
      decision: 'deny',
      policies: [],
      summary: 'denied by default: no permit policy matched',
    })
    // With the example MFA guardrail added, both forbids are named.
    const withMfa = PolicyEngine.create({
      policies: [
        ...DEFAULT_POLICIES,
        {
          name: 'guardrails-mfa.cedar',
          text: readFileSync('docs/examples/policy/guardrails-mfa.cedar', 'utf8'),
        },
      ],
      version: 'with-mfa',
    })
    const ssn = withMfa.explain({
      principal: { ...pete, mfa: false },
      action: 'readPlaintext',
      resource: { dataset: customers, column: 'ssn' },
    })
    expect(ssn.policies).toEqual(['guardrail-plaintext-mfa', 'guardrail-ssn-plaintext'])
    expect(ssn.determining.map((d) => d.effect)).toEqual(['forbid', 'forbid'])
  })

  it('returns frozen results, so a caller cannot alter a cached decision', () => {
    const e = engine()
    const r = e.authorize({ principal: rita, action: 'read', resource: { dataset: customers } })
    expect(Object.isFrozen(r) && Object.isFrozen(r.policies)).toBe(true)
  })
})

describe('cost', () => {
  it('columns with equal attributes share one evaluation, and a warm plan needs none', () => {
    const wide: DatasetInfo = {
      ...customers,
      columns: Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0
          ? { name: `c${i}`, classification: 'EMAIL_ADDRESS' }
          : i % 3 === 1
            ? { name: `c${i}`, sensitivity: 'low' as const }
            : { name: `c${i}` },
      ),
    }
    const e = engine()
    const plan = e.planColumns({ principal: pete, dataset: wide, purpose: 'training' })
    expect(plan.columns).toHaveLength(30)
    // One dataset read, then one question per distinct column signature (3).
    expect(e.stats().evaluations).toBe(4)
    e.planColumns({ principal: pete, dataset: wide, purpose: 'training' })
    expect(e.stats().evaluations).toBe(4)
    expect(e.stats().cacheHits).toBeGreaterThanOrEqual(31)
    e.planColumns({ principal: pete, dataset: wide, purpose: 'analytics' })
    expect(e.stats().evaluations).toBe(8)
  })

  it('the cache can be disabled', () => {
    const e = PolicyEngine.create({
      policies: [DEFAULT_PERMITS, DEFAULT_GUARDRAILS],
      version: 'nc',
      cacheSize: 0,
    })
    e.planColumns({ principal: rita, dataset: customers })
    e.planColumns({ principal: rita, dataset: customers })
    expect(e.stats().cacheHits).toBe(0)
    expect(e.stats().cacheSize).toBe(0)
  })
})
