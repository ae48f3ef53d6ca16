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
import { HmacColumn } from './hmac-column.js'
import { HmacSha256 } from './hmac-sha256.js'
import { symbolFormat, writeSymbols, type SymbolFormat } from './token-symbols.js'

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
  /**
   * Where {@link Tokenizer.tokenize} computes HMACs: by default in WebAssembly for batches of
   * 64 values or more (TypeScript where WebAssembly is unavailable); `true` for every batch,
   * `false` never. The tokens are the same either way (the tests compare them).
   */
  readonly webAssembly?: boolean
}

/** Smallest accepted token size in bits. */
export const MIN_TOKEN_BITS = 64
/** Largest token size in bits: the whole HMAC-SHA-256 output. */
export const MAX_TOKEN_BITS = 256
const DEFAULT_BITS = 128
/**
 * Values per HMAC batch: large enough that the per-batch costs (one join, two WebAssembly
 * calls, one decode) vanish, small enough that a batch's scratch stays in cache and its
 * joined text and token string (about 60 KB each for e-mail addresses) stay ordinary young
 * objects. Measured on 1M e-mail addresses: 2,048 ahead of 1,024, 4,096 and 16,384.
 */
const BATCH = 2048

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
  readonly #column: HmacColumn
  readonly #format: SymbolFormat
  readonly #nfc: boolean
  /** The characters of one token. */
  readonly #chars: Buffer

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
    this.#column = new HmacColumn(
      domainKey,
      options.webAssembly === undefined ? {} : { webAssembly: options.webAssembly },
    )
    this.#format = symbolFormat(alphabet.chars, alphabet.bits, bits)
    this.#nfc = normalize === 'NFC'
    this.#chars = Buffer.alloc(this.#format.symbols)
  }

  /** The length in characters of every token this tokenizer returns. */
  get length(): number {
    return this.#format.symbols
  }

  /**
   * The token of one value. Throws `ERR_PROTECT_INVALID_VALUE` for a non-finite number or a
   * value of another type.
   */
  token(value: TokenValue): string {
    writeSymbols(this.#hmac.updateString(this.#text(value)), 0, this.#format, this.#chars, 0)
    return this.#chars.toString('latin1')
  }

  /**
   * Tokens of a column of values, in order; `null` and `undefined` stay `null`.
   * An invalid value throws `ERR_PROTECT_INVALID_VALUE` with its row index in `details.row`.
   *
   * Runs in batches of 2,048 values: one WebAssembly call MACs a batch, another
   * writes its tokens' characters, decoded to one string, and each token is a slice of it.
   */
  tokenize(values: readonly (TokenValue | null | undefined)[]): (string | null)[] {
    const n = values.length
    const out = new Array<string | null>(n)
    const len = this.#format.symbols
    const rows = new Int32Array(Math.min(n, BATCH))
    for (let i = 0; i < n;) {
      const texts: string[] = []
      // One try per batch: a try block per row costs measurably at millions of rows.
      try {
        for (; i < n && texts.length < BATCH; i++) {
          const v = values[i]
          if (v === null || v === undefined) out[i] = null
          else {
            rows[texts.length] = i
            texts.push(this.#text(v))
          }
        }
      } catch (e) {
        throw new StrongroomError('ERR_PROTECT_INVALID_VALUE', 'value cannot be tokenized', {
          cause: e,
          details: { row: i },
        })
      }
      const m = texts.length
      if (m === 0) continue
      const all = this.#column.tokens(texts, this.#format)
      for (let k = 0; k < m; k++) out[rows[k]!] = all.slice(k * len, (k + 1) * len)
    }
    return out
  }

  /** The text a value is MACed as (its UTF-8 is the HMAC message). */
  #text(value: TokenValue): string {
    if (typeof value === 'string') return this.#nfc ? value.normalize('NFC') : value
    if (typeof value === 'bigint') return value.toString()
    if (typeof value === 'number' && Number.isFinite(value)) return String(value)
    throw new StrongroomError(
      'ERR_PROTECT_INVALID_VALUE',
      'only strings and finite numbers can be tokenized',
    )
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
