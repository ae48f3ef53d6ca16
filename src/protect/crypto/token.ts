/**
 * Keyed deterministic tokens: `token = encode(truncate(HMAC-SHA-256(domainKey, canonical(v))))`.
 *
 * Tokens are one-way (no key holder can invert them, only recompute them) and joinable: the
 * same value in the same token domain gives the same token in every dataset, while two
 * domains (two keys) give unrelated tokens. Never an unkeyed hash: without the domain key a
 * dictionary of candidate values cannot be turned into tokens.
 */
import { StrongroomError } from '../../errors.js'
import { deriveTransformKey } from '../keys.js'
import { HmacSha256 } from './hmac-sha256.js'

/** How a token's bits are written: lowercase hex, RFC 4648 base32 (lowercase, no padding), or base64url. */
export type TokenEncoding = 'hex' | 'base32' | 'base64url'

/** A value that can be tokenized; numbers and bigints tokenize as their decimal text. */
export type TokenValue = string | number | bigint

/** Options for {@link Tokenizer}. */
export interface TokenOptions {
  /** Output alphabet. Default `base32`. */
  readonly encoding?: TokenEncoding
  /**
   * Token size in bits, 64..256 (default 128). The token carries the first `bits` bits of the
   * HMAC, written with `ceil(bits / b)` characters (b = 4, 5 or 6 bits per character).
   *
   * Collisions: for `n` distinct values, the probability that any two share a token is about
   * `n² / 2^(bits+1)` (birthday bound). With 64 bits and 100 million values that is ≈ 2.7·10⁻⁴;
   * with 128 bits it is negligible for any dataset (≈ 1.5·10⁻²³ at 10¹⁰ values). Fewer than 64
   * bits are refused: collisions would merge distinct people in joins.
   */
  readonly bits?: number
  /**
   * Unicode normalization of strings before MACing. `NFC` makes canonically equivalent
   * spellings (`é` as one or two code points) tokenize alike; default `none` (bytes as given).
   */
  readonly normalize?: 'none' | 'NFC'
}

/** Smallest accepted token size in bits. */
export const MIN_TOKEN_BITS = 64
/** Largest token size in bits: the whole HMAC-SHA-256 output. */
export const MAX_TOKEN_BITS = 256
const DEFAULT_BITS = 128

const ALPHABETS: Record<TokenEncoding, { readonly chars: string; readonly bits: number }> = {
  hex: { chars: '0123456789abcdef', bits: 4 },
  base32: { chars: 'abcdefghijklmnopqrstuvwxyz234567', bits: 5 },
  base64url: { chars: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', bits: 6 },
}

function specError(path: string, message: string): StrongroomError {
  return new StrongroomError('ERR_PROTECT_SPEC_INVALID', `invalid token options: ${message}`, {
    issues: [{ code: 'ERR_PROTECT_SPEC_INVALID', path, message }],
  })
}

/**
 * Computes tokens for one token domain. Build one per domain and reuse it for every value:
 * the key's HMAC pad states are computed once.
 *
 * @example
 * ```ts
 * const emails = new Tokenizer(domainKey, { encoding: 'base32', bits: 128 })
 * emails.tokenize(['ann@example.com', null, 'ann@example.com'])
 * // ['…26 chars…', null, same token as the first]
 * ```
 */
export class Tokenizer {
  readonly #hmac: HmacSha256
  readonly #alphabet: Uint16Array
  readonly #symbolBits: number
  readonly #bits: number
  readonly #codes: number[]
  readonly #nfc: boolean

  /**
   * @param domainKey - the token domain's key (at least 16 bytes), normally from
   *   {@link tokenDomainKey}.
   */
  constructor(domainKey: Uint8Array, options: TokenOptions = {}) {
    if (!(domainKey instanceof Uint8Array) || domainKey.byteLength < 16) {
      throw new StrongroomError('ERR_PROTECT_KEY_MISSING', 'token domain key must be >= 16 bytes')
    }
    const encoding = options.encoding ?? 'base32'
    const alphabet = ALPHABETS[encoding] as (typeof ALPHABETS)[TokenEncoding] | undefined
    if (alphabet === undefined) throw specError('encoding', 'unknown encoding')
    const bits = options.bits ?? DEFAULT_BITS
    if (!Number.isInteger(bits) || bits < MIN_TOKEN_BITS || bits > MAX_TOKEN_BITS) {
      throw specError('bits', `bits must be an integer in ${MIN_TOKEN_BITS}..${MAX_TOKEN_BITS}`)
    }
    const normalize = options.normalize ?? 'none'
    if (normalize !== 'none' && normalize !== 'NFC') {
      throw specError('normalize', 'normalize must be none or NFC')
    }
    this.#hmac = new HmacSha256(domainKey)
    this.#alphabet = Uint16Array.from(alphabet.chars, (c) => c.charCodeAt(0))
    this.#symbolBits = alphabet.bits
    this.#bits = bits
    this.#codes = new Array<number>(Math.ceil(bits / alphabet.bits)).fill(0)
    this.#nfc = normalize === 'NFC'
  }

  /** The length in characters of every token this tokenizer returns. */
  get length(): number {
    return this.#codes.length
  }

  /**
   * The token of one value. Throws `ERR_PROTECT_INVALID_VALUE` for a non-finite number or a
   * value of another type.
   */
  token(value: TokenValue): string {
    let s: string
    if (typeof value === 'string') s = this.#nfc ? value.normalize('NFC') : value
    else if (typeof value === 'bigint') s = value.toString()
    else if (typeof value === 'number' && Number.isFinite(value)) s = String(value)
    else {
      throw new StrongroomError(
        'ERR_PROTECT_INVALID_VALUE',
        'only strings and finite numbers can be tokenized',
      )
    }
    return this.#encode(this.#hmac.updateString(s))
  }

  /**
   * Tokens of a column of values, in order; `null` and `undefined` stay `null`.
   * An invalid value throws `ERR_PROTECT_INVALID_VALUE` with its row index in `details.row`.
   */
  tokenize(values: readonly (TokenValue | null | undefined)[]): (string | null)[] {
    const out = new Array<string | null>(values.length)
    let i = 0
    // One try around the loop: a try block per row costs measurably at millions of rows.
    try {
      for (; i < values.length; i++) {
        const v = values[i]
        out[i] = v === null || v === undefined ? null : this.token(v)
      }
    } catch (e) {
      throw new StrongroomError('ERR_PROTECT_INVALID_VALUE', 'value cannot be tokenized', {
        cause: e,
        details: { row: i },
      })
    }
    return out
  }

  /** The first `#bits` bits of the MAC words, MSB first, as alphabet characters. */
  #encode(words: Int32Array): string {
    const codes = this.#codes
    const alphabet = this.#alphabet
    const b = this.#symbolBits
    const mask = (1 << b) - 1
    const total = this.#bits
    let acc = 0
    let accBits = 0
    let consumed = 0
    let k = 0
    for (let wi = 0; consumed < total; wi++) {
      // Feed 16 bits at a time so `acc` never exceeds 31 bits.
      const word = words[wi]!
      for (let half = 16; half >= 0 && consumed < total; half -= 16) {
        const take = Math.min(16, total - consumed)
        const chunk = ((word >>> half) & 0xffff) >>> (16 - take)
        acc = (acc << take) | chunk
        accBits += take
        consumed += take
        while (accBits >= b) {
          accBits -= b
          codes[k++] = alphabet[(acc >>> accBits) & mask]!
        }
        acc &= (1 << accBits) - 1
      }
    }
    // A last partial symbol is padded with zero bits (RFC 4648 without '=').
    if (accBits > 0) codes[k] = alphabet[(acc << (b - accBits)) & mask]!
    return String.fromCharCode.apply(null, codes)
  }
}

/**
 * The key of a token domain: HKDF from the transform master key with purpose `token`.
 *
 * @example
 * ```ts
 * const tok = new Tokenizer(tokenDomainKey(master, 'customer-email'))
 * ```
 */
export function tokenDomainKey(master: Uint8Array, domain: string): Buffer {
  return deriveTransformKey(master, { purpose: 'token', domain, length: 32 })
}

/**
 * A {@link Tokenizer} for `domain`, keyed from the transform master key.
 *
 * @example
 * ```ts
 * const tok = createTokenizer(master, 'customer-email', { bits: 96, encoding: 'hex' })
 * tok.token('ann@example.com') // 24 hex characters, the same in every dataset
 * ```
 */
export function createTokenizer(
  master: Uint8Array,
  domain: string,
  options: TokenOptions = {},
): Tokenizer {
  return new Tokenizer(tokenDomainKey(master, domain), options)
}
