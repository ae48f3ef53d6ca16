/**
 * The detector model for sensitive-data discovery: a {@link Detector} finds {@link Span}s of
 * one entity type in a text, and a {@link DetectorRegistry} holds the detectors a scan runs.
 *
 * Registries are explicit objects passed to the scanner; nothing is registered globally.
 */
import { StrongroomError } from '../errors.js'
import type { ErrorIssue } from '../errors.js'

/** One finding: `text.slice(start, end)` is a value of entity `type`. */
export interface Span {
  /** The entity type, UPPER_SNAKE (Presidio's name where one exists). */
  readonly type: string
  /** Start offset in UTF-16 code units, inclusive. */
  readonly start: number
  /** End offset in UTF-16 code units, exclusive. */
  readonly end: number
  /** Confidence in 0..1; see `docs/entities.md` for how each detector scores. */
  readonly score: number
  /**
   * True when the value is a published test value (a scheme's test card number, AWS's
   * documentation key): real-looking but not sensitive, so it is scored low.
   */
  readonly testValue?: boolean
}

/**
 * Facts about a text computed once per scan, so detectors can skip texts that cannot
 * hold their entity without each re-reading the text. Every field is an exact count or
 * maximum, so a detector may skip a text only when the figure rules out any match.
 */
export interface TextHints {
  /** How many ASCII digits the text holds. */
  readonly digits: number
  /** The longest run of consecutive ASCII digits. */
  readonly digitRun: number
  /**
   * The most ASCII digits in one figure: digits joined directly or by one `' '`, `'-'`,
   * `'.'` or `'/'` ("4111 1111-1111" holds 12, "12  34" two figures of 2).
   */
  readonly figureDigits: number
  /** The longest run of ASCII letters, digits, `'_'` and `'-'` (keys, codes, identifiers). */
  readonly wordRun: number
  /** The longest such run that holds a digit ("A1234567", not "international"). */
  readonly codeRun: number
  /** How many ASCII capital letters the text holds. */
  readonly upper: number
  /** How many `':'` the text holds. */
  readonly colons: number
  /** How many `'='` the text holds. */
  readonly equals: number
  /** How many `'.'` stand between two ASCII letters or digits ("example.com", "10.0"). */
  readonly innerDots: number
  /**
   * The text lower-cased (`toLowerCase`), for keyword tests: a case-insensitive pattern that
   * needs a keyword cannot match a text whose lower case lacks it.
   */
  readonly lower: string
}

/** Computes {@link TextHints} in one pass over the character codes. */
export function textHints(text: string): TextHints {
  let digits = 0
  let digitRun = 0
  let figureDigits = 0
  let wordRun = 0
  let codeRun = 0
  let upper = 0
  let colons = 0
  let equals = 0
  let innerDots = 0
  let run = 0
  let figure = 0
  // 0: the last character was a digit; 1: one separator followed it; 2: anything else.
  let gap = 2
  let word = 0
  // The current run holds a digit.
  let code = false
  const n = text.length
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    // Lower-case letters are most of any text: their case first, settling every field.
    if (c >= 97 && c <= 122) {
      run = 0
      gap = 2
      if (++word > wordRun) wordRun = word
      if (code && word > codeRun) codeRun = word
      continue
    }
    if (c >= 48 && c <= 57) {
      digits++
      if (++run > digitRun) digitRun = run
      figure = gap < 2 ? figure + 1 : 1
      if (figure > figureDigits) figureDigits = figure
      gap = 0
      if (++word > wordRun) wordRun = word
      code = true
      if (word > codeRun) codeRun = word
      continue
    }
    run = 0
    // One separator may sit inside a figure; a second one, or any other character, ends it.
    gap = gap === 0 && (c === 32 || c === 45 || c === 46 || c === 47) ? 1 : 2
    if ((c >= 65 && c <= 90) || c === 95 || c === 45) {
      if (c <= 90 && c >= 65) upper++
      if (++word > wordRun) wordRun = word
      if (code && word > codeRun) codeRun = word
      continue
    }
    word = 0
    code = false
    if (c === 58) colons++
    else if (c === 61) equals++
    else if (c === 46 && i > 0 && alnum(text.charCodeAt(i - 1)) && alnum(text.charCodeAt(i + 1)))
      innerDots++
  }
  const lower = text.toLowerCase()
  return {
    digits,
    digitRun,
    figureDigits,
    wordRun,
    codeRun,
    upper,
    colons,
    equals,
    innerDots,
    lower,
  }
}

/** True for the codes of ASCII letters and digits (NaN, past the end, is neither). */
function alnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90)
}

/** Finds values of one entity type in free text. Must be pure and linear-time. */
export interface Detector {
  /** A unique id, lowercase kebab-case (`credit-card`). */
  readonly id: string
  /** The entity type every span it returns carries, UPPER_SNAKE (`CREDIT_CARD`). */
  readonly entityType: string
  /**
   * Every match in `text`; spans may overlap, the scanner resolves overlaps. `hints`, when
   * given, describe `text` (the scanner computes them once for all detectors). The list may
   * be shared (an empty answer is one frozen list): read it, copy it, never add to it.
   */
  detect(text: string, hints?: TextHints): Span[]
}

const ID_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const ENTITY_RE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/

/**
 * An explicit set of detectors. `register` checks the plugin's shape and rejects a duplicate
 * id, reporting every problem at once.
 *
 * @example
 * ```ts
 * const registry = new DetectorRegistry()
 * registry.register(emailDetector)
 * scanText('mail me at a@example.com', registry)
 * ```
 */
export class DetectorRegistry {
  readonly #detectors = new Map<string, Detector>()
  // scanText asks for the list once per text; building it each time showed in profiles.
  #list: readonly Detector[] | undefined

  /** Adds `detector`; throws `ERR_CONFIG_INVALID` listing every problem when it is malformed. */
  register(detector: Detector): this {
    const issues: ErrorIssue[] = []
    const candidate = detector as Partial<Record<keyof Detector, unknown>> | null
    if (candidate === null || typeof candidate !== 'object') {
      throw new StrongroomError('ERR_CONFIG_INVALID', 'detector must be an object')
    }
    const { id, entityType, detect } = candidate
    if (typeof id !== 'string' || !ID_RE.test(id)) {
      issues.push({ code: 'ERR_CONFIG_INVALID', path: 'id', message: 'id must be kebab-case' })
    } else if (this.#detectors.has(id)) {
      issues.push({ code: 'ERR_CONFIG_INVALID', path: 'id', message: `duplicate id ${id}` })
    }
    if (typeof entityType !== 'string' || !ENTITY_RE.test(entityType)) {
      issues.push({
        code: 'ERR_CONFIG_INVALID',
        path: 'entityType',
        message: 'entityType must be UPPER_SNAKE',
      })
    }
    if (typeof detect !== 'function') {
      issues.push({
        code: 'ERR_CONFIG_INVALID',
        path: 'detect',
        message: 'detect must be a function',
      })
    }
    if (issues.length > 0) {
      throw new StrongroomError('ERR_CONFIG_INVALID', 'invalid detector', {
        issues,
        ...(typeof id === 'string' ? { details: { detector: id.slice(0, 64) } } : {}),
      })
    }
    this.#detectors.set(detector.id, detector)
    this.#list = undefined
    return this
  }

  /** The detector with `id`, if registered. */
  get(id: string): Detector | undefined {
    return this.#detectors.get(id)
  }

  /** All detectors in registration order (one array, rebuilt only after a registration). */
  list(): readonly Detector[] {
    this.#list ??= [...this.#detectors.values()]
    return this.#list
  }

  /** The distinct entity types the registered detectors emit. */
  entityTypes(): readonly string[] {
    return [...new Set(this.list().map((d) => d.entityType))]
  }
}
