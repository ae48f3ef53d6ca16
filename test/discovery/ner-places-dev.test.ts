import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createDefaultRegistry } from '../../src/discovery/default-registry.js'
import {
  accumulate,
  canonicalGoldType,
  canonicalPredictedType,
  scores,
} from '../../src/discovery/eval-metrics.js'
import type { EntityCounts, TypedSpan } from '../../src/discovery/eval-metrics.js'
import { scanText } from '../../src/discovery/scan-text.js'

// The labelled development set (presidio-research format) the project evaluates against.
const DEV_SET = new URL('../../../shared/data/pii/presidio-generated-large.json', import.meta.url)

interface Record_ {
  readonly full_text: string
  readonly spans: readonly {
    entity_type: string
    start_position: number
    end_position: number
  }[]
}

// Our STREET_ADDRESS is the dataset's ADDRESS.
const predictedType = (t: string) =>
  t === 'STREET_ADDRESS' ? 'ADDRESS' : canonicalPredictedType(t)

// Without the shared dev set the floors are not proven: skip with the reason on a developer
// machine, fail under STRONGROOM_REQUIRE_SERVICES=1 (CI), as the other data-backed suites do.
const REQUIRED = process.env['STRONGROOM_REQUIRE_SERVICES'] === '1'
describe.skipIf(!existsSync(DEV_SET) && !REQUIRED)(
  'places on the presidio-research development set',
  () => {
    it('keeps ADDRESS and LOCATION F1 (overlap matching) above their floors', () => {
      const records = JSON.parse(readFileSync(DEV_SET, 'utf8')) as Record_[]
      const registry = createDefaultRegistry()
      const counts = new Map<string, EntityCounts>()
      for (const r of records) {
        const gold: TypedSpan[] = r.spans.map((s) => ({
          type: canonicalGoldType(s.entity_type),
          start: s.start_position,
          end: s.end_position,
        }))
        const pred: TypedSpan[] = scanText(r.full_text, registry, { minScore: 0.4 }).map((s) => ({
          type: predictedType(s.type),
          start: s.start,
          end: s.end,
        }))
        accumulate(counts, gold, pred, 'overlap')
      }
      const f1 = (t: string) =>
        scores(counts.get(t) ?? { predicted: 0, truePredicted: 0, gold: 0, trueGold: 0 }).f1 ?? 0
      // Measured 0.978 and 0.937; the floors leave room for other detectors' overlap changes.
      expect(f1('ADDRESS')).toBeGreaterThan(0.93)
      expect(f1('LOCATION')).toBeGreaterThan(0.88)
    })
  },
)
