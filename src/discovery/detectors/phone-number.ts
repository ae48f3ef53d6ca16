/**
 * PHONE_NUMBER: NANP numbers (`(NPA) NXX-XXXX` and dotted/dashed/spaced forms, optional
 * `+1`/`1`/`001` prefix and `x123` extension) where area code and exchange start with 2–9
 * and the area code is not an N11 service code; and international `+CC` numbers with 8–15
 * digits in total (ITU-T E.164); and national numbers of other countries (`042 078 6381`,
 * `(11) 4706-6184`) validated against libphonenumber's numbering-plan metadata.
 */
import { isValidPhoneNumber } from 'libphonenumber-js'
import type { CountryCode } from 'libphonenumber-js'
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

// A number ends before a letter or a digit group continuing it; a dash or dot followed by
// a word ("555-0134-fax") is punctuation. Every quantifier is bounded and separators are single optional characters, so the
// backtracking per start position is a small constant.
const NANP_RE =
  /(?<![\w+.-])(?:(?:\+?1|001)[ .-]?)?(?:\(([2-9]\d{2})\) ?|([2-9]\d{2})([ .-]?))([2-9]\d{2})[ .-]?(\d{4})(?: ?(?:x|ext\.?) ?\d{1,5})?(?![\w]|[.-]\d)/gi
const INTL_RE = /(?<![\w+])\+[1-9][\d ().-]{6,22}\d(?![\w]|[.-]\d)/g

/** True when a NANP area code and exchange are assignable (NXX, not N11). */
export function nanpValid(area: string, exchange: string): boolean {
  const n11 = (s: string) => s[1] === '1' && s[2] === '1'
  return /^[2-9]\d\d$/.test(area) && /^[2-9]\d\d$/.test(exchange) && !n11(area) && !n11(exchange)
}

const CONTEXT = ['phone', 'call', 'tel', 'telephone', 'mobile', 'cell', 'fax', 'contact', 'number']

/** Detects NANP numbers; score 0.5 (0.4 as ten bare digits), +0.3 with context. */
export const nanpPhoneDetector: Detector = createPatternDetector({
  id: 'phone-nanp',
  entityType: 'PHONE_NUMBER',
  patterns: [NANP_RE],
  validate: (m) => {
    const [whole, parenArea, area, sep, exchange = ''] = m
    if (!nanpValid(parenArea ?? area ?? '', exchange)) return false
    const bare = parenArea === undefined && sep === '' && /^\d+$/.test(whole)
    return { start: m.index, end: m.index + whole.length, score: bare ? 0.4 : 0.5 }
  },
  baseScore: 0.5,
  contextWords: CONTEXT,
  contextBoost: 0.3,
})

/** Detects international `+CC` numbers; score 0.5, +0.3 with context. */
export const intlPhoneDetector: Detector = createPatternDetector({
  id: 'phone-intl',
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
const NATIONAL_RE =
  /(?<![\w+.,)-]|[\d)][ .-])(?:\(\d{2,4}\) ?|\d{2,5}[ .-])\d{2,4}(?:[ .-]\d{2,4}){0,3}(?![\w]|[ .,-]\d)/g

// Countries whose trunk prefix is 0 ("0xx" national format) and countries whose national
// numbers start 1–9. Germany and Austria are left out: their variable-length plans accept
// almost any digit string, which would make every grouped number a "phone".
const TRUNK_ZERO: readonly CountryCode[] = [
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
const NO_TRUNK: readonly CountryCode[] = ['US', 'BR', 'ES', 'MX', 'IT']

/**
 * True when `raw` is a valid national number (number plan length and prefixes, per
 * libphonenumber metadata) of one of the supported countries.
 */
export function nationalPhoneValid(raw: string): boolean {
  const digits = raw.replace(/\D/g, '')
  if (digits.length < 8 || digits.length > 12) return false
  // A single repeated digit ("11 11 11 11") is filler, not a number.
  if (/^(\d)\1+$/.test(digits)) return false
  const countries = digits.startsWith('0') ? TRUNK_ZERO : NO_TRUNK
  return countries.some((c) => isValidPhoneNumber(raw, c))
}

/**
 * Detects national-format numbers outside NANP's shape; score 0.4 (a grouped number valid in
 * some country's plan is still ambiguous), +0.3 with context.
 */
export const nationalPhoneDetector: Detector = createPatternDetector({
  id: 'phone-national',
  entityType: 'PHONE_NUMBER',
  patterns: [NATIONAL_RE],
  validate: (m) => nationalPhoneValid(m[0]),
  baseScore: 0.4,
  contextWords: CONTEXT,
  contextBoost: 0.3,
})
