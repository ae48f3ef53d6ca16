/**
 * AES-SIV (RFC 5297): deterministic authenticated encryption. The same key, associated data
 * and plaintext always give the same ciphertext, which is what makes an encrypted column
 * joinable and groupable while staying reversible for key holders.
 *
 * Output layout is RFC 5297's: the 16-byte synthetic IV `V`, then the ciphertext (same
 * length as the plaintext). Both AES contexts (CBC for CMAC, ECB for the CTR keystream) are
 * created once per key; per call there is one native call for the MAC of the plaintext,
 * one per associated-data string, and one for the keystream.
 */
import { createCipheriv, timingSafeEqual } from 'node:crypto'
import type { Cipher } from 'node:crypto'

import { StrongroomError } from '../../errors.js'
import { AesCmac, aesCipherName, dbl } from './cmac.js'

/**
 * The AES block size. A module-local constant on purpose: some loaders compile an imported
 * binding to a getter call, which costs measurably in the per-byte loops below.
 */
const AES_BLOCK = 16
/** The synthetic IV (tag) length in bytes, prefixed to every ciphertext. */
export const SIV_TAG_LENGTH = 16
const TAG = SIV_TAG_LENGTH
/** AES-SIV key lengths in bytes: AES-128-, AES-192- and AES-256-SIV. */
export const SIV_KEY_LENGTHS = [32, 48, 64] as const
/**
 * RFC 5297 §7: S2V takes at most 127 strings (here 126 associated-data strings plus the
 * plaintext); more would let an attacker build colliding inputs.
 */
export const SIV_MAX_ASSOCIATED_DATA = 126

const NO_AD: readonly Uint8Array[] = []
/** Longest CMAC input (in blocks) batched by round; see `encryptMany`. */
const BATCH_MAX_BLOCKS = 8

function grow(buf: Buffer, n: number): Buffer {
  return buf.byteLength >= n ? buf : Buffer.alloc(Math.max(2 * buf.byteLength, n))
}

/**
 * Writes `len` bytes of CTR counter blocks at `ctr[at..]`: Q = V with bits 63 and 31
 * cleared (RFC 5297 §2.5), then Q+1, Q+2, … as 128-bit big-endian integers.
 */
function fillCounters(ctr: Uint8Array, at: number, v: Uint8Array, vAt: number, len: number): void {
  for (let i = 0; i < AES_BLOCK; i++) ctr[at + i] = v[vAt + i]!
  ctr[at + 8]! &= 0x7f
  ctr[at + 12]! &= 0x7f
  for (let b = at + AES_BLOCK; b < at + len; b += AES_BLOCK) {
    ctr.copyWithin(b, b - AES_BLOCK, b)
    for (let i = b + AES_BLOCK - 1; i >= b; i--) {
      const x = (ctr[i]! + 1) & 0xff
      ctr[i] = x
      if (x !== 0) break
    }
  }
}

function integrityError(): StrongroomError {
  return new StrongroomError(
    'ERR_CRYPTO_INTEGRITY',
    'AES-SIV authentication failed: wrong key, associated data or a modified ciphertext',
  )
}

function rowIntegrityError(row: number): StrongroomError {
  return new StrongroomError(
    'ERR_CRYPTO_INTEGRITY',
    `AES-SIV authentication failed at row ${row}: wrong key, associated data or a modified ciphertext`,
    { details: { row } },
  )
}

/**
 * AES-SIV with one key (RFC 5297). `K1` (first half) keys S2V/CMAC, `K2` (second half) keys
 * CTR. Associated data is a vector of strings; for nonce-based use put the nonce last
 * (RFC 5297 §3). Instances hold scratch state and are meant to be reused for many values.
 *
 * @example
 * ```ts
 * const siv = new AesSiv(randomBytes(64)) // AES-256-SIV
 * const ct = siv.encrypt(Buffer.from('ann@example.com'), [Buffer.from('crm.customers/email')])
 * siv.decrypt(ct, [Buffer.from('crm.customers/email')]).toString() // 'ann@example.com'
 * ```
 */
export class AesSiv {
  readonly #cmac: AesCmac
  readonly #ecb: Cipher
  /** AES-ECB under K1, for batched CMAC rounds. */
  readonly #ecb1: Cipher
  #stage: Buffer = Buffer.alloc(1024)
  #round: Buffer = Buffer.alloc(1024)
  /** CMAC(K1, 0^128), the S2V starting value; depends only on the key. */
  readonly #d0 = new Uint8Array(AES_BLOCK)
  readonly #d = new Uint8Array(AES_BLOCK)
  readonly #v = new Uint8Array(AES_BLOCK)
  readonly #adMac = new Uint8Array(AES_BLOCK)
  #ctr = Buffer.alloc(4 * AES_BLOCK)
  #ctrViews: Buffer[] = []

  /** @param key - 32, 48 or 64 bytes (AES-128/192/256-SIV). */
  constructor(key: Uint8Array) {
    if (!(SIV_KEY_LENGTHS as readonly number[]).includes(key.byteLength)) {
      throw new StrongroomError(
        'ERR_USAGE_INVALID_ARGUMENT',
        'AES-SIV key must be 32, 48 or 64 bytes',
      )
    }
    const half = key.byteLength / 2
    this.#cmac = new AesCmac(key.subarray(0, half))
    this.#ecb = createCipheriv(aesCipherName(half, 'ecb'), key.subarray(half), null)
    this.#ecb.setAutoPadding(false)
    this.#ecb1 = createCipheriv(aesCipherName(half, 'ecb'), key.subarray(0, half), null)
    this.#ecb1.setAutoPadding(false)
    this.#cmac.mac(this.#d0, this.#d0)
  }

  /**
   * Encrypts `plaintext` bound to `associatedData` (at most 126 strings, order matters).
   * Returns `V || C`, 16 bytes longer than the plaintext.
   */
  encrypt(plaintext: Uint8Array, associatedData: readonly Uint8Array[] = NO_AD): Buffer {
    const out = Buffer.allocUnsafe(TAG + plaintext.byteLength)
    this.#s2v(associatedData, plaintext, out)
    this.#ctrXor(out, plaintext, out, TAG)
    return out
  }

  /**
   * Decrypts `V || C` produced by {@link AesSiv.encrypt} with the same associated data.
   * Throws `ERR_CRYPTO_INTEGRITY` (and releases no plaintext) when the key, the associated
   * data or any byte of the ciphertext differs.
   */
  decrypt(ciphertext: Uint8Array, associatedData: readonly Uint8Array[] = NO_AD): Buffer {
    if (ciphertext.byteLength < TAG) throw integrityError()
    const v = ciphertext.subarray(0, TAG)
    const plain = Buffer.allocUnsafe(ciphertext.byteLength - TAG)
    this.#ctrXor(v, ciphertext.subarray(TAG), plain, 0)
    this.#s2v(associatedData, plain, this.#v)
    if (!timingSafeEqual(this.#v, v)) {
      plain.fill(0)
      throw integrityError()
    }
    return plain
  }

  /**
   * Encrypts many plaintexts under one AD vector; equal to calling {@link AesSiv.encrypt} on
   * each, with a handful of native calls per batch instead of two or more per value.
   */
  encryptMany(
    plaintexts: readonly Uint8Array[],
    associatedData: readonly Uint8Array[] = NO_AD,
  ): Buffer[] {
    const count = plaintexts.length
    const outs = new Array<Buffer>(count)
    if (count === 0) return outs
    for (let j = 0; j < count; j++) outs[j] = Buffer.allocUnsafe(TAG + plaintexts[j]!.byteLength)
    const vs = new Uint8Array(count * AES_BLOCK)
    this.#s2vMany(associatedData, plaintexts, vs)
    for (let j = 0; j < count; j++) {
      const o = outs[j]!
      for (let i = 0; i < AES_BLOCK; i++) o[i] = vs[j * AES_BLOCK + i]!
    }
    this.#ctrMany(vs, plaintexts, outs, TAG)
    return outs
  }

  /**
   * Decrypts many ciphertexts under one AD vector. All or nothing: if any fails to
   * authenticate, every plaintext is wiped and `ERR_CRYPTO_INTEGRITY` names the first
   * failing index in `details.row`.
   */
  decryptMany(
    ciphertexts: readonly Uint8Array[],
    associatedData: readonly Uint8Array[] = NO_AD,
  ): Buffer[] {
    const count = ciphertexts.length
    const plains = new Array<Buffer>(count)
    if (count === 0) return plains
    const given = new Uint8Array(count * AES_BLOCK)
    const bodies = new Array<Uint8Array>(count)
    for (let j = 0; j < count; j++) {
      const c = ciphertexts[j]!
      if (c.byteLength < TAG) throw rowIntegrityError(j)
      given.set(c.subarray(0, TAG), j * AES_BLOCK)
      bodies[j] = c.subarray(TAG)
      plains[j] = Buffer.allocUnsafe(c.byteLength - TAG)
    }
    this.#ctrMany(given, bodies, plains, 0)
    const computed = new Uint8Array(count * AES_BLOCK)
    this.#s2vMany(associatedData, plains, computed)
    for (let j = 0; j < count; j++) {
      const a = computed.subarray(j * AES_BLOCK, (j + 1) * AES_BLOCK)
      const b = given.subarray(j * AES_BLOCK, (j + 1) * AES_BLOCK)
      if (!timingSafeEqual(a, b)) {
        for (const p of plains) p.fill(0)
        throw rowIntegrityError(j)
      }
    }
    return plains
  }

  /** S2V (RFC 5297 §2.4) over `ad..., plaintext`, written to `out[at..at+16)`. */
  #s2v(ad: readonly Uint8Array[], plaintext: Uint8Array, out: Uint8Array, at = 0): void {
    this.#s2vFinal(this.#adPrefix(ad), plaintext, out, at)
  }

  /** S2V's running value D after the associated-data strings. Returns the shared scratch. */
  #adPrefix(ad: readonly Uint8Array[]): Uint8Array {
    if (ad.length > SIV_MAX_ASSOCIATED_DATA) {
      throw new StrongroomError(
        'ERR_USAGE_INVALID_ARGUMENT',
        `AES-SIV takes at most ${SIV_MAX_ASSOCIATED_DATA} associated-data strings`,
      )
    }
    const d = this.#d
    d.set(this.#d0)
    const mac = this.#adMac
    for (const s of ad) {
      dbl(d)
      this.#cmac.mac(s, mac)
      for (let i = 0; i < AES_BLOCK; i++) d[i]! ^= mac[i]!
    }
    return d
  }

  /** S2V's last step for one plaintext, given D (left unchanged). */
  #s2vFinal(d: Uint8Array, plaintext: Uint8Array, out: Uint8Array, at: number): void {
    const n = plaintext.byteLength
    const cmac = this.#cmac
    if (n >= AES_BLOCK) {
      // T = Sn xorend D: D is XOR-ed into the last 16 bytes.
      const t = cmac.input(n)
      t.set(plaintext)
      const off = n - AES_BLOCK
      for (let i = 0; i < AES_BLOCK; i++) t[off + i]! ^= d[i]!
      cmac.macInput(n, out, at)
    } else {
      // T = dbl(D) xor pad(Sn), with pad(x) = x || 10^i.
      const dd = dbl(d, this.#adMac)
      const t = cmac.input(AES_BLOCK)
      t.set(plaintext)
      t[n] = 0x80
      t.fill(0, n + 1, AES_BLOCK)
      for (let i = 0; i < AES_BLOCK; i++) t[i]! ^= dd[i]!
      cmac.macInput(AES_BLOCK, out, at)
    }
  }

  /**
   * S2V for many plaintexts under one AD vector: the synthetic IVs go to `vs[16j..16j+16)`.
   * CMAC is sequential within a value but independent across values, so round r runs block
   * r of every value in one ECB call; values longer than {@link BATCH_MAX_BLOCKS} blocks take
   * their own CBC call instead of adding rounds.
   */
  #s2vMany(ad: readonly Uint8Array[], plains: readonly Uint8Array[], vs: Uint8Array): void {
    const d = this.#adPrefix(ad)
    const dd = dbl(d, new Uint8Array(AES_BLOCK))
    const count = plains.length
    const blocks = new Uint8Array(count)
    const offsets = new Uint32Array(count)
    let total = 0
    let rounds = 0
    for (let j = 0; j < count; j++) {
      const n = plains[j]!.byteLength
      const b = n < AES_BLOCK ? 1 : Math.ceil(n / AES_BLOCK)
      if (b > BATCH_MAX_BLOCKS) {
        this.#s2vFinal(d, plains[j]!, vs, j * AES_BLOCK)
        continue
      }
      blocks[j] = b
      offsets[j] = total
      total += b * AES_BLOCK
      if (b > rounds) rounds = b
    }
    const m = (this.#stage = grow(this.#stage, total))
    const cmac = this.#cmac
    for (let j = 0; j < count; j++) {
      if (blocks[j] === 0) continue
      const p = plains[j]!
      const n = p.byteLength
      const off = offsets[j]!
      m.set(p, off)
      if (n >= AES_BLOCK) {
        const end = off + n - AES_BLOCK
        for (let i = 0; i < AES_BLOCK; i++) m[end + i]! ^= d[i]!
        cmac.finishBlocks(m, off, n)
      } else {
        m[off + n] = 0x80
        m.fill(0, off + n + 1, off + AES_BLOCK)
        for (let i = 0; i < AES_BLOCK; i++) m[off + i]! ^= dd[i]!
        cmac.finishBlocks(m, off, AES_BLOCK)
      }
      vs.fill(0, j * AES_BLOCK, (j + 1) * AES_BLOCK)
    }
    const active = new Uint32Array(count)
    for (let r = 0; r < rounds; r++) {
      let k = 0
      const rin = (this.#round = grow(this.#round, count * AES_BLOCK))
      for (let j = 0; j < count; j++) {
        if (blocks[j]! <= r) continue
        const src = offsets[j]! + r * AES_BLOCK
        const x = j * AES_BLOCK
        const dst = k * AES_BLOCK
        for (let i = 0; i < AES_BLOCK; i++) rin[dst + i] = vs[x + i]! ^ m[src + i]!
        active[k++] = j
      }
      const ct = this.#ecb1.update(rin.subarray(0, k * AES_BLOCK))
      for (let a = 0; a < k; a++) {
        const x = active[a]! * AES_BLOCK
        const y = a * AES_BLOCK
        for (let i = 0; i < AES_BLOCK; i++) vs[x + i] = ct[y + i]!
      }
    }
  }

  /**
   * CTR for many values in one ECB call: `outs[j][at..]` = `inputs[j]` XOR the keystream
   * whose counter starts at `vs[16j..]` with bits 63 and 31 cleared.
   */
  #ctrMany(
    vs: Uint8Array,
    inputs: readonly Uint8Array[],
    outs: readonly Uint8Array[],
    at: number,
  ): void {
    let total = 0
    for (const p of inputs) total += Math.ceil(p.byteLength / AES_BLOCK) * AES_BLOCK
    if (total === 0) return
    const ctr = (this.#stage = grow(this.#stage, total))
    let off = 0
    for (let j = 0; j < inputs.length; j++) {
      const len = Math.ceil(inputs[j]!.byteLength / AES_BLOCK) * AES_BLOCK
      if (len > 0) fillCounters(ctr, off, vs, j * AES_BLOCK, len)
      off += len
    }
    const ks = this.#ecb.update(ctr.subarray(0, total))
    off = 0
    for (let j = 0; j < inputs.length; j++) {
      const p = inputs[j]!
      const o = outs[j]!
      const n = p.byteLength
      for (let i = 0; i < n; i++) o[at + i] = p[i]! ^ ks[off + i]!
      off += Math.ceil(n / AES_BLOCK) * AES_BLOCK
    }
    ks.fill(0)
  }

  /**
   * CTR (RFC 5297 §2.6) with counter Q = V with bits 63 and 31 cleared: `out[at..]` =
   * `input` XOR keystream. The counter blocks go through ECB in one call.
   */
  #ctrXor(v: Uint8Array, input: Uint8Array, out: Uint8Array, at: number): void {
    const n = input.byteLength
    if (n === 0) return
    const blocks = Math.ceil(n / AES_BLOCK)
    const len = blocks * AES_BLOCK
    if (this.#ctr.byteLength < len) {
      this.#ctr = Buffer.alloc(2 * len)
      this.#ctrViews = []
    }
    const ctr = this.#ctr
    fillCounters(ctr, 0, v, 0, len)
    const ks = this.#ecb.update((this.#ctrViews[blocks] ??= ctr.subarray(0, len)))
    for (let i = 0; i < n; i++) out[at + i] = input[i]! ^ ks[i]!
    ks.fill(0)
  }
}
