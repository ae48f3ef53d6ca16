import { performance } from 'node:perf_hooks'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  bernoulliRational,
  cryptoRandomSource,
  uniformBigInt,
  uniformInt,
  type RandomSource,
} from '../../src/protect/dp/random.js'
import { Rational } from '../../src/protect/dp/rational.js'
import {
  bernoulliExp,
  discreteGaussianPmf,
  discreteLaplacePmf,
  sampleDiscreteGaussian,
  sampleDiscreteLaplace,
} from '../../src/protect/dp/samplers.js'
import { chiSquare, chiSquareCritical, seededSource, tally } from './dp-helpers.js'

const DRAWS = 200_000

function draw(n: number, f: () => bigint): bigint[] {
  const out: bigint[] = []
  for (let i = 0; i < n; i++) out.push(f())
  return out
}

function moments(xs: readonly bigint[]): { mean: number; variance: number; fourth: number } {
  let s = 0
  for (const x of xs) s += Number(x)
  const mean = s / xs.length
  let v = 0
  let f = 0
  for (const x of xs) {
    const d = Number(x) - mean
    v += d * d
    f += d ** 4
  }
  return { mean, variance: v / xs.length, fourth: f / xs.length }
}

/** Exact variance of a symmetric integer pmf, summed far into the tails. */
function pmfVariance(pmf: (x: number) => number, limit: number): number {
  let v = 0
  for (let x = 1; x <= limit; x++) v += 2 * x * x * pmf(x)
  return v
}

/** Bins lo..hi = the symmetric range where each bin expects at least 40 draws. */
function binRange(pmf: (x: number) => number): number {
  let hi = 0
  while (pmf(hi + 1) * DRAWS >= 40) hi++
  return hi
}

/**
 * Goodness of fit at significance 1e-6, plus mean and variance within 5 standard errors.
 * Returns whether every check passed, so a deliberately wrong sampler can be shown to fail.
 */
function fits(
  samples: readonly bigint[],
  pmf: (x: number) => number,
): {
  chi: number
  critical: number
  meanZ: number
  varianceZ: number
  pass: boolean
} {
  const hi = binRange(pmf)
  const { statistic, degreesOfFreedom } = chiSquare(tally(samples), samples.length, pmf, -hi, hi)
  const critical = chiSquareCritical(degreesOfFreedom)
  const trueVar = pmfVariance(pmf, hi * 40 + 100)
  const m = moments(samples)
  const meanZ = m.mean / Math.sqrt(trueVar / samples.length)
  const varianceZ =
    (m.variance - trueVar) / Math.sqrt((m.fourth - m.variance ** 2) / samples.length)
  const pass = statistic < critical && Math.abs(meanZ) < 5 && Math.abs(varianceZ) < 5
  return { chi: statistic, critical, meanZ, varianceZ, pass }
}

describe('uniform integers', () => {
  it('draws every value of [0, n) evenly (chi-square, n = 7 and n = 2^33 + 5 split by top bits)', () => {
    const src = seededSource(1)
    const counts = new Map<number, number>()
    for (let i = 0; i < 70_000; i++) {
      const v = uniformInt(src, 7)
      counts.set(v, (counts.get(v) ?? 0) + 1)
    }
    let chi = 0
    for (let v = 0; v < 7; v++) chi += ((counts.get(v) ?? 0) - 10_000) ** 2 / 10_000
    expect(chi).toBeLessThan(chiSquareCritical(6))
    const n = (1n << 33n) + 5n
    for (let i = 0; i < 10_000; i++) {
      const v = uniformBigInt(src, n)
      expect(v >= 0n && v < n).toBe(true)
    }
  })

  it('rejects the biased top block instead of reducing it modulo n', () => {
    // A source that first returns the last word (in the biased block for n = 3) then 4.
    const words = [0xffff_ffff, 4]
    const src: RandomSource = { nextUint32: () => words.shift() ?? 0 }
    expect(uniformInt(src, 3)).toBe(1)
    expect(words).toEqual([])
  })

  it('Bernoulli(p) has frequency p within 5 standard errors', () => {
    const src = seededSource(2)
    let hits = 0
    for (let i = 0; i < DRAWS; i++) if (bernoulliRational(src, 1n, 3n)) hits++
    expect(Math.abs(hits / DRAWS - 1 / 3)).toBeLessThan(5 * Math.sqrt(2 / 9 / DRAWS))
  })

  it('Bernoulli(p) with a 100-bit denominator has frequency p (lazy digit comparison)', () => {
    const src = seededSource(4)
    const den = 10n ** 30n + 7n
    for (const [num, p] of [
      [den / 3n, 1 / 3],
      [den - 1n, 1],
      [1n, 0],
      [(den * 7n) / 10n, 0.7],
    ] as const) {
      let hits = 0
      for (let i = 0; i < DRAWS; i++) if (bernoulliRational(src, num, den)) hits++
      expect(Math.abs(hits / DRAWS - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / DRAWS))
    }
  })

  it('Bernoulli decides on the first differing word, and an exhausted fraction is not below', () => {
    // p = 1/2^32 + 0: the first word 1 equals the digit and the fraction ends: false.
    const words = [1]
    const src: RandomSource = { nextUint32: () => words.shift() ?? 0 }
    expect(bernoulliRational(src, 1n, 1n << 64n)).toBe(false)
    const w2 = [0, 0]
    const src2: RandomSource = { nextUint32: () => w2.shift() ?? 0 }
    // p = 2^-64 · 3: digits 0 then 3; words 0, 0 → below.
    expect(bernoulliRational(src2, 3n, 1n << 64n)).toBe(true)
  })
})

describe('default randomness', () => {
  afterEach(() => vi.restoreAllMocks())

  it('comes from node:crypto, never Math.random', () => {
    const spy = vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random used')
    })
    const src = cryptoRandomSource()
    for (let i = 0; i < 3000; i++) sampleDiscreteGaussian(src, Rational.from(4))
    expect(spy).not.toHaveBeenCalled()
  })
})

describe('Bernoulli(exp(-γ)) (Canonne-Kamath-Steinke 2020, Algorithm 1)', () => {
  it.each(['0', '1/3', '0.5', '1', '2.5', '4', '100000000000000000001/200000000000000000000'])(
    'γ = %s has frequency exp(-γ)',
    (g) => {
      const gamma = Rational.parse(g)
      const src = seededSource(3)
      let hits = 0
      const n = 100_000
      for (let i = 0; i < n; i++) if (bernoulliExp(src, gamma.num, gamma.den)) hits++
      const p = Math.exp(-gamma.toNumber())
      expect(Math.abs(hits / n - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / n))
    },
  )
})

describe('discrete Laplace (Canonne-Kamath-Steinke 2020, Algorithm 2) against its exact pmf', () => {
  it.each(['1', '7/2', '10', '1/3'])('scale %s: 200k draws fit the pmf, mean 0, variance', (t) => {
    const scale = Rational.parse(t)
    const src = seededSource(10)
    const samples = draw(DRAWS, () => sampleDiscreteLaplace(src, scale))
    const r = fits(samples, (x) => discreteLaplacePmf(x, scale.toNumber()))
    expect(r.chi, JSON.stringify(r)).toBeLessThan(r.critical)
    expect(Math.abs(r.meanZ)).toBeLessThan(5)
    expect(Math.abs(r.varianceZ)).toBeLessThan(5)
  })

  it('the same test rejects a sampler with a 10% wrong scale', () => {
    const src = seededSource(11)
    const wrong = draw(DRAWS, () => sampleDiscreteLaplace(src, Rational.from(11)))
    expect(fits(wrong, (x) => discreteLaplacePmf(x, 10)).pass).toBe(false)
    const wrongSmall = draw(DRAWS, () => sampleDiscreteLaplace(src, Rational.from('1.1')))
    expect(fits(wrongSmall, (x) => discreteLaplacePmf(x, 1)).pass).toBe(false)
  })
})

describe('discrete Gaussian (Canonne-Kamath-Steinke 2020, Algorithm 3) against its exact pmf', () => {
  it.each(['1', '2/3', '25', '200', '500000000000000/17468904769123'])(
    'σ² = %s: 200k draws fit the pmf, mean 0, variance',
    (s2) => {
      const sigma2 = Rational.parse(s2)
      const src = seededSource(20)
      const samples = draw(DRAWS, () => sampleDiscreteGaussian(src, sigma2))
      const r = fits(samples, (x) => discreteGaussianPmf(x, sigma2.toNumber()))
      expect(r.chi, JSON.stringify(r)).toBeLessThan(r.critical)
      expect(Math.abs(r.meanZ)).toBeLessThan(5)
      expect(Math.abs(r.varianceZ)).toBeLessThan(5)
    },
  )

  it('the same test rejects a sampler with a 10% wrong σ², and Laplace noise of equal variance', () => {
    const src = seededSource(21)
    const wrong = draw(DRAWS, () => sampleDiscreteGaussian(src, Rational.from('27.5')))
    expect(fits(wrong, (x) => discreteGaussianPmf(x, 25)).pass).toBe(false)
    // Laplace with variance ≈ 25 (scale ≈ 3.54): same spread, wrong shape.
    const laplace = draw(DRAWS, () => sampleDiscreteLaplace(src, Rational.parse('3.5355')))
    expect(fits(laplace, (x) => discreteGaussianPmf(x, 25)).pass).toBe(false)
  })
})

describe('sampling speed (node:crypto source)', () => {
  it('draws fast enough for a 10k-key histogram', () => {
    const src = cryptoRandomSource()
    const rates: Record<string, number> = {}
    const cases: [string, () => bigint][] = [
      ['laplace scale 1/0.1', () => sampleDiscreteLaplace(src, Rational.from(10))],
      ['laplace scale 1/1', () => sampleDiscreteLaplace(src, Rational.ONE)],
      ['gaussian σ² 1/(2·0.01)', () => sampleDiscreteGaussian(src, Rational.from(50))],
      ['gaussian σ² from ε=1 δ=1e-6', () => sampleDiscreteGaussian(src, Rational.parse('28.6225'))],
    ]
    for (const [name, f] of cases) {
      const n = 50_000
      const t0 = performance.now()
      draw(n, f)
      rates[name] = Math.round(n / ((performance.now() - t0) / 1000))
    }
    console.log('samples/s', rates)
    // 10k keys in well under a second even on a loaded 2-core machine.
    for (const rate of Object.values(rates)) expect(rate).toBeGreaterThan(20_000)
  })
})
