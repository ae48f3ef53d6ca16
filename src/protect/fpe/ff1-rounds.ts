/**
 * The ten Feistel rounds of FF1 (NIST SP 800-38G §6.2, Algorithms 7 and 8), run over a batch
 * of values of one length at a time.
 *
 * Speed comes from three observations:
 * - The PRF is a CBC-MAC over P || Q. P and the leading bytes of Q (the tweak and its zero
 *   padding) depend only on (radix, length, tweak), so their CBC-MAC state is computed once
 *   per layout; each round then only encrypts the trailing block(s) that hold the round
 *   number and NUM(B). For b ≤ 15 (radix^v < 2^120, e.g. any value of up to 36 digits) that
 *   is a single AES block: R = CIPH(state ⊕ lastBlock).
 * - Those blocks are independent across values, so one ECB `update` call per round (and per
 *   chained block) encrypts the whole batch; node:crypto's per-call cost dominates
 *   single-block work, so batching is where the throughput comes from.
 * - A and B are carried as integers (NUM_radix of the halves) across rounds instead of
 *   numeral strings, since NUM_radix(STR^m_radix(c)) = c. Plain numbers are used while
 *   radix^v < 2^44 (so that Horner reduction of y stays below 2^53); bigint otherwise.
 */
import type { Cipher } from 'node:crypto'

import { bigNumOf, numOf, writeBigNum, writeNum } from './numeral-int.js'
import type { RadixChunks } from './numeral-int.js'

/** Everything that depends only on (key, radix, length, tweak). */
export interface Ff1Layout {
  readonly n: number
  readonly u: number
  readonly v: number
  /** Bytes of NUM(B) in Q: ceil(ceil(v·log2 radix) / 8). */
  readonly b: number
  /** Bytes of S used for y: 4·ceil(b/4) + 4. */
  readonly d: number
  /** AES blocks at the end of Q that change per round: ceil((1 + b) / 16). */
  readonly k: number
  /** Extra AES blocks to stretch R to d bytes: ceil(d/16) - 1. */
  readonly ext: number
  /** Template of the k trailing blocks, first block already XORed with the MAC state. */
  readonly template: Buffer
  /** Offset of the round-number byte in the template. */
  readonly roundAt: number
  /** Whether A and B fit plain numbers (radix^v < 2^44). */
  readonly small: boolean
  readonly modU: number
  readonly modV: number
  /** Bytes Horner takes between reductions mod radix^u and mod radix^v (numbers path). */
  readonly perU: number
  readonly perV: number
  readonly bigModU: bigint
  readonly bigModV: bigint
  /** Scratch block and halves for single values, reused across calls (numbers path). */
  readonly scratch: Buffer
  readonly halves: Float64Array
}

const SMALL_LIMIT = 2n ** 44n

/** Bit length of a positive bigint. */
function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length
}

/** How many bytes Horner can take between reductions mod m and stay below 2^53. */
function bytesPerReduction(m: number): number {
  // One spare bit guards against log2 rounding at exact powers of two.
  return Math.max(1, Math.floor((53 - Math.ceil(Math.log2(m)) - 1) / 8))
}

/**
 * Computes the layout of FF1 for one (radix, length, tweak).
 *
 * @param ecb - the instance's AES-ECB encryptor (no padding); used to run the constant
 *   prefix through the CBC-MAC.
 */
export function ff1Layout(ecb: Cipher, radix: number, n: number, tweak: Uint8Array): Ff1Layout {
  const u = Math.floor(n / 2)
  const v = n - u
  const bigR = BigInt(radix)
  const bigModU = bigR ** BigInt(u)
  const bigModV = bigR ** BigInt(v)
  // ceil(v·log2(radix)) is the bit length of radix^v - 1: exact, unlike floating-point log2.
  const b = Math.ceil(bitLength(bigModV - 1n) / 8)
  const d = 4 * Math.ceil(b / 4) + 4
  const t = tweak.byteLength
  const pad = (((-t - b - 1) % 16) + 16) % 16
  const qLen = t + pad + 1 + b
  const k = Math.ceil((1 + b) / 16)

  const p = Buffer.alloc(16)
  p[0] = 1
  p[1] = 2
  p[2] = 1
  p.writeUIntBE(radix, 3, 3)
  p[6] = 10
  p[7] = u % 256
  p.writeUInt32BE(n, 8)
  p.writeUInt32BE(t, 12)
  const q = Buffer.alloc(qLen)
  q.set(tweak, 0)
  const constLen = qLen - 16 * k
  const prefix = Buffer.concat([p, q.subarray(0, constLen)])

  // CBC-MAC of the constant prefix: chain block by block through the shared ECB context.
  let state: Buffer = Buffer.alloc(16)
  for (let off = 0; off < prefix.length; off += 16) {
    const block = Buffer.from(prefix.subarray(off, off + 16))
    for (let i = 0; i < 16; i++) block[i] = (block[i] ?? 0) ^ (state[i] ?? 0)
    state = ecb.update(block)
  }
  const template = Buffer.from(q.subarray(constLen))
  for (let i = 0; i < 16; i++) template[i] = (template[i] ?? 0) ^ (state[i] ?? 0)

  return {
    n,
    u,
    v,
    b,
    d,
    k,
    ext: Math.ceil(d / 16) - 1,
    template,
    roundAt: 16 * k - 1 - b,
    small: bigModV < SMALL_LIMIT,
    modU: Number(bigModU),
    modV: Number(bigModV),
    perU: bytesPerReduction(Number(bigModU)),
    perV: bytesPerReduction(Number(bigModV)),
    bigModU,
    bigModV,
    scratch: Buffer.alloc(16),
    halves: new Float64Array(2),
  }
}

/** R = PRF(P || Q) for every value: the last block of the CBC-MAC of each region. */
function macTails(ecb: Cipher, regions: Buffer, count: number, k: number): Buffer {
  if (k === 1) return ecb.update(regions)
  const stride = 16 * k
  const blocks = Buffer.allocUnsafe(16 * count)
  let state = Buffer.alloc(0)
  for (let s = 0; s < k; s++) {
    for (let j = 0; j < count; j++) {
      regions.copy(blocks, 16 * j, stride * j + 16 * s, stride * j + 16 * s + 16)
      if (s > 0) for (let i = 16 * j; i < 16 * j + 16; i++) blocks[i]! ^= state[i]!
    }
    state = ecb.update(blocks)
  }
  return state
}

/** S for every value as hex (R, then CIPH(R ⊕ [e]^16) for e = 1..ext), first d bytes. */
function stretchHex(ecb: Cipher, r: Buffer, count: number, layout: Ff1Layout): string[] {
  const { d, ext } = layout
  const out: string[] = new Array<string>(count)
  if (ext === 0) {
    for (let j = 0; j < count; j++) out[j] = r.toString('hex', 16 * j, 16 * j + d)
    return out
  }
  const blocks = Buffer.allocUnsafe(16 * ext * count)
  for (let j = 0; j < count; j++) {
    for (let e = 1; e <= ext; e++) {
      const at = 16 * (j * ext + e - 1)
      r.copy(blocks, at, 16 * j, 16 * j + 16)
      blocks.writeUInt32BE((blocks.readUInt32BE(at + 12) ^ e) >>> 0, at + 12)
    }
  }
  const more = ecb.update(blocks)
  for (let j = 0; j < count; j++) {
    const start = 16 * ext * j
    out[j] = r.toString('hex', 16 * j, 16 * j + 16) + more.toString('hex', start, start + d - 16)
  }
  return out
}

/** Writes the round's trailing Q blocks (round number i, NUM(x) as b bytes) per value. */
function fillSmall(regions: Buffer, layout: Ff1Layout, i: number, xs: Float64Array): void {
  const { template, roundAt, b } = layout
  for (let j = 0; j < xs.length; j++) {
    const off = 16 * j
    // A plain loop: for 16 bytes it beats the native round trip of Buffer#copy.
    for (let q = 0; q < 16; q++) regions[off + q] = template[q]!
    regions[off + roundAt]! ^= i
    let x = xs[j]!
    for (let p = off + 15; p > off + 15 - b; p--) {
      const q = Math.floor(x / 256)
      regions[p]! ^= x - q * 256
      x = q
    }
  }
}

/** y mod m for the first d bytes of R at `off`, reducing every `per` bytes to stay exact. */
function yMod(r: Buffer, off: number, d: number, m: number, per: number): number {
  // After a reduction acc < m, and m·256^per ≤ 2^53 keeps every step exact.
  let acc = 0
  let pending = 0
  for (let p = off; p < off + d; p++) {
    acc = acc * 256 + r[p]!
    if (++pending === per) {
      acc %= m
      pending = 0
    }
  }
  return acc % m
}

/**
 * The ten rounds on the halves as plain numbers, in place: `a[j]`, `b[j]` are NUM_radix of
 * the first u and last v numerals of value j. Only for layouts with `small` set.
 */
export function ff1RoundsSmall(
  ecb: Cipher,
  layout: Ff1Layout,
  a: Float64Array,
  b: Float64Array,
  decrypt: boolean,
): void {
  const { d, modU, modV, perU, perV } = layout
  const count = a.length
  const regions = Buffer.allocUnsafe(16 * count)
  for (let step = 0; step < 10; step++) {
    const i = decrypt ? 9 - step : step
    const m = i % 2 === 0 ? modU : modV
    const per = i % 2 === 0 ? perU : perV
    fillSmall(regions, layout, i, decrypt ? a : b)
    const r = ecb.update(regions)
    for (let j = 0; j < count; j++) {
      const y = yMod(r, 16 * j, d, m, per)
      if (decrypt) {
        const c = (b[j]! - y + m) % m
        b[j] = a[j]!
        a[j] = c
      } else {
        const c = (a[j]! + y) % m
        a[j] = b[j]!
        b[j] = c
      }
    }
  }
}

/**
 * {@link ff1RoundsSmall} for one value without allocations other than the AES outputs:
 * single calls pay ten `update` round trips, so everything else is kept minimal. Reads and
 * writes the halves in `layout.halves` ([a, b]).
 */
export function ff1RoundsSmallOne(ecb: Cipher, layout: Ff1Layout, decrypt: boolean): void {
  const { d, modU, modV, perU, perV, template, roundAt, b: numBytes, scratch, halves } = layout
  let a = halves[0]!
  let b = halves[1]!
  for (let step = 0; step < 10; step++) {
    const i = decrypt ? 9 - step : step
    const m = i % 2 === 0 ? modU : modV
    for (let q = 0; q < 16; q++) scratch[q] = template[q]!
    scratch[roundAt]! ^= i
    let x = decrypt ? a : b
    for (let p = 15; p > 15 - numBytes; p--) {
      const q = Math.floor(x / 256)
      scratch[p]! ^= x - q * 256
      x = q
    }
    const y = yMod(ecb.update(scratch), 0, d, m, i % 2 === 0 ? perU : perV)
    if (decrypt) {
      const c = (b - y + m) % m
      b = a
      a = c
    } else {
      const c = (a + y) % m
      a = b
      b = c
    }
  }
  halves[0] = a
  halves[1] = b
}

/** Runs FF1 on a batch of numeral strings of the layout's length (numbers path). */
function roundsSmall(
  ecb: Cipher,
  layout: Ff1Layout,
  values: readonly ArrayLike<number>[],
  radix: number,
  decrypt: boolean,
): Uint16Array[] {
  const { u, v } = layout
  const count = values.length
  const a = new Float64Array(count)
  const b = new Float64Array(count)
  for (let j = 0; j < count; j++) {
    a[j] = numOf(values[j]!, 0, u, radix)
    b[j] = numOf(values[j]!, u, v, radix)
  }
  ff1RoundsSmall(ecb, layout, a, b, decrypt)
  return Array.from({ length: count }, (_, j) => {
    const out = new Uint16Array(u + v)
    writeNum(out, 0, u, a[j]!, radix)
    writeNum(out, u, v, b[j]!, radix)
    return out
  })
}

/** Runs FF1 on a batch of numeral strings of the layout's length (bigint path). */
function roundsBig(
  ecb: Cipher,
  layout: Ff1Layout,
  values: readonly ArrayLike<number>[],
  chunks: RadixChunks,
  decrypt: boolean,
): Uint16Array[] {
  const { u, v, b: numBytes, k, template, roundAt, bigModU, bigModV } = layout
  const count = values.length
  const a = values.map((x) => bigNumOf(x, 0, u, chunks))
  const b = values.map((x) => bigNumOf(x, u, v, chunks))
  const stride = 16 * k
  const regions = Buffer.allocUnsafe(stride * count)
  for (let step = 0; step < 10; step++) {
    const i = decrypt ? 9 - step : step
    const m = i % 2 === 0 ? bigModU : bigModV
    const xs = decrypt ? a : b
    for (let j = 0; j < count; j++) {
      const off = stride * j
      template.copy(regions, off)
      regions[off + roundAt]! ^= i
      const num = Buffer.from(xs[j]!.toString(16).padStart(2 * numBytes, '0'), 'hex')
      const at = off + stride - numBytes
      for (let p = 0; p < numBytes; p++) regions[at + p]! ^= num[p]!
    }
    const s = stretchHex(ecb, macTails(ecb, regions, count, k), count, layout)
    for (let j = 0; j < count; j++) {
      const y = BigInt(`0x${s[j]!}`)
      if (decrypt) {
        const c = (((b[j]! - y) % m) + m) % m
        b[j] = a[j]!
        a[j] = c
      } else {
        const c = (a[j]! + y) % m
        a[j] = b[j]!
        b[j] = c
      }
    }
  }
  return Array.from({ length: count }, (_, j) => {
    const out = new Uint16Array(u + v)
    writeBigNum(out, 0, u, a[j]!, chunks)
    writeBigNum(out, u, v, b[j]!, chunks)
    return out
  })
}

/**
 * FF1.Encrypt (or FF1.Decrypt) of every value; all values have the layout's length and were
 * length-checked by the caller. Numerals are validated here (position-only errors).
 */
export function ff1Rounds(
  ecb: Cipher,
  layout: Ff1Layout,
  values: readonly ArrayLike<number>[],
  chunks: RadixChunks,
  decrypt: boolean,
): Uint16Array[] {
  return layout.small
    ? roundsSmall(ecb, layout, values, chunks.radix, decrypt)
    : roundsBig(ecb, layout, values, chunks, decrypt)
}
