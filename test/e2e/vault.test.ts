/**
 * The token vault end to end: `ingest --protect` with `vault` columns stores random tokens,
 * `detokenize` brings the values back (audited), `vault forget` crypto-shreds one subject so
 * its tokens report `shredded` while other subjects still detokenize, and the original
 * values are nowhere at rest (catalog, its WAL, objects).
 */
import { randomBytes } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../src/audit/audit-event.js'
import { EXIT } from '../../src/cli/exit-codes.js'
import type { DetokenizeResult } from '../../src/lake/vault.js'
import { cli, csvOf, newLake, tempDir } from './helpers.js'

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await filesUnder(p)))
    else if (e.isFile()) out.push(p)
  }
  return out
}

const TOKEN = /^tok_[a-z2-7]{26}$/

describe('token vault (CLI)', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let lake: string
  const run = (...args: string[]) => cli([...args, '--lake', lake])
  const canary = `CANARY${randomBytes(8).toString('hex').toUpperCase()}`
  /** customer_id → email; c0 carries the canary, and every customer appears twice. */
  const emails = new Map<string, string>()
  let rows: Record<string, string>[] = []
  let principal = ''

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-vault-e2e-'))
    lake = join(dir, 'lake')
    await (await newLake(lake)).close()
    const me = JSON.parse((await run('principal', 'ls', '--json')).stdout) as { id: string }[]
    principal = me[0]?.id ?? ''
    const csv: (string | number)[][] = [['customer_id', 'email', 'name', 'plan']]
    for (let i = 0; i < 400; i++) {
      const id = `c${i % 200}`
      const email =
        i % 200 === 0 ? `${canary.toLowerCase()}@example.test` : `p${i % 200}@example.org`
      emails.set(id, email)
      csv.push([id, email, i % 200 === 0 ? `${canary} Person` : `Person ${i % 200}`, 'gold'])
    }
    await writeFile(join(dir, 'customers.csv'), csvOf(csv))
    await writeFile(
      join(dir, 'spec.yaml'),
      [
        'version: 1',
        'columns:',
        '  email: { transform: vault, domain: customers }',
        '  name: { transform: vault, domain: names, subject: customer_id }',
        '',
      ].join('\n'),
    )
  })
  afterAll(async () => cleanup())

  it('ingest --protect stores vault tokens; equal (subject, value) share a token', async () => {
    const r = await run(
      'ingest',
      join(dir, 'customers.csv'),
      '--dataset',
      'crm.customers',
      '--subject-column',
      'customer_id',
      '--protect',
      join(dir, 'spec.yaml'),
      '--json',
    )
    expect(r.code, r.stderr).toBe(0)
    const out = await run('read', 'crm.customers', '--format', 'jsonl', '--purpose', 'testing')
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout).not.toContain(canary)
    rows = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>)
    expect(rows.length).toBe(400)
    for (const row of rows) {
      expect(row['email']).toMatch(TOKEN)
      expect(row['name']).toMatch(TOKEN)
    }
    // Rows i and i + 200 are the same customer with the same values: the same tokens.
    expect(rows[0]!['email']).toBe(rows[200]!['email'])
    expect(rows[0]!['name']).toBe(rows[200]!['name'])
    expect(new Set(rows.map((x) => x['email'])).size).toBe(200)
  })

  it('detokenize returns the values, in order, as JSON and as text', async () => {
    const tokens = rows.slice(0, 3).map((x) => x['email']!)
    // Without the detokenizer role (the default policies give it to nobody) nothing comes back.
    const denied = await run(
      'detokenize',
      '--purpose',
      'support',
      '--domain',
      'customers',
      ...tokens,
    )
    expect(denied.code).toBe(EXIT.denied)
    expect(denied.stderr).toContain('ERR_AUTHZ_DENIED')
    for (const email of emails.values()) expect(denied.stdout + denied.stderr).not.toContain(email)
    expect((await run('role', 'grant', principal, 'detokenizer')).code).toBe(0)
    const r = await run(
      'detokenize',
      '--purpose',
      'support',
      '--domain',
      'customers',
      ...tokens,
      '--json',
    )
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout) as DetokenizeResult
    expect(result.tokens.map((t) => (t.status === 'ok' ? t.value : t.status))).toEqual(
      rows.slice(0, 3).map((x) => emails.get(x['customer_id']!)),
    )
    await writeFile(join(dir, 'tokens.txt'), `${tokens[1]}\n\n${tokens[2]}\n`)
    const text = await run(
      'detokenize',
      '--purpose',
      'support',
      '--domain',
      'customers',
      '--in',
      join(dir, 'tokens.txt'),
    )
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toBe(
      `${tokens[1]}\t${emails.get(rows[1]!['customer_id']!)}\n` +
        `${tokens[2]}\t${emails.get(rows[2]!['customer_id']!)}\n`,
    )
    // A token of another domain is unknown there.
    const other = await run(
      'detokenize',
      '--purpose',
      'support',
      '--domain',
      'names',
      tokens[0]!,
      '--json',
    )
    expect(other.code).toBe(EXIT.notFound)
    expect((JSON.parse(other.stdout) as DetokenizeResult).tokens[0]?.status).toBe('unknown')
  })

  it('vault forget shreds one subject; its tokens report shredded, others still detokenize', async () => {
    const f = await run('vault', 'forget', '--domain', 'customers', '--subject', 'c0', '--json')
    expect(f.code, f.stderr).toBe(0)
    expect(JSON.parse(f.stdout)).toEqual({
      domain: 'customers',
      keyDestroyed: true,
      entriesShredded: 1,
    })
    const c0 = rows[0]!['email']!
    const c1 = rows[1]!['email']!
    const r = await run(
      'detokenize',
      '--purpose',
      'support',
      '--domain',
      'customers',
      c0,
      c1,
      '--json',
    )
    expect(r.code).toBe(EXIT.notFound)
    expect(r.stderr).toContain('ERR_PROTECT_TOKEN_NOT_FOUND')
    const result = JSON.parse(r.stdout) as DetokenizeResult
    expect(result.tokens.map((t) => t.status)).toEqual(['shredded', 'ok'])
    expect(result.tokens[1]).toMatchObject({ value: emails.get('c1') })
    expect(r.stdout).not.toContain(canary.toLowerCase())
    // The names domain has its own keys: c0's name is still there until forgotten too.
    const n = await run(
      'detokenize',
      '--purpose',
      'support',
      '--domain',
      'names',
      rows[0]!['name']!,
      '--json',
    )
    expect((JSON.parse(n.stdout) as DetokenizeResult).tokens[0]).toMatchObject({
      status: 'ok',
      value: `${canary} Person`,
    })
    expect((await run('vault', 'forget', '--domain', 'names', '--subject', 'c0')).code).toBe(0)
  })

  it('read --protect tokenizes on export, with the dataset subject column as subject', async () => {
    await writeFile(
      join(dir, 'export.yaml'),
      'version: 1\ncolumns:\n  plan: { transform: vault, domain: plans }\n',
    )
    const r = await run(
      'read',
      'crm.customers',
      '--protect',
      join(dir, 'export.yaml'),
      '--format',
      'jsonl',
      '--purpose',
      'testing',
    )
    expect(r.code, r.stderr).toBe(0)
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>)
    expect(out[5]!['plan']).toMatch(TOKEN)
    // c5 appears in rows 5 and 205: one subject, one value, one token; c6 gets its own.
    expect(out[205]!['plan']).toBe(out[5]!['plan'])
    expect(out[6]!['plan']).not.toBe(out[5]!['plan'])
    const back = await run(
      'detokenize',
      '--purpose',
      'support',
      '--domain',
      'plans',
      out[5]!['plan']!,
      '--json',
    )
    expect((JSON.parse(back.stdout) as DetokenizeResult).tokens[0]).toMatchObject({
      status: 'ok',
      value: 'gold',
    })
  })

  it('audits detokenize and forget with counts, never values or subject ids', async () => {
    const q = async (action: string) => {
      const r = await run('audit', 'query', '--action', action, '--json')
      expect(r.code, r.stderr).toBe(0)
      return JSON.parse(r.stdout) as AuditRecord[]
    }
    const detok = (await q('vault.detokenize')).filter((e) => e.outcome === 'success')
    expect(detok.length).toBeGreaterThanOrEqual(4)
    expect(
      detok.some((e) => e.resources.some((r) => r.id === 'revealed=1 shredded=1 unknown=0')),
    ).toBe(true)
    const forget = (await q('vault.forget')).filter((e) => e.outcome === 'success')
    expect(forget.map((e) => e.rows)).toEqual([1, 1])
    const all = JSON.stringify([...detok, ...forget])
    // The forgotten subject's id as a word of its own: hashes and ids in hex may hold "c0".
    expect(all).not.toMatch(/(?<![0-9A-Za-z])c0(?![0-9A-Za-z])/)
    expect(all).not.toContain('example')
    expect(all).not.toContain(canary)
  })

  it('leaves the original values nowhere at rest', async () => {
    const needles = [canary, canary.toLowerCase()].map((c) => Buffer.from(c))
    const files = await filesUnder(lake)
    expect(files.some((f) => f.endsWith('catalog.db'))).toBe(true)
    for (const f of files) {
      const bytes = await readFile(f)
      for (const n of needles) expect(bytes.includes(n), f).toBe(false)
      expect(bytes.includes(Buffer.from('p17@example.org')), f).toBe(false)
    }
  })

  it('a vault rule without a subject column, or without a lake, is a spec error', async () => {
    const r = await run(
      'ingest',
      join(dir, 'customers.csv'),
      '--dataset',
      'crm.nosubject',
      '--protect',
      join(dir, 'spec.yaml'),
      '--json',
    )
    expect(r.code).toBe(EXIT.usage)
    expect(r.stderr).toContain('ERR_PROTECT_SPEC_INVALID')
    expect(r.stderr).toContain('columns.email.subject')
    expect(r.stderr).not.toContain('columns.name.subject')
    const standalone = await cli([
      'protect',
      join(dir, 'customers.csv'),
      '--spec',
      join(dir, 'spec.yaml'),
      '--out',
      join(dir, 'out.csv'),
    ])
    expect(standalone.code).toBe(EXIT.usage)
    expect(standalone.stderr).toContain('columns.email.transform')
    expect(standalone.stderr).toContain('needs a lake')
  })
})
