/**
 * A word tokenizer for the named-entity detectors: words with their UTF-16 offsets, single
 * punctuation characters, and where line breaks fall. One pass over the text, no regex
 * backtracking.
 */

/** A word or a punctuation character of a text. */
export interface Token {
  /** Start offset in UTF-16 code units, inclusive. */
  readonly start: number
  /** End offset, exclusive. */
  readonly end: number
  /** The token's text. */
  readonly text: string
  /** True for a word (letters and digits, joined by inner `'`, `’` or `-`). */
  readonly word: boolean
  /** True when a line break lies between the previous token and this one (or it is first). */
  readonly lineStart: boolean
}

const WORD_CHAR_RE = /[\p{L}\p{M}\p{N}]/u
const SPACE_RE = /\s/u

// ASCII classes by code: 1 word character, 2 space, 0 other.
const ASCII_CLASS = new Uint8Array(128)
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c)
  ASCII_CLASS[c] = /[A-Za-z0-9]/.test(ch) ? 1 : /\s/.test(ch) ? 2 : 0
}

function charClass(text: string, i: number): number {
  const c = text.charCodeAt(i)
  if (c < 128) return ASCII_CLASS[c] ?? 0
  // Surrogate pairs: letters outside the BMP are rare in names; classify by code point.
  const ch = c >= 0xd800 && c <= 0xdbff ? text.slice(i, i + 2) : (text[i] ?? '')
  if (WORD_CHAR_RE.test(ch)) return 1
  return SPACE_RE.test(ch) ? 2 : 0
}

/** 2 at the high half of a surrogate pair, else 1. */
function charLength(text: string, i: number): number {
  const c = text.charCodeAt(i)
  return c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1
}

function isJoiner(c: number): boolean {
  return c === 0x27 || c === 0x2019 || c === 0x2d
}

/** Builds one token; lets a caller allocate its own richer token type once. */
export type TokenFactory<T> = (
  start: number,
  end: number,
  text: string,
  word: boolean,
  lineStart: boolean,
) => T

const plainToken: TokenFactory<Token> = (start, end, text, word, lineStart) => ({
  start,
  end,
  text,
  word,
  lineStart,
})

/** The tokens of `text` in order. */
export function tokenize(text: string): Token[]
/** The tokens of `text` in order, each built by `make`. */
export function tokenize<T>(text: string, make: TokenFactory<T>): T[]
export function tokenize<T>(text: string, make?: TokenFactory<T>): (T | Token)[] {
  const build: TokenFactory<T | Token> = make ?? plainToken
  const out: (T | Token)[] = []
  const len = text.length
  let i = 0
  let lineBreak = true
  while (i < len) {
    const cls = charClass(text, i)
    if (cls === 2) {
      if (text.charCodeAt(i) === 10) lineBreak = true
      i++
      continue
    }
    const start = i
    if (cls === 1) {
      i += charLength(text, i)
      for (;;) {
        while (i < len && charClass(text, i) === 1) i += charLength(text, i)
        // A joiner between two word characters stays inside the word ("O'Brien").
        if (i + 1 < len && isJoiner(text.charCodeAt(i)) && charClass(text, i + 1) === 1) {
          i++
          continue
        }
        break
      }
      out.push(build(start, i, text.slice(start, i), true, lineBreak))
    } else {
      i += charLength(text, i)
      out.push(build(start, i, text.slice(start, i), false, lineBreak))
    }
    lineBreak = false
  }
  return out
}
