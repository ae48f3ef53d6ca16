/**
 * Regression floor on the presidio-research style synthetic set in ../shared/data/pii/
 * (labels PERSON, ORGANIZATION, TITLE among others). The floors sit a little under the
 * measured figures so that a regression fails; see docs/entities.md for the figures.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { DetectorRegistry } from '../../src/discovery/detector.js'
import type { NameSource } from '../../src/discovery/ner/lexicon.js'
import { createNrpDetector } from '../../src/discovery/detectors/nrp.js'
import { createOrganizationDetector } from '../../src/discovery/detectors/organization.js'
import { createPersonDetector } from '../../src/discovery/detectors/person.js'
import { createTitleDetector } from '../../src/discovery/detectors/title.js'
import { accumulate, canonicalGoldType, scores } from '../../src/discovery/eval-metrics.js'
import type { EntityCounts, Matching, TypedSpan } from '../../src/discovery/eval-metrics.js'
import { scanText } from '../../src/discovery/scan-text.js'

const FILE = fileURLToPath(
  new URL('../../../shared/data/pii/presidio-generated-large.json', import.meta.url),
)

interface Record {
  readonly full_text: string
  readonly spans: { entity_type: string; start_position: number; end_position: number }[]
}

function f1(source: NameSource, type: string, matching: Matching): number {
  const records = JSON.parse(readFileSync(FILE, 'utf8')) as Record[]
  const registry = new DetectorRegistry()
  for (const make of [
    createPersonDetector,
    createOrganizationDetector,
    createTitleDetector,
    createNrpDetector,
  ]) {
    registry.register(make(source))
  }
  const counts = new Map<string, EntityCounts>()
  for (const r of records) {
    const gold: TypedSpan[] = r.spans
      .map((s) => ({
        type: canonicalGoldType(s.entity_type),
        start: s.start_position,
        end: s.end_position,
      }))
      .filter((g) => g.type === type)
    const pred = scanText(r.full_text, registry, { minScore: 0.4 }).filter((p) => p.type === type)
    accumulate(counts, gold, pred, matching)
  }
  const c = counts.get(type)
  return c === undefined ? 0 : (scores(c).f1 ?? 0)
}

// Without the shared dev set the floors are not proven: skip with the reason on a developer
// machine, fail under STRONGROOM_REQUIRE_SERVICES=1 (CI), as the other data-backed suites do.
const REQUIRED = process.env['STRONGROOM_REQUIRE_SERVICES'] === '1'
describe.skipIf(!existsSync(FILE) && !REQUIRED)(
  'named-entity detectors on the synthetic dev set',
  () => {
    it('PERSON F1 with compromise + faker names stays above its floor', () => {
      expect(f1('compromise+faker', 'PERSON', 'overlap')).toBeGreaterThan(0.84)
      expect(f1('compromise+faker', 'PERSON', 'exact')).toBeGreaterThan(0.81)
    })

    it('PERSON F1 with compromise names only stays above its floor', () => {
      expect(f1('compromise', 'PERSON', 'overlap')).toBeGreaterThan(0.84)
    })

    it('ORGANIZATION F1 stays above its floor', () => {
      expect(f1('compromise+faker', 'ORGANIZATION', 'overlap')).toBeGreaterThan(0.47)
    })
  },
)
