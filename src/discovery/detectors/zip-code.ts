/**
 * ZIP_CODE: postal codes standing alone ("my zip code is 94103"): US ZIP and ZIP+4, UK
 * postcodes, Canadian postal codes, and 4–6 digit codes (DE, FR, NL, CH, AT…) after a
 * postal-code phrase. A postal code inside a street address is part of that address and is
 * reported as STREET_ADDRESS by the address detector, not here.
 */
import type { Detector, Span, TextHints } from '../detector.js'
import { mentions } from './pattern-detector.js'
import { parseAddresses } from './address-parse.js'

const UK_RE = /(?<![\w-])[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}(?![\w-])/g
const CA_RE = /(?<![\w-])[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d(?![\w-])/g
const DIGITS_RE = /(?<![\w.,/-])(?:\d{5}-\d{4}|\d{4,6})(?![\w/]|[.,-]\d)/g

// A postal-code phrase ending shortly before the candidate.
const CONTEXT_RE =
  /\b(?:zip|zip ?code|zipcode|postal ?code|postcode|post ?code|plz|cep|cap|code postal|postleitzahl|postnummer)\b[^.\n\d]{0,16}$/i

const WINDOW = 32

// A piece of every alternative of CONTEXT_RE, lower case.
const CONTEXT_WORDS = ['zip', 'post', 'plz', 'cep', 'cap', 'code postal', 'postleitzahl']

/** True when a postal-code phrase stands in the window before offset `at`. */
function phraseBefore(text: string, at: number): boolean {
  return CONTEXT_RE.test(text.slice(Math.max(0, at - WINDOW), at))
}

/** True when `[s, e)` overlaps one of `spans` (sorted by start, non-overlapping). */
function inside(spans: readonly { start: number; end: number }[], s: number, e: number): boolean {
  let lo = 0
  let hi = spans.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((spans[mid]?.end ?? 0) <= s) lo = mid + 1
    else hi = mid
  }
  const p = spans[lo]
  return p !== undefined && p.start < e
}

// Each pattern with the score of a match found without a postal-code phrase before it, and
// a test on the text's hints that fails only when the pattern cannot match.
const PATTERNS: readonly (readonly [RegExp, number, (h: TextHints) => boolean])[] = [
  // Four to six consecutive digits, reported only after a postal-code phrase.
  [DIGITS_RE, 0, (h) => h.digitRun >= 4 && mentions(h, CONTEXT_WORDS)],
  // Both shapes hold three capitals.
  [UK_RE, 0.5, (h) => h.upper >= 3],
  [CA_RE, 0.5, (h) => h.upper >= 3],
]

/** Every shape holds at least two digits (a UK postcode's two), the others more. */
const MIN_DIGITS = 2

/**
 * Detects stand-alone postal codes: digit codes after a postal-code phrase 0.8; UK and
 * Canadian shapes 0.5 alone, 0.8 after the phrase.
 */
export const zipCodeDetector: Detector = {
  id: 'zip-code',
  entityType: 'ZIP_CODE',
  detect(text: string, hints?: TextHints): Span[] {
    if (hints !== undefined && hints.digits < MIN_DIGITS) return []
    const spans: Span[] = []
    for (const [re, alone, possible] of PATTERNS) {
      if (hints !== undefined && !possible(hints)) continue
      re.lastIndex = 0
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        const start = m.index
        const score = phraseBefore(text, start) ? 0.8 : alone
        if (score > 0) spans.push({ type: 'ZIP_CODE', start, end: start + m[0].length, score })
      }
    }
    // Candidates are rare; only then is the text parsed for the addresses that own theirs.
    if (spans.length === 0) return spans
    const addresses = parseAddresses(text).filter((p) => p.type === 'STREET_ADDRESS')
    return spans.filter((s) => !inside(addresses, s.start, s.end))
  },
}
