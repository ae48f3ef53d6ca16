/**
 * The noisy aggregates over integer data, given a per-part privacy parameter. Neighbouring
 * datasets differ by adding or removing one row; sensitivities below are for that notion.
 *
 * Calibration: discrete Laplace with scale `Δ1/ε` is ε-DP; discrete Gaussian with
 * `σ² = Δ2²/(2ρ)` is ρ-zCDP (Canonne, Kamath, Steinke 2020, Theorems 14 and 7).
 */
import { Rational } from './rational.js'
import { bernoulliExp, sampleDiscreteGaussian, sampleDiscreteLaplace } from './samplers.js'
import { uniformInt, type RandomSource } from './random.js'
import { clamp } from './values.js'

/** The privacy of one noisy part: an ε for discrete Laplace or a ρ for discrete Gaussian. */
export type PartBudget =
  | { readonly kind: 'laplace'; readonly epsilon: Rational }
  | { readonly kind: 'gaussian'; readonly rho: Rational }

/** How one noisy number was made, for the release report. */
export interface NoiseReport {
  /** What the noise was added to (`count`, `sum`, `shifted-sum`, `bin`, `quantile`). */
  readonly target: string
  /** Sensitivity of that statistic, in fixed-point units. */
  readonly sensitivity: bigint
  /** Discrete Laplace scale `t` (noise variance about `2t²`). */
  readonly scale?: Rational
  /** Discrete Gaussian variance parameter σ². */
  readonly sigma2?: Rational
  /** ε of an exponential-mechanism selection. */
  readonly epsilon?: Rational
}

/** Noise for a statistic of the given sensitivity, with its report. */
export function noisy(
  source: RandomSource,
  value: bigint,
  sensitivity: bigint,
  budget: PartBudget,
  target: string,
): { value: bigint; report: NoiseReport } {
  const draw = noiseDrawer(sensitivity, budget, target)
  return { value: value + draw.sample(source), report: draw.report }
}

/** A reusable noise generator (histograms draw thousands from one calibration). */
export function noiseDrawer(
  sensitivity: bigint,
  budget: PartBudget,
  target: string,
): { sample: (source: RandomSource) => bigint; report: NoiseReport } {
  // A statistic that cannot change (sensitivity 0, e.g. bounds [0, 0]) needs no noise.
  if (sensitivity === 0n) return { sample: () => 0n, report: { target, sensitivity } }
  if (budget.kind === 'laplace') {
    const scale = Rational.of(sensitivity).div(budget.epsilon)
    return {
      sample: (s) => sampleDiscreteLaplace(s, scale),
      report: { target, sensitivity, scale },
    }
  }
  const sigma2 = Rational.of(sensitivity * sensitivity).div(budget.rho.mul(2))
  return {
    sample: (s) => sampleDiscreteGaussian(s, sigma2),
    report: { target, sensitivity, sigma2 },
  }
}

/** Splits a part budget evenly into `k` parts (basic / zCDP composition). */
export function splitBudget(budget: PartBudget, k: number): PartBudget {
  return budget.kind === 'laplace'
    ? { kind: 'laplace', epsilon: budget.epsilon.div(BigInt(k)) }
    : { kind: 'gaussian', rho: budget.rho.div(BigInt(k)) }
}

/** Sum of values clamped to `[lower, upper]`; sensitivity `max(|lower|, |upper|)`. */
export function clampedSum(
  values: readonly bigint[],
  lower: bigint,
  upper: bigint,
): {
  sum: bigint
  sensitivity: bigint
} {
  let sum = 0n
  for (const v of values) sum += clamp(v, lower, upper)
  const abs = (x: bigint): bigint => (x < 0n ? -x : x)
  const sensitivity = abs(lower) > abs(upper) ? abs(lower) : abs(upper)
  return { sum, sensitivity }
}

/**
 * Mean as midpoint + noisy shifted sum / noisy count. Values are clamped and shifted to
 * `2x - (lower + upper)`, which lies in `[-(upper-lower), upper-lower]`: sensitivity
 * `upper - lower` instead of `max(|lower|, |upper|)`, so data far from zero costs no extra
 * noise. Each half gets half the budget; the result is clamped back into the bounds and a
 * noisy count below 1 is read as 1.
 */
export function noisyMean(
  source: RandomSource,
  values: readonly bigint[],
  lower: bigint,
  upper: bigint,
  budget: PartBudget,
): { mean: Rational; reports: NoiseReport[] } {
  const half = splitBudget(budget, 2)
  let shifted = 0n
  for (const v of values) shifted += 2n * clamp(v, lower, upper) - (lower + upper)
  const count = noisy(source, BigInt(values.length), 1n, half, 'count')
  const sum = noisy(source, shifted, upper - lower, half, 'shifted-sum')
  const n = count.value < 1n ? 1n : count.value
  let mean = Rational.of(lower + upper, 2n).add(Rational.of(sum.value, 2n * n))
  mean = Rational.max(Rational.of(lower), Rational.min(Rational.of(upper), mean))
  return { mean, reports: [count.report, sum.report] }
}

/**
 * One quantile by the exponential mechanism over the grid `lower + (upper-lower)·j/buckets`,
 * `j = 0..buckets`, with utility `-|#{x < c} - q·n|` (sensitivity 1 under add/remove: the
 * count moves by at most 1 and `q·n` by `q`). It is sampled exactly by rejection: a uniform
 * candidate is kept with probability `exp(-ε·(best - utility)/2)`, a Bernoulli(exp(-γ))
 * trial with rational γ, which yields exactly the exponential mechanism's distribution
 * (the best candidate is always kept, so at most `buckets + 1` rounds are expected).
 */
export function exponentialQuantile(
  source: RandomSource,
  sorted: readonly bigint[],
  q: Rational,
  lower: bigint,
  upper: bigint,
  buckets: number,
  epsilon: Rational,
): Rational {
  const n = BigInt(sorted.length)
  const target = q.mul(n)
  const width = Rational.of(upper - lower, BigInt(buckets))
  const deficits: Rational[] = []
  let best: Rational | undefined
  let at = 0
  const b = BigInt(buckets)
  for (let j = 0; j <= buckets; j++) {
    // x < c  ⇔  x·buckets < lower·buckets + (upper - lower)·j, kept in integers. `sorted` is
    // ascending, so the count below c only moves forward.
    const cTimesB = lower * b + (upper - lower) * BigInt(j)
    while (at < sorted.length && (sorted[at] as bigint) * b < cTimesB) at++
    const distance = Rational.of(BigInt(at)).sub(target).abs()
    deficits.push(distance)
    if (best === undefined || distance.lt(best)) best = distance
  }
  const halfEpsilon = epsilon.div(2n)
  for (;;) {
    const j = uniformInt(source, buckets + 1)
    const gamma = (deficits[j] as Rational).sub(best as Rational).mul(halfEpsilon)
    if (bernoulliExp(source, gamma.num, gamma.den)) return width.mul(BigInt(j)).add(lower)
  }
}
