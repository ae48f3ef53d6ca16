/**
 * NUM_radix and STR^m_radix of NIST SP 800-38G (§4.5): numeral strings to integers and back.
 * Domains below 2^53 stay in plain numbers (exact and several times faster than bigint);
 * larger ones go through bigint in chunks of numerals that fit a number.
 */
import { numeralOutOfRange } from './alphabet.js'

/** Per-radix constants for chunked bigint conversion. */
export interface RadixChunks {
  readonly radix: number
  /** How many numerals fit one exact number: the largest q with radix^q ≤ 2^53. */
  readonly perChunk: number
  /** radix^i as bigint for i = 0..perChunk. */
  readonly powers: readonly bigint[]
}

/** Computes the chunk constants of a radix. */
export function radixChunks(radix: number): RadixChunks {
  let perChunk = 0
  let p = 1
  while (p * radix <= 2 ** 53) {
    p *= radix
    perChunk++
  }
  const powers: bigint[] = [1n]
  for (let i = 1; i <= perChunk; i++) powers.push((powers[i - 1] ?? 1n) * BigInt(radix))
  return { radix, perChunk, powers }
}

/**
 * NUM_radix of `numerals[from, from+len)` as a number; the caller guarantees radix^len < 2^53.
 * Validates each numeral, reporting its position within the whole value.
 */
export function numOf(
  numerals: ArrayLike<number>,
  from: number,
  len: number,
  radix: number,
): number {
  let x = 0
  for (let p = from; p < from + len; p++) {
    const d = numerals[p] ?? -1
    if (!(d >= 0 && d < radix && Number.isInteger(d))) throw numeralOutOfRange(p)
    x = x * radix + d
  }
  return x
}

/** NUM_radix of `numerals[from, from+len)` as a bigint, for any length. Validates numerals. */
export function bigNumOf(
  numerals: ArrayLike<number>,
  from: number,
  len: number,
  chunks: RadixChunks,
): bigint {
  let x = 0n
  let p = from
  const end = from + len
  while (p < end) {
    const take = Math.min(chunks.perChunk, end - p)
    x = x * (chunks.powers[take] ?? 1n) + BigInt(numOf(numerals, p, take, chunks.radix))
    p += take
  }
  return x
}

/** Writes STR^len_radix(x) into `out[at, at+len)`; x is a number below radix^len. */
export function writeNum(
  out: Uint16Array,
  at: number,
  len: number,
  x: number,
  radix: number,
): void {
  for (let p = at + len - 1; p >= at; p--) {
    const q = Math.floor(x / radix)
    out[p] = x - q * radix
    x = q
  }
}

/** Writes STR^len_radix(x) into `out[at, at+len)`; x is a bigint below radix^len. */
export function writeBigNum(
  out: Uint16Array,
  at: number,
  len: number,
  x: bigint,
  chunks: RadixChunks,
): void {
  let end = at + len
  while (end > at) {
    const take = Math.min(chunks.perChunk, end - at)
    const p = chunks.powers[take] ?? 1n
    writeNum(out, end - take, take, Number(x % p), chunks.radix)
    x /= p
    end -= take
  }
}
