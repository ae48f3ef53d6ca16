/**
 * PHONE_NUMBER: NANP numbers (`(NPA) NXX-XXXX` and dotted/dashed/spaced forms, optional
 * `+1`/`1`/`001` prefix and `x123` extension) where area code and exchange start with 2–9
 * and the area code is not an N11 service code; and international `+CC` numbers with 8–15
 * digits in total (ITU-T E.164); and national numbers of other countries (`042 078 6381`,
 * `(11) 4706-6184`) validated against libphonenumber's numbering-plan metadata.
 */
import { isValidPhoneNumber } from 'libphonenumber-js'
import type { CountryCode } from 'libphonenumber-js'
import type { Detector, TextHints } from '../detector.js'
import { createPatternDetector, Keywords } from './pattern-detector.js'
import { isValidNationalDigits, planLengths } from './phone-plan.js'

// A number ends before a letter or a digit group continuing it; a dash or dot followed by
// a word ("555-0134-fax") is punctuation. Every quantifier is bounded and separators are single optional characters, so the
// backtracking per start position is a small constant.
const NANP_RE =
  /(?<![\w+.-])(?:(?:\+?1|001)[ .-]?)?(?:\(([2-9]\d{2})\) ?|([2-9]\d{2})([ .-]?))([2-9]\d{2})[ .-]?(\d{4})(?: ?(?:x|ext\.?) ?\d{1,5})?(?![\w]|[.-]\d)/gi
const INTL_RE = /(?<![\w+])\+[1-9][\d ().-]{6,22}\d(?![\w]|[.-]\d)/g

/** True when a NANP area code and exchange are assignable (NXX, not N11). */
export function nanpValid(area: string, exchange: string): boolean {
  return nxx(area) && nxx(exchange)
}

/** True for three ASCII digits, the first 2–9, that are not an N11 service code. */
function nxx(s: string): boolean {
  if (s.length !== 3) return false
  const a = s.charCodeAt(0)
  const b = s.charCodeAt(1)
  const c = s.charCodeAt(2)
  return a >= 50 && a <= 57 && b >= 48 && b <= 57 && c >= 48 && c <= 57 && !(b === 49 && c === 49)
}

const CONTEXT = ['phone', 'call', 'tel', 'telephone', 'mobile', 'cell', 'fax', 'contact', 'number']

/** Detects NANP numbers; score 0.5 (0.4 as ten bare digits), +0.3 with context. */
export const nanpPhoneDetector: Detector = createPatternDetector({
  id: 'phone-nanp',
  // Area code, exchange and line number: ten digits.
  minDigits: 10,
  entityType: 'PHONE_NUMBER',
  patterns: [NANP_RE],
  validate: (m) => {
    const whole = m[0]
    const parenArea = m[1]
    if (!nanpValid(parenArea ?? m[2] ?? '', m[4] ?? '')) return false
    const bare = parenArea === undefined && m[3] === '' && /^\d+$/.test(whole)
    return { start: m.index, end: m.index + whole.length, score: bare ? 0.4 : 0.5 }
  },
  baseScore: 0.5,
  contextWords: CONTEXT,
  contextBoost: 0.3,
})

/** Detects international `+CC` numbers; score 0.5, +0.3 with context. */
export const intlPhoneDetector: Detector = createPatternDetector({
  id: 'phone-intl',
  // The validator asks for eight to fifteen digits.
  minDigits: 8,
  needs: ['+'],
  entityType: 'PHONE_NUMBER',
  patterns: [INTL_RE],
  validate: (m) => {
    const raw = m[0]
    const digits = raw.replace(/\D/g, '')
    if (digits.length < 8 || digits.length > 15) return false
    const open = raw.split('(').length - 1
    const close = raw.split(')').length - 1
    // Separators never repeat ("+1 -- 2") and parentheses balance.
    return open === close && !/[ .-]{2}/.test(raw)
  },
  baseScore: 0.5,
  contextWords: CONTEXT,
  contextBoost: 0.3,
})

// National numbers: 2–4 digit groups (the first possibly parenthesised) joined by single
// spaces, dots or dashes. The lookbehind and lookahead refuse a candidate touching another
// digit group, so a number is never cut out of a longer run (card numbers, IBANs, account
// numbers): "4111 1111 1111 1111" yields no candidate at all. Groups are bounded, so
// backtracking per start position is a small constant.
/** Candidates of the national phone detector (exported for the plan validation tests). */
export const NATIONAL_RE =
  /(?<![\w+.,)-]|[\d)][ .-])(?:\(\d{2,4}\) ?|\d{2,5}[ .-])\d{2,4}(?:[ .-]\d{2,4}){0,3}(?![\w]|[ .,-]\d)/g

// Countries whose trunk prefix is 0 ("0xx" national format) and countries whose national
// numbers start 1–9. Germany and Austria are left out: their variable-length plans accept
// almost any digit string, which would make every grouped number a "phone".
/** Countries whose national numbers are written with a trunk 0, tried for a leading 0. */
export const TRUNK_ZERO: readonly CountryCode[] = [
  'GB',
  'FR',
  'IT',
  'NL',
  'BE',
  'CH',
  'AU',
  'IE',
  'NZ',
  'IN',
]
/** Countries whose national numbers start with 1–9, tried otherwise. */
export const NO_TRUNK: readonly CountryCode[] = ['US', 'BR', 'ES', 'MX', 'IT']

/**
 * True when `raw` is a valid national number (number plan length and prefixes, per
 * libphonenumber metadata) of one of the supported countries.
 */
export function nationalPhoneValid(raw: string): boolean {
  // No verdict cache: with the plans compiled a verdict costs about a microsecond, less than
  // a cache of unseen candidates costs in hashing, inserting and collecting.
  const digits = raw.replace(/\D/g, '')
  return digits.length >= 8 && digits.length <= 12 && planValid(raw, digits)
}

// Texts isValidNationalDigits answers for: ASCII digits and the separators the detector's
// pattern allows. Anything else (a '+', letters, other digits) goes to libphonenumber itself.
const PLAIN_NUMBER_RE = /^[\d ().-]{1,250}$/

/** {@link nationalPhoneValid} for a candidate of plausible length. */
function planValid(raw: string, digits: string): boolean {
  // A single repeated digit ("11 11 11 11") is filler, not a number.
  if (/^(\d)\1+$/.test(digits)) return false
  const trunk = digits.startsWith('0')
  const countries = trunk ? TRUNK_ZERO : NO_TRUNK
  // A number whose national length no plan allows is rejected first, from the same metadata.
  const nsnLength = trunk ? digits.length - 1 : digits.length
  const lengths = possibleLengths()
  const plain = PLAIN_NUMBER_RE.test(raw)
  for (const c of countries) {
    if (lengths.get(c)?.has(nsnLength) !== true) continue
    if (plain ? isValidNationalDigits(digits, c) : isValidPhoneNumber(raw, c)) return true
  }
  return false
}

let lengthCache: Map<CountryCode, ReadonlySet<number>> | undefined

/** National significant number lengths each supported country's plan allows. */
function possibleLengths(): Map<CountryCode, ReadonlySet<number>> {
  if (lengthCache !== undefined) return lengthCache
  lengthCache = new Map()
  for (const c of new Set([...TRUNK_ZERO, ...NO_TRUNK])) lengthCache.set(c, new Set(planLengths(c)))
  return lengthCache
}

/**
 * Detects national-format numbers outside NANP's shape; score 0.4 (a grouped number valid in
 * some country's plan is still ambiguous), +0.3 with context.
 */
export const nationalPhoneDetector: Detector = createPatternDetector({
  id: 'phone-national',
  // nationalPhoneValid asks for eight to twelve digits.
  minDigits: 8,
  entityType: 'PHONE_NUMBER',
  patterns: [NATIONAL_RE],
  validate: (m) => nationalPhoneValid(m[0]),
  baseScore: 0.4,
  contextWords: CONTEXT,
  contextBoost: 0.3,
})

// Any grouped digit string of phone size: an optional `+CC`, an optional parenthesised
// area code, then two to five groups joined by single separators, or one bare run of 7–11
// digits; an optional extension. Separators are mandatory between groups, so a digit run
// splits into groups one way only.
const LOOSE_RE =
  /(?<![\w+.)/-]|\d,|[\d)][ .-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\) ?\d{2,4}(?:[ .-]\d{2,8}){0,3}|\d{2,4}(?:[ .-]\d{2,8}){1,4}|\d{7,11})(?: ?(?:x|ext\.?) ?\d{1,6})?(?![\w/]|[ .,-]\d)/gi

// Words that say a number is a phone number; without one, loose shapes are not reported.
const LOOSE_CONTEXT = [
  ...CONTEXT.filter((w) => w !== 'number'),
  'office',
  'answering',
  'reach',
  'dial',
  'whatsapp',
  'sms',
  'landline',
  'hotline',
  'ph',
  'tel.',
]

const LOOSE_WORDS = new Keywords(LOOSE_CONTEXT)

// Dates, times and SSNs share the digit shapes; their own detectors report them.
const NOT_PHONE_RE =
  /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{3}-\d{2}-\d{4})$/

/** True when a loose candidate has phone-sized digits and is not a date or an SSN. */
export function loosePhoneValid(raw: string): boolean {
  const main = raw.replace(/ ?(?:x|ext\.?) ?\d{1,6}$/i, '')
  const digits = main.replace(/\D/g, '')
  if (digits.length < 6 || digits.length > 13) return false
  if (/^(\d)\1+$/.test(digits)) return false
  return !NOT_PHONE_RE.test(main)
}

/**
 * Detects phone numbers in any national grouping ("(88) 684-334", "089 72 63 41",
 * "785 8949"), including NANP-shaped numbers outside the numbering plan, but only next to a
 * phone word (phone, call, tel, fax, mobile, office…); score 0.6. The stricter detectors
 * above report valid numbers with higher scores.
 */
export const contextPhoneDetector: Detector = (() => {
  const inner = createPatternDetector({
    id: 'phone-context',
    // loosePhoneValid asks for six to thirteen digits, and only a context word lifts a match
    // to the 0.6 kept below ('tel.' never matches a context word of letters and digits).
    minDigits: 6,
    gate: (h) => LOOSE_WORDS.in(h),
    entityType: 'PHONE_NUMBER',
    patterns: [LOOSE_RE],
    validate: (m) => loosePhoneValid(m[0]),
    baseScore: 0.3,
    contextWords: LOOSE_CONTEXT,
    contextBoost: 0.3,
  })
  return {
    id: inner.id,
    entityType: inner.entityType,
    detect: (text: string, hints?: TextHints) => {
      const found = inner.detect(text, hints)
      // Most texts yield nothing: the shared empty answer is returned, not a filtered copy.
      return found.length === 0 ? found : found.filter((s) => s.score >= 0.6)
    },
  }
})()
