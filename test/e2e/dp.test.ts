/**
 * Differential privacy through the CLI: budgets kept in the catalog (deny by default),
 * releases charged exactly and recorded in the ledger, overspends refused with nothing
 * charged, every bad parameter listed at once, and audit events that carry the charge but
 * never a released value.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../src/audit/audit-event.js'
import { EXIT } from '../../src/cli/exit-codes.js'
import { cli, csvOf, newLake, tempDir } from './helpers.js'

interface StatusOut {
  dataset: string
  epsilonTotal: string
  deltaTotal: string
  epsilonSpent: string
  deltaSpent: string
  epsilonRemaining: string
  rho: string
  releases: number
}

interface ReleaseOut {
  agg: string
  mechanism: string
  value?: number
  bins?: { key: string; count: number }[]
  quantiles?: { q: number; value: number }[]
  noise: { target: string; sensitivity: string; scale?: string; sigma2?: string }[]
  privacy: { epsilon: string; delta: string; rho: string }
  remaining: StatusOut
  threshold?: string
  dataset: string
  version: number
}

interface LedgerOut {
  seq: number
  principal: string
  aggregate: string
  mechanism: string
  epsilon: string
  delta: string
  rho: string
  releasedAt: string
}

const ROWS = 600
const CITIES = ['paris', 'lyon', 'nice'] as const

describe('differential privacy (dp)', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let lake: string
  const run = (...args: string[]) => cli([...args, '--lake', lake])
  const json = async <T>(...args: string[]): Promise<T> => {
    const r = await cli([...args, '--lake', lake, '--json'])
    expect(r.code, r.stderr).toBe(0)
    return JSON.parse(r.stdout) as T
  }
  const status = (dataset: string) => json<StatusOut>('dp', 'budget', 'show', dataset)
  const ledger = (dataset: string) => json<LedgerOut[]>('dp', 'releases', dataset)

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-dp-'))
    lake = join(dir, 'lake')
    await (await newLake(lake)).close()
    const rows: (string | number)[][] = [['id', 'age', 'city', 'score']]
    // ages 20..69, cities in rotation: the true answers are known exactly.
    for (let i = 0; i < ROWS; i++) rows.push([i, 20 + (i % 50), CITIES[i % 3] ?? '', (i % 10) / 4])
    const csv = join(dir, 'people.csv')
    await writeFile(csv, csvOf(rows))
    for (const dataset of ['crm.people', 'crm.open', 'crm.zcdp']) {
      const r = await run('ingest', csv, '--dataset', dataset)
      expect(r.code, r.stderr).toBe(0)
    }
  }, 120_000)

  afterAll(async () => {
    await cleanup()
  })

  it('has --help on every dp command', async () => {
    for (const args of [
      ['dp'],
      ['dp', 'budget'],
      ['dp', 'budget', 'set'],
      ['dp', 'budget', 'show'],
      ['dp', 'releases'],
    ]) {
      const r = await cli([...args, '--help'])
      expect(r.code, args.join(' ')).toBe(0)
      expect(r.stdout, args.join(' ')).toContain(`Usage: strongroom ${args.join(' ')}`)
    }
  })

  it('refuses every query on a dataset without a budget (deny by default)', async () => {
    const r = await run('dp', 'crm.people', '--agg', 'count', '--epsilon', '0.1')
    expect(r.code).toBe(EXIT.denied)
    expect(r.stderr).toContain('ERR_DP_BUDGET_EXCEEDED')
    expect(r.stderr).toContain('has no privacy budget')
    expect(r.stdout).toBe('')
    const show = await run('dp', 'budget', 'show', 'crm.people')
    expect(show.code).toBe(EXIT.denied)
    expect(await ledger('crm.people')).toEqual([])
  })

  it('lists every problem of a bad budget, setting nothing', async () => {
    const r = await run('dp', 'budget', 'set', 'crm.people', '--delta', '1.5')
    expect(r.code).toBe(EXIT.usage)
    expect(r.stderr).toContain('epsilon: is required')
    expect(r.stderr).toContain('delta: must be at least 0 and less than 1')
    expect((await run('dp', 'budget', 'show', 'crm.people')).code).toBe(EXIT.denied)
  })

  it('sets a budget, stored exactly', async () => {
    const s = await json<StatusOut>(
      'dp',
      'budget',
      'set',
      'crm.people',
      '--epsilon',
      '1',
      '--delta',
      '0.000001',
    )
    expect(s).toMatchObject({
      dataset: 'crm.people',
      epsilonTotal: '1',
      deltaTotal: '1/1000000',
      epsilonSpent: '0',
      epsilonRemaining: '1',
      releases: 0,
    })
    expect(await status('crm.people')).toEqual(s)
  })

  it('lists every bad parameter at once (exit 2) and charges nothing', async () => {
    const r = await run(
      'dp',
      'crm.people',
      '--agg',
      'mean',
      '--column',
      'no_such_column',
      '--epsilon',
      '-1',
      '--lower',
      '5',
      '--scale',
      'x',
    )
    expect(r.code).toBe(EXIT.usage)
    expect(r.stderr).toContain('ERR_DP_INVALID_PARAMETER')
    for (const path of ['column:', 'bounds.upper:', 'epsilon:', 'scale:']) {
      expect(r.stderr).toContain(path)
    }
    const bad = await run('dp', 'crm.people', '--agg', 'median', '--epsilon', '0.1')
    expect(bad.code).toBe(EXIT.usage)
    expect(bad.stderr).toContain('agg:')
    // Histogram keys are read as the column's type: a non-integer key of an int64 column is
    // listed with the other problems.
    const keys = await run('dp', 'crm.people', '--agg', 'histogram', '--by', 'id', '--keys', '1,x')
    expect(keys.code).toBe(EXIT.usage)
    expect(keys.stderr).toContain('keys[1]:')
    expect(keys.stderr).toContain('epsilon:')
    expect((await status('crm.people')).releases).toBe(0)
  })

  it('charges count, sum and histogram exactly: 0.1 + 0.2 = 0.3, then 0.4', async () => {
    const count = await json<ReleaseOut>('dp', 'crm.people', '--agg', 'count', '--epsilon', '0.1')
    expect(count).toMatchObject({
      agg: 'count',
      mechanism: 'discrete-laplace',
      dataset: 'crm.people',
      version: 1,
      privacy: { epsilon: '1/10', delta: '0', rho: '0' },
    })
    expect(count.noise).toEqual([{ target: 'count', sensitivity: '1', scale: '10' }])
    expect(Number.isInteger(count.value)).toBe(true)

    const sum = await json<ReleaseOut>(
      'dp',
      'crm.people',
      '--agg',
      'sum',
      '--column',
      'age',
      '--lower',
      '0',
      '--upper',
      '100',
      '--epsilon',
      '0.2',
    )
    expect(sum.privacy.epsilon).toBe('1/5')
    expect(sum.noise).toEqual([{ target: 'sum', sensitivity: '100', scale: '500' }])
    expect(sum.remaining).toMatchObject({ epsilonSpent: '3/10', epsilonRemaining: '7/10' })
    expect(await status('crm.people')).toMatchObject({ epsilonSpent: '3/10', releases: 2 })

    const text = await run(
      'dp',
      'crm.people',
      '--agg',
      'histogram',
      '--by',
      'city',
      '--keys',
      'paris,lyon,rome',
      '--epsilon',
      '0.1',
    )
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/^paris\s+-?\d+$/m)
    expect(text.stdout).toMatch(/^lyon\s+-?\d+$/m)
    // A declared key absent from the data is still reported (with noise): the output does
    // not reveal which keys exist.
    expect(text.stdout).toMatch(/^rome\s+-?\d+$/m)
    expect(text.stdout).toContain('discrete Laplace scale 10')
    expect(text.stdout).toContain('Charged: epsilon 1/10, delta 0, rho 0')
    expect(text.stdout).toContain('Remaining: epsilon 3/5 of 1')
    expect(await status('crm.people')).toMatchObject({
      epsilonSpent: '2/5',
      epsilonRemaining: '3/5',
      releases: 3,
    })
  })

  it('refuses an overspend with exit 10, stating spent, remaining and requested, charging nothing', async () => {
    const before = await status('crm.people')
    const r = await run('dp', 'crm.people', '--agg', 'count', '--epsilon', '0.61')
    expect(r.code).toBe(EXIT.denied)
    expect(r.stderr).toContain('ERR_DP_BUDGET_EXCEEDED')
    expect(r.stderr).toContain('spent ε=0.4')
    expect(r.stderr).toContain('remaining ε=0.6')
    expect(r.stderr).toContain('requested ε=0.61')
    expect(r.stdout).toBe('')
    expect(await status('crm.people')).toEqual(before)
    expect(await ledger('crm.people')).toHaveLength(3)
    // Exactly what is left can still be spent.
    const rest = await json<ReleaseOut>('dp', 'crm.people', '--agg', 'count', '--epsilon', '3/5')
    expect(rest.remaining).toMatchObject({ epsilonSpent: '1', epsilonRemaining: '0' })
    const none = await run('dp', 'crm.people', '--agg', 'count', '--epsilon', '0.001')
    expect(none.code).toBe(EXIT.denied)
  })

  it('refuses to lower the budget below what is spent, and raises it', async () => {
    const low = await run('dp', 'budget', 'set', 'crm.people', '--epsilon', '0.5')
    expect(low.code).toBe(EXIT.usage)
    expect(low.stderr).toContain('ERR_DP_INVALID_PARAMETER')
    expect((await status('crm.people')).epsilonTotal).toBe('1')
    const raised = await json<StatusOut>(
      'dp',
      'budget',
      'set',
      'crm.people',
      '--epsilon',
      '2',
      '--delta',
      '0.000001',
    )
    expect(raised).toMatchObject({ epsilonTotal: '2', epsilonSpent: '1', epsilonRemaining: '1' })
  })

  it('records every release in the ledger: who, what, how much, never a value', async () => {
    const rs = await ledger('crm.people')
    expect(rs.map((r) => [r.seq, r.aggregate, r.mechanism, r.epsilon, r.delta, r.rho])).toEqual([
      [1, 'count', 'discrete-laplace', '1/10', '0', '0'],
      [2, 'sum', 'discrete-laplace', '1/5', '0', '0'],
      [3, 'histogram', 'discrete-laplace', '1/10', '0', '0'],
      [4, 'count', 'discrete-laplace', '3/5', '0', '0'],
    ])
    expect(new Set(rs.map((r) => r.principal)).size).toBe(1)
    expect(rs[0]?.principal).not.toBe('')
    const text = await run('dp', 'releases', 'crm.people')
    expect(text.stdout).toMatch(/^SEQ\s+TIME\s+PRINCIPAL\s+AGGREGATE/m)
  })

  it('audits each release with its charge and refusals with their code, never a value', async () => {
    const events = await json<AuditRecord[]>('audit', 'query', '--action', 'dataset.dp')
    const ok = events.filter((e) => e.outcome === 'success')
    expect(ok.map((e) => e.purpose)).toEqual([
      'dp count laplace epsilon=1/10 delta=0 rho=0',
      'dp sum laplace epsilon=1/5 delta=0 rho=0',
      'dp histogram laplace epsilon=1/10 delta=0 rho=0',
      'dp count laplace epsilon=3/5 delta=0 rho=0',
    ])
    // A row count would be an exact statistic beside the noisy one: none is recorded.
    expect(ok.every((e) => e.rows === undefined)).toBe(true)
    const refused = events.filter((e) => e.outcome === 'failure').map((e) => e.errorCode)
    expect(refused.filter((c) => c === 'ERR_DP_BUDGET_EXCEEDED')).toHaveLength(3)
    expect(refused.filter((c) => c === 'ERR_DP_INVALID_PARAMETER')).toHaveLength(3)
    const set = await json<AuditRecord[]>('audit', 'query', '--action', 'dp.budget.set')
    expect(set.filter((e) => e.outcome === 'success')).toHaveLength(2)
    expect(set.filter((e) => e.outcome === 'failure')).toHaveLength(2)
  })

  it('releases a count close to the truth with a large epsilon', async () => {
    await json('dp', 'budget', 'set', 'crm.open', '--epsilon', '1000')
    const count = await json<ReleaseOut>('dp', 'crm.open', '--agg', 'count', '--epsilon', '100')
    // Discrete Laplace with scale 1/100: P(|noise| >= 3) = 2e^-300/(1+e^-100), never seen.
    expect(Math.abs((count.value ?? 0) - ROWS)).toBeLessThan(3)
    const trueSum = Array.from({ length: ROWS }, (_, i) => 20 + (i % 50)).reduce((a, b) => a + b)
    const sum = await json<ReleaseOut>(
      'dp',
      'crm.open',
      '--agg',
      'sum',
      '--column',
      'age',
      '--lower',
      '0',
      '--upper',
      '100',
      '--epsilon',
      '100',
    )
    // Scale 100/100 = 1: |noise| >= 40 has probability about 2e^-40.
    expect(Math.abs((sum.value ?? 0) - trueSum)).toBeLessThan(40)
    const hist = await json<ReleaseOut>(
      'dp',
      'crm.open',
      '--agg',
      'histogram',
      '--by',
      'city',
      '--keys',
      CITIES.join(','),
      '--epsilon',
      '100',
    )
    expect(hist.bins?.map((b) => b.key)).toEqual([...CITIES])
    for (const b of hist.bins ?? []) expect(Math.abs(b.count - ROWS / 3)).toBeLessThan(3)
    // Decimals through the fixed-point scale: scores are 0, 0.25, …, 2.25 (mean 1.125).
    const mean = await json<ReleaseOut>(
      'dp',
      'crm.open',
      '--agg',
      'mean',
      '--column',
      'score',
      '--lower',
      '0',
      '--upper',
      '3',
      '--scale',
      '2',
      '--epsilon',
      '100',
    )
    expect(Math.abs((mean.value ?? 0) - 1.125)).toBeLessThan(0.05)
    const q = await json<ReleaseOut>(
      'dp',
      'crm.open',
      '--agg',
      'quantile',
      '--column',
      'age',
      '--lower',
      '0',
      '--upper',
      '100',
      '--buckets',
      '100',
      '--quantiles',
      '0.5',
      '--epsilon',
      '100',
    )
    expect(q.mechanism).toBe('exponential')
    // The true median of 20..69 repeated is 44.5; the grid step is 1.
    expect(Math.abs((q.quantiles?.[0]?.value ?? 0) - 44.5)).toBeLessThanOrEqual(2)
  })

  it('charges zCDP releases in rho and derived-key histograms in delta', async () => {
    await json('dp', 'budget', 'set', 'crm.zcdp', '--epsilon', '10', '--delta', '0.00001')
    const g = await json<ReleaseOut>('dp', 'crm.zcdp', '--agg', 'count', '--rho', '0.5')
    expect(g.mechanism).toBe('discrete-gaussian')
    expect(g.privacy).toMatchObject({ delta: '0', rho: '1/2' })
    expect(g.noise[0]?.sigma2).toBe('1')
    const derived = await json<ReleaseOut>(
      'dp',
      'crm.zcdp',
      '--agg',
      'histogram',
      '--by',
      'city',
      '--derive-keys',
      '--epsilon',
      '1',
      '--delta',
      '0.000001',
    )
    expect(derived.privacy).toMatchObject({ delta: '1/1000000', rho: '0' })
    expect(Number(derived.threshold)).toBeGreaterThan(1)
    // 200 rows per city clear the threshold; keys come sorted, never in row order.
    expect(derived.bins?.map((b) => b.key)).toEqual(['lyon', 'nice', 'paris'])
    expect(
      (await ledger('crm.zcdp')).map((r) => [r.aggregate, r.mechanism, r.epsilon, r.delta, r.rho]),
    ).toEqual([
      ['count', 'discrete-gaussian', '0', '0', '1/2'],
      ['histogram', 'discrete-laplace', '1', '1/1000000', '0'],
    ])
    const s = await status('crm.zcdp')
    expect(s).toMatchObject({ rho: '1/2', deltaSpent: '1/1000000', releases: 2 })
  })
})

describe('differential privacy under concurrent releases', () => {
  it('never overspends: of ten concurrent 0.2 releases on a budget of 1, exactly five land', async () => {
    const { dir, cleanup } = await tempDir('sr-dp-race-')
    const lake = await newLake(join(dir, 'lake'))
    try {
      const csv = join(dir, 'race.csv')
      await writeFile(csv, csvOf([['id'], ...Array.from({ length: 50 }, (_, i) => [i])]))
      await lake.ingest(csv, { dataset: 'crm.race' })
      await lake.setPrivacyBudget('crm.race', { epsilon: 1 })
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => lake.dp('crm.race', { agg: 'count', epsilon: '0.2' })),
      )
      const landed = results.filter((r) => r.status === 'fulfilled')
      expect(landed).toHaveLength(5)
      for (const r of results) {
        if (r.status === 'rejected') {
          expect((r.reason as { code?: string }).code).toBe('ERR_DP_BUDGET_EXCEEDED')
        }
      }
      const status = await lake.privacyBudget('crm.race')
      expect(status.epsilonSpent.toString()).toBe('1')
      expect(status.releases).toBe(5)
      const ledger = await lake.privacyReleases('crm.race')
      expect(ledger.map((r) => [r.seq, r.epsilon])).toEqual(
        [1, 2, 3, 4, 5].map((seq) => [seq, '1/5']),
      )
    } finally {
      await lake.close()
      await cleanup()
    }
  }, 60_000)
})
