/**
 * FF1 format-preserving encryption (NIST SP 800-38G, with the SP 800-38G Rev. 1 draft's
 * domain rule radix^minlen ≥ 1,000,000) over AES-128/192/256.
 *
 * One instance holds one AES-ECB context (node:crypto, no padding) for its whole life:
 * FF1 only ever runs the forward cipher, for both encryption and decryption, and creating a
 * context per call would cost more than the AES work itself.
 */
import { createCipheriv, KeyObject } from 'node:crypto'
import type { Cipher } from 'node:crypto'

import { StrongroomError } from '../../errors.js'
import { Alphabet, toAlphabet } from './alphabet.js'
import { ff1Layout, ff1Rounds, ff1RoundsSmall, ff1RoundsSmallOne } from './ff1-rounds.js'
import type { Ff1Layout } from './ff1-rounds.js'
import { radixChunks } from './numeral-int.js'
import type { RadixChunks } from './numeral-int.js'

/** The smallest domain size radix^length FF1 accepts (SP 800-38G Rev. 1 draft). */
export const FF1_MIN_DOMAIN = 1_000_000
/**
 * The longest value, in numerals, this implementation accepts. SP 800-38G allows up to
 * 2^32 - 1; longer than a few thousand numerals is a document, not a field, and the bigint
 * arithmetic grows quadratically with length.
 */
export const FF1_MAX_LENGTH = 4096
/** The longest tweak, in bytes, this implementation accepts (SP 800-38G: maxTlen is chosen). */
export const FF1_MAX_TWEAK_LENGTH = 1024

/** Values per ECB call in the batch API; bounds scratch memory to a few MiB. */
const BATCH_CHUNK = 8192
/** Layouts kept for tweaks passed per call; the instance tweak's layouts are kept apart. */
const OTHER_TWEAK_LAYOUTS = 256

/** Options of {@link Ff1}. */
export interface Ff1Options {
  /** The alphabet of string values: an {@link Alphabet} or its characters. Default digits. */
  readonly alphabet?: Alphabet | string
  /**
   * The radix for numeral-array values when no alphabet is given (2..65536). Strings then
   * use {@link Alphabet.ofRadix}.
   */
  readonly radix?: number
  /** The default tweak (0..1024 bytes); each call may pass its own. Default empty. */
  readonly tweak?: Uint8Array
}

/** A value as numerals: integers in 0..radix-1. */
export type Numerals = ArrayLike<number>

function specInvalid(path: string, message: string): StrongroomError {
  return new StrongroomError('ERR_PROTECT_SPEC_INVALID', `invalid FF1 parameter: ${message}`, {
    issues: [{ code: 'ERR_PROTECT_SPEC_INVALID', path, message }],
  })
}

function aesName(key: Uint8Array | KeyObject): 'aes-128-ecb' | 'aes-192-ecb' | 'aes-256-ecb' {
  const size =
    key instanceof KeyObject
      ? key.type === 'secret'
        ? (key.symmetricKeySize ?? 0)
        : 0
      : key instanceof Uint8Array
        ? key.byteLength
        : 0
  if (size === 16) return 'aes-128-ecb'
  if (size === 24) return 'aes-192-ecb'
  if (size === 32) return 'aes-256-ecb'
  throw specInvalid('key', 'the key must be a secret of 16, 24 or 32 bytes (AES-128/192/256)')
}

function checkTweak(tweak: Uint8Array): Uint8Array {
  if (!(tweak instanceof Uint8Array)) throw specInvalid('tweak', 'the tweak must be bytes')
  if (tweak.byteLength > FF1_MAX_TWEAK_LENGTH) {
    throw specInvalid('tweak', `the tweak is longer than ${FF1_MAX_TWEAK_LENGTH} bytes`)
  }
  return tweak
}

/** Prefixes an error about one value of a batch with its index. */
function atIndex(e: unknown, index: number): unknown {
  if (!(e instanceof StrongroomError)) return e
  return new StrongroomError(e.code, `value ${index}: ${e.message}`, {
    cause: e,
    issues: e.issues,
    details: { ...e.details, index },
    ...(e.hint === undefined ? {} : { hint: e.hint }),
  })
}

/**
 * FF1 under one key, one alphabet and a default tweak.
 *
 * @example
 * ```ts
 * const ff1 = new Ff1(key, { alphabet: DIGITS, tweak: Buffer.from('customers.ssn') })
 * const ct = ff1.encrypt('4111111111111111')   // 16 digits again
 * ff1.decrypt(ct)                               // '4111111111111111'
 * ```
 */
export class Ff1 {
  /** The alphabet of string values. */
  readonly alphabet: Alphabet
  /** The FF1 radix (alphabet size). */
  readonly radix: number
  /** The shortest accepted value: the least n ≥ 2 with radix^n ≥ 1,000,000. */
  readonly minLength: number
  /** The longest accepted value, {@link FF1_MAX_LENGTH}. */
  readonly maxLength: number = FF1_MAX_LENGTH
  private readonly ecb: Cipher
  private readonly tweak: Uint8Array
  private readonly chunks: RadixChunks
  private readonly layouts = new Map<number, Ff1Layout>()
  private readonly otherLayouts = new Map<string, Ff1Layout>()

  /**
   * @param key - 16, 24 or 32 raw bytes or a secret `KeyObject` (AES-128/192/256).
   * @throws StrongroomError `ERR_PROTECT_SPEC_INVALID` for a bad key or tweak,
   *   `ERR_PROTECT_INVALID_ALPHABET` for a bad alphabet or radix.
   */
  constructor(key: Uint8Array | KeyObject, options: Ff1Options = {}) {
    this.alphabet =
      options.alphabet !== undefined
        ? toAlphabet(options.alphabet)
        : options.radix !== undefined
          ? Alphabet.ofRadix(options.radix)
          : Alphabet.of('0123456789')
    if (options.radix !== undefined && options.radix !== this.alphabet.radix) {
      throw specInvalid('radix', 'the radix differs from the size of the alphabet')
    }
    this.radix = this.alphabet.radix
    this.tweak = Uint8Array.from(checkTweak(options.tweak ?? new Uint8Array(0)))
    this.ecb = createCipheriv(aesName(key), key, null)
    this.ecb.setAutoPadding(false)
    this.chunks = radixChunks(this.radix)
    let n = 2
    while (this.radix ** n < FF1_MIN_DOMAIN) n++
    this.minLength = n
  }

  /** Encrypts a string over the alphabet; the result has the same length and alphabet. */
  encrypt(value: string, tweak?: Uint8Array): string
  /** Encrypts numerals (integers below the radix); the result has the same length. */
  encrypt(value: Numerals, tweak?: Uint8Array): Uint16Array
  encrypt(value: string | Numerals, tweak?: Uint8Array): string | Uint16Array {
    return this.one(value, tweak, false)
  }

  /** Decrypts a string produced by {@link Ff1.encrypt} with the same key and tweak. */
  decrypt(value: string, tweak?: Uint8Array): string
  /** Decrypts numerals produced by {@link Ff1.encrypt} with the same key and tweak. */
  decrypt(value: Numerals, tweak?: Uint8Array): Uint16Array
  decrypt(value: string | Numerals, tweak?: Uint8Array): string | Uint16Array {
    return this.one(value, tweak, true)
  }

  /**
   * Encrypts many strings under one tweak, batching the AES work of values of equal length.
   * Much faster per value than {@link Ff1.encrypt} in a loop. Errors name the value's index.
   */
  encryptBatch(values: readonly string[], tweak?: Uint8Array): string[] {
    return this.batch(values, tweak, false)
  }

  /** Decrypts many strings under one tweak; the inverse of {@link Ff1.encryptBatch}. */
  decryptBatch(values: readonly string[], tweak?: Uint8Array): string[] {
    return this.batch(values, tweak, true)
  }

  private one(value: string | Numerals, tweak: Uint8Array | undefined, decrypt: boolean) {
    if (typeof value !== 'string') {
      const [out] = ff1Rounds(
        this.ecb,
        this.checked(value.length, tweak),
        [value],
        this.chunks,
        decrypt,
      )
      return out ?? new Uint16Array(0)
    }
    if (this.alphabet.bmp) {
      const layout = this.checked(value.length, tweak)
      if (layout.small) {
        const { u, v, halves } = layout
        halves[0] = this.alphabet.intOf(value, 0, u)
        halves[1] = this.alphabet.intOf(value, u, v)
        ff1RoundsSmallOne(this.ecb, layout, decrypt)
        return this.alphabet.strOf(halves[0] ?? 0, u) + this.alphabet.strOf(halves[1] ?? 0, v)
      }
    }
    const numerals = this.alphabet.toNumerals(value)
    const layout = this.checked(numerals.length, tweak)
    const [out] = ff1Rounds(this.ecb, layout, [numerals], this.chunks, decrypt)
    return this.alphabet.fromNumerals(out ?? [])
  }

  /**
   * Strings of one length through the plain-number rounds, skipping numeral arrays.
   * `indices` (batch positions of the values) go into conversion errors.
   */
  private smallStrings(
    values: readonly string[],
    indices: readonly number[] | undefined,
    layout: Ff1Layout,
    decrypt: boolean,
  ): string[] {
    const { u, v } = layout
    const alphabet = this.alphabet
    const a = new Float64Array(values.length)
    const b = new Float64Array(values.length)
    values.forEach((x, j) => {
      try {
        a[j] = alphabet.intOf(x, 0, u)
        b[j] = alphabet.intOf(x, u, v)
      } catch (e) {
        throw indices === undefined ? e : atIndex(e, indices[j] ?? j)
      }
    })
    ff1RoundsSmall(this.ecb, layout, a, b, decrypt)
    return values.map((_, j) => alphabet.strOf(a[j] ?? 0, u) + alphabet.strOf(b[j] ?? 0, v))
  }

  private batch(values: readonly string[], tweak: Uint8Array | undefined, decrypt: boolean) {
    const bmp = this.alphabet.bmp
    const byLength = new Map<number, number[]>()
    values.forEach((x, i) => {
      const n = bmp ? x.length : Array.from(x).length
      const group = byLength.get(n)
      if (group === undefined) byLength.set(n, [i])
      else group.push(i)
    })
    const out = new Array<string>(values.length)
    for (const [n, indices] of byLength) {
      for (let from = 0; from < indices.length; from += BATCH_CHUNK) {
        const slice = indices.slice(from, from + BATCH_CHUNK)
        const results = this.group(slice, values, n, tweak, decrypt)
        slice.forEach((i, j) => {
          out[i] = results[j] ?? ''
        })
      }
    }
    return out
  }

  /** Encrypts or decrypts `all[i]` for each i of `indices`, all of length n (in characters). */
  private group(
    indices: readonly number[],
    all: readonly string[],
    n: number,
    tweak: Uint8Array | undefined,
    decrypt: boolean,
  ): string[] {
    let layout: Ff1Layout
    try {
      layout = this.checked(n, tweak)
    } catch (e) {
      throw atIndex(e, indices[0] ?? 0)
    }
    const values = indices.map((i) => all[i] ?? '')
    if (this.alphabet.bmp && layout.small) {
      return this.smallStrings(values, indices, layout, decrypt)
    }
    const numerals = values.map((x, j) => {
      try {
        return this.alphabet.toNumerals(x)
      } catch (e) {
        throw atIndex(e, indices[j] ?? j)
      }
    })
    return ff1Rounds(this.ecb, layout, numerals, this.chunks, decrypt).map((x) =>
      this.alphabet.fromNumerals(x),
    )
  }

  /** The layout for length n, after the domain and length checks. */
  private checked(n: number, tweak: Uint8Array | undefined): Ff1Layout {
    if (n < this.minLength) {
      throw new StrongroomError(
        'ERR_PROTECT_DOMAIN_TOO_SMALL',
        `an FF1 value of ${n} characters over radix ${this.radix} is below the minimum domain ` +
          `of ${FF1_MIN_DOMAIN} (NIST SP 800-38G); at least ${this.minLength} characters are needed`,
        {
          details: { length: n, radix: this.radix, minLength: this.minLength },
          hint: 'use longer values or a larger alphabet, or a token instead of FPE',
        },
      )
    }
    if (n > this.maxLength) {
      throw new StrongroomError(
        'ERR_PROTECT_INVALID_VALUE',
        `an FF1 value of ${n} characters is longer than the supported ${this.maxLength}`,
        { details: { length: n, maxLength: this.maxLength } },
      )
    }
    return this.layout(n, tweak)
  }

  private layout(n: number, tweak: Uint8Array | undefined): Ff1Layout {
    if (tweak === undefined) {
      let layout = this.layouts.get(n)
      if (layout === undefined) {
        layout = ff1Layout(this.ecb, this.radix, n, this.tweak)
        this.layouts.set(n, layout)
      }
      return layout
    }
    checkTweak(tweak)
    const id = `${n}:${Buffer.from(tweak.buffer, tweak.byteOffset, tweak.byteLength).toString('hex')}`
    let layout = this.otherLayouts.get(id)
    if (layout === undefined) {
      // Per-call tweaks may vary per row (a domain, a card prefix): bound what is kept.
      if (this.otherLayouts.size >= OTHER_TWEAK_LAYOUTS) this.otherLayouts.clear()
      layout = ff1Layout(this.ecb, this.radix, n, tweak)
      this.otherLayouts.set(id, layout)
    }
    return layout
  }
}
