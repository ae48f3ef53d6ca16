/**
 * Threat: injection through access control. Principal attribute values, row filter constants
 * and names, principal ids and role ids carrying quotes, SQL comment markers, semicolons,
 * NUL, tautologies, Unicode look-alikes or long strings must never widen what a read returns.
 * Every read here is a real governed read of a real lake, compared with the rows an
 * independent equality test over the written data allows.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createStrongroom,
  isStrongroomError,
  type RecordBatch,
  type Strongroom,
} from '../../src/index.js'
import { PASSPHRASE, newLake, tempDir } from '../e2e/helpers.js'

/** Quotes, comment markers, statement breaks and look-alikes of "red". */
const HOSTILE: readonly string[] = [
  "red' OR '1'='1",
  "' OR '1'='1",
  'red --',
  'red/*',
  '*/ OR 1=1 /*',
  'red; DROP TABLE t;--',
  "red'",
  'red"',
  'red\\',
  'r\u0435d', // Cyrillic ie
  '\uff52\uff45\uff44', // fullwidth "red"
]

/** Team names a hostile attribute or constant might try to reach, one row each. */
const TEAMS: readonly (string | null)[] = [
  'red',
  'blue',
  ...HOSTILE,
  'RED',
  'red ',
  '%',
  '_',
  'x'.repeat(256),
  '',
  null,
]

/** The dataset: id = position + 1. */
const ROWS = TEAMS.map((team, i) => ({ id: i + 1, team, amount: (i + 1) * 10 }))

/** The ids an equality filter `team = value` allows: SQL semantics, NULL matches nothing. */
function expectedIds(value: string | null): number[] {
  return ROWS.filter((r) => value !== null && r.team !== null && r.team === value).map((r) => r.id)
}

async function ids(batches: AsyncIterable<RecordBatch>): Promise<number[]> {
  const out: number[] = []
  for await (const b of batches) {
    const at = b.columns.findIndex((c) => c.name === 'id')
    for (let r = 0; r < b.rowCount; r++) out.push(Number(b.values[at]?.[r]))
  }
  return out.sort((a, b) => a - b)
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    return isStrongroomError(e) ? e.code : `non-strongroom: ${String(e)}`
  }
  return 'resolved'
}

/** A Cedar string literal holding `text` (the annotation syntax escapes `\` and `"`). */
function cedarString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/** A permit for `role` restricted by `filter`, with the column permit that goes with it. */
function filtered(id: string, role: string, filter: string): string {
  return `
@id("${id}")
@rowFilter(${cedarString(filter)})
permit (principal in Role::"${role}", action == Action::"read", resource is Dataset);

@id("${id}-columns")
permit (principal in Role::"${role}", action == Action::"read", resource is Column);
`
}

const BASE = filtered('team-read', 'team', 'team = principal.team')

describe('access control injection: values, names and ids never widen a read', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let root: string
  let alice: Strongroom
  let mallory: Strongroom
  const read = (h: Strongroom) => ids(h.read('sec.teams', { purpose: 'analytics' }))
  const versions = async () => (await alice.policyVersions()).length

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-access-inj-'))
    root = join(dir, 'lake')
    const jsonl = join(dir, 'teams.jsonl')
    // JSONL keeps '' apart from null, and every string exactly as written.
    await writeFile(jsonl, ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n')
    alice = await newLake(root, { principal: 'alice' })
    await alice.ingest(jsonl, { dataset: 'sec.teams', classify: false })
    await alice.addPrincipal('mallory', { region: 'eu', attributes: { team: 'red' } })
    await alice.grantRole('mallory', 'team')
    await alice.applyPolicies([{ name: 'team.cedar', text: BASE }])
    mallory = await createStrongroom({ root, passphrase: PASSPHRASE, principal: 'mallory' })
  })
  afterAll(async () => {
    await mallory?.close()
    await alice?.close()
    await cleanup()
  })

  it('the data holds every hostile string exactly (the oracle is sound)', async () => {
    expect(await read(mallory)).toEqual(expectedIds('red'))
    expect(expectedIds('red')).toEqual([1])
  })

  it('hostile attribute values match only the cells equal to them', async () => {
    const hostile = [
      ...TEAMS.filter((t): t is string => t !== null),
      "' OR 1=1 --",
      "') OR ('1'='1",
      "red' UNION SELECT * FROM read_csv('/etc/passwd') --",
      '?',
      '$1',
      "red' AND team IS NOT NULL OR 'a'='a",
      'red\n--',
      'red\t',
    ]
    for (const value of hostile) {
      await alice.setPrincipal('mallory', { attributes: { team: value } })
      expect(await read(mallory), JSON.stringify(value)).toEqual(expectedIds(value))
    }
    // A null attribute is NULL: no row, not even the NULL one; a missing one likewise.
    await alice.setPrincipal('mallory', { attributes: { team: null } })
    expect(await read(mallory)).toEqual([])
    await alice.setPrincipal('mallory', { attributes: {} })
    expect(await read(mallory)).toEqual([])
  })

  it('a number or boolean attribute compared with a text column matches no row', async () => {
    // The JS predicate (strict equality) says no row; the SQL must agree, not fail or cast.
    for (const value of [1, 0, true, false]) {
      await alice.setPrincipal('mallory', { attributes: { team: value } })
      expect(await codeOf(read(mallory)), JSON.stringify(value)).toBe('resolved')
      expect(await read(mallory), JSON.stringify(value)).toEqual([])
    }
    await alice.setPrincipal('mallory', { attributes: { team: 'red' } })
  })

  it('attribute values with NUL or over the length limit are refused and nothing is stored', async () => {
    await alice.setPrincipal('mallory', { attributes: { team: 'red' } })
    for (const value of ['red\u0000', "red\u0000' OR '1'='1", 'x'.repeat(257), 'red\u007f']) {
      expect(
        await codeOf(alice.setPrincipal('mallory', { attributes: { team: value } })),
        JSON.stringify(value),
      ).toBe('ERR_USAGE_INVALID_ARGUMENT')
    }
    const me = (await alice.principals()).find((p) => p.id === 'mallory')
    expect(me?.attributes).toEqual({ team: 'red' })
    expect(await read(mallory)).toEqual([1])
  })

  it('hostile regions are refused (they never reach a filter) and nothing is stored', async () => {
    for (const region of [
      "eu' OR '1'='1",
      'eu;--',
      'eu/*',
      '\u0435u', // Cyrillic ie
      '\uff45\uff55', // fullwidth
      'eu\u0000',
      'EU',
      'e'.repeat(65),
    ]) {
      expect(await codeOf(alice.setPrincipal('mallory', { region })), JSON.stringify(region)).toBe(
        'ERR_USAGE_INVALID_ARGUMENT',
      )
    }
    expect((await alice.principals()).find((p) => p.id === 'mallory')?.region).toBe('eu')
  })

  it('hostile attribute names are refused, and principal.<name> never reaches the prototype', async () => {
    await alice.setPrincipal('mallory', { attributes: { team: 'red' } })
    for (const name of ["team' OR '1'='1", 'team--', 't\u0435am', 'team\u0000', '']) {
      expect(
        await codeOf(alice.setPrincipal('mallory', { attributes: { [name]: 'red' } })),
        JSON.stringify(name),
      ).toBe('ERR_USAGE_INVALID_ARGUMENT')
    }
    const before = await versions()
    await alice.applyPolicies([
      {
        name: 'team.cedar',
        text: BASE + filtered('proto-read', 'proto', 'team = principal.constructor'),
      },
    ])
    expect(await versions()).toBe(before + 1)
    await alice.grantRole('mallory', 'proto')
    // mallory has no `constructor` attribute: NULL, so the proto permit adds no row.
    expect(await read(mallory)).toEqual([1])
    await alice.revokeRole('mallory', 'proto')
  })

  it('filter constants with quotes, comment markers and look-alikes match only equal cells', async () => {
    const constants = [...HOSTILE, '%', '_']
    await alice.grantRole('mallory', 'const')
    await alice.setPrincipal('mallory', { attributes: {} })
    for (const value of constants) {
      // A quote inside a filter constant is doubled, as in SQL.
      const literal = `'${value.replace(/'/g, "''")}'`
      await alice.applyPolicies([
        { name: 'team.cedar', text: BASE + filtered('const-read', 'const', `team = ${literal}`) },
      ])
      expect(await read(mallory), JSON.stringify(value)).toEqual(expectedIds(value))
    }
    // in (…) with hostile members: exactly the union of the equal cells.
    const list = ["' OR '1'='1", 'red --', 'nobody']
    await alice.applyPolicies([
      {
        name: 'team.cedar',
        text:
          BASE +
          filtered(
            'const-read',
            'const',
            `team in (${list.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')})`,
          ),
      },
    ])
    expect(await read(mallory)).toEqual([...expectedIds(list[0] ?? ''), ...expectedIds('red --')])
    await alice.revokeRole('mallory', 'const')
  })

  it('malformed @rowFilter names are rejected at apply, and no version is stored', async () => {
    const bad = [
      `"team" = 'red'`, // a quoted identifier
      `team = 'red' -- or 1 = 1`,
      `team = 'red' /* x */`,
      `team = 'red'; DROP TABLE t`,
      `t\u0435am = 'red'`, // Cyrillic ie in the column name
      `\uff54\uff45\uff41\uff4d = 'red'`, // fullwidth column name
      `te\u0000am = 'red'`,
      `team = principal."team"`,
      `team = principal.t\u0435am`,
      `team = 'red' or 1 = 1`,
      `team like '%'`,
      `team = 'red`,
      `team = "red"`,
      `(team = 'red'`,
      `team = 'red' or`,
      `not team = 'red'`,
      `team = principal.team.x`,
      `x`.repeat(2001),
    ]
    const before = await versions()
    for (const filter of bad) {
      const text = BASE + filtered('bad-read', 'bad', filter)
      expect(
        await codeOf(alice.applyPolicies([{ name: 'bad.cedar', text }])),
        JSON.stringify(filter.slice(0, 40)),
      ).toBe('ERR_AUTHZ_POLICY_INVALID')
    }
    // All at once: one error listing every one of them.
    const all = bad.map((f, i) => filtered(`bad-${String(i)}`, 'bad', f)).join('\n')
    try {
      await alice.applyPolicies([{ name: 'bad.cedar', text: BASE + all }])
      expect.unreachable('an invalid set was applied')
    } catch (e) {
      expect(isStrongroomError(e, 'ERR_AUTHZ_POLICY_INVALID')).toBe(true)
      const issues = isStrongroomError(e) ? e.issues : []
      expect(issues.filter((i) => /rowFilter/.test(i.message))).toHaveLength(bad.length)
    }
    expect(await versions()).toBe(before)
  })

  it('principal ids with quotes, spaces, NUL or look-alikes are refused and nothing is stored', async () => {
    const before = (await alice.principals()).map((p) => p.id)
    for (const id of [
      'bob"',
      "bob'",
      'bob smith',
      "' OR '1'='1",
      'Role::"admin"',
      'bob/*',
      'bob;--',
      '\u0430lice', // Cyrillic a
      '\uff42\uff4f\uff42',
      '',
      ' alice',
      'b'.repeat(129),
    ]) {
      expect(await codeOf(alice.addPrincipal(id)), JSON.stringify(id)).toBe(
        'ERR_USAGE_INVALID_ARGUMENT',
      )
    }
    expect((await alice.principals()).map((p) => p.id)).toEqual(before)
  })

  it('role ids with quotes, spaces, NUL or look-alikes are refused and nothing is stored', async () => {
    const before = (await alice.principals()).find((p) => p.id === 'mallory')?.roles
    for (const role of [
      'admin"',
      'admin" || true || "',
      "admin'",
      'ad min',
      '\u0430dmin', // Cyrillic a
      'Admin',
      'admin;--',
      '',
      'r'.repeat(65),
    ]) {
      expect(await codeOf(alice.grantRole('mallory', role)), JSON.stringify(role)).toBe(
        'ERR_USAGE_INVALID_ARGUMENT',
      )
    }
    const after = (await alice.principals()).find((p) => p.id === 'mallory')?.roles
    expect(after?.map((g) => g.role)).toEqual(before?.map((g) => g.role))
    expect(after?.map((g) => g.role)).not.toContain('admin')
  })

  it('a principal id or role id with NUL or a control character is a usage error, and nothing is stored', async () => {
    const before = await alice.principals()
    for (const id of ['bob\u0000', 'bob\u0000admin', 'bob\u001b[0m']) {
      expect(await codeOf(alice.addPrincipal(id)), JSON.stringify(id)).toBe(
        'ERR_USAGE_INVALID_ARGUMENT',
      )
    }
    for (const role of ['admin\u0000', 'reader\u0000admin']) {
      expect(await codeOf(alice.grantRole('mallory', role)), JSON.stringify(role)).toBe(
        'ERR_USAGE_INVALID_ARGUMENT',
      )
    }
    expect(await alice.principals()).toEqual(before)
  })

  it('an acting principal that only looks like a registered one is unknown', async () => {
    for (const principal of ['\u0430lice', 'alice"']) {
      const h = await createStrongroom({ root, passphrase: PASSPHRASE, principal })
      try {
        expect(await codeOf(read(h)), JSON.stringify(principal)).toBe('ERR_AUTHZ_UNKNOWN_PRINCIPAL')
        expect(await codeOf(h.list())).toBe('ERR_AUTHZ_UNKNOWN_PRINCIPAL')
      } finally {
        await h.close()
      }
    }
  })

  it('a principal without a region does not match rows whose region is the empty string', async () => {
    const jsonl = join(dir, 'regions.jsonl')
    await writeFile(
      jsonl,
      [
        { id: 1, region: 'eu' },
        { id: 2, region: '' },
        { id: 3, region: null },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    )
    await alice.ingest(jsonl, { dataset: 'sec.regions', classify: false })
    await alice.addPrincipal('nora')
    await alice.grantRole('nora', 'regional')
    await alice.applyPolicies([
      {
        name: 'team.cedar',
        text: BASE + filtered('regional-read', 'regional', 'region = principal.region'),
      },
    ])
    const nora = await createStrongroom({ root, passphrase: PASSPHRASE, principal: 'nora' })
    try {
      // No region declared is a missing attribute: NULL, matching no row (docs/access.md).
      expect(await ids(nora.read('sec.regions', { purpose: 'analytics' }))).toEqual([])
      await alice.setPrincipal('nora', { region: 'eu' })
      expect(await ids(nora.read('sec.regions', { purpose: 'analytics' }))).toEqual([1])
    } finally {
      await nora.close()
    }
  })
})
