import { describe, expect, it } from 'vitest'
import type { CellValue, RecordBatch } from '../../src/core/batch.js'
import { isStrongroomError, type StrongroomError } from '../../src/errors.js'
import { PrivacyAccountant } from '../../src/protect/dp/accountant.js'
import { MemoryBudgetStore } from '../../src/protect/dp/budget-store.js'
import type { RandomSource } from '../../src/protect/dp/random.js'
import { Rational } from '../../src/protect/dp/rational.js'
import {
  derivedKeyThreshold,
  dpRelease,
  type DpReleaseOptions,
} from '../../src/protect/dp/release.js'
import { seededSource } from './dp-helpers.js'

async function caught(p: Promise<unknown>): Promise<StrongroomError> {
  try {
    await p
  } catch (e) {
    if (isStrongroomError(e)) return e
    throw e
  }
  throw new Error('expected a StrongroomError')
}

async function accountant(
  epsilon: string | number = 1e9,
  delta = '0.5',
): Promise<PrivacyAccountant> {
  const a = new PrivacyAccountant(new MemoryBudgetStore())
  await a.setBudget('ds', { epsilon, delta })
  return a
}

/** 1..1000 in `x`, a category column with skewed counts, and a decimal column. */
function data(): Record<string, CellValue[]> {
  const x: CellValue[] = []
  const cat: CellValue[] = []
  const price: CellValue[] = []
  for (let i = 1; i <= 1000; i++) {
    x.push(i)
    cat.push(i <= 600 ? 'a' : i <= 900 ? 'b' : 'c')
    price.push((i / 100).toFixed(2))
  }
  return { x, cat, price }
}

function meanAndSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length
  const v = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length
  return { mean, sd: Math.sqrt(v) }
}

/** Runs a release `n` times with one seeded source and a huge budget. */
async function repeat(
  n: number,
  input: Record<string, CellValue[]>,
  options: Omit<DpReleaseOptions, 'dataset' | 'random'>,
): Promise<number[]> {
  const acct = await accountant()
  const random = seededSource(42)
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const r = await dpRelease(input, { ...options, dataset: 'ds', random }, acct)
    out.push(r.value as number)
  }
  return out
}

const MECHANISMS = [
  { mechanism: 'laplace', epsilon: '0.5' },
  { mechanism: 'gaussian', epsilon: '0.5', delta: '1e-6' },
  { mechanism: 'gaussian', rho: '0.02' },
] as const

describe('dpRelease: outputs centred on the truth', () => {
  it.each(MECHANISMS)('count, %o', async (privacy) => {
    const out = await repeat(2000, data(), { agg: 'count', ...privacy })
    const { mean, sd } = meanAndSd(out)
    expect(Math.abs(mean - 1000)).toBeLessThan((5 * sd) / Math.sqrt(out.length))
    expect(sd).toBeGreaterThan(0.5)
  })

  it.each(MECHANISMS)('sum with bounds, %o', async (privacy) => {
    const out = await repeat(2000, data(), {
      agg: 'sum',
      column: 'x',
      bounds: { lower: 0, upper: 1000 },
      ...privacy,
    })
    const { mean, sd } = meanAndSd(out)
    expect(Math.abs(mean - 500_500)).toBeLessThan((5 * sd) / Math.sqrt(out.length))
  })

  it.each(MECHANISMS)('mean, %o', async (privacy) => {
    const out = await repeat(2000, data(), {
      agg: 'mean',
      column: 'x',
      bounds: { lower: 0, upper: 1000 },
      ...privacy,
    })
    const { mean, sd } = meanAndSd(out)
    // The ratio estimator is biased only at order 1/n²; well inside 5 standard errors here.
    expect(Math.abs(mean - 500.5)).toBeLessThan((5 * sd) / Math.sqrt(out.length) + 0.01)
    expect(sd).toBeLessThan(20)
  })

  it('reports the calibrated noise: Laplace scale Δ/ε and Gaussian σ² = Δ²/(2ρ)', async () => {
    const acct = await accountant()
    const lap = await dpRelease(
      data(),
      {
        dataset: 'ds',
        agg: 'sum',
        column: 'x',
        bounds: { lower: -5, upper: 20 },
        mechanism: 'laplace',
        epsilon: '0.1',
      },
      acct,
    )
    expect(lap.mechanism).toBe('discrete-laplace')
    expect(lap.noise[0]?.sensitivity).toBe(20n)
    expect(lap.noise[0]?.scale?.eq(200)).toBe(true)
    expect(lap.privacy.epsilon.eq('0.1')).toBe(true)
    const gau = await dpRelease(
      data(),
      { dataset: 'ds', agg: 'count', mechanism: 'gaussian', rho: '0.125' },
      acct,
    )
    expect(gau.mechanism).toBe('discrete-gaussian')
    expect(gau.noise[0]?.sigma2?.eq(4)).toBe(true)
    expect(gau.privacy.rho.eq('0.125')).toBe(true)
    expect(gau.remaining.rho.eq('0.125')).toBe(true)
  })
})

describe('dpRelease: clamping and fixed point', () => {
  // ε = 10^7 makes the noise scale 10^-4 or less: P(noise ≠ 0) < 10^-4000, so outputs are exact.
  const sharp = { mechanism: 'laplace', epsilon: '1e7' } as const

  it('clamps values into the bounds before summing', async () => {
    const acct = await accountant()
    const input = { v: [-50, 3, 7, 1000, null] as CellValue[] }
    const r = await dpRelease(
      input,
      { dataset: 'ds', agg: 'sum', column: 'v', bounds: { lower: 0, upper: 10 }, ...sharp },
      acct,
    )
    expect(r.value).toBe(0 + 3 + 7 + 10)
    const m = await dpRelease(
      input,
      { dataset: 'ds', agg: 'mean', column: 'v', bounds: { lower: 0, upper: 10 }, ...sharp },
      acct,
    )
    expect(m.value).toBe(5)
  })

  it('turns decimals into integers with the fixed-point scale', async () => {
    const acct = await accountant()
    const r = await dpRelease(
      { p: ['1.25', 2.5, '0.125', 3n] },
      {
        dataset: 'ds',
        agg: 'sum',
        column: 'p',
        bounds: { lower: 0, upper: '5.5' },
        scale: 2,
        ...sharp,
      },
      acct,
    )
    // 0.125 rounds half away from zero to 0.13 at two digits.
    expect(r.value).toBeCloseTo(1.25 + 2.5 + 0.13 + 3, 10)
    expect(r.noise[0]?.sensitivity).toBe(550n)
  })

  it('reads record batches, one or several', async () => {
    const acct = await accountant()
    const col = { name: 'v', type: 'int64', physicalType: 'BIGINT', nullable: true } as const
    const b1: RecordBatch = { columns: [col], values: [[1, 2, 3]], rowCount: 3 }
    const b2: RecordBatch = { columns: [col], values: [[4, null]], rowCount: 2 }
    const one = await dpRelease(b1, { dataset: 'ds', agg: 'count', ...sharp }, acct)
    expect(one.value).toBe(3)
    const two = await dpRelease(
      [b1, b2],
      { dataset: 'ds', agg: 'count', column: 'v', ...sharp },
      acct,
    )
    expect(two.value).toBe(4)
  })
})

describe('dpRelease: histograms', () => {
  it('reports exactly the declared keys, noised, ignoring undeclared values', async () => {
    const acct = await accountant()
    const r = await dpRelease(
      data(),
      {
        dataset: 'ds',
        agg: 'histogram',
        by: 'cat',
        keys: ['a', 'b', 'z'],
        mechanism: 'laplace',
        epsilon: '1e7',
      },
      acct,
    )
    expect(r.bins).toEqual([
      { key: 'a', count: 600 },
      { key: 'b', count: 300 },
      { key: 'z', count: 0 },
    ])
  })

  it.each(MECHANISMS)(
    'gives every declared key noise centred on its count, %o',
    async (privacy) => {
      const acct = await accountant()
      const keys = ['a', 'b', 'c', 'z']
      const sums = [0, 0, 0, 0]
      const random = seededSource(7)
      const n = 500
      for (let i = 0; i < n; i++) {
        const r = await dpRelease(
          data(),
          { dataset: 'ds', agg: 'histogram', by: 'cat', keys, random, ...privacy },
          acct,
        )
        r.bins?.forEach((b, j) => (sums[j] = (sums[j] as number) + b.count))
      }
      const means = sums.map((s) => s / n)
      ;[600, 300, 100, 0].forEach((truth, j) =>
        expect(Math.abs((means[j] as number) - truth)).toBeLessThan(1.5),
      )
    },
  )

  it.each([
    { mechanism: 'laplace', epsilon: 1, delta: '1e-6' },
    { mechanism: 'gaussian', rho: '0.5', delta: '1e-6' },
    { mechanism: 'gaussian', epsilon: 1, delta: '1e-6' },
  ] as const)('derives keys privately with a threshold, %o', async (privacy) => {
    const acct = await accountant()
    const cat = [...(data().cat as CellValue[])]
    // 50 keys that occur once each: each must stay hidden except with probability δ.
    for (let i = 0; i < 50; i++) cat.push(`rare-${i}`)
    const random = seededSource(9)
    let rareReleased = 0
    for (let i = 0; i < 40; i++) {
      const r = await dpRelease(
        { cat },
        { dataset: 'ds', agg: 'histogram', by: 'cat', keys: 'derive', random, ...privacy },
        acct,
      )
      expect(r.bins?.map((b) => b.key).filter((k) => !String(k).startsWith('rare'))).toEqual([
        'a',
        'b',
        'c',
      ])
      rareReleased += r.bins?.filter((b) => String(b.key).startsWith('rare')).length ?? 0
      expect(r.threshold).toBeGreaterThan(1n)
      expect(r.privacy.delta.sign()).toBe(1)
    }
    expect(rareReleased).toBe(0)
  })

  it.each([
    { mechanism: 'laplace', epsilon: 1, delta: '0.05' },
    { mechanism: 'gaussian', rho: '0.5', delta: '0.05' },
  ] as const)('releases a singleton key with frequency at most δ = 0.05, %o', async (privacy) => {
    const acct = await accountant(1e9, '0.9')
    const cat = Array.from({ length: 4000 }, (_, i) => `once-${i}`)
    const random = seededSource(13)
    let released = 0
    const runs = 10
    for (let i = 0; i < runs; i++) {
      const r = await dpRelease(
        { cat },
        { dataset: 'ds', agg: 'histogram', by: 'cat', keys: 'derive', random, ...privacy },
        acct,
      )
      released += r.bins?.length ?? 0
    }
    const rate = released / (runs * cat.length)
    expect(rate).toBeLessThan(0.05)
    // Not vacuous: the threshold is not set far higher than it needs to be.
    expect(rate).toBeGreaterThan(0.001)
  })

  it('sets the threshold so a singleton key appears with probability at most δ', () => {
    // Laplace ε = 1, δ = 1e-6: τ = 1 + ceil(ln 1e6) = 1 + 14.
    expect(
      derivedKeyThreshold({ kind: 'laplace', epsilon: Rational.ONE }, Rational.parse('1e-6')),
    ).toBe(15n)
    // Gaussian ρ = 1/2 (σ² = 1): τ = 1 + ceil(sqrt(2·ln 1e6)) = 1 + ceil(5.26) = 7.
    expect(
      derivedKeyThreshold({ kind: 'gaussian', rho: Rational.parse('0.5') }, Rational.parse('1e-6')),
    ).toBe(7n)
  })

  it('handles 10k keys quickly', async () => {
    const acct = await accountant()
    const keys = Array.from({ length: 10_000 }, (_, i) => i)
    const by = Array.from({ length: 100_000 }, (_, i) => i % 10_000)
    for (const privacy of MECHANISMS) {
      const t0 = performance.now()
      const r = await dpRelease(
        { by },
        { dataset: 'ds', agg: 'histogram', by: 'by', keys, ...privacy },
        acct,
      )
      const ms = performance.now() - t0
      console.log(`histogram 10k keys / 100k rows, ${privacy.mechanism}: ${ms.toFixed(0)} ms`)
      expect(r.bins).toHaveLength(10_000)
      expect(ms).toBeLessThan(5000)
    }
  })
})

describe('dpRelease: quantiles (exponential mechanism)', () => {
  it.each(MECHANISMS)('median and quartiles land near the truth, %o', async (privacy) => {
    const acct = await accountant()
    const r = await dpRelease(
      data(),
      {
        dataset: 'ds',
        agg: 'quantile',
        column: 'x',
        bounds: { lower: 0, upper: 2000 },
        quantiles: ['0.25', '0.5', '0.75'],
        random: seededSource(5),
        ...privacy,
      },
      acct,
    )
    expect(r.mechanism).toBe('exponential')
    const got = r.quantiles?.map((q) => q.value) ?? []
    // Exponential-mechanism accuracy: utility loss <= 2Δ(ln(B+1) + ln(1/β))/ε with
    // probability 1-β (β = 1e-6); one row per unit here, plus one grid step.
    const epsilon = r.noise[0]?.epsilon?.toNumber() as number
    const tolerance = (2 * (Math.log(1001) + Math.log(1e6))) / epsilon + 2
    ;[250, 500, 750].forEach((truth, i) =>
      expect(Math.abs((got[i] as number) - truth)).toBeLessThan(tolerance),
    )
    expect(r.noise).toHaveLength(3)
  })

  it('outputs only grid points, within the bounds', async () => {
    const acct = await accountant()
    for (let i = 0; i < 50; i++) {
      const r = await dpRelease(
        data(),
        {
          dataset: 'ds',
          agg: 'quantile',
          column: 'x',
          bounds: { lower: 0, upper: 2000 },
          buckets: 40,
          mechanism: 'laplace',
          epsilon: '0.01',
          random: seededSource(i),
        },
        acct,
      )
      const v = r.quantiles?.[0]?.value as number
      expect(v % 50).toBe(0)
      expect(v >= 0 && v <= 2000).toBe(true)
    }
  })

  it('concentrates on the bucket holding the median as ε grows', async () => {
    const acct = await accountant()
    const r = await dpRelease(
      data(),
      {
        dataset: 'ds',
        agg: 'quantile',
        column: 'x',
        bounds: { lower: 0, upper: 2000 },
        buckets: 2000,
        mechanism: 'laplace',
        epsilon: 1000,
      },
      acct,
    )
    expect([500, 501]).toContain(r.quantiles?.[0]?.value)
  })
})

describe('dpRelease: budget and parameter errors', () => {
  it('lists every invalid parameter in one error', async () => {
    const acct = await accountant()
    const e = await caught(
      dpRelease(
        data(),
        {
          dataset: 'ds',
          agg: 'sum',
          column: 'nope',
          mechanism: 'laplace',
          epsilon: 0,
          delta: 2,
          scale: 30,
          bounds: { lower: 5, upper: 1 },
        },
        acct,
      ),
    )
    expect(e.code).toBe('ERR_DP_INVALID_PARAMETER')
    expect(e.issues.map((i) => i.path).sort()).toEqual(
      ['bounds', 'column', 'delta', 'epsilon', 'scale'].sort(),
    )
    expect(e.issues.find((i) => i.path === 'column')?.code).toBe('ERR_COLUMN_NOT_FOUND')
    const e2 = await caught(
      dpRelease(
        data(),
        { dataset: 'ds', agg: 'median' as 'sum', mechanism: 'laplace', epsilon: 1 },
        acct,
      ),
    )
    expect(e2.issues.map((i) => i.path)).toEqual(['agg'])
    const e3 = await caught(
      dpRelease(
        data(),
        { dataset: 'ds', agg: 'mean', column: 'x', mechanism: 'gaussian', epsilon: 1 },
        acct,
      ),
    )
    expect(e3.issues.map((i) => i.path)).toEqual(['bounds', 'delta'])
    const e4 = await caught(
      dpRelease(
        data(),
        {
          dataset: 'ds',
          agg: 'histogram',
          by: 'cat',
          keys: 'derive',
          mechanism: 'laplace',
          epsilon: 1,
        },
        acct,
      ),
    )
    expect(e4.issues.map((i) => i.path)).toEqual(['delta'])
    const e6 = await caught(
      dpRelease(
        data(),
        { dataset: '', agg: 'histogram', mechanism: 'gauss' as 'gaussian', rho: 1 },
        acct,
      ),
    )
    expect(e6.issues.map((i) => i.path)).toEqual(['dataset', 'by', 'keys', 'mechanism'])
    const e5 = await caught(
      dpRelease(
        data(),
        {
          dataset: 'ds',
          agg: 'sum',
          column: 'x',
          bounds: { lower: '0.5', upper: 2 },
          mechanism: 'laplace',
          epsilon: 1,
        },
        acct,
      ),
    )
    expect(e5.issues.map((i) => i.path)).toEqual(['bounds.lower'])
  })

  it('refuses an overspending release without drawing noise or recording anything', async () => {
    const store = new MemoryBudgetStore()
    const acct = new PrivacyAccountant(store)
    await acct.setBudget('ds', { epsilon: 1 })
    let draws = 0
    const counting: RandomSource = { nextUint32: () => (draws++, 12345) }
    await dpRelease(
      data(),
      {
        dataset: 'ds',
        agg: 'count',
        mechanism: 'laplace',
        epsilon: '0.7',
        random: seededSource(1),
      },
      acct,
    )
    const before = await store.get('ds')
    const e = await caught(
      dpRelease(
        data(),
        { dataset: 'ds', agg: 'count', mechanism: 'laplace', epsilon: '0.4', random: counting },
        acct,
      ),
    )
    expect(e.code).toBe('ERR_DP_BUDGET_EXCEEDED')
    expect(e.message).toMatch(/spent ε=0\.7 .*remaining ε=0\.3 .*requested ε=0\.4/)
    expect(draws).toBe(0)
    expect(await store.get('ds')).toEqual(before)
  })

  it('stops at a non-numeric cell before spending, naming the row, not the value', async () => {
    const store = new MemoryBudgetStore()
    const acct = new PrivacyAccountant(store)
    await acct.setBudget('ds', { epsilon: 1 })
    const before = await store.get('ds')
    const e = await caught(
      dpRelease(
        { v: [1, 'secret-text', 3] },
        {
          dataset: 'ds',
          agg: 'sum',
          column: 'v',
          bounds: { lower: 0, upper: 5 },
          mechanism: 'laplace',
          epsilon: 1,
        },
        acct,
      ),
    )
    expect(e.code).toBe('ERR_INPUT_TYPE_MISMATCH')
    expect(e.message).toContain('row 1')
    expect(e.message).not.toContain('secret')
    expect(await store.get('ds')).toEqual(before)
  })

  it('charges a Gaussian (ε, δ) release no more than ε', async () => {
    const acct = await accountant(1, '1e-6')
    const r = await dpRelease(
      data(),
      { dataset: 'ds', agg: 'count', mechanism: 'gaussian', epsilon: 1, delta: '1e-6' },
      acct,
    )
    expect(r.privacy.epsilon.lte(1)).toBe(true)
    expect(r.privacy.epsilon.toNumber()).toBeGreaterThan(0.999999)
    expect(r.remaining.epsilonRemaining.lt('1e-6')).toBe(true)
  })
})
