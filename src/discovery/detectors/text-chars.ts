/**
 * Character tests for the detectors that read text by character codes (addresses, places):
 * ASCII answered by arithmetic, anything else by one Unicode property check per code point.
 */

const LETTER_RE = /^[\p{L}\p{M}]$/u

/** True for ASCII letters. */
export function asciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90)
}

/** Length in code units of the code point at `i` (2 for a surrogate pair). */
export function pointLength(text: string, i: number): number {
  const c = text.charCodeAt(i)
  if (c < 0xd800 || c > 0xdbff) return 1
  const d = text.charCodeAt(i + 1)
  return d >= 0xdc00 && d <= 0xdfff ? 2 : 1
}

/** True when the code point at `i`, whose first code unit is `c`, is a letter or mark. */
export function letterAt(text: string, i: number, c: number): boolean {
  if (c < 128) return asciiLetter(c)
  return LETTER_RE.test(text.slice(i, i + pointLength(text, i)))
}
