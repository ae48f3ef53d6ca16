/**
 * FF1 wrappers for formatted values: values with separators kept in place, payment card
 * numbers that stay Luhn-valid, and email addresses that keep their domain.
 *
 * Every wrapper binds what it leaves in clear (the separator layout, the kept card digits,
 * the email domain) into the FF1 tweak, after the caller's own tweak. The same secret part
 * therefore encrypts differently under a different visible part, which removes equal-
 * ciphertext links across, e.g., card issuers or email domains; decryption has the visible
 * part in hand, so it can rebuild the tweak.
 */
import { createHash } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

import { StrongroomError } from '../../errors.js'
import type { Alphabet } from './alphabet.js'
import { BASE62, DIGITS, toAlphabet } from './alphabet.js'
import { Ff1 } from './ff1.js'
import { isLuhnValid, luhnCheckDigit } from './luhn.js'

/** Options shared by the wrappers. */
export interface FormatFpeOptions {
  /** The caller's tweak (e.g. a column id), prepended to the wrapper's own context. */
  readonly tweak?: Uint8Array
}

/**
 * The FF1 tweak for a wrapper: length-prefixed caller tweak, a label naming the wrapper, a
 * zero byte, then SHA-256 of the visible context. The length prefix keeps (tweak, label)
 * pairs from colliding when their concatenations coincide; hashing the context keeps the
 * tweak short whatever the value's length (a tweak only needs to differ, not be readable).
 */
export function contextTweak(base: Uint8Array, label: string, context: string): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt32BE(base.byteLength)
  const digest = createHash('sha256').update(context, 'utf8').digest()
  return Buffer.concat([head, base, Buffer.from(label, 'utf8'), Buffer.alloc(1), digest])
}

/** A value split into the characters FF1 encrypts and the layout they sit in. */
interface Split {
  /** The alphabet characters, in order. */
  readonly secret: string
  /** The value with each alphabet character replaced by U+0000: what stays visible. */
  readonly mask: string
}

function split(value: string, alphabet: Alphabet): Split {
  let secret = ''
  let mask = ''
  for (const ch of value) {
    if (alphabet.has(ch)) {
      secret += ch
      mask += '\u0000'
    } else {
      mask += ch
    }
  }
  return { secret, mask }
}

function merge(mask: string, secret: string): string {
  const chars = Array.from(secret)
  let at = 0
  let out = ''
  for (const ch of mask) out += ch === '\u0000' ? (chars[at++] ?? '') : ch
  return out
}

/**
 * FF1 of the alphabet characters of a value, leaving every other character (separators,
 * punctuation) where it was: `123-45-6789` → `804-19-2253` over digits.
 *
 * The separator layout is visible in the output and is bound into the tweak. The alphabet
 * characters together must meet FF1's minimum domain (radix^count ≥ 1,000,000), else
 * `ERR_PROTECT_DOMAIN_TOO_SMALL`.
 */
export class SeparatedFpe {
  private readonly ff1: Ff1
  private readonly tweak: Uint8Array
  private readonly label: string

  /**
   * @param key - AES-128/192/256 key (16/24/32 bytes or a secret `KeyObject`).
   * @param options.alphabet - the characters to encrypt; default digits.
   * @param label - domain separation between wrappers that share a key.
   */
  constructor(
    key: Uint8Array | KeyObject,
    options: FormatFpeOptions & { readonly alphabet?: Alphabet | string } = {},
    label = 'separated',
  ) {
    this.ff1 = new Ff1(key, { alphabet: toAlphabet(options.alphabet ?? DIGITS) })
    this.tweak = Uint8Array.from(options.tweak ?? [])
    this.label = label
  }

  /** Encrypts the alphabet characters of `value` in place. */
  encrypt(value: string, context = ''): string {
    return this.run(value, context, false)
  }

  /** Decrypts what {@link SeparatedFpe.encrypt} produced. */
  decrypt(value: string, context = ''): string {
    return this.run(value, context, true)
  }

  private run(value: string, context: string, decrypt: boolean): string {
    const { secret, mask } = split(value, this.ff1.alphabet)
    const tweak = contextTweak(this.tweak, this.label, `${context}\u0000${mask}`)
    const out = decrypt ? this.ff1.decrypt(secret, tweak) : this.ff1.encrypt(secret, tweak)
    return merge(mask, out)
  }
}

/** Options of {@link CardNumberFpe}. */
export interface CardFpeOptions extends FormatFpeOptions {
  /** Leading digits kept in clear (the issuer identification number): 0..8, default 6. */
  readonly keepPrefix?: number
  /** Keep the last four digits in clear (they include the check digit). Default false. */
  readonly keepLast4?: boolean
}

const CARD_MIN_DIGITS = 12
const CARD_MAX_DIGITS = 19

function invalidCard(message: string, details: Record<string, number> = {}): StrongroomError {
  return new StrongroomError('ERR_PROTECT_INVALID_VALUE', message, { details })
}

/**
 * FF1 of payment card numbers that keeps the result a Luhn-valid card number of the same
 * length, with the issuer prefix (and optionally the last four digits) in clear. Spaces and
 * hyphens stay where they were. Inputs must be Luhn-valid (a card that fails the check
 * cannot be restored exactly, because its check digit is not encrypted, see below).
 *
 * Without `keepLast4`, the digits between the prefix and the check digit are encrypted and
 * the check digit is recomputed. The check digit is not encrypted, and that is safe: it is
 * a fixed public function of the other digits, so the ciphertext's check digit is computed
 * from ciphertext digits only and reveals nothing about the plaintext, while the
 * plaintext's check digit carries no information beyond the digits that are encrypted, so
 * decryption recomputes it exactly.
 *
 * With `keepLast4`, the last four digits (check digit included) stay as they are, so the
 * middle digits are encrypted by cycle walking: FF1 is applied again until the whole number
 * is Luhn-valid (about ten FF1 calls on average), which is a permutation of the valid
 * middles. Only one middle in ten is Luhn-valid, so the effective domain is a tenth of
 * 10^middle; that is inherent to the format, as anyone who sees the prefix and last four has
 * the same candidate set. FF1's own minimum still applies to the middle digits: a 16-digit
 * card with a 6-digit prefix and last four has exactly 10^6 middles and is accepted; a
 * 15-digit one is refused with `ERR_PROTECT_DOMAIN_TOO_SMALL`.
 */
export class CardNumberFpe {
  private readonly ff1: Ff1
  private readonly tweak: Uint8Array
  private readonly keepPrefix: number
  private readonly keepLast4: boolean

  /**
   * @param key - AES-128/192/256 key (16/24/32 bytes or a secret `KeyObject`).
   * @throws StrongroomError `ERR_PROTECT_SPEC_INVALID` when `keepPrefix` is not 0..8.
   */
  constructor(key: Uint8Array | KeyObject, options: CardFpeOptions = {}) {
    const keepPrefix = options.keepPrefix ?? 6
    if (!Number.isInteger(keepPrefix) || keepPrefix < 0 || keepPrefix > 8) {
      throw new StrongroomError('ERR_PROTECT_SPEC_INVALID', 'invalid card FPE option', {
        issues: [
          {
            code: 'ERR_PROTECT_SPEC_INVALID',
            path: 'keepPrefix',
            message: 'keepPrefix must be an integer in 0..8',
          },
        ],
      })
    }
    this.ff1 = new Ff1(key, { alphabet: DIGITS })
    this.tweak = Uint8Array.from(options.tweak ?? [])
    this.keepPrefix = keepPrefix
    this.keepLast4 = options.keepLast4 ?? false
  }

  /**
   * Encrypts a card number (12..19 digits, optional spaces or hyphens).
   *
   * @throws StrongroomError `ERR_PROTECT_INVALID_VALUE` for other characters, a digit count
   *   outside 12..19 or a failed Luhn check; `ERR_PROTECT_DOMAIN_TOO_SMALL` when too few
   *   digits are left to encrypt.
   */
  encrypt(card: string): string {
    return this.run(card, false)
  }

  /** Decrypts what {@link CardNumberFpe.encrypt} produced (same key, tweak and options). */
  decrypt(card: string): string {
    return this.run(card, true)
  }

  private run(card: string, decrypt: boolean): string {
    let digits = ''
    for (let i = 0; i < card.length; i++) {
      const c = card.charCodeAt(i)
      if (c >= 48 && c <= 57) digits += card[i]
      else if (c !== 32 && c !== 45) {
        throw invalidCard(
          `the card number has a character other than a digit, space or hyphen at position ${i}`,
          { position: i },
        )
      }
    }
    if (digits.length < CARD_MIN_DIGITS || digits.length > CARD_MAX_DIGITS) {
      throw invalidCard(
        `a card number has ${CARD_MIN_DIGITS}..${CARD_MAX_DIGITS} digits, this one has ${digits.length}`,
        { digits: digits.length },
      )
    }
    if (!isLuhnValid(digits)) throw invalidCard('the card number fails the Luhn check')

    const prefix = digits.slice(0, this.keepPrefix)
    const out = this.keepLast4
      ? this.walk(prefix, digits.slice(this.keepPrefix, -4), digits.slice(-4), decrypt)
      : this.recompute(prefix, digits.slice(this.keepPrefix, -1), decrypt)
    let at = 0
    return card.replace(/\d/g, () => out[at++] ?? '')
  }

  private tweakFor(prefix: string, suffix: string): Buffer {
    return contextTweak(this.tweak, 'card', `${prefix}\u0000${suffix}`)
  }

  private recompute(prefix: string, body: string, decrypt: boolean): string {
    const tweak = this.tweakFor(prefix, '')
    const next = decrypt ? this.ff1.decrypt(body, tweak) : this.ff1.encrypt(body, tweak)
    return prefix + next + luhnCheckDigit(prefix + next)
  }

  private walk(prefix: string, middle: string, last4: string, decrypt: boolean): string {
    const tweak = this.tweakFor(prefix, last4)
    let x = middle
    // Terminates: the input is Luhn-valid, so its own FF1 cycle returns to a valid middle.
    do {
      x = decrypt ? this.ff1.decrypt(x, tweak) : this.ff1.encrypt(x, tweak)
    } while (!isLuhnValid(prefix + x + last4))
    return prefix + x + last4
  }
}

/** Options of {@link EmailFpe}. */
export interface EmailFpeOptions extends FormatFpeOptions {
  /** Characters of the local part to encrypt; others (`.`, `_`, `+`, …) stay. Default base62. */
  readonly alphabet?: Alphabet | string
}

/**
 * FF1 of the local part of an email address, keeping the domain (and the local part's
 * punctuation) in clear: `jane.doe@example.com` → `Q7xv.b3K@example.com`. The domain,
 * lowercased, is bound into the tweak. The local part needs enough alphabet characters for
 * FF1's minimum domain (4 with base62), else `ERR_PROTECT_DOMAIN_TOO_SMALL`.
 */
export class EmailFpe {
  private readonly inner: SeparatedFpe

  /** @param key - AES-128/192/256 key (16/24/32 bytes or a secret `KeyObject`). */
  constructor(key: Uint8Array | KeyObject, options: EmailFpeOptions = {}) {
    this.inner = new SeparatedFpe(
      key,
      { alphabet: options.alphabet ?? BASE62, ...(options.tweak ? { tweak: options.tweak } : {}) },
      'email',
    )
  }

  /**
   * Encrypts the local part of `email`.
   *
   * @throws StrongroomError `ERR_PROTECT_INVALID_VALUE` when there is no `@` with text on
   *   both sides.
   */
  encrypt(email: string): string {
    return this.run(email, false)
  }

  /** Decrypts what {@link EmailFpe.encrypt} produced. */
  decrypt(email: string): string {
    return this.run(email, true)
  }

  private run(email: string, decrypt: boolean): string {
    const at = email.lastIndexOf('@')
    if (at <= 0 || at === email.length - 1) {
      throw new StrongroomError(
        'ERR_PROTECT_INVALID_VALUE',
        'the value is not an email address: it needs an @ with text on both sides',
      )
    }
    const local = email.slice(0, at)
    const domain = email.slice(at)
    const context = domain.toLowerCase()
    const out = decrypt ? this.inner.decrypt(local, context) : this.inner.encrypt(local, context)
    return out + domain
  }
}
