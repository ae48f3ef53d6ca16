/**
 * Evaluates the built-in detectors on a presidio-research labelled dataset.
 *
 * Usage: `npx tsx scripts/eval-pii.ts FILE [--json] [--min-score N]`
 *
 * Prints per-entity and overall precision, recall and F1 under overlap and exact
 * matching (see `src/discovery/eval-metrics.ts`), and the scan throughput in MB/s of
 * UTF-8 text. Gold entities without a detector count as misses and are listed; predicted
 * types the dataset never labels are reported apart, unscored.
 */
import { readFile } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { StrongroomError } from '../src/errors.js'
import { createDefaultRegistry } from '../src/discovery/default-registry.js'
import type { Span } from '../src/discovery/detector.js'
import {
  accumulate,
  canonicalGoldType,
  canonicalPredictedType,
  scores,
  total,
} from '../src/discovery/eval-metrics.js'
import type { EntityCounts, Matching, TypedSpan } from '../src/discovery/eval-metrics.js'
import { scanText } from '../src/discovery/scan-text.js'

interface Sample {
  readonly text: string
  readonly gold: TypedSpan[]
}

function parseDataset(raw: unknown): Sample[] {
  if (!Array.isArray(raw)) {
    throw new StrongroomError('ERR_INPUT_MALFORMED', 'dataset must be a JSON array')
  }
  return raw.map((item: unknown, i) => {
    const rec = item as { full_text?: unknown; spans?: unknown } | null
    if (rec === null || typeof rec.full_text !== 'string' || !Array.isArray(rec.spans)) {
      throw new StrongroomError('ERR_INPUT_MALFORMED', `record ${i} lacks full_text or spans`, {
        details: { record: i },
      })
    }
    const gold = (rec.spans as unknown[]).map((s: unknown, j) => {
      const sp = s as { entity_type?: unknown; start_position?: unknown; end_position?: unknown }
      if (
        typeof sp.entity_type !== 'string' ||
        typeof sp.start_position !== 'number' ||
        typeof sp.end_position !== 'number'
      ) {
        throw new StrongroomError('ERR_INPUT_MALFORMED', `record ${i} span ${j} is malformed`, {
          details: { record: i, span: j },
        })
      }
      return {
        type: canonicalGoldType(sp.entity_type),
        start: sp.start_position,
        end: sp.end_position,
      }
    })
    return { text: rec.full_text, gold }
  })
}

function pct(x: number | null): string {
  return x === null ? '    -' : (x * 100).toFixed(1).padStart(5)
}

function table(title: string, counts: Map<string, EntityCounts>, goldTypes: Set<string>): string[] {
  const lines = [
    `## ${title}`,
    'entity               gold  found   pred  right   prec    rec     f1',
  ]
  const row = (name: string, c: EntityCounts) => {
    const s = scores(c)
    lines.push(
      `${name.padEnd(18)} ${String(c.gold).padStart(6)} ${String(c.trueGold).padStart(6)} ` +
        `${String(c.predicted).padStart(6)} ${String(c.truePredicted).padStart(6)}  ` +
        `${pct(s.precision)}  ${pct(s.recall)}  ${pct(s.f1)}`,
    )
  }
  for (const t of [...goldTypes].sort())
    row(t, counts.get(t) ?? { predicted: 0, truePredicted: 0, gold: 0, trueGold: 0 })
  row('OVERALL', total(counts, goldTypes))
  return lines
}

async function main(argv: readonly string[]): Promise<void> {
  const json = argv.includes('--json')
  const msIdx = argv.indexOf('--min-score')
  const minScore = msIdx >= 0 ? Number(argv[msIdx + 1]) : 0.4
  const file = argv.find((a, i) => !a.startsWith('--') && (msIdx < 0 || i !== msIdx + 1))
  if (file === undefined) {
    throw new StrongroomError(
      'ERR_USAGE_INVALID_ARGUMENT',
      'usage: eval-pii FILE [--json] [--min-score N]',
    )
  }
  const samples = parseDataset(JSON.parse(await readFile(file, 'utf8')))
  const registry = createDefaultRegistry()

  const bytes = samples.reduce((n, s) => n + Buffer.byteLength(s.text, 'utf8'), 0)
  // One untimed pass warms the JIT and regex caches; the timed passes are then averaged.
  let predictions: Span[][] = samples.map((s) => scanText(s.text, registry, { minScore }))
  const passes = 3
  const t0 = performance.now()
  for (let p = 0; p < passes; p++) {
    predictions = samples.map((s) => scanText(s.text, registry, { minScore }))
  }
  const seconds = (performance.now() - t0) / 1000 / passes
  const mbPerSecond = bytes / 1e6 / seconds

  const goldTypes = new Set(samples.flatMap((s) => s.gold.map((g) => g.type)))
  const detectedTypes = new Set(registry.list().map((d) => canonicalPredictedType(d.entityType)))
  const results = new Map<Matching, Map<string, EntityCounts>>()
  const unscored = new Map<string, number>()
  for (const matching of ['overlap', 'exact'] as const) {
    const counts = new Map<string, EntityCounts>()
    samples.forEach((s, i) => {
      const pred: TypedSpan[] = []
      for (const p of predictions[i] ?? []) {
        const type = canonicalPredictedType(p.type)
        if (goldTypes.has(type)) pred.push({ type, start: p.start, end: p.end })
        else if (matching === 'overlap') unscored.set(type, (unscored.get(type) ?? 0) + 1)
      }
      accumulate(counts, s.gold, pred, matching)
    })
    results.set(matching, counts)
  }
  const notDetected = [...goldTypes].filter((t) => !detectedTypes.has(t)).sort()
  const covered = [...goldTypes].filter((t) => detectedTypes.has(t))

  if (json) {
    const out: Record<string, unknown> = {
      file,
      texts: samples.length,
      minScore,
      bytes,
      mbPerSecond,
      notDetected,
      unscoredPredictions: Object.fromEntries(unscored),
    }
    for (const [m, counts] of results) {
      out[m] = {
        perEntity: Object.fromEntries(
          [...goldTypes].map((t) => {
            const c = counts.get(t) ?? { predicted: 0, truePredicted: 0, gold: 0, trueGold: 0 }
            return [t, { ...c, ...scores(c) }]
          }),
        ),
        overall: scores(total(counts, goldTypes)),
        overallDetectedTypes: scores(total(counts, covered)),
      }
    }
    console.log(JSON.stringify(out, null, 2))
    return
  }
  const lines = [
    `# PII evaluation: ${samples.length} texts, ${(bytes / 1e6).toFixed(2)} MB, minScore ${minScore}`,
  ]
  for (const [m, counts] of results) {
    lines.push('', ...table(`${m} matching`, counts, goldTypes))
    const c = scores(total(counts, covered))
    lines.push(
      `${'OVERALL (detected)'.padEnd(18)} prec ${pct(c.precision)}  rec ${pct(c.recall)}  f1 ${pct(c.f1)}`,
    )
  }
  lines.push(
    '',
    `not detected yet (counted as misses): ${notDetected.join(', ') || 'none'}`,
    `predictions of types the dataset does not label (unscored): ${
      [...unscored].map(([t, n]) => `${t} ${n}`).join(', ') || 'none'
    }`,
    `throughput: ${mbPerSecond.toFixed(2)} MB/s (${seconds.toFixed(3)} s per pass, mean of ${passes})`,
  )
  console.log(lines.join('\n'))
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof StrongroomError) console.error(JSON.stringify(e.toJSON()))
  else console.error(e)
  process.exitCode = 1
})
