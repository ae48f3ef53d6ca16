/**
 * Access control from the command line: exit codes for a denial (10) and an unknown
 * principal (3), `principal ls --json`, `policy apply` and `policy versions --json`, and a
 * governed read as a reader. The CLI acts as STRONGROOM_USER. It runs in this process
 * (`main` returns the exit code `entry.ts` sets): spawning costs seconds per call here.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/cli/exit-codes.js'
import { cli, csvOf, newLake, tempDir } from './helpers.js'

interface ErrorJson {
  error: { code: string }
}
const codeOf = (stderr: string): string => (JSON.parse(stderr) as ErrorJson).error.code

describe('access control through the CLI', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let lake: string
  const as = (user: string, ...args: string[]) =>
    cli([...args, '--lake', lake, '--json'], { STRONGROOM_USER: user })

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-access-cli-'))
    lake = join(dir, 'lake')
    const csv = join(dir, 'people.csv')
    await writeFile(
      csv,
      csvOf([
        ['id', 'email', 'region'],
        [1, 'una@example.test', 'eu'],
        [2, 'vik@example.test', 'us'],
      ]),
    )
    const admin = await newLake(lake, { principal: 'alice' })
    try {
      await admin.addPrincipal('rita', { clearance: 'medium', region: 'eu' })
      await admin.grantRole('rita', 'reader')
      await admin.ingest(csv, { dataset: 'hr.people', classify: false })
      await admin.classify('hr.people', {
        column: 'email',
        entityType: 'EMAIL_ADDRESS',
        sensitivity: 'medium',
      })
    } finally {
      await admin.close()
    }
  })
  afterAll(async () => cleanup())

  it('a denied read exits 10 with ERR_AUTHZ_DENIED and writes no data', async () => {
    // alice created the dataset, so she owns it; bob, an administrator who does not, is denied.
    expect((await as('alice', 'principal', 'add', 'bob')).code).toBe(EXIT.ok)
    expect((await as('alice', 'role', 'grant', 'bob', 'admin')).code).toBe(EXIT.ok)
    const r = await as('bob', 'read', 'hr.people', '--purpose', 'analytics')
    expect(r.code).toBe(EXIT.denied)
    expect(r.code).toBe(10)
    expect(codeOf(r.stderr)).toBe('ERR_AUTHZ_DENIED')
    expect(r.stdout).toBe('')
    expect(r.stderr).not.toContain('una@example.test')
  })

  it('an unregistered principal exits 3 with ERR_AUTHZ_UNKNOWN_PRINCIPAL', async () => {
    const r = await as('mallory', 'read', 'hr.people', '--purpose', 'analytics')
    expect(r.code).toBe(EXIT.notFound)
    expect(codeOf(r.stderr)).toBe('ERR_AUTHZ_UNKNOWN_PRINCIPAL')
    expect(r.stdout).toBe('')
  })

  it('a reader reads through the CLI with protected columns masked; no purpose is a usage error', async () => {
    const r = await cli(
      ['read', 'hr.people', '--purpose', 'analytics', '--format', 'jsonl', '--lake', lake],
      { STRONGROOM_USER: 'rita' },
    )
    expect(r.code, r.stderr).toBe(EXIT.ok)
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([
      { id: 1, email: '<EMAIL_ADDRESS>', region: 'eu' },
      { id: 2, email: '<EMAIL_ADDRESS>', region: 'us' },
    ])
    const none = await as('rita', 'read', 'hr.people')
    expect(none.code).toBe(EXIT.usage)
    expect(codeOf(none.stderr)).toBe('ERR_USAGE_INVALID_ARGUMENT')
  })

  it('principal ls --json lists principals with roles; only an administrator may', async () => {
    const r = await as('alice', 'principal', 'ls')
    expect(r.code, r.stderr).toBe(EXIT.ok)
    const ps = JSON.parse(r.stdout) as {
      id: string
      clearance: number
      roles: { role: string }[]
    }[]
    expect(ps.map((p) => [p.id, p.roles.map((g) => g.role).sort()])).toEqual([
      ['alice', ['admin']],
      ['bob', ['admin']],
      ['rita', ['reader']],
    ])
    expect(ps.find((p) => p.id === 'rita')?.clearance).toBe(2)
    const denied = await as('rita', 'principal', 'ls')
    expect(denied.code).toBe(EXIT.denied)
    expect(codeOf(denied.stderr)).toBe('ERR_AUTHZ_DENIED')
  })

  it('policy apply stores a version; policy versions --json lists it as current', async () => {
    const file = join(dir, 'regional.cedar')
    await writeFile(
      file,
      `@id("regional-read")
@rowFilter("region = principal.region")
permit (principal in Role::"regional", action == Action::"read", resource is Dataset);
`,
    )
    const applied = await as('alice', 'policy', 'apply', file, '-m', 'regional readers')
    expect(applied.code, applied.stderr).toBe(EXIT.ok)
    expect(JSON.parse(applied.stdout)).toMatchObject({ version: 1, changed: true })
    const r = await as('alice', 'policy', 'versions')
    expect(r.code, r.stderr).toBe(EXIT.ok)
    const vs = JSON.parse(r.stdout) as {
      version: number
      current: boolean
      comment: string
      createdBy: string
      policyIds: string[]
    }[]
    expect(vs.map((v) => [v.version, v.current])).toEqual([
      [0, false],
      [1, true],
    ])
    expect(vs[1]).toMatchObject({ comment: 'regional readers', createdBy: 'alice' })
    expect(vs[1]?.policyIds).toContain('regional-read')
    expect(vs[1]?.policyIds).toContain('guardrail-export-region')
    // Policy management is not for readers.
    const denied = await as('rita', 'policy', 'versions')
    expect(denied.code).toBe(EXIT.denied)
  })
})
