/**
 * `strongroom policy validate|explain|simulate` end to end, over the examples in
 * docs/examples/policy/ so the documented files are proven to work.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cli, tempDir } from './helpers.js'

const examples = resolve(import.meta.dirname, '../../docs/examples/policy')
const entities = join(examples, 'entities.yaml')
const matrix = join(examples, 'simulate.yaml')
const team = join(examples, 'team.cedar')

let dir: string
let cleanup: () => Promise<void>
beforeEach(async () => {
  ;({ dir, cleanup } = await tempDir('sr-policy-'))
})
afterEach(async () => {
  await cleanup()
})

interface ErrorJson {
  error: { code: string; issues: { path: string; message: string }[] }
}
const errorOf = (stderr: string): ErrorJson['error'] => (JSON.parse(stderr) as ErrorJson).error

describe('policy validate', () => {
  it('accepts the shipped defaults and lists their ids', async () => {
    const r = await cli(['policy', 'validate', '--json'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout) as { valid: boolean; policies: string[] }
    expect(j.valid).toBe(true)
    expect(j.policies).toContain('owner-dataset-access')
    expect(j.policies).toContain('guardrail-ssn-plaintext')
  })

  it('accepts the example policy folder on top of the defaults', async () => {
    const r = await cli(['policy', 'validate', examples])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^OK: 14 policies valid/)
    expect(r.stdout).toContain('contractor-no-training')
    expect(r.stdout).toContain('analyst-regional-analytics')
  })

  it('names the file and the problem of an invalid user policy (exit 2)', async () => {
    const bad = join(dir, 'bad.cedar')
    await writeFile(
      bad,
      '@id("typo")\npermit (principal, action == Action::"read", resource is Dataset)\n' +
        'when { principal.clearence > 1 };\n',
    )
    const r = await cli(['policy', 'validate', bad, '--json'])
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr)
    expect(e.code).toBe('ERR_AUTHZ_POLICY_INVALID')
    expect(e.issues).toHaveLength(1)
    expect(e.issues[0]?.path).toBe(`${bad} (typo)`)
    expect(e.issues[0]?.message).toMatch(/clearence/)
  })

  it('lists several problems of several files together', async () => {
    await writeFile(join(dir, 'a.cedar'), 'permit (principal, action, resource);\n')
    await writeFile(
      join(dir, 'b.cedar'),
      '@id("broken")\npermit (principal, action, resource) when { 1 + };\n',
    )
    await writeFile(
      join(dir, 'c.cedar'),
      '@id("no-such-action")\npermit (principal, action == Action::"fly", resource);\n',
    )
    await writeFile(join(dir, 'ignored.txt'), 'not a policy')
    const r = await cli(['policy', 'validate', dir, '--no-defaults', '--json'])
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr)
    expect(e.code).toBe('ERR_AUTHZ_POLICY_INVALID')
    const byPath = new Map(e.issues.map((i) => [i.path, i.message]))
    expect(byPath.get(`${join(dir, 'a.cedar')}#1`)).toBe('the policy has no @id annotation')
    expect(byPath.get(join(dir, 'b.cedar'))).toMatch(/unexpected token/)
    expect(byPath.get(`${join(dir, 'c.cedar')} (no-such-action)`)).toMatch(/fly/)
    expect(e.issues).toHaveLength(3)
  })

  it('fails on a missing path with ERR_INPUT_NOT_FOUND', async () => {
    const r = await cli(['policy', 'validate', join(dir, 'missing'), '--json'])
    expect(r.code).toBe(3)
    expect(errorOf(r.stderr).code).toBe('ERR_INPUT_NOT_FOUND')
  })
})

describe('policy explain', () => {
  const explain = (...args: string[]): ReturnType<typeof cli> =>
    cli(['policy', 'explain', '--entities', entities, ...args])

  it('allows the owner and names the owner policy', async () => {
    const r = await explain(
      '--as',
      'alice',
      '--action',
      'read',
      '--resource',
      'dataset:crm.customers',
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^ALLOW: allowed by permit "owner-dataset-access"/)
    expect(r.stdout).toContain('owners read, write, export, erase and list their datasets')
  })

  it('a guardrail forbid beats a permit and is named', async () => {
    // carol holds plaintext-reader (a permit for readPlaintext); the SSN guardrail forbids it.
    const r = await explain(
      '--as',
      'carol',
      '--action',
      'readPlaintext',
      '--resource',
      'column:crm.customers.ssn',
      '--json',
    )
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout) as {
      decision: string
      policies: { id: string; effect: string; description: string }[]
    }
    expect(j.decision).toBe('deny')
    expect(j.policies.map((p) => p.id)).toEqual(['guardrail-ssn-plaintext'])
    expect(j.policies[0]?.effect).toBe('forbid')
    // The same request on email (no guardrail) is allowed by the permit the guardrail beat.
    const email = await explain(
      '--as',
      'carol',
      '--action',
      'readPlaintext',
      '--resource',
      'column:crm.customers.email',
    )
    expect(email.stdout).toMatch(/^ALLOW: allowed by permit "plaintext-reader-column"/)
  })

  it('export needs --destination-region and is denied outside the dataset region', async () => {
    const args = ['--as', 'alice', '--action', 'export', '--resource', 'dataset:crm.customers']
    const none = await explain(...args, '--json')
    expect(none.code).toBe(2)
    expect(errorOf(none.stderr).code).toBe('ERR_USAGE_INVALID_ARGUMENT')
    const us = await explain(...args, '--destination-region', 'us')
    expect(us.stdout).toMatch(/^DENY: denied by forbid "guardrail-export-region"/)
    const eu = await explain(...args, '--destination-region', 'eu')
    expect(eu.stdout).toMatch(/^ALLOW: allowed by permit "owner-dataset-access"/)
  })

  it('applies user policies from --policies', async () => {
    const args = ['--as', 'dave', '--action', 'read', '--resource', 'dataset:crm.customers']
    const without = await explain(...args, '--purpose', 'training')
    expect(without.stdout).toMatch(/^ALLOW/)
    const withTeam = await explain(...args, '--purpose', 'training', '--policies', team)
    expect(withTeam.stdout).toMatch(/^DENY: denied by forbid "contractor-no-training"/)
    expect(withTeam.stdout).toContain('contractors never use data for training')
  })

  it('an unknown principal is ERR_AUTHZ_UNKNOWN_PRINCIPAL (exit 3)', async () => {
    const r = await explain(
      '--as',
      'mallory',
      '--action',
      'read',
      '--resource',
      'dataset:crm.customers',
      '--json',
    )
    expect(r.code).toBe(3)
    expect(errorOf(r.stderr).code).toBe('ERR_AUTHZ_UNKNOWN_PRINCIPAL')
    expect(r.stdout).toBe('')
  })

  it('an unknown action and an unknown resource have their own codes', async () => {
    const action = await explain(
      '--as',
      'bob',
      '--action',
      'fly',
      '--resource',
      'dataset:crm.customers',
      '--json',
    )
    expect(action.code).toBe(2)
    expect(errorOf(action.stderr).code).toBe('ERR_AUTHZ_UNKNOWN_ACTION')
    const ds = await explain(
      '--as',
      'bob',
      '--action',
      'read',
      '--resource',
      'dataset:crm.nope',
      '--json',
    )
    expect(ds.code).toBe(3)
    expect(errorOf(ds.stderr).code).toBe('ERR_AUTHZ_UNKNOWN_RESOURCE')
    const col = await explain(
      '--as',
      'bob',
      '--action',
      'read',
      '--resource',
      'column:crm.customers.nope',
      '--json',
    )
    expect(col.code).toBe(3)
    expect(errorOf(col.stderr).code).toBe('ERR_AUTHZ_UNKNOWN_RESOURCE')
  })

  it('lists every problem of a bad entities file with its path', async () => {
    const bad = join(dir, 'entities.json')
    await writeFile(
      bad,
      JSON.stringify({
        principals: [{ id: 'x', roles: 'reader', clearance: 'top', region: 'eu', mfa: 'yes' }],
        datasets: [{ name: 'nodot', owner: 'x', columns: [{ name: 'a' }, { name: 'a', pii: 1 }] }],
      }),
    )
    const r = await cli([
      'policy',
      'explain',
      '--entities',
      bad,
      '--as',
      'x',
      '--action',
      'read',
      '--resource',
      'dataset:a.b',
      '--json',
    ])
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr)
    expect(e.code).toBe('ERR_CONFIG_INVALID')
    expect(e.issues.map((i) => i.path).sort()).toEqual(
      [
        'principals[0].roles',
        'principals[0].clearance',
        'principals[0].mfa',
        'datasets[0].name',
        'datasets[0].region',
        'datasets[0].columns[1].pii',
        'datasets[0].columns[1].name',
      ].sort(),
    )
  })
})

describe('policy simulate', () => {
  it('meets every expectation of the example matrix (exit 0)', async () => {
    const r = await cli([
      'policy',
      'simulate',
      matrix,
      '--entities',
      entities,
      '--policies',
      team,
      '--json',
    ])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout) as {
      total: number
      mismatches: number
      requests: { got: string; policies: string[] }[]
    }
    expect(j.mismatches).toBe(0)
    expect(j.total).toBe(15)
    expect(j.requests.map((q) => q.got)).toContain('masked')
    expect(j.requests.map((q) => q.got)).toContain('hidden')
  })

  it('one wrong expectation exits 9 and is reported', async () => {
    const text = (await readFile(matrix, 'utf8')).replace(
      'resource: column:crm.customers.email, expect: masked',
      'resource: column:crm.customers.email, expect: plaintext',
    )
    const wrong = join(dir, 'wrong.yaml')
    await writeFile(wrong, text)
    const r = await cli(['policy', 'simulate', wrong, '--entities', entities, '--policies', team])
    expect(r.code).toBe(9)
    const lines = r.stdout.split('\n')
    const bad = lines.filter((l) => l.includes('MISMATCH'))
    expect(bad).toHaveLength(1)
    expect(bad[0]).toMatch(/bob read column:crm\.customers\.email +plaintext +masked +MISMATCH/)
    expect(r.stdout).toContain('15 request(s), 1 mismatch(es)')
  })

  it('takes entities inline', async () => {
    const file = join(dir, 'inline.json')
    await writeFile(
      file,
      JSON.stringify({
        entities: {
          principals: [{ id: 'u', roles: ['reader'], clearance: 'low', region: 'eu' }],
          datasets: [
            {
              name: 'a.b',
              owner: 'o',
              region: 'eu',
              sensitivity: 'low',
              columns: [{ name: 'c', pii: true }],
            },
          ],
        },
        requests: [
          { as: 'u', action: 'read', resource: 'dataset:a.b', expect: 'allow' },
          { as: 'u', action: 'read', resource: 'column:a.b.c', expect: 'masked' },
          { as: 'u', action: 'write', resource: 'dataset:a.b', expect: 'deny' },
        ],
      }),
    )
    const r = await cli(['policy', 'simulate', file])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('3 request(s), 0 mismatch(es)')
  })

  it('a bad matrix lists every problem (exit 2)', async () => {
    const file = join(dir, 'bad.yaml')
    await writeFile(
      file,
      [
        'requests:',
        '  - { as: nobody, action: read, resource: dataset:crm.customers, expect: allow }',
        '  - { as: bob, action: fly, resource: dataset:crm.customers, expect: allow }',
        '  - { as: bob, action: read, resource: table:crm, expect: allow }',
        '  - { as: bob, action: read, resource: dataset:crm.customers, expect: masked }',
        '  - { as: bob, action: export, resource: dataset:crm.customers, expect: maybe }',
        '  - { as: bob, action: write, resource: column:crm.customers.email, expect: deny }',
        '  - { as: bob, action: read, resource: dataset:crm.customers, expect: allow, purpse: x }',
      ].join('\n'),
    )
    const r = await cli(['policy', 'simulate', file, '--entities', entities, '--json'])
    expect(r.code).toBe(2)
    const e = errorOf(r.stderr)
    expect(e.code).toBe('ERR_CONFIG_INVALID')
    expect(e.issues.map((i) => i.path)).toEqual([
      'requests[0].as',
      'requests[1].action',
      'requests[2].resource',
      'requests[3].expect',
      'requests[4].destinationRegion',
      'requests[4].expect',
      'requests[5].action',
      'requests[6].purpse',
    ])
  })

  it('refuses a matrix without entities', async () => {
    const r = await cli(['policy', 'simulate', matrix, '--json'])
    expect(r.code).toBe(2)
    expect(errorOf(r.stderr).code).toBe('ERR_USAGE_INVALID_ARGUMENT')
  })
})
