/**
 * DATE_TIME: calendar dates in numeric forms (`YYYY-MM-DD`, `M/D/YYYY`, `D.M.YYYY`, two-digit
 * years) with an optional `HH:MM[:SS]` time, and month-name forms (`March 5, 1990`,
 * `5th of March 1990`, `Mar 1990`), and weekday names (`Sunday`). Day, month and year must
 * form a real date (leap years included).
 */
import type { Detector } from '../detector.js'
import { createPatternDetector, mentions } from './pattern-detector.js'

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
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0
  return day <= days
}

function monthIndex(name: string): number {
  return MONTHS.indexOf(name.slice(0, 3).toLowerCase() as (typeof MONTHS)[number]) + 1
}

// Every weekday's name ends in "day".
const DAY_WORDS = ['day']

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
    { pattern: MDY_NAME_RE, gate: (h) => h.digitRun >= 4 && mentions(h, MONTHS) },
    { pattern: DMY_NAME_RE, gate: (h) => h.digitRun >= 4 && mentions(h, MONTHS) },
    { pattern: MY_NAME_RE, gate: (h) => h.digitRun >= 4 && mentions(h, MONTHS) },
    { pattern: WEEKDAY_RE, gate: (h) => mentions(h, DAY_WORDS) },
  ],
  validate: (m) => {
    const span = (score: number) => ({ start: m.index, end: m.index + m[0].length, score })
    if (m.length === 1) return span(0.5)
    const withTime = /\d:\d/.test(m[0])
    const src = m[0]
    const g = m.slice(1).map((x) => x ?? '')
    if (/^\d{4}[-/.]/.test(src)) {
      const [y, , mo, d] = g.map(Number)
      if (!isValidDate(y ?? 0, mo ?? 0, d ?? 0)) return false
      return span(withTime ? 0.8 : 0.6)
    }
    if (/^\d{1,2}[-/.]\d/.test(src)) {
      const [a = 0, , b = 0] = g.map(Number)
      const yStr = g[3] ?? ''
      const y = yStr.length === 2 ? 2000 + Number(yStr) : Number(yStr)
      // Month-first (US) or day-first: either reading may be the real one.
      if (!isValidDate(y, a, b) && !isValidDate(y, b, a)) return false
      if (withTime) return span(0.8)
      return span(yStr.length === 2 ? 0.4 : 0.6)
    }
    // Month-name forms: find which group holds the month name.
    const monthGroup = g.findIndex((x) => /^[a-z]/i.test(x))
    const month = monthIndex(g[monthGroup] ?? '')
    const nums = g.filter((x, i) => i !== monthGroup && x !== '').map(Number)
    if (nums.length === 1) return month > 0 ? span(0.5) : false
    const year = nums.at(-1) ?? 0
    const day = nums[0] ?? 0
    return isValidDate(year, month, day) ? span(0.7) : false
  },
  baseScore: 0.6,
  contextWords: CONTEXT,
  contextBoost: 0.2,
})
