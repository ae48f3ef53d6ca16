/**
 * US_DRIVER_LICENSE: the state formats Presidio's US licence recogniser documents — one or
 * two letters and 4–14 digits (`A1234567`, `LH329609T`, `U62928788557186`), digits with a
 * trailing letter or two, or 7–12 bare digits — but only after a licence phrase ("driver's
 * license", "DL", "driving licence"): the shapes alone are shared by countless other
 * identifiers.
 */
import type { Detector, Span, TextHints } from '../detector.js'
import { Keywords } from './pattern-detector.js'

const CANDIDATE_RE =
  /(?<![\w-])(?:[a-z]{1,2}\d{4,14}[a-z]?|\d{2}[a-z]{3}\d{5,6}|\d{3}[a-z]{2}\d{4}|\d{7,12}[a-z]{0,2})(?![\w-])/gi

// A licence phrase ending shortly before the candidate.
const CONTEXT_RE =
  /\b(?:driver'?s?|drivers|driving|licen[cs]e|lic\.?|dl|d\.l\.|cdl|permit)\b[^\n]{0,30}$/i

/** Characters before a candidate searched for a licence phrase. */
const WINDOW = 48

// A piece of every alternative of CONTEXT_RE, lower case.
const CONTEXT_WORDS = new Keywords(['driv', 'lic', 'dl', 'd.l.', 'permit'])

// The answer for texts ruled out unread: one frozen list, not a new array per text.
const NONE = Object.freeze([]) as unknown as Span[]

/** Every accepted value holds at least this many digits. */
const MIN_DIGITS = 5

/** Detects US driver's licence numbers after a licence phrase; score 0.85. */
export const usDriverLicenseDetector: Detector = {
  id: 'us-driver-license',
  entityType: 'US_DRIVER_LICENSE',
  detect(text: string, hints?: TextHints): Span[] {
    // Every candidate shape holds at least four consecutive digits, and is kept only after a
    // licence phrase, each of which holds one of CONTEXT_WORDS.
    if (hints !== undefined && (hints.digits < MIN_DIGITS || hints.digitRun < 4)) return NONE
    if (hints !== undefined && !CONTEXT_WORDS.in(hints)) return NONE
    const spans: Span[] = []
    // Detection is synchronous and never re-entered: the one compiled pattern is reset and
    // reused rather than compiled per call.
    const re = CANDIDATE_RE
    re.lastIndex = 0
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const value = m[0]
      const digits = value.replace(/\D/g, '').length
      if (digits < MIN_DIGITS || value.length > 16) continue
      if (!CONTEXT_RE.test(text.slice(Math.max(0, m.index - WINDOW), m.index))) continue
      spans.push({
        type: 'US_DRIVER_LICENSE',
        start: m.index,
        end: m.index + value.length,
        score: 0.85,
      })
    }
    return spans
  },
}
