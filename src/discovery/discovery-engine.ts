/**
 * A configured discovery engine: the built-in detectors minus those disabled, the user's
 * custom identifiers (run in the pattern sandbox), the allow list and the minimum
 * confidence, behind one `scan` call used by ingest, `scan`, span mode and redaction.
 */
import type { Sensitivity } from '../catalog/catalog.js'
import { DetectorRegistry } from './detector.js'
import type { Span } from './detector.js'
import { BUILTIN_DETECTORS } from './default-registry.js'
import {
  DEFAULT_DISCOVERY_CONFIG,
  type CustomIdentifier,
  type DiscoveryConfig,
} from './discovery-config.js'
import { TEST_VALUE_SCORE } from './detectors/test-values.js'
import { PatternSandbox } from './pattern-sandbox.js'
import { scanText } from './scan-text.js'

/** Where a text came from, which may count as context. */
export interface ScanContext {
  /**
   * The column the value is from. Its words count as context for the built-in detectors
   * (a `zip` column makes "12345" a postal code) and as a keyword for custom identifiers,
   * as Macie does for structured data.
   */
  readonly columnName?: string
  /**
   * Also return published test values (`testValue: true`), which score below any useful
   * minimum, so a findings report can show them as test data rather than drop them.
   */
  readonly includeTestValues?: boolean
  /** Return every detector's spans, overlaps unresolved (for column classification). */
  readonly allCandidates?: boolean
}

/** Scans texts with one configuration. Close it to stop the pattern sandbox. */
export interface DiscoveryEngine {
  readonly config: DiscoveryConfig
  /** The built-in detectors in force. */
  readonly registry: DetectorRegistry
  /** Resolved spans of `text` at or above the minimum confidence, minus allowed values. */
  scan(text: string, context?: ScanContext): Span[]
  /** The entity types this engine can report (built-in and custom). */
  entityTypes(): readonly string[]
  /** The sensitivity of a custom type, or `undefined` for built-in types. */
  customSensitivity(entityType: string): Sensitivity | undefined
  close(): void
}

/**
 * A discovery engine for `config` (the defaults when omitted).
 *
 * @example
 * ```ts
 * const engine = createDiscoveryEngine({ ...DEFAULT_DISCOVERY_CONFIG, minConfidence: 0.6 })
 * engine.scan('mail a@example.com')
 * engine.close()
 * ```
 */
export function createDiscoveryEngine(
  config: DiscoveryConfig = DEFAULT_DISCOVERY_CONFIG,
): DiscoveryEngine {
  const disabled = new Set(config.disable)
  const registry = new DetectorRegistry()
  for (const d of BUILTIN_DETECTORS)
    if (!disabled.has(d.id) && !disabled.has(d.entityType)) registry.register(d)

  const custom = config.customIdentifiers
  const needsSandbox = custom.length > 0 || config.allowList.patterns.length > 0
  let sandbox: PatternSandbox | undefined
  const box = (): PatternSandbox => {
    sandbox ??= new PatternSandbox({
      patterns: custom.map((c) => ({ source: c.regex, flags: c.ignoreCase ? 'i' : '' })),
      allow: config.allowList.patterns.map((source) => ({ source })),
      deadlineMs: config.regexDeadlineMs,
    })
    return sandbox
  }
  const allowedValues = new Set(config.allowList.values)

  const filter = (text: string, candidates: Span[]): Span[] => {
    let kept = candidates
    if (allowedValues.size > 0)
      kept = kept.filter((s) => !allowedValues.has(text.slice(s.start, s.end).trim()))
    if (needsSandbox && config.allowList.patterns.length > 0 && kept.length > 0) {
      const verdicts = box().allowed(kept.map((s) => text.slice(s.start, s.end).trim()))
      kept = kept.filter((_, i) => verdicts[i] !== true)
    }
    return kept
  }

  const customSpans = (text: string): Span[] => {
    if (custom.length === 0) return []
    // Skip the sandbox round trip when no identifier can match for want of a keyword.
    const lower = text.toLowerCase()
    if (custom.every((c) => c.keywords.length > 0 && !c.keywords.some((k) => lower.includes(k))))
      return []
    const matches = box().match(text)
    const spans: Span[] = []
    custom.forEach((c, i) => {
      for (const [start, end] of matches[i] ?? []) {
        if (!keep(c, text, lower, start, end)) continue
        spans.push({ type: c.name, start, end, score: c.score })
      }
    })
    return spans
  }

  let lastColumn: string | undefined
  let lastPrefix = ''

  // One function for every call, not a closure made per call: scan runs once per line of a
  // document and once per sampled cell.
  const run = (t: string, context: ScanContext): Span[] => {
    const min = config.minConfidence
    const withTests = context.includeTestValues === true
    const spans = scanText(t, registry, {
      minScore: withTests ? Math.min(min, TEST_VALUE_SCORE) : min,
      extra: customSpans(t),
      filter,
      resolve: context.allCandidates !== true,
    })
    return withTests ? spans.filter((s) => s.score >= min || s.testValue === true) : spans
  }

  return {
    config,
    registry,
    scan(text: string, context: ScanContext = {}): Span[] {
      if (context.columnName === undefined || context.columnName.length === 0)
        return run(text, context)
      // The column's words go in front as context; spans inside them are dropped and the
      // rest shifted back, so offsets stay those of the value.
      // Column classification scans thousands of values of one column in a row.
      if (context.columnName !== lastColumn) {
        lastColumn = context.columnName
        lastPrefix = `${humanize(context.columnName)}: `
      }
      const prefix = lastPrefix
      const spans = run(prefix + text, context)
      const out: Span[] = []
      for (const s of spans) {
        if (s.start < prefix.length) continue
        out.push({ ...s, start: s.start - prefix.length, end: s.end - prefix.length })
      }
      return out
    },
    entityTypes(): readonly string[] {
      return [...new Set([...registry.entityTypes(), ...custom.map((c) => c.name)])]
    },
    customSensitivity(entityType: string): Sensitivity | undefined {
      return custom.find((c) => c.name === entityType)?.sensitivity
    },
    close(): void {
      sandbox?.close()
    },
  }
}

/** Macie's rules: an ignore word inside the match drops it; a keyword must precede it. */
function keep(
  c: CustomIdentifier,
  text: string,
  lower: string,
  start: number,
  end: number,
): boolean {
  const value = text.slice(start, end)
  if (c.ignoreWords.some((w) => value.includes(w))) return false
  if (c.keywords.length === 0) return true
  // A keyword must end before the match starts, at most maxMatchDistance characters
  // before the end of the match.
  const from = Math.max(0, end - c.maxMatchDistance - 90)
  const window = lower.slice(from, start)
  // The last occurrence is the closest; if it is too far, every earlier one is too.
  return c.keywords.some((k) => {
    const at = window.lastIndexOf(k)
    return at >= 0 && end - (from + at + k.length) <= c.maxMatchDistance
  })
}

/** `date_of_birth`, `dateOfBirth`, `DOB-2` → `date of birth`, `date of birth`, `dob 2`. */
export function humanize(column: string): string {
  return column
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_\-.\s]+/g, ' ')
    .trim()
    .toLowerCase()
}
