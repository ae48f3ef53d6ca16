/**
 * AGE: a person's age in years, from the phrase around the number: `aged 34`, `age: 34`,
 * `at the age of 34`, `34 years old`, `34-year-old`, `34 yrs old`, `34 y/o`. The span is the
 * number alone; ages above 130 are rejected.
 */
import type { Detector, Span, TextHints } from '../detector.js'
import { Keywords } from './pattern-detector.js'

// Phrase before the number, or after it. Each alternative is a fixed word sequence.
const BEFORE_RE = /\b(?:aged|age|ages|at the age of|age of)\s?:?\s?(\d{1,3})(?!\d|[.,]\d)/gi
const AFTER_RE =
  /(?<![\d.,])(\d{1,3})(?:\s|-)(?:years?|yrs?)(?:\s|-)old\b|(?<![\d.,])(\d{1,3})\s?y\/o\b|(?<![\d.,])(\d{1,3})\s?(?:years?|yrs?) of age\b/gi

const MAX_AGE = 130

// Every alternative of each pattern holds one of its words.
const BEFORE_WORDS = new Keywords(['age'])
const AFTER_WORDS = new Keywords(['year', 'yr', 'y/o'])

// The answer for texts without an age: one frozen list, not a new array per text.
const NONE = Object.freeze([]) as unknown as Span[]

/** Adds the numbers `re` matches; `numberLast` when the number ends the match. */
function collect(r: RegExp, text: string, numberLast: boolean, spans: Span[]): void {
  // Detection is synchronous and never re-entered: the compiled pattern is reset and reused.
  r.lastIndex = 0
  for (let m = r.exec(text); m !== null; m = r.exec(text)) {
    const value = m[1] ?? m[2] ?? m[3]
    if (value === undefined || Number(value) > MAX_AGE) continue
    const start = numberLast ? m.index + m[0].length - value.length : m.index
    spans.push({ type: 'AGE', start, end: start + value.length, score: 0.7 })
  }
}

/** Detects ages stated with an age phrase; score 0.7. */
export const ageDetector: Detector = {
  id: 'age',
  entityType: 'AGE',
  detect(text: string, hints?: TextHints): Span[] {
    // Every age is a number, next to "age", "year", "yr" or "y/o" in any case.
    if (hints !== undefined && hints.digits === 0) return NONE
    const before = hints === undefined || BEFORE_WORDS.in(hints)
    const after = hints === undefined || AFTER_WORDS.in(hints)
    if (!before && !after) return NONE
    const spans: Span[] = []
    if (before) collect(BEFORE_RE, text, true, spans)
    if (after) collect(AFTER_RE, text, false, spans)
    return spans.length === 0 ? NONE : spans
  },
}
