/**
 * Rigorous rational bounds on the few real functions privacy accounting needs (square root,
 * natural logarithm). Floating-point `Math.log`/`Math.sqrt` carry no accuracy guarantee in
 * ECMAScript, so every bound here is computed with integers and rounded in the safe
 * direction: an `…Upper` result is never below the true value, a `…Lower` never above.
 */
import { Rational } from './rational.js'

/** Fractional bits kept by the rounded bounds: errors are below 2^-128. */
const PRECISION_BITS = 128n
const ONE_FIXED = 1n << PRECISION_BITS

/** `floor(sqrt(n))` for a bigint `n >= 0` (Newton's method on integers). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError('isqrt of a negative number')
  if (n < 2n) return n
  // Start above the root so the iteration decreases monotonically to it.
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2))
  for (;;) {
    const y = (x + n / x) >> 1n
    if (y >= x) return x
    x = y
  }
}

/** An upper bound on `sqrt(r)` for `r >= 0`, within 2^-128 of it. */
export function sqrtUpper(r: Rational): Rational {
  // sqrt(a/b) = sqrt(a·b·4^P) / (b·2^P); rounding the integer root up keeps it an upper bound.
  const n = r.num * r.den * ONE_FIXED * ONE_FIXED
  const s = isqrt(n)
  return Rational.of(s * s === n ? s : s + 1n, r.den * ONE_FIXED)
}

/** A lower bound on `sqrt(r)` for `r >= 0`, within 2^-128 of it. */
export function sqrtLower(r: Rational): Rational {
  return Rational.of(isqrt(r.num * r.den * ONE_FIXED * ONE_FIXED), r.den * ONE_FIXED)
}

/** Working precision of the logarithm series, in fractional bits. */
const WORK_BITS = 192n
const W = 1n << WORK_BITS

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b
}

/**
 * Fixed-point bounds (scaled by 2^192) on `ln(m)` for `1 <= m <= 2`, from
 * `ln m = 2·atanh(z) = 2·Σ z^(2k+1)/(2k+1)` with `z = (m-1)/(m+1) <= 1/3`. The lower bound
 * sums truncated terms rounded down; the upper bound sums terms rounded up and adds the
 * tail bound `z^(2N+1) / ((2N+1)(1 - z²))`.
 */
function lnSmallFixed(m: Rational): { lo: bigint; hi: bigint } {
  const z = m.sub(1).div(m.add(1))
  const zLo = z.mul(W).floor()
  const zHi = z.mul(W).ceil()
  const z2Lo = (zLo * zLo) / W
  const z2Hi = ceilDiv(zHi * zHi, W)
  let termLo = zLo
  let termHi = zHi
  let sumLo = 0n
  let sumHi = 0n
  let k = 0n
  // (1/3)^(2·100) is far below 2^-192: the tail is negligible well before 100 terms.
  for (; k < 100n && termHi > 0n; k++) {
    sumLo += termLo / (2n * k + 1n)
    sumHi += ceilDiv(termHi, 2n * k + 1n)
    termLo = (termLo * z2Lo) / W
    termHi = ceilDiv(termHi * z2Hi, W)
  }
  const tail = termHi === 0n ? 0n : ceilDiv(termHi * W, (2n * k + 1n) * (W - z2Hi))
  return { lo: 2n * sumLo, hi: 2n * (sumHi + tail) }
}

/** Splits `x >= 1` as `2^e · m` with `1 <= m < 2`. */
function splitPow2(x: Rational): { e: bigint; m: Rational } {
  let e = BigInt(x.num.toString(2).length - x.den.toString(2).length)
  let m = e >= 0n ? x.div(1n << e) : x.mul(1n << -e)
  if (m.lt(1)) {
    e -= 1n
    m = m.mul(2)
  }
  return { e, m }
}

const LN2 = lnSmallFixed(Rational.of(2n))

// Accounting asks for ln(1/δ) of the same few δ over and over: remember recent answers.
const LN_CACHE = new Map<string, { lower: Rational; upper: Rational }>()
const LN_CACHE_SIZE = 64

/** Bounds on `ln(x)` for `x >= 1`, each within about 2^-180 of the true value. */
function lnBounds(x: Rational): { lower: Rational; upper: Rational } {
  const id = x.toString()
  const cached = LN_CACHE.get(id)
  if (cached) return cached
  const { e, m } = splitPow2(x)
  const lm = lnSmallFixed(m)
  // Rounded outwards to the 2^-128 grid: short fractions keep later arithmetic cheap.
  const bounds = {
    lower: Rational.of((e * LN2.lo + lm.lo) >> (WORK_BITS - PRECISION_BITS), ONE_FIXED),
    upper: Rational.of(ceilDiv(e * LN2.hi + lm.hi, 1n << (WORK_BITS - PRECISION_BITS)), ONE_FIXED),
  }
  if (LN_CACHE.size >= LN_CACHE_SIZE) LN_CACHE.delete(LN_CACHE.keys().next().value as string)
  LN_CACHE.set(id, bounds)
  return bounds
}

/** Rounds `r > 0` down to about `digits` significant decimal digits. */
function roundDownDecimal(r: Rational, digits: number): Rational {
  // The difference in decimal length estimates log10(r) to within one.
  const magnitude = r.num.toString().length - r.den.toString().length
  const shift = BigInt(Math.max(0, digits - magnitude))
  const scale = 10n ** shift
  return Rational.of(r.mul(scale).floor(), scale)
}

/** An upper bound on `ln(x)` for `x >= 1`. */
export function lnUpper(x: Rational): Rational {
  return lnBounds(x).upper
}

/** A lower bound on `ln(x)` for `x >= 1`. */
export function lnLower(x: Rational): Rational {
  return lnBounds(x).lower
}

/**
 * An upper bound on the ε of the (ε, δ)-DP guarantee implied by ρ-zCDP:
 * `ε = ρ + 2·sqrt(ρ·ln(1/δ))` (Bun & Steinke 2016, Proposition 1.3), rounded up.
 * `0 < δ < 1`, `ρ >= 0`.
 */
export function epsilonFromRhoUpper(rho: Rational, delta: Rational): Rational {
  if (rho.sign() === 0) return Rational.ZERO
  // In raw integers (one normalization at the end keeps this cheap enough to run on every
  // spend): with L = lU/2^P from lnUpper, X = ceil(ρ·L·2^P) and S = ceil(sqrt(X·2^P)), the
  // bound is ρ + 2·S/2^P, and every rounding is upwards.
  const lU = lnUpper(Rational.ONE.div(delta))
  const x = ceilDiv(rho.num * lU.num * (ONE_FIXED / lU.den), rho.den)
  const n = x << PRECISION_BITS
  const r = isqrt(n)
  const s = r * r === n ? r : r + 1n
  return Rational.of(rho.num * ONE_FIXED + 2n * s * rho.den, rho.den * ONE_FIXED)
}

/**
 * The largest ρ on a fine grid such that {@link epsilonFromRhoUpper}(ρ, δ) <= ε: the zCDP
 * budget a discrete Gaussian may use when the caller asks for (ε, δ)-DP. The closed form
 * `(sqrt(L + ε) - sqrt(L))²` with `L = ln(1/δ)` is evaluated with bounds rounded towards a
 * smaller ρ, then verified against the upper-bound conversion itself, so the result can only
 * err on the side of less noise budget.
 */
export function rhoForEpsilonDelta(epsilon: Rational, delta: Rational): Rational {
  const id = `${epsilon.toString()};${delta.toString()}`
  const cached = RHO_CACHE.get(id)
  if (cached) return cached
  const rho = computeRho(epsilon, delta)
  if (RHO_CACHE.size >= LN_CACHE_SIZE) RHO_CACHE.delete(RHO_CACHE.keys().next().value as string)
  RHO_CACHE.set(id, rho)
  return rho
}

// Releases repeat the same (ε, δ) pairs: remember recent conversions.
const RHO_CACHE = new Map<string, Rational>()

function computeRho(epsilon: Rational, delta: Rational): Rational {
  const lUp = lnUpper(Rational.ONE.div(delta))
  // sqrt(L+ε) - sqrt(L) decreases in L, so the upper bound on L gives a smaller root.
  const root = sqrtLower(lUp.add(epsilon)).sub(sqrtUpper(lUp))
  if (root.sign() <= 0) return Rational.ZERO
  // Fifteen significant digits, rounded down: a readable ρ and a short σ² = Δ²/(2ρ).
  let rho = roundDownDecimal(root.mul(root), 15)
  // The bounds above are within 2^-120; a few shrinking steps absorb any mismatch.
  const shrink = Rational.of((1n << 40n) - 1n, 1n << 40n)
  while (rho.sign() > 0 && epsilonFromRhoUpper(rho, delta).gt(epsilon)) {
    rho = roundDownDecimal(rho.mul(shrink), 15)
  }
  return rho
}
