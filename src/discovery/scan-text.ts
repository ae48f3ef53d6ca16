/**
 * Runs every detector of a registry over a text and resolves overlapping findings.
 */
import { StrongroomError } from '../errors.js'
import { sortStable } from '../lib/stable-sort.js'
import { textHints, type Detector, type DetectorRegistry, type Span } from './detector.js'

/** Options for {@link scanText}. */
export interface ScanTextOptions {
  /** Spans scoring below this are dropped before overlap resolution. Default 0. */
  readonly minScore?: number
  /** Spans found by other means (custom identifiers), resolved together with the rest. */
  readonly extra?: readonly Span[]
  /**
   * Drops candidates before overlaps are resolved (allow lists), so an allowed value never
   * hides a real finding that overlaps it.
   */
  readonly filter?: (text: string, candidates: Span[]) => Span[]
  /**
   * `false` returns every candidate, overlapping ones included, unsorted: column
   * classification weighs each detector's evidence on its own (as Macie evaluates each
   * identifier), where free text needs one answer per stretch of text. Default `true`.
   */
  readonly resolve?: boolean
}

/**
 * Every detector's spans, with overlaps resolved: of two overlapping spans the higher
 * score wins, then the longer, then the earlier. Returned sorted by start offset.
 *
 * @example
 * ```ts
 * scanText('card 4111 1111 1111 1111', createDefaultRegistry(), { minScore: 0.5 })
 * // [{ type: 'CREDIT_CARD', start: 5, end: 24, score: 1 }]
 * ```
 */
export function scanText(
  text: string,
  registry: DetectorRegistry,
  options: ScanTextOptions = {},
): Span[] {
  const minScore = options.minScore ?? 0
  if (!(minScore >= 0 && minScore <= 1)) {
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'minScore must be within 0..1')
  }
  let candidates: Span[] = []
  const hints = textHints(text)
  const detectors = registry.list()
  // Indexed loops: this runs some fifty times per text, most calls returning nothing.
  for (let d = 0; d < detectors.length; d++) {
    const found = (detectors[d] as Detector).detect(text, hints)
    for (let k = 0; k < found.length; k++) {
      const span = found[k] as Span
      if (span.score >= minScore && span.end > span.start) candidates.push(span)
    }
  }
  const extra = options.extra
  if (extra !== undefined)
    for (const span of extra)
      if (span.score >= minScore && span.end > span.start) candidates.push(span)
  const own = candidates
  if (options.filter !== undefined && candidates.length > 0)
    candidates = options.filter(text, candidates)
  if (options.resolve === false) return candidates
  // Most texts hold no finding or one: nothing to order or to resolve (a filter's answer is
  // copied, as the caller may hold it).
  if (candidates.length < 2) return candidates === own ? candidates : candidates.slice()
  // Stable, as the resolution order needs; by insertion for the usual handful of spans.
  sortStable(candidates, byPrecedence)
  // Accepted spans are kept sorted by start; they never overlap, so a binary search for the
  // insertion point finds the only two neighbours that could collide.
  const accepted: Span[] = []
  for (const span of candidates) {
    let lo = 0
    let hi = accepted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((accepted[mid]?.start ?? 0) < span.start) lo = mid + 1
      else hi = mid
    }
    const prev = accepted[lo - 1]
    const next = accepted[lo]
    if (prev !== undefined && prev.end > span.start) continue
    if (next !== undefined && next.start < span.end) continue
    insertAt(accepted, lo, span)
  }
  return accepted
}

/**
 * Inserts `span` at index `at` of `list`, shifting the rest right: `splice` built a list of
 * removed elements per call, an allocation per accepted span.
 */
function insertAt(list: Span[], at: number, span: Span): void {
  let k = list.length
  list.push(span)
  for (; k > at; k--) list[k] = list[k - 1] as Span
  list[at] = span
}

/** Resolution order: higher score first, then the longer span, then the earlier one. */
function byPrecedence(a: Span, b: Span): number {
  return b.score - a.score || b.end - b.start - (a.end - a.start) || a.start - b.start
}
