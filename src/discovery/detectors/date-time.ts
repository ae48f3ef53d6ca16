/**
 * DATE_TIME: calendar dates in numeric forms (`YYYY-MM-DD`, `M/D/YYYY`, `D.M.YYYY`, two-digit
 * years) with an optional `HH:MM[:SS]` time, and month-name forms (`March 5, 1990`,
 * `5th of March 1990`, `Mar 1990`), and weekday names (`Sunday`). Day, month and year must
 * form a real date (leap years included).
 */
import type { Detector } from '../detector.js'
import { createPatternDetector, Keywords } from './pattern-detector.js'

const TIME = '(?:[ T](?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d)?)?'
const ISO_RE = new RegExp(
  `(?<![\\d/.-])(\\d{4})([-/.])(\\d{1,2})\\2(\\d{1,2})${TIME}(?![\\d/.-]?\\d)`,
  'g',
)
const DMY_RE = new RegExp(
  `(?<![\\d/.-])(\\d{1,2})([-/.])(\\d{1,2})\\2(\\d{4}|\\d{2})${TIME}(?![\\d/.-]?\\d)`,
  'g',
)

const MONTHS = [
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
] as const
const MONTH =
  '(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)'
const ORD = '(?:st|nd|rd|th)?'
// "March 5, 1990" / "Mar. 5th 1990"
const MDY_NAME_RE = new RegExp(`\\b${MONTH}\\.? (\\d{1,2})${ORD},? (\\d{4})(?!\\d)`, 'gi')
// "5 March 1990" / "5th of March, 1990"
const DMY_NAME_RE = new RegExp(
  `(?<!\\d)(\\d{1,2})${ORD} (?:of )?${MONTH}\\.?,? (\\d{4})(?!\\d)`,
  'gi',
)
// "March 1990"
const MY_NAME_RE = new RegExp(`\\b${MONTH}\\.?,? (\\d{4})(?!\\d)`, 'gi')
// "Sunday": a weekday names a date relative to the text's own time.
const WEEKDAY_RE = /\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b/gi

/** True when year/month/day form a real Gregorian date. */
export function isValidDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0)
  return day <= days
}

// Days per month in a common year.
const DAYS_IN_MONTH: readonly number[] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function monthIndex(name: string): number {
  return MONTHS.indexOf(name.slice(0, 3).toLowerCase() as (typeof MONTHS)[number]) + 1
}

// Every weekday's name ends in "day".
const DAY_WORDS = new Keywords(['day'])
const MONTH_WORDS = new Keywords(MONTHS)

const CONTEXT = ['born', 'birth', 'dob', 'date', 'birthday', 'since', 'until', 'expires']

/**
 * Detects dates. Numeric forms score 0.6 (0.4 with a two-digit year, 0.8 with a time);
 * month-name forms 0.7 (0.5 for month + year); weekday names 0.5. +0.2 with context
 * ("born", "dob", "date").
 */
export const dateTimeDetector: Detector = createPatternDetector({
  id: 'date-time',
  entityType: 'DATE_TIME',
  patterns: [
    // Numeric dates are one figure of at least six ("2024-1-5") or four ("5/1/24") digits.
    { pattern: ISO_RE, gate: (h) => h.figureDigits >= 6 },
    { pattern: DMY_RE, gate: (h) => h.figureDigits >= 4 },
    // Dates with a month name end in a four-digit year.
    { pattern: MDY_NAME_RE, gate: (h) => h.digitRun >= 4 && MONTH_WORDS.in(h) },
    { pattern: DMY_NAME_RE, gate: (h) => h.digitRun >= 4 && MONTH_WORDS.in(h) },
    { pattern: MY_NAME_RE, gate: (h) => h.digitRun >= 4 && MONTH_WORDS.in(h) },
    { pattern: WEEKDAY_RE, gate: (h) => DAY_WORDS.in(h) },
  ],
  validate: (m) => {
    // Which pattern matched shows in the number of groups; each branch reads its groups in
    // place (this runs for every date-shaped figure: no closures, copies or regex tests).
    const src = m[0]
    const start = m.index
    const end = start + src.length
    // A weekday name: no groups.
    if (m.length === 1) return { start, end, score: 0.5 }
    // Numeric forms: year or day, separator, month or day, year or day; a ':' only ever
    // stands inside the time.
    if (m.length === 5) {
      const withTime = src.includes(':')
      const first = m[1] ?? ''
      if (first.length === 4) {
        if (!isValidDate(Number(first), Number(m[3]), Number(m[4]))) return false
        return { start, end, score: withTime ? 0.8 : 0.6 }
      }
      const a = Number(first)
      const b = Number(m[3])
      const yStr = m[4] ?? ''
      const y = yStr.length === 2 ? 2000 + Number(yStr) : Number(yStr)
      // Month-first (US) or day-first: either reading may be the real one.
      if (!isValidDate(y, a, b) && !isValidDate(y, b, a)) return false
      if (withTime) return { start, end, score: 0.8 }
      return { start, end, score: yStr.length === 2 ? 0.4 : 0.6 }
    }
    // Month and year.
    if (m.length === 3) return monthIndex(m[1] ?? '') > 0 ? { start, end, score: 0.5 } : false
    // Month, day and year, or day, month and year.
    const first = m[1] ?? ''
    const monthFirst = first.charCodeAt(0) > 57
    const month = monthIndex(monthFirst ? first : (m[2] ?? ''))
    const day = Number(monthFirst ? m[2] : first)
    return isValidDate(Number(m[3]), month, day) ? { start, end, score: 0.7 } : false
  },
  baseScore: 0.6,
  contextWords: CONTEXT,
  contextBoost: 0.2,
})
