/**
 * Discovery configuration in a lake and the findings it records: custom identifiers, allow
 * lists and overrides from strongroom.yaml, `findings` with filters, `show`, and `scan
 * --reveal` as its own audited act. Stored findings never hold a value.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { appendFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/cli/exit-codes.js'
import { cli, csvOf, newLake, tempDir } from './helpers.js'

interface FindingOut {
  dataset: string
  column: string
  entityType: string
  sensitivity: string
  matches: number
  sampled: number
  testValues: number
  previews: string[]
}

const CANARY_EMAIL = 'zq.canary.person@canary-mail.example'

describe('findings', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let lake: string
  let csv: string
  const run = (...args: string[]) => cli([...args, '--lake', lake])
  const json = async <T>(...args: string[]): Promise<T> => {
    const r = await cli([...args, '--lake', lake, '--json'])
    expect(r.code, r.stderr).toBe(0)
    return JSON.parse(r.stdout) as T
  }

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-findings-'))
    lake = join(dir, 'lake')
    await (await newLake(lake)).close()
    await appendFile(
      join(lake, 'strongroom.yaml'),
      [
        'discovery:',
        '  customIdentifiers:',
        '    - name: EMPLOYEE_ID',
        "      regex: 'EMP-[0-9]{6}'",
        '      sensitivity: high',
        '  allowList:',
        '    values: [noreply@example.com]',
        '  overrides:',
        '    hr.staff:',
        '      team: ORGANIZATION',
        '',
      ].join('\n'),
    )
    csv = join(dir, 'staff.csv')
    const rows: (string | number)[][] = [['id', 'email', 'badge', 'card', 'team', 'contact']]
    for (let i = 0; i < 40; i++)
      rows.push([
        i,
        i === 0 ? CANARY_EMAIL : `person${i}@example.org`,
        `EMP-${String(100000 + i)}`,
        i % 2 === 0 ? '4111111111111111' : '5555555555554444',
        i % 3 === 0 ? 'blue' : 'green',
        'noreply@example.com',
      ])
    await writeFile(csv, csvOf(rows))
    const r = await run('ingest', csv, '--dataset', 'hr.staff')
    expect(r.code, r.stderr).toBe(0)
  })
  afterAll(async () => cleanup())

  it('ingest records findings: built-in, custom, test values, allow list, override', async () => {
    const found = await json<FindingOut[]>('findings', 'hr.staff')
    const by = (column: string) => found.filter((f) => f.column === column)
    expect(by('email').map((f) => f.entityType)).toContain('EMAIL_ADDRESS')
    expect(by('badge')).toEqual([
      expect.objectContaining({ entityType: 'EMPLOYEE_ID', sensitivity: 'high', matches: 40 }),
    ])
    // Published test card numbers are reported as test values, at low sensitivity.
    expect(by('card')).toEqual([
      expect.objectContaining({ entityType: 'CREDIT_CARD', testValues: 40, sensitivity: 'low' }),
    ])
    // An allowed value is never a finding.
    expect(by('contact')).toEqual([])
    const classes = await json<{ column: string; entityType: string; source: string }[]>(
      'classifications',
      'hr.staff',
    )
    expect(classes.find((c) => c.column === 'team')).toMatchObject({
      entityType: 'ORGANIZATION',
      source: 'manual',
    })
    expect(classes.find((c) => c.column === 'card')?.entityType).toBe('NONE')
  })

  it('filters by severity, type and test values', async () => {
    const high = await json<FindingOut[]>('findings', '--severity', 'high')
    expect(new Set(high.map((f) => f.sensitivity))).toEqual(new Set(['high']))
    expect(high.map((f) => f.entityType)).toContain('EMPLOYEE_ID')
    const live = await json<FindingOut[]>('findings', '--no-test-values')
    expect(live.some((f) => f.column === 'card')).toBe(false)
    const emails = await json<FindingOut[]>('findings', '--type', 'EMAIL_ADDRESS')
    expect(emails.every((f) => f.entityType === 'EMAIL_ADDRESS')).toBe(true)
    const text = await run('findings', 'hr.staff')
    expect(text.stdout).toMatch(/EMPLOYEE_ID/)
    expect((await run('show', 'hr.staff')).stdout).toMatch(/Findings \(scan of version 1\)/)
  })

  it('scan --reveal shows values once, is audited apart, and stores none', async () => {
    const plain = await json<{ columns: { entities: { revealed?: string[] }[] }[] }>(
      'scan',
      'hr.staff',
    )
    expect(JSON.stringify(plain)).not.toContain(CANARY_EMAIL)
    const r = await run('scan', 'hr.staff', '--reveal', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(CANARY_EMAIL)
    const events = await json<{ action: string; outcome: string }[]>(
      'audit',
      'query',
      '--action',
      'dataset.scan.reveal',
    )
    expect(events.map((e) => e.outcome)).toEqual(['started', 'success'])
    // Nothing the lake keeps on disk holds the value.
    for (const name of readdirSync(lake).filter((n) => /\.db(-wal)?$/.test(n))) {
      expect(readFileSync(join(lake, name)).includes(Buffer.from(CANARY_EMAIL)), name).toBe(false)
    }
  })

  it('ingest samples beyond the first chunk, with true row numbers', async () => {
    const root = join(dir, 'chunked')
    await (await newLake(root, {}, 65536)).close()
    const big = join(dir, 'late.csv')
    const rows: (string | number)[][] = [['id', 'filler', 'late_contact']]
    for (let i = 0; i < 6000; i++)
      rows.push([i, 'x'.repeat(40), i < 4000 ? '' : `late.person${i}@example.org`])
    await writeFile(big, csvOf(rows))
    expect((await cli(['ingest', big, '--dataset', 'hr.late', '--lake', root])).code).toBe(0)
    const r = await cli(['findings', 'hr.late', '--lake', root, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const f = (JSON.parse(r.stdout) as (FindingOut & { rows: number[] })[]).find(
      (x) => x.column === 'late_contact',
    )
    expect(f?.entityType).toBe('EMAIL_ADDRESS')
    expect(Math.min(...(f?.rows ?? [0]))).toBeGreaterThanOrEqual(4000)
  })

  it('an invalid discovery section fails every command, listing each problem', async () => {
    const bad = join(dir, 'bad-lake')
    await (await newLake(bad)).close()
    await appendFile(
      join(bad, 'strongroom.yaml'),
      "discovery:\n  minConfidence: 3\n  customIdentifiers:\n    - name: x\n      regex: '(a+)+'\n",
    )
    const r = await cli(['ls', '--lake', bad, '--json'])
    expect(r.code).toBe(EXIT.usage)
    const err = JSON.parse(r.stderr) as { error: { code: string; issues: { path: string }[] } }
    expect(err.error.code).toBe('ERR_CONFIG_INVALID')
    expect(err.error.issues.map((i) => i.path)).toEqual([
      'discovery.minConfidence',
      'discovery.customIdentifiers[0].name',
      'discovery.customIdentifiers[0].regex',
    ])
  })

  it('scan FILE --config applies a standalone discovery file, and rejects a bad one', async () => {
    const cfg = join(dir, 'discovery.yaml')
    await writeFile(cfg, "customIdentifiers:\n  - name: EMPLOYEE_ID\n    regex: 'EMP-[0-9]{6}'\n")
    const r = await json<{ columns: { column: string; entityType: string }[] }>(
      'scan',
      csv,
      '--config',
      cfg,
    )
    expect(r.columns.find((c) => c.column === 'badge')?.entityType).toBe('EMPLOYEE_ID')
    await writeFile(cfg, 'customIdentifiers:\n  - name: A\n    regex: "(x|xx)*"\n  - 7\n')
    const bad = await run('scan', csv, '--config', cfg, '--json')
    expect(bad.code).toBe(EXIT.usage)
    expect(bad.stderr).toContain('customIdentifiers[1]')
    expect(bad.stderr).toContain('customIdentifiers[0].regex')
  })
})
