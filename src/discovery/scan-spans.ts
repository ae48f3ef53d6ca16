/**
 * Span mode for evaluation and tools: one JSON object per input line in, one line of
 * spans out (`{"spans":[{"type","start","end","score"}]}`, UTF-16 offsets). A line that
 * is not a JSON object with the text field yields `{"spans":[],"error":{code,line}}`, so
 * outputs stay aligned with inputs. No value is ever echoed.
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { DetectorRegistry } from './detector.js'
import type { DiscoveryEngine } from './discovery-engine.js'
import { scanText } from './scan-text.js'

/** What {@link scanJsonlSpans} processed. */
export interface SpanScanResult {
  readonly lines: number
  readonly spans: number
  readonly errors: number
  readonly bytes: number
}

/**
 * Scans field `field` of every JSONL line of `path`, writing one result line each. With a
 * {@link DiscoveryEngine} its configuration (minimum confidence, allow list, custom
 * identifiers) applies; `options.minScore` is for a bare registry.
 */
export async function scanJsonlSpans(
  path: string,
  field: string,
  scanner: DiscoveryEngine | DetectorRegistry,
  out: (line: string) => Promise<void> | void,
  options: { minScore?: number } = {},
): Promise<SpanScanResult> {
  const scan =
    scanner instanceof DetectorRegistry
      ? (text: string) => scanText(text, scanner, { minScore: options.minScore ?? 0.4 })
      : (text: string) => scanner.scan(text)
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })
  let lines = 0
  let spans = 0
  let errors = 0
  let bytes = 0
  for await (const raw of rl) {
    lines += 1
    bytes += Buffer.byteLength(raw)
    let text: unknown
    try {
      const obj = JSON.parse(raw) as unknown
      text =
        typeof obj === 'object' && obj !== null
          ? (obj as Record<string, unknown>)[field]
          : undefined
    } catch {
      text = undefined
    }
    if (typeof text !== 'string') {
      errors += 1
      await out(JSON.stringify({ spans: [], error: { code: 'ERR_INPUT_MALFORMED', line: lines } }))
      continue
    }
    const found = scan(text)
    spans += found.length
    await out(
      JSON.stringify({
        spans: found.map((s) => ({ type: s.type, start: s.start, end: s.end, score: s.score })),
      }),
    )
  }
  return { lines, spans, errors, bytes }
}
