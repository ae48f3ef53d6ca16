/**
 * Free-text redaction: find sensitive spans with the discovery detectors and replace each
 * one, leaving every other character of the text exactly as it was.
 */
import type { DetectorRegistry, Span } from '../../discovery/detector.js'
import { scanText } from '../../discovery/scan-text.js'
import type { Tokenizer } from '../crypto/token.js'
import type { Column } from './column.js'
import { invalidValue, mapColumn, specError } from './column.js'
import { Masker } from './mask.js'
import { typeTag } from './type-tag.js'

/** What replaces each detected span. */
export type SpanReplacement =
  /** `<EMAIL_ADDRESS>` */
  | { readonly kind: 'tag' }
  /** One mask character per character of the span (separators kept when asked). */
  | { readonly kind: 'mask'; readonly maskChar?: string; readonly keepSeparators?: boolean }
  /**
   * A keyed token of the span's text: `<EMAIL_ADDRESS:token>`, or the bare token when
   * `tagged` is false. `tokenizer` may depend on the entity type (one token domain each).
   */
  | {
      readonly kind: 'token'
      readonly tokenizer: Tokenizer | ((entityType: string) => Tokenizer)
      readonly tagged?: boolean
    }

/** Options for {@link redactText}. */
export interface RedactTextOptions {
  /** The detectors to run, e.g. `createDefaultRegistry()`. */
  readonly registry: DetectorRegistry
  /** Spans scoring below this (0..1) are left in the text. */
  readonly minScore: number
  readonly replacement: SpanReplacement
  /** Only replace spans of these entity types; default every type the registry finds. */
  readonly entityTypes?: readonly string[]
}

/** Builds the per-span replacement function once per column. */
function replacer(r: SpanReplacement): (span: Span, text: string) => string {
  switch (r.kind) {
    case 'tag':
      return (span) => typeTag(span.type)
    case 'mask': {
      const masker = new Masker({
        ...(r.maskChar === undefined ? {} : { maskChar: r.maskChar }),
        keepSeparators: r.keepSeparators ?? false,
      })
      return (span, text) => masker.mask(text)
    }
    case 'token': {
      const pick = typeof r.tokenizer === 'function' ? r.tokenizer : () => r.tokenizer as Tokenizer
      const tagged = r.tagged ?? true
      return (span, text) => {
        const token = pick(span.type).token(text)
        return tagged ? `<${span.type}:${token}>` : token
      }
    }
    default:
      throw specError('redact-text', 'replacement', 'replacement kind must be tag, mask or token')
  }
}

/**
 * Replaces every detected span in each text of a column. Offsets are UTF-16 (as `scanText`
 * reports them); the text between spans is copied unchanged. Nulls stay null; a non-string
 * value throws `ERR_PROTECT_INVALID_VALUE` with its row.
 *
 * @example
 * ```ts
 * redactText(['Mail ann@example.com today'], {
 *   registry: createDefaultRegistry(),
 *   minScore: 0.5,
 *   replacement: { kind: 'tag' },
 * })
 * // ['Mail <EMAIL_ADDRESS> today']
 * ```
 */
export function redactText(values: Column<string>, options: RedactTextOptions): (string | null)[] {
  const { registry, minScore } = options
  if (!(typeof minScore === 'number' && minScore >= 0 && minScore <= 1)) {
    throw specError('redact-text', 'minScore', 'minScore must be within 0..1')
  }
  const replace = replacer(options.replacement)
  const only = options.entityTypes === undefined ? undefined : new Set(options.entityTypes)
  return mapColumn(values, (text, row) => {
    if (typeof text !== 'string') throw invalidValue('redact-text', row, 'value is not text')
    const spans = scanText(text, registry, { minScore })
    if (spans.length === 0) return text
    let out = ''
    let at = 0
    for (const span of spans) {
      if (only !== undefined && !only.has(span.type)) continue
      out += text.slice(at, span.start) + replace(span, text.slice(span.start, span.end))
      at = span.end
    }
    return out + text.slice(at)
  })
}
