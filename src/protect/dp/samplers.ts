/**
 * Exact samplers for discrete Laplace and discrete Gaussian noise, after Canonne, Kamath and
 * Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020), Algorithms 1–3.
 *
 * Every step uses integer or rational arithmetic and Bernoulli(exp(-γ)) trials built from
 * uniform integers, so the output distribution is exactly the intended one. Floating-point
 * noise generators leak through the uneven gaps between doubles (Mironov, "On Significance
 * of the Least Significant Bits for Differential Privacy", CCS 2012); these do not.
 */
import type { Rational } from './rational.js'
import { bernoulliRational, uniformBigInt, type RandomSource } from './random.js'
import { isqrt } from './real-bounds.js'

/** Bernoulli(exp(-num/den)) for `0 <= num/den <= 1` (CKS Algorithm 1, first part). */
function bernoulliExpUnit(source: RandomSource, num: bigint, den: bigint): boolean {
  // Stops at the first failed Bernoulli(γ/k); the index parity has probability exp(-γ).
  let k = 1n
  while (bernoulliRational(source, num, den * k)) k++
  return (k & 1n) === 1n
}

/**
 * True with probability `exp(-num/den)`, exactly, for any `num/den >= 0` (CKS Algorithm 1):
 * `floor(γ)` Bernoulli(exp(-1)) trials must all succeed, then one for the fractional part.
 */
export function bernoulliExp(source: RandomSource, num: bigint, den: bigint): boolean {
  if (num < 0n || den <= 0n) throw new RangeError('bernoulliExp needs γ >= 0')
  let whole = num / den
  while (whole > 0n) {
    if (!bernoulliExpUnit(source, 1n, 1n)) return false
    whole--
  }
  return bernoulliExpUnit(source, num % den, den)
}

/**
 * One draw of discrete Laplace noise with scale `t`: `P(x) ∝ exp(-|x|/t)` on the integers
 * (CKS Algorithm 2). For a query with L1 sensitivity Δ, `t = Δ/ε` gives ε-DP.
 */
export function sampleDiscreteLaplace(source: RandomSource, scale: Rational): bigint {
  if (scale.sign() <= 0) throw new RangeError('discrete Laplace scale must be positive')
  // Scale t/s with t = numerator and s = denominator, as in the paper's Algorithm 2.
  return discreteLaplace(source, scale.num, scale.den)
}

function discreteLaplace(source: RandomSource, t: bigint, s: bigint): bigint {
  for (;;) {
    const u = uniformBigInt(source, t)
    if (!bernoulliExpUnit(source, u, t)) continue
    let v = 0n
    while (bernoulliExpUnit(source, 1n, 1n)) v++
    const y = (u + t * v) / s
    const negative = uniformBigInt(source, 2n) === 1n
    // Rejecting "-0" keeps zero from getting double weight.
    if (negative && y === 0n) continue
    return negative ? -y : y
  }
}

/**
 * One draw of discrete Gaussian noise with variance parameter `σ²` (rational):
 * `P(x) ∝ exp(-x²/(2σ²))` on the integers (CKS Algorithm 3: discrete Laplace proposals with
 * scale `floor(σ)+1`, accepted with probability `exp(-(|y| - σ²/t)²/(2σ²))`). For a query
 * with L2 sensitivity Δ, `σ² = Δ²/(2ρ)` gives ρ-zCDP.
 */
export function sampleDiscreteGaussian(source: RandomSource, sigma2: Rational): bigint {
  if (sigma2.sign() <= 0) throw new RangeError('discrete Gaussian σ² must be positive')
  const a = sigma2.num
  const b = sigma2.den
  // floor(sqrt(floor(x))) = floor(sqrt(x)) for x >= 0.
  const t = isqrt(a / b) + 1n
  // γ = (|y| - σ²/t)² / (2σ²) = (|y|·b·t - a)² / (2·a·b·t²), kept as one fraction.
  const gammaDen = 2n * a * b * t * t
  for (;;) {
    const y = discreteLaplace(source, t, 1n)
    const d = (y < 0n ? -y : y) * b * t - a
    if (bernoulliExp(source, d * d, gammaDen)) return y
  }
}

/**
 * The exact probability mass `P(X = x)` of discrete Laplace noise with scale `t`, as a double
 * (for tests and documentation): `(1 - q)/(1 + q) · q^|x|` with `q = exp(-1/t)`.
 */
export function discreteLaplacePmf(x: number, scale: number): number {
  const q = Math.exp(-1 / scale)
  return ((1 - q) / (1 + q)) * q ** Math.abs(x)
}

/**
 * The probability mass `P(X = x)` of discrete Gaussian noise with variance parameter `σ²`,
 * as a double (normalizing constant summed to well past the point of underflow).
 */
export function discreteGaussianPmf(x: number, sigma2: number): number {
  const limit = Math.ceil(Math.sqrt(sigma2) * 40) + 1
  let z = 0
  for (let k = -limit; k <= limit; k++) z += Math.exp((-k * k) / (2 * sigma2))
  return Math.exp((-x * x) / (2 * sigma2)) / z
}
