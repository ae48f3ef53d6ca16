/**
 * `strongroom anonymize` on ARX's Adult extract with ARX's hierarchies (all nine columns as
 * quasi-identifiers): the optimum ARX's own test suite expects
 * (arx-deidentifier/arx, TestAnonymizationKAnonymity.java, cases 0–3), in text and JSON,
 * the release file honouring k, and bad requests listing every problem.
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/cli/exit-codes.js'
import { cli, tempDir } from './helpers.js'

const ADULT = resolve(import.meta.dirname, '../../../shared/data/adult')
const required = process.env['STRONGROOM_REQUIRE_SERVICES'] === '1'
const present = existsSync(join(ADULT, 'adult.csv'))

interface Report {
  qi: string[]
  levels: Record<string, number>
  loss: number
  suppressed: number
  classes: number
  risk: { before: { uniqueShare: number }; after: { prosecutorMax: number } }
}

describe.skipIf(!present && !required)('anonymize (ARX Adult)', () => {
  let dir: string
  let cleanup: () => Promise<void>
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-anon-'))
  })
  afterAll(async () => cleanup())

  const file = join(ADULT, 'adult.csv')
  const run = (...args: string[]) => cli(['anonymize', file, '--hierarchies', ADULT, ...args])

  it.each([
    { k: 5, limit: '4%', levels: [1, 0, 1, 1, 3, 2, 2, 0, 1], loss: 255559.85455731067 },
    { k: 100, limit: '4%', levels: [1, 1, 1, 1, 3, 2, 2, 1, 1], loss: 379417.3460570988 },
    { k: 5, limit: '0%', levels: [1, 2, 1, 1, 3, 2, 2, 1, 1], loss: 407289.5388925293 },
    { k: 100, limit: '0%', levels: [0, 4, 1, 1, 3, 2, 2, 1, 1], loss: 453196.8932458743 },
  ])('k=$k, suppression $limit: the ARX optimum $levels', async ({ k, limit, levels, loss }) => {
    const r = await run('--k', String(k), '--max-suppression', limit, '--json')
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as Report
    expect(report.qi.length).toBe(9)
    expect(report.qi.map((q) => report.levels[q])).toEqual(levels)
    expect(report.loss).toBeCloseTo(loss, 6)
    if (limit === '0%') expect(report.suppressed).toBe(0)
    else expect(report.suppressed).toBeLessThanOrEqual(Math.floor(0.04 * 30162))
    expect(report.risk.after.prosecutorMax).toBeLessThanOrEqual(1 / k)
  })

  it('prints levels, loss and suppressed rows as text, and writes a k-anonymous release', async () => {
    const out = join(dir, 'release.csv')
    const r = await run('--k', '5', '--max-suppression', '4%', '--out', out)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/255559\.8546/)
    expect(r.stdout).toMatch(/906 row\(s\) suppressed/)
    const lines = readFileSync(out, 'utf8').trim().split('\n')
    expect(lines[0]).toBe(readFileSync(file, 'utf8').split('\n')[0]?.trim())
    expect(lines.length - 1).toBe(30162)
    const counts = new Map<string, number>()
    for (const l of lines.slice(1)) counts.set(l, (counts.get(l) ?? 0) + 1)
    const suppressed = [...counts].filter(([l]) => l.split(';').every((v) => v === '*'))
    for (const [l, n] of counts)
      if (!suppressed.some(([s]) => s === l)) expect(n).toBeGreaterThanOrEqual(5)
  })

  it('lists every problem of a bad request and writes nothing', async () => {
    const out = join(dir, 'never.csv')
    const r = await run(
      '--k',
      '40000',
      '--max-suppression',
      '4%',
      '--sensitive',
      'nope',
      '--l',
      '2',
      '--out',
      out,
      '--json',
    )
    expect(r.code).toBe(EXIT.usage)
    const err = JSON.parse(r.stderr) as { error: { code: string; issues: { path: string }[] } }
    expect(err.error.code).toBe('ERR_ANONYMIZE_INVALID')
    expect(err.error.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['k', 'sensitive']))
    expect(existsSync(out)).toBe(false)
  })

  it('refuses a hierarchy that does not nest, naming the line', async () => {
    const h = join(dir, 'h')
    await mkdir(h)
    await writeFile(join(h, 'sex.csv'), 'Male;*\nFemale;*\nMale;X\n')
    const r = await cli(['anonymize', file, '--hierarchies', h, '--k', '2', '--json'])
    expect(r.code).toBe(EXIT.input)
    expect(r.stderr).toContain('ERR_ANONYMIZE_HIERARCHY_INVALID')
  })
})
