/**
 * AES-CMAC (RFC 4493, NIST SP 800-38B) over node:crypto, which has AES but no CMAC.
 *
 * One AES-CBC context is created per key and kept for the key's lifetime: creating a cipher
 * runs the key schedule, which costs more than MACing a short value. CBC chaining carries
 * over between `update` calls, so each MAC starts by XOR-ing its first block with the last
 * ciphertext block the context produced; that is exactly CBC with a zero IV, restarted,
 * and it lets one native call MAC a whole message.
 */
import { createCipheriv } from 'node:crypto'
import type { Cipher, KeyObject } from 'node:crypto'

import { StrongroomError } from '../../errors.js'

/** The AES block size in bytes; also the CMAC tag size. */
export const AES_BLOCK = 16

/** The OpenSSL cipher name of AES in `mode` for a 16-, 24- or 32-byte key. */
export function aesCipherName(keyLength: number, mode: 'cbc' | 'ecb'): string {
  if (keyLength !== 16 && keyLength !== 24 && keyLength !== 32) {
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'AES key must be 16, 24 or 32 bytes')
  }
  return `aes-${keyLength * 8}-${mode}`
}

function keyLength(key: Uint8Array | KeyObject): number {
  return key instanceof Uint8Array ? key.byteLength : (key.symmetricKeySize ?? 0)
}

/**
 * Doubling in GF(2^128) (RFC 4493 §2.3, RFC 5297 §2.3): shift left one bit, and XOR the last
 * byte with 0x87 when the bit shifted out was set. Branch-free on the secret bit.
 */
export function dbl(block: Uint8Array, out: Uint8Array = block): Uint8Array {
  const carry = block[0]! >>> 7
  for (let i = 0; i < AES_BLOCK - 1; i++) out[i] = ((block[i]! << 1) | (block[i + 1]! >>> 7)) & 0xff
  out[AES_BLOCK - 1] = ((block[AES_BLOCK - 1]! << 1) & 0xff) ^ (0x87 & -carry)
  return out
}

/**
 * AES-CMAC with a fixed key. An instance keeps scratch state between calls; calls are
 * synchronous, so sharing one instance within a thread is safe.
 *
 * @example
 * ```ts
 * const cmac = new AesCmac(key16)
 * const tag = cmac.mac(Buffer.from('message')) // 16 bytes
 * ```
 */
export class AesCmac {
  readonly #cbc: Cipher
  readonly #k1 = new Uint8Array(AES_BLOCK)
  readonly #k2 = new Uint8Array(AES_BLOCK)
  /** The last ciphertext block the CBC context produced: its running chaining value. */
  readonly #chain = new Uint8Array(AES_BLOCK)
  #scratch = Buffer.alloc(4 * AES_BLOCK)
  /** `#scratch.subarray(0, 16·i)`, cached: a Buffer view per call costs more than the MAC. */
  #views: Buffer[] = []

  /** @param key - 16, 24 or 32 bytes (AES-128/192/256), or a secret `KeyObject` of those. */
  constructor(key: Uint8Array | KeyObject) {
    this.#cbc = createCipheriv(aesCipherName(keyLength(key), 'cbc'), key, Buffer.alloc(AES_BLOCK))
    this.#cbc.setAutoPadding(false)
    // L = AES(K, 0^128): with a fresh zero-IV CBC context, the first block is plain ECB.
    const l = this.#cbc.update(Buffer.alloc(AES_BLOCK))
    this.#chain.set(l)
    dbl(l, this.#k1)
    dbl(this.#k1, this.#k2)
    l.fill(0)
  }

  /** The CMAC of `message` (16 bytes), written to `out` at `offset` when given. */
  mac(message: Uint8Array, out?: Uint8Array, offset = 0): Uint8Array {
    this.input(message.byteLength).set(message, 0)
    return this.macInput(message.byteLength, out, offset)
  }

  /**
   * The instance's input buffer, large enough for an `n`-byte message plus padding. Write a
   * message there and call {@link AesCmac.macInput} to MAC it without a copy; the content is
   * overwritten by the next call.
   */
  input(n: number): Buffer {
    const len = Math.max(1, Math.ceil(n / AES_BLOCK)) * AES_BLOCK
    if (this.#scratch.byteLength < len) {
      this.#scratch = Buffer.alloc(2 * len)
      this.#views = []
    }
    return this.#scratch
  }

  /** The CMAC of the first `n` bytes of {@link AesCmac.input}; see {@link AesCmac.mac}. */
  macInput(n: number, out?: Uint8Array, offset = 0): Uint8Array {
    const buf = this.input(n)
    return this.#run(buf, this.finishBlocks(buf, 0, n), out, offset)
  }

  /**
   * Pads the `n`-byte message at `buf[at..]` and masks its last block with K1 or K2 in
   * place (RFC 4493 §2.4 steps 3–4); returns its block count. After this, CMAC is plain
   * CBC-MAC with a zero IV over the blocks, which callers may run in batches over ECB.
   * `buf` needs room for the padding (up to the next block boundary, at least one block).
   */
  finishBlocks(buf: Uint8Array, at: number, n: number): number {
    const blocks = n === 0 ? 1 : Math.ceil(n / AES_BLOCK)
    const end = at + blocks * AES_BLOCK
    const last = end - AES_BLOCK
    if (n === blocks * AES_BLOCK) {
      for (let i = 0; i < AES_BLOCK; i++) buf[last + i]! ^= this.#k1[i]!
    } else {
      // padding(x) = x || 10^i, then XOR with K2.
      buf[at + n] = 0x80
      buf.fill(0, at + n + 1, end)
      for (let i = 0; i < AES_BLOCK; i++) buf[last + i]! ^= this.#k2[i]!
    }
    return blocks
  }

  /** CBC-MAC of `buf[0..len)` (last block already masked with K1/K2), restarting the chain. */
  #run(buf: Buffer, blocks: number, out: Uint8Array | undefined, offset: number): Uint8Array {
    const len = blocks * AES_BLOCK
    const chain = this.#chain
    for (let i = 0; i < AES_BLOCK; i++) buf[i]! ^= chain[i]!
    const view = (this.#views[blocks] ??= buf.subarray(0, len))
    const ct = this.#cbc.update(view)
    const tagStart = len - AES_BLOCK
    for (let i = 0; i < AES_BLOCK; i++) chain[i] = ct[tagStart + i]!
    if (out === undefined) return ct.subarray(tagStart)
    out.set(chain, offset)
    return out
  }
}

/**
 * One-shot AES-CMAC. Builds a new context per call; hold an {@link AesCmac} for many messages.
 *
 * @example
 * ```ts
 * aesCmac(Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex'), Buffer.alloc(0))
 * // bb1d6929e95937287fa37d129b756746 (RFC 4493 §4, example 1)
 * ```
 */
export function aesCmac(key: Uint8Array | KeyObject, message: Uint8Array): Buffer {
  return Buffer.from(new AesCmac(key).mac(message))
}
