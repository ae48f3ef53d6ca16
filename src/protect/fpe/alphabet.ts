/**
 * The alphabet of a format-preserving encryption domain: an ordered list of distinct
 * characters, where a character's index is its numeral (NIST SP 800-38G calls the count
 * the radix). Conversion errors name positions only, never the characters of a value.
 */
import { StrongroomError } from '../../errors.js'
import type { ErrorIssue } from '../../errors.js'

/** Smallest radix FF1 accepts (SP 800-38G §5.1). */
export const MIN_RADIX = 2
/** Largest radix FF1 accepts (SP 800-38G §5.1: radix ≤ 2^16). */
export const MAX_RADIX = 65536

/** Decimal digits `0-9` (radix 10). */
export const DIGITS = '0123456789'
/** Lowercase ASCII letters `a-z` (radix 26). */
export const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz'
/** Uppercase ASCII letters `A-Z` (radix 26). */
export const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
/** Digits then lowercase letters (radix 36), the order of the NIST FF1 radix-36 samples. */
export const ALPHANUMERIC = DIGITS + LOWERCASE
/** Digits then uppercase letters (radix 36). */
export const ALPHANUMERIC_UPPER = DIGITS + UPPERCASE
/** Digits, uppercase, lowercase (radix 62). */
export const BASE62 = DIGITS + UPPERCASE + LOWERCASE
/** Lowercase hexadecimal digits (radix 16). */
export const HEX = '0123456789abcdef'

/** Named alphabets accepted wherever an alphabet is configured by name. */
export const ALPHABET_PRESETS = {
  digits: DIGITS,
  lowercase: LOWERCASE,
  uppercase: UPPERCASE,
  alphanumeric: ALPHANUMERIC,
  'alphanumeric-upper': ALPHANUMERIC_UPPER,
  base62: BASE62,
  hex: HEX,
} as const

/** The name of a preset alphabet. */
export type AlphabetPreset = keyof typeof ALPHABET_PRESETS

/** Whether `s` contains an unpaired UTF-16 surrogate (not a character of any alphabet). */
function hasLoneSurrogate(s: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)
}

function hex4(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
}

/** An ordered set of 2..65536 distinct characters (Unicode code points). */
export class Alphabet {
  /** The number of characters: the FF1 radix. */
  readonly radix: number
  /** The characters in numeral order. */
  readonly characters: readonly string[]
  // Every character is one UTF-16 unit: values convert with charCodeAt and a dense table.
  /** Every character is one UTF-16 unit, so string index = character position. */
  readonly bmp: boolean
  private readonly table: Int32Array | undefined
  private readonly map: Map<number, number> | undefined
  private readonly codes: Uint32Array

  private constructor(characters: readonly string[]) {
    this.characters = characters
    this.radix = characters.length
    this.codes = Uint32Array.from(characters, (c) => c.codePointAt(0) ?? 0)
    this.bmp = this.codes.every((c) => c <= 0xffff)
    if (this.bmp) {
      let max = 0
      for (const c of this.codes) max = Math.max(max, c)
      this.table = new Int32Array(max + 1).fill(-1)
      this.codes.forEach((c, i) => {
        if (this.table !== undefined) this.table[c] = i
      })
    } else {
      this.map = new Map(Array.from(this.codes, (c, i) => [c, i]))
    }
  }

  /** A preset alphabet by name (`digits`, `alphanumeric`, `base62`, `hex`, …). */
  static preset(name: AlphabetPreset): Alphabet {
    const characters = ALPHABET_PRESETS[name] as string | undefined
    if (characters === undefined) {
      throw new StrongroomError('ERR_PROTECT_INVALID_ALPHABET', 'unknown FPE alphabet preset', {
        issues: [
          {
            code: 'ERR_PROTECT_INVALID_ALPHABET',
            path: 'alphabet',
            message: `unknown preset; choose from ${Object.keys(ALPHABET_PRESETS).join(', ')}`,
          },
        ],
      })
    }
    return Alphabet.of(characters)
  }

  /**
   * Builds an alphabet from its characters in numeral order.
   *
   * @throws StrongroomError `ERR_PROTECT_INVALID_ALPHABET` listing every problem (too few or
   *   too many characters, duplicates, unpaired surrogates).
   */
  static of(source: string): Alphabet {
    const issues: ErrorIssue[] = []
    if (hasLoneSurrogate(source)) {
      issues.push({
        code: 'ERR_PROTECT_INVALID_ALPHABET',
        path: 'alphabet',
        message: 'the alphabet contains an unpaired UTF-16 surrogate',
      })
    }
    const characters = Array.from(source)
    if (characters.length < MIN_RADIX) {
      issues.push({
        code: 'ERR_PROTECT_INVALID_ALPHABET',
        path: 'alphabet',
        message: `an alphabet needs at least ${MIN_RADIX} characters, got ${characters.length}`,
      })
    }
    if (characters.length > MAX_RADIX) {
      issues.push({
        code: 'ERR_PROTECT_INVALID_ALPHABET',
        path: 'alphabet',
        message: `an alphabet has at most ${MAX_RADIX} characters, got ${characters.length}`,
      })
    }
    const first = new Map<string, number>()
    characters.forEach((c, i) => {
      const seen = first.get(c)
      if (seen === undefined) first.set(c, i)
      else if (issues.length < 20) {
        issues.push({
          code: 'ERR_PROTECT_INVALID_ALPHABET',
          path: `alphabet[${i}]`,
          message: `character ${hex4(c.codePointAt(0) ?? 0)} at position ${i} repeats position ${seen}`,
        })
      }
    })
    if (issues.length > 0) {
      throw new StrongroomError(
        'ERR_PROTECT_INVALID_ALPHABET',
        `invalid FPE alphabet: ${issues.map((i) => i.message).join('; ')}`,
        { issues, hint: `give ${MIN_RADIX}..${MAX_RADIX} distinct characters` },
      )
    }
    return new Alphabet(characters)
  }

  /** The alphabet of radix `radix` whose characters are the code points 0..radix-1; for numeral APIs. */
  static ofRadix(radix: number): Alphabet {
    if (!Number.isInteger(radix) || radix < MIN_RADIX || radix > MAX_RADIX) {
      throw new StrongroomError(
        'ERR_PROTECT_INVALID_ALPHABET',
        `invalid FPE radix: must be an integer in ${MIN_RADIX}..${MAX_RADIX}`,
        {
          issues: [
            {
              code: 'ERR_PROTECT_INVALID_ALPHABET',
              path: 'radix',
              message: `radix must be an integer in ${MIN_RADIX}..${MAX_RADIX}`,
            },
          ],
        },
      )
    }
    if (radix <= BASE62.length) return new Alphabet(Array.from(BASE62.slice(0, radix)))
    // Code points past the surrogate block keep every numeral a valid character.
    return new Alphabet(
      Array.from({ length: radix }, (_, i) => String.fromCodePoint(i < 0xd800 ? i : i + 0x800)),
    )
  }

  /** Whether the character (one code point) belongs to the alphabet. */
  has(character: string): boolean {
    const code = character.codePointAt(0)
    if (code === undefined || character.length !== (code > 0xffff ? 2 : 1)) return false
    return this.numeralOf(code) >= 0
  }

  /** The numeral of a code point, or -1 when it is not in the alphabet. */
  numeralOf(code: number): number {
    if (this.table !== undefined) return code < this.table.length ? (this.table[code] ?? -1) : -1
    return this.map?.get(code) ?? -1
  }

  /**
   * Converts a string to its numerals.
   *
   * @throws StrongroomError `ERR_PROTECT_INVALID_VALUE` naming the first position (in
   *   characters) that is not in the alphabet.
   */
  toNumerals(value: string): Uint16Array {
    if (this.bmp && this.table !== undefined) {
      const table = this.table
      const out = new Uint16Array(value.length)
      for (let i = 0; i < value.length; i++) {
        const code = value.charCodeAt(i)
        const n = code < table.length ? (table[code] ?? -1) : -1
        if (n < 0) throw outsideAlphabet(i)
        out[i] = n
      }
      return out
    }
    const out: number[] = []
    let position = 0
    for (const ch of value) {
      const n = this.numeralOf(ch.codePointAt(0) ?? -1)
      if (n < 0) throw outsideAlphabet(position)
      out.push(n)
      position++
    }
    return Uint16Array.from(out)
  }

  /**
   * NUM_radix of the characters `value[from, from+len)` as a number, without building
   * numerals. Only for {@link Alphabet.bmp} alphabets and radix^len ≤ 2^53.
   *
   * @throws StrongroomError `ERR_PROTECT_INVALID_VALUE` naming the first bad position.
   */
  intOf(value: string, from: number, len: number): number {
    const table = this.table ?? new Int32Array(0)
    const radix = this.radix
    let x = 0
    for (let p = from; p < from + len; p++) {
      const code = value.charCodeAt(p)
      const n = code < table.length ? table[code]! : -1
      if (n < 0) throw outsideAlphabet(p)
      x = x * radix + n
    }
    return x
  }

  /** STR^len_radix(x) as characters; x is an integer number below radix^len. */
  strOf(x: number, len: number): string {
    const chars = this.characters
    const radix = this.radix
    let out = ''
    for (let p = 0; p < len; p++) {
      const q = Math.floor(x / radix)
      out = chars[x - q * radix]! + out
      x = q
    }
    return out
  }

  /**
   * Converts numerals back to a string.
   *
   * @throws StrongroomError `ERR_PROTECT_INVALID_VALUE` when a numeral is not below the radix.
   */
  fromNumerals(numerals: ArrayLike<number>): string {
    const chars = this.characters
    let out = ''
    for (let i = 0; i < numerals.length; i++) {
      const c = chars[numerals[i] ?? -1]
      if (c === undefined) throw numeralOutOfRange(i)
      out += c
    }
    return out
  }
}

/** The error for a value character outside the alphabet; names the position only. */
export function outsideAlphabet(position: number): StrongroomError {
  return new StrongroomError(
    'ERR_PROTECT_INVALID_VALUE',
    `the character at position ${position} is not in the FPE alphabet`,
    { details: { position } },
  )
}

/** The error for a numeral that is not an integer in 0..radix-1; names the position only. */
export function numeralOutOfRange(position: number): StrongroomError {
  return new StrongroomError(
    'ERR_PROTECT_INVALID_VALUE',
    `the numeral at position ${position} is not an integer below the radix`,
    { details: { position } },
  )
}

/** Resolves an alphabet given as an {@link Alphabet} or as its characters in numeral order. */
export function toAlphabet(spec: Alphabet | string): Alphabet {
  return spec instanceof Alphabet ? spec : Alphabet.of(spec)
}
