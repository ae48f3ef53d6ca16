/**
 * Protection on ingest: `ingest --protect SPEC` stores only the de-identified columns, so a
 * plain `read` returns tokens and masks, the original values are nowhere in the lake, and
 * findings describe what is stored. A bad spec stores nothing.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/cli/exit-codes.js'
import { cli, csvOf, newLake, tempDir } from './helpers.js'

const CANARY = 'zz.ingest.canary@canary-mail.example'

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? filesUnder(p) : [p]
  })
}

describe('ingest --protect', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let lake: string
  const run = (...args: string[]) => cli([...args, '--lake', lake])

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-protect-ingest-'))
    lake = join(dir, 'lake')
    await (await newLake(lake, {}, 65536)).close()
    const rows: (string | number)[][] = [['id', 'email', 'phone', 'notes']]
    for (let i = 0; i < 3000; i++)
      rows.push([
        i,
        i === 0 ? CANARY : `person${i}@example.org`,
        `+1 415 555 ${String(1000 + (i % 9000)).padStart(4, '0')}`,
        i % 2 === 0 ? `call ${i === 0 ? CANARY : 'me'} tomorrow` : 'nothing to see',
      ])
    await writeFile(join(dir, 'people.csv'), csvOf(rows))
    await writeFile(
      join(dir, 'spec.yaml'),
      [
        'version: 1',
        'columns:',
        '  email: { transform: token, domain: people }',
        "  phone: { transform: mask, keepLast: 4, char: '*' }",
        '  notes: { transform: redact-text, replace: tag }',
        '',
      ].join('\n'),
    )
  })
  afterAll(async () => cleanup())

  it('stores only protected values; reads return tokens and masks', async () => {
    const r = await run(
      'ingest',
      join(dir, 'people.csv'),
      '--dataset',
      'crm.people',
      '--protect',
      join(dir, 'spec.yaml'),
      '--json',
    )
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout) as { rows: number; files: number; protection: unknown[] }
    expect(result.rows).toBe(3000)
    expect(result.files).toBeGreaterThan(1)
    expect(result.protection.length).toBe(4)
    const out = await run('read', 'crm.people', '--purpose', 'analytics', '--format', 'jsonl')
    expect(out.code, out.stderr).toBe(0)
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>)
    expect(lines.length).toBe(3000)
    expect(out.stdout).not.toContain(CANARY)
    expect(lines[1]?.email).not.toContain('@')
    expect(lines[1]?.phone).toMatch(/^\*+\d{4}$|^[*+ ]+\d{4}$/)
    expect(lines[0]?.notes).toContain('<EMAIL_ADDRESS>')
    expect(lines[1]?.notes).toBe('nothing to see')
    // Equal inputs give equal tokens (joinable), different inputs different tokens.
    expect(new Set(lines.map((l) => l.email)).size).toBe(3000)
    for (const f of filesUnder(lake))
      expect(readFileSync(f).includes(Buffer.from(CANARY)), f).toBe(false)
    const findings = JSON.parse((await run('findings', 'crm.people', '--json')).stdout) as {
      column: string
      entityType: string
    }[]
    expect(findings.some((f) => f.column === 'email' && f.entityType === 'EMAIL_ADDRESS')).toBe(
      false,
    )
  })

  it('a bad spec stores nothing and lists every problem', async () => {
    await writeFile(
      join(dir, 'bad.yaml'),
      'version: 1\ncolumns:\n  nope: { transform: token }\n  email: { transform: nonsense }\n',
    )
    const r = await run(
      'ingest',
      join(dir, 'people.csv'),
      '--dataset',
      'crm.other',
      '--protect',
      join(dir, 'bad.yaml'),
      '--json',
    )
    expect(r.code).toBe(EXIT.usage)
    expect(r.stderr).toContain('ERR_PROTECT_SPEC_INVALID')
    expect(r.stderr).toContain('nope')
    const ls = JSON.parse((await run('ls', '--json')).stdout) as { dataset: string }[]
    expect(ls.map((d) => d.dataset)).toEqual(['crm.people'])
  })
})
