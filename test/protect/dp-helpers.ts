/**
 * Shared pieces of the differential-privacy tests: a seeded random source (so distribution
 * checks are deterministic) and a chi-square goodness-of-fit statistic.
 */
import type { RandomSource } from '../../src/protect/dp/random.js'

/**
 * xoshiro128** seeded through splitmix32: fast, statistically sound, and reproducible. For
 * tests only: it is predictable, so it must never produce released noise.
 */
export function seededSource(seed: number): RandomSource {
  let x = seed >>> 0
  const splitmix = (): number => {
    x = (x + 0x9e3779b9) >>> 0
    let z = x
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
  const s = [splitmix(), splitmix(), splitmix(), splitmix()] as [number, number, number, number]
  const rotl = (v: number, k: number): number => ((v << k) | (v >>> (32 - k))) >>> 0
  return {
    nextUint32(): number {
      const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0
      const t = (s[1] << 9) >>> 0
      s[2] ^= s[0]
      s[3] ^= s[1]
      s[1] ^= s[2]
      s[0] ^= s[3]
      s[2] ^= t
      s[3] = rotl(s[3], 11)
      return result
    },
  }
}

/** Result of {@link chiSquare}. */
export interface ChiSquareResult {
  readonly statistic: number
  readonly degreesOfFreedom: number
}

/**
 * Pearson's chi-square statistic of integer samples against a pmf, over the bins
 * `lo..hi` plus two tail bins (`< lo`, `> hi`). Bins are chosen by the caller so each has a
 * healthy expected count.
 */
export function chiSquare(
  counts: ReadonlyMap<number, number>,
  total: number,
  pmf: (x: number) => number,
  lo: number,
  hi: number,
): ChiSquareResult {
  let inside = 0
  let statistic = 0
  let observedInside = 0
  for (let x = lo; x <= hi; x++) {
    const p = pmf(x)
    inside += p
    const expected = p * total
    const observed = counts.get(x) ?? 0
    observedInside += observed
    statistic += (observed - expected) ** 2 / expected
  }
  // Tails: the pmfs tested are symmetric, so split the remaining mass evenly.
  const tailP = (1 - inside) / 2
  let below = 0
  let above = 0
  for (const [x, c] of counts) {
    if (x < lo) below += c
    else if (x > hi) above += c
  }
  statistic += (below - tailP * total) ** 2 / (tailP * total)
  statistic += (above - tailP * total) ** 2 / (tailP * total)
  void observedInside
  return { statistic, degreesOfFreedom: hi - lo + 2 }
}

/**
 * An upper critical value of the chi-square distribution with `k` degrees of freedom at
 * significance 1e-6 (Wilson–Hilferty approximation, z = 4.753): a correct sampler exceeds
 * it with probability about one in a million.
 */
export function chiSquareCritical(k: number): number {
  const z = 4.753
  const a = 2 / (9 * k)
  return k * (1 - a + z * Math.sqrt(a)) ** 3
}

/** Counts occurrences of each drawn value. */
export function tally(values: Iterable<bigint>): Map<number, number> {
  const m = new Map<number, number>()
  for (const v of values) {
    const n = Number(v)
    m.set(n, (m.get(n) ?? 0) + 1)
  }
  return m
}
