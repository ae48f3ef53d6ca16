/**
 * Exact rational numbers on bigint. Privacy budgets are added, subtracted and compared
 * with these so that no rounding can ever let a query through that exact arithmetic would
 * refuse (`0.1 + 0.2` is exactly `0.3` here).
 */
import { StrongroomError } from '../../errors.js'

/** Anything {@link Rational.from} accepts. */
export type RationalLike = Rational | bigint | number | string

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/
const FRACTION = /^([+-]?\d+)\/(\d+)$/
// An exponent this large would build a number with millions of digits: refuse it.
const MAX_EXPONENT = 4000

function abs(n: bigint): bigint {
  return n < 0n ? -n : n
}

function gcd(a: bigint, b: bigint): bigint {
  a = abs(a)
  b = abs(b)
  while (b !== 0n) {
    const t = a % b
    a = b
    b = t
  }
  return a
}

function invalid(what: string): StrongroomError {
  return new StrongroomError('ERR_DP_INVALID_PARAMETER', `not an exact number: ${what}`)
}

/**
 * An immutable fraction `num/den` kept normalized: `den > 0` and `gcd(num, den) = 1`, so two
 * equal values always have equal fields.
 */
export class Rational {
  /** The numerator; carries the sign. */
  readonly num: bigint
  /** The denominator; always positive. */
  readonly den: bigint

  private constructor(num: bigint, den: bigint) {
    this.num = num
    this.den = den
  }

  /** Zero. */
  static readonly ZERO = new Rational(0n, 1n)
  /** One. */
  static readonly ONE = new Rational(1n, 1n)

  /** `num/den`, normalized. Throws `ERR_DP_INVALID_PARAMETER` when `den` is zero. */
  static of(num: bigint, den: bigint = 1n): Rational {
    if (den === 0n) throw invalid('zero denominator')
    if (den < 0n) {
      num = -num
      den = -den
    }
    const g = gcd(num, den)
    return g <= 1n ? new Rational(num, den) : new Rational(num / g, den / g)
  }

  /**
   * Reads a value exactly. Strings may be decimals (`"0.5"`, `"1e-6"`, `"-2.5E3"`) or
   * fractions (`"1/3"`). A JS number is read through its shortest round-trip decimal text,
   * so `0.1` means one tenth, which is what a person typing it meant. Throws
   * `ERR_DP_INVALID_PARAMETER` for anything else (NaN, infinities, malformed text).
   */
  static from(value: RationalLike): Rational {
    if (value instanceof Rational) return value
    if (typeof value === 'bigint') return new Rational(value, 1n)
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw invalid('non-finite number')
      return Rational.parse(String(value))
    }
    return Rational.parse(value)
  }

  /** Parses a decimal or fraction string exactly (see {@link Rational.from}). */
  static parse(text: string): Rational {
    const s = text.trim()
    const f = FRACTION.exec(s)
    if (f) return Rational.of(BigInt(f[1] as string), BigInt(f[2] as string))
    const m = DECIMAL.exec(s)
    if (!m) throw invalid('malformed text')
    const [, sign, int = '', frac = '', expText] = m
    if (int === '' && frac === '') throw invalid('malformed text')
    const exp = expText === undefined ? 0 : Number(expText)
    if (Math.abs(exp) > MAX_EXPONENT) throw invalid('exponent out of range')
    let num = BigInt((int || '0') + frac)
    if (sign === '-') num = -num
    const shift = exp - frac.length
    return shift >= 0
      ? Rational.of(num * 10n ** BigInt(shift))
      : Rational.of(num, 10n ** BigInt(-shift))
  }

  /** `this + other`. */
  add(other: RationalLike): Rational {
    const o = Rational.from(other)
    return Rational.of(this.num * o.den + o.num * this.den, this.den * o.den)
  }

  /** `this - other`. */
  sub(other: RationalLike): Rational {
    const o = Rational.from(other)
    return Rational.of(this.num * o.den - o.num * this.den, this.den * o.den)
  }

  /** `this × other`. */
  mul(other: RationalLike): Rational {
    const o = Rational.from(other)
    return Rational.of(this.num * o.num, this.den * o.den)
  }

  /** `this ÷ other`; throws `ERR_DP_INVALID_PARAMETER` when `other` is zero. */
  div(other: RationalLike): Rational {
    const o = Rational.from(other)
    if (o.num === 0n) throw invalid('division by zero')
    return Rational.of(this.num * o.den, this.den * o.num)
  }

  /** `-this`. */
  neg(): Rational {
    return new Rational(-this.num, this.den)
  }

  /** `|this|`. */
  abs(): Rational {
    return this.num < 0n ? this.neg() : this
  }

  /** -1, 0 or 1 as `this` is less than, equal to or greater than `other`. */
  compare(other: RationalLike): -1 | 0 | 1 {
    const o = Rational.from(other)
    const d = this.num * o.den - o.num * this.den
    return d < 0n ? -1 : d > 0n ? 1 : 0
  }

  /** Exact equality. */
  eq(other: RationalLike): boolean {
    return this.compare(other) === 0
  }

  /** `this < other`. */
  lt(other: RationalLike): boolean {
    return this.compare(other) < 0
  }

  /** `this <= other`. */
  lte(other: RationalLike): boolean {
    return this.compare(other) <= 0
  }

  /** `this > other`. */
  gt(other: RationalLike): boolean {
    return this.compare(other) > 0
  }

  /** `this >= other`. */
  gte(other: RationalLike): boolean {
    return this.compare(other) >= 0
  }

  /** The sign: -1, 0 or 1. */
  sign(): -1 | 0 | 1 {
    return this.num < 0n ? -1 : this.num > 0n ? 1 : 0
  }

  /** True when the value is a whole number. */
  isInteger(): boolean {
    return this.den === 1n
  }

  /** The largest integer `<= this`. */
  floor(): bigint {
    const q = this.num / this.den
    return this.num < 0n && q * this.den !== this.num ? q - 1n : q
  }

  /** The smallest integer `>= this`. */
  ceil(): bigint {
    return -this.neg().floor()
  }

  /** The smaller of the two. */
  static min(a: Rational, b: Rational): Rational {
    return a.lte(b) ? a : b
  }

  /** The larger of the two. */
  static max(a: Rational, b: Rational): Rational {
    return a.gte(b) ? a : b
  }

  /** Exact text: `"3"` or `"-1/3"`; {@link Rational.parse} reads it back. */
  toString(): string {
    return this.den === 1n ? this.num.toString() : `${this.num}/${this.den}`
  }

  /** JSON form: the exact text. */
  toJSON(): string {
    return this.toString()
  }

  /**
   * The nearest double, for display only. Uses a scaled integer quotient so that huge
   * numerators and denominators (beyond 2^1024) still give a sensible answer.
   */
  toNumber(): number {
    if (this.num === 0n) return 0
    const bits = (n: bigint): number => abs(n).toString(2).length
    // Scale so the quotient keeps ~64 significant bits, then undo the scaling in floats.
    const shift = bits(this.den) - bits(this.num) + 64
    const q =
      shift >= 0 ? (this.num << BigInt(shift)) / this.den : this.num / (this.den << BigInt(-shift))
    // Two steps, so a scale beyond 2^-1074 does not underflow before it meets the quotient.
    const firstStep = Math.trunc(shift / 2)
    return Number(q) * 2 ** -firstStep * 2 ** -(shift - firstStep)
  }

  /** A short decimal for messages, e.g. `0.3` or `1.2e-7` (rounded; never parsed back). */
  toDisplay(): string {
    const n = this.toNumber()
    return Number(n.toPrecision(6)).toString()
  }
}
