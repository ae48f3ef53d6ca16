/**
 * HMAC-SHA-256 (RFC 2104, FIPS 180-4) in TypeScript, for MACing millions of short values.
 *
 * node:crypto's `createHmac` costs one object, a key setup and three native calls per value.
 * Here the key's inner and outer pad states are compressed once; a value then costs the
 * compressions of its own blocks plus one for the outer hash, with no allocation. Equality
 * with node's HMAC is checked by property tests and the RFC 4231 vectors.
 */
import { createHash } from 'node:crypto'

/**
 * FIPS 180-4 §4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64
 * primes (the SHA-256 round constants).
 */
export const SHA256_K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])
const K = SHA256_K
// FIPS 180-4 §5.3.3: the initial hash value.
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
])

/**
 * The SHA-256 compression function: `state` absorbs the 16 words in `w[0..16)`.
 *
 * Unrolled by eight rounds so the working variables rotate roles instead of being shuffled
 * every round, with the message schedule computed inside the loop and Ch/Maj in their
 * shorter equivalent forms (Ch = g ^ (e & (f ^ g)), Maj = (a & b) | (c & (a | b))). Written
 * out inline: helper functions pushed it past V8's inlining budget and halved the speed.
 * The property tests compare every output with node's HMAC.
 */
function compress(state: Int32Array, w: Int32Array): void {
  let a = state[0]!
  let b = state[1]!
  let c = state[2]!
  let d = state[3]!
  let e = state[4]!
  let f = state[5]!
  let g = state[6]!
  let h = state[7]!
  let t1: number
  let wi: number
  for (let i = 0; i < 64; i += 8) {
    if (i < 16) wi = w[i]!
    else {
      const x = w[i - 15]!
      const y = w[i - 2]!
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      wi = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0
      w[i] = wi
    }
    t1 =
      (h +
        (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
        (g ^ (e & (f ^ g))) +
        K[i]! +
        wi) |
      0
    d = (d + t1) | 0
    h =
      (t1 +
        (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
        ((a & b) | (c & (a | b)))) |
      0
    if (i < 16) wi = w[i + 1]!
    else {
      const x = w[i + 1 - 15]!
      const y = w[i + 1 - 2]!
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      wi = (w[i + 1 - 16]! + s0 + w[i + 1 - 7]! + s1) | 0
      w[i + 1] = wi
    }
    t1 =
      (g +
        (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7))) +
        (f ^ (d & (e ^ f))) +
        K[i + 1]! +
        wi) |
      0
    c = (c + t1) | 0
    g =
      (t1 +
        (((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10))) +
        ((h & a) | (b & (h | a)))) |
      0
    if (i < 16) wi = w[i + 2]!
    else {
      const x = w[i + 2 - 15]!
      const y = w[i + 2 - 2]!
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      wi = (w[i + 2 - 16]! + s0 + w[i + 2 - 7]! + s1) | 0
      w[i + 2] = wi
    }
    t1 =
      (f +
        (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7))) +
        (e ^ (c & (d ^ e))) +
        K[i + 2]! +
        wi) |
      0
    b = (b + t1) | 0
    f =
      (t1 +
        (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) +
        ((g & h) | (a & (g | h)))) |
      0
    if (i < 16) wi = w[i + 3]!
    else {
      const x = w[i + 3 - 15]!
      const y = w[i + 3 - 2]!
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      wi = (w[i + 3 - 16]! + s0 + w[i + 3 - 7]! + s1) | 0
      w[i + 3] = wi
    }
    t1 =
      (e +
        (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7))) +
        (d ^ (b & (c ^ d))) +
        K[i + 3]! +
        wi) |
      0
    a = (a + t1) | 0
    e =
      (t1 +
        (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) +
        ((f & g) | (h & (f | g)))) |
      0
    if (i < 16) wi = w[i + 4]!
    else {
      const x = w[i + 4 - 15]!
      const y = w[i + 4 - 2]!
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      wi = (w[i + 4 - 16]! + s0 + w[i + 4 - 7]! + s1) | 0
      w[i + 4] = wi
    }
    t1 =
      (d +
        (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7))) +
        (c ^ (a & (b ^ c))) +
        K[i + 4]! +
        wi) |
      0
    h = (h + t1) | 0
    d =
      (t1 +
        (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) +
        ((e & f) | (g & (e | f)))) |
      0
    if (i < 16) wi = w[i + 5]!
    else {
      const x = w[i + 5 - 15]!
      const y = w[i + 5 - 2]!
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      wi = (w[i + 5 - 16]! + s0 + w[i + 5 - 7]! + s1) | 0
      w[i + 5] = wi
    }
    t1 =
      (c +
        (((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7))) +
        (b ^ (h & (a ^ b))) +
        K[i + 5]! +
        wi) |
      0
    g = (g + t1) | 0
    c =
      (t1 +
        (((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) +
        ((d & e) | (f & (d | e)))) |
      0
    if (i < 16) wi = w[i + 6]!
    else {
      const x = w[i + 6 - 15]!
      const y = w[i + 6 - 2]!
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      wi = (w[i + 6 - 16]! + s0 + w[i + 6 - 7]! + s1) | 0
      w[i + 6] = wi
    }
    t1 =
      (b +
        (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7))) +
        (a ^ (g & (h ^ a))) +
        K[i + 6]! +
        wi) |
      0
    f = (f + t1) | 0
    b =
      (t1 +
        (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) +
        ((c & d) | (e & (c | d)))) |
      0
    if (i < 16) wi = w[i + 7]!
    else {
      const x = w[i + 7 - 15]!
      const y = w[i + 7 - 2]!
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      wi = (w[i + 7 - 16]! + s0 + w[i + 7 - 7]! + s1) | 0
      w[i + 7] = wi
    }
    t1 =
      (a +
        (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) +
        (h ^ (f & (g ^ h))) +
        K[i + 7]! +
        wi) |
      0
    e = (e + t1) | 0
    a =
      (t1 +
        (((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) +
        ((b & c) | (d & (b | c)))) |
      0
  }
  state[0] = (state[0]! + a) | 0
  state[1] = (state[1]! + b) | 0
  state[2] = (state[2]! + c) | 0
  state[3] = (state[3]! + d) | 0
  state[4] = (state[4]! + e) | 0
  state[5] = (state[5]! + f) | 0
  state[6] = (state[6]! + g) | 0
  state[7] = (state[7]! + h) | 0
}

/** Loads the 64-byte block at `buf[at..]` into `w[0..16)` as big-endian words. */
function load(w: Int32Array, buf: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++, at += 4) {
    w[i] = (buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!
  }
}

/**
 * The SHA-256 chaining values after the key's inner pad block (`[0..8)`) and outer pad block
 * (`[8..16)`): what an HMAC with this key starts from (RFC 2104 §4, precomputed). Key
 * material: the caller zeroes it when done.
 */
export function hmacPadStates(key: Uint8Array): Int32Array {
  const k = new Uint8Array(64)
  if (key.byteLength > 64) k.set(createHash('sha256').update(key).digest())
  else k.set(key)
  const pad = new Uint8Array(64)
  const w = new Int32Array(64)
  const states = new Int32Array(16)
  const inner = states.subarray(0, 8)
  const outer = states.subarray(8)
  for (let i = 0; i < 64; i++) pad[i] = k[i]! ^ 0x36
  inner.set(IV)
  load(w, pad, 0)
  compress(inner, w)
  for (let i = 0; i < 64; i++) pad[i] = k[i]! ^ 0x5c
  outer.set(IV)
  load(w, pad, 0)
  compress(outer, w)
  k.fill(0)
  pad.fill(0)
  w.fill(0)
  return states
}

const encoder = new TextEncoder()

/**
 * HMAC-SHA-256 with a fixed key and precomputed pad states. An instance keeps scratch state:
 * results are read from {@link HmacSha256.words} (or copied by {@link HmacSha256.digest})
 * before the next call. Calls are synchronous, so one instance per key per thread is safe.
 *
 * @example
 * ```ts
 * const h = new HmacSha256(key)
 * h.digest(Buffer.from('value')) // equals createHmac('sha256', key).update('value').digest()
 * h.updateString('ann@example.com') // then read h.words
 * ```
 */
export class HmacSha256 {
  readonly #inner = new Int32Array(8)
  readonly #outer = new Int32Array(8)
  readonly #w = new Int32Array(64)
  #buf = new Uint8Array(256)
  /** The last MAC as eight big-endian 32-bit words (signed); overwritten by the next call. */
  readonly words = new Int32Array(8)

  /** @param key - any length; keys longer than 64 bytes are hashed first (RFC 2104). */
  constructor(key: Uint8Array) {
    const states = hmacPadStates(key)
    this.#inner.set(states.subarray(0, 8))
    this.#outer.set(states.subarray(8))
    states.fill(0)
  }

  /** MACs `data`; the result is in {@link HmacSha256.words}. */
  update(data: Uint8Array): Int32Array {
    const buf = this.#room(data.byteLength)
    buf.set(data)
    return this.#finish(data.byteLength)
  }

  /** MACs the UTF-8 encoding of `s`; the result is in {@link HmacSha256.words}. */
  updateString(s: string): Int32Array {
    if (this.#ascii(s)) return this.#outerHash()
    const buf = this.#room(3 * s.length)
    const { written } = encoder.encodeInto(s, buf)
    return this.#finish(written)
  }

  /**
   * The inner hash of an ASCII string, packing code units straight into message words (UTF-8
   * of ASCII is the code units themselves), with no byte buffer in between. Returns false,
   * having done nothing that matters, at the first non-ASCII unit.
   */
  #ascii(s: string): boolean {
    const n = s.length
    const w = this.#w
    const st = this.words
    const total = Math.ceil((n + 9) / 64) * 64
    st.set(this.#inner)
    for (let blk = 0; blk < total; blk += 64) {
      for (let k = 0; k < 16; k++) {
        const p = blk + 4 * k
        if (p + 3 < n) {
          const c0 = s.charCodeAt(p)
          const c1 = s.charCodeAt(p + 1)
          const c2 = s.charCodeAt(p + 2)
          const c3 = s.charCodeAt(p + 3)
          if ((c0 | c1 | c2 | c3) >= 0x80) return false
          w[k] = (c0 << 24) | (c1 << 16) | (c2 << 8) | c3
        } else {
          let word = 0
          for (let q = p; q < p + 4; q++) {
            let byte = 0
            if (q < n) {
              byte = s.charCodeAt(q)
              if (byte >= 0x80) return false
            } else if (q === n) byte = 0x80
            word = (word << 8) | byte
          }
          w[k] = word
        }
      }
      if (blk + 64 === total) {
        const bits = (64 + n) * 8
        w[14] = Math.floor(bits / 0x100000000)
        w[15] = bits | 0
      }
      compress(st, w)
    }
    return true
  }

  /** The MAC of `data` as a new 32-byte Buffer. */
  digest(data: Uint8Array): Buffer {
    const w = this.update(data)
    const out = Buffer.allocUnsafe(32)
    for (let i = 0; i < 8; i++) out.writeInt32BE(w[i]!, 4 * i)
    return out
  }

  /** A buffer with room for `n` message bytes plus the SHA-256 padding. */
  #room(n: number): Uint8Array {
    if (this.#buf.byteLength < n + 72) this.#buf = new Uint8Array(2 * (n + 72))
    return this.#buf
  }

  /** Pads the first `n` bytes of the scratch buffer, runs inner and outer hashes. */
  #finish(n: number): Int32Array {
    const buf = this.#buf
    const w = this.#w
    const st = this.words
    // The inner message is the 64-byte key pad (already absorbed) followed by n bytes.
    const total = Math.ceil((n + 9) / 64) * 64
    buf[n] = 0x80
    buf.fill(0, n + 1, total - 8)
    const bits = (64 + n) * 8
    // Bit length as a 64-bit big-endian integer; messages here stay far below 2^53 bits.
    const hi = Math.floor(bits / 0x100000000)
    buf[total - 8] = hi >>> 24
    buf[total - 7] = (hi >>> 16) & 0xff
    buf[total - 6] = (hi >>> 8) & 0xff
    buf[total - 5] = hi & 0xff
    buf[total - 4] = (bits >>> 24) & 0xff
    buf[total - 3] = (bits >>> 16) & 0xff
    buf[total - 2] = (bits >>> 8) & 0xff
    buf[total - 1] = bits & 0xff
    st.set(this.#inner)
    for (let at = 0; at < total; at += 64) {
      load(w, buf, at)
      compress(st, w)
    }
    return this.#outerHash()
  }

  /** The outer hash over the inner digest in {@link HmacSha256.words}. */
  #outerHash(): Int32Array {
    const w = this.#w
    const st = this.words
    // One block: the 32-byte inner digest, then padding for 64 + 32 bytes.
    for (let i = 0; i < 8; i++) w[i] = st[i]!
    w[8] = 0x80000000 | 0
    w[9] = 0
    w[10] = 0
    w[11] = 0
    w[12] = 0
    w[13] = 0
    w[14] = 0
    w[15] = (64 + 32) * 8
    st.set(this.#outer)
    compress(st, w)
    return st
  }
}
