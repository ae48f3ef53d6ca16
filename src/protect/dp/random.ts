/**
 * Uniform random bits for the samplers. The noise of a differentially private release is a
 * secret (knowing it reveals the true value), so the default source is node:crypto; tests
 * inject a seeded source to make distribution checks deterministic.
 */
import { randomBytes } from 'node:crypto'

/** A source of independent uniform 32-bit words. */
export interface RandomSource {
  /** A uniform integer in `[0, 2^32)`. */
  nextUint32(): number
}

const TWO_32 = 0x1_0000_0000
const POOL_BYTES = 4096

/**
 * The default source: node:crypto `randomBytes`, read in 4 KiB blocks so each draw is a
 * buffer read rather than a system call. Never `Math.random`.
 */
export function cryptoRandomSource(): RandomSource {
  let pool = randomBytes(POOL_BYTES)
  let at = 0
  return {
    nextUint32(): number {
      if (at + 4 > POOL_BYTES) {
        pool = randomBytes(POOL_BYTES)
        at = 0
      }
      const v = pool.readUInt32LE(at)
      at += 4
      return v
    },
  }
}

/**
 * A uniform integer in `[0, n)` for `1 <= n <= 2^32`, by rejection sampling: draws that fall
 * in the incomplete top block of `2^32 mod n` values are redrawn, so there is no modulo bias.
 */
export function uniformInt(source: RandomSource, n: number): number {
  if (n === TWO_32) return source.nextUint32()
  const limit = TWO_32 - (TWO_32 % n)
  for (;;) {
    const v = source.nextUint32()
    if (v < limit) return v % n
  }
}

/**
 * A uniform bigint in `[0, n)` for any `n >= 1`: draws as many bits as `n - 1` has and
 * rejects values `>= n` (expected fewer than two draws).
 */
export function uniformBigInt(source: RandomSource, n: bigint): bigint {
  if (n <= BigInt(TWO_32)) return BigInt(uniformInt(source, Number(n)))
  const bits = (n - 1n).toString(2).length
  const words = Math.ceil(bits / 32)
  const topMask = 2 ** (bits - (words - 1) * 32) - 1
  for (;;) {
    let v = BigInt((source.nextUint32() & topMask) >>> 0)
    for (let i = 1; i < words; i++) v = (v << 32n) | BigInt(source.nextUint32())
    if (v < n) return v
  }
}

const TWO_32_BIG = 1n << 32n

/**
 * True with probability `num/den` (`0 <= num <= den`), exactly. Small denominators compare a
 * uniform integer below `den` with `num`. Large ones compare a uniform real in [0, 1) with
 * `num/den` lazily, 32 bits at a time: each random word is checked against the next base-2^32
 * digit of the fraction and the first difference decides, so a draw costs about one word
 * and one bigint division, whatever the size of `den`.
 */
export function bernoulliRational(source: RandomSource, num: bigint, den: bigint): boolean {
  if (num <= 0n) return false
  if (num >= den) return true
  if (den <= TWO_32_BIG) return uniformInt(source, Number(den)) < Number(num)
  let rest = num
  for (;;) {
    rest <<= 32n
    const digit = Number(rest / den)
    rest %= den
    const word = source.nextUint32()
    if (word !== digit) return word < digit
    // Equal so far; a zero remainder means the fraction has ended and the real is not below it.
    if (rest === 0n) return false
  }
}
