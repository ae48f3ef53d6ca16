/**
 * Column classification from a sample of values (Macie-style "managed data identifiers"
 * over a table): each value is scanned, a column is classified by the entity type that
 * covers most of its sampled values, and a column whose values merely *contain* personal
 * data (free text) is classified by what it contains, with lower confidence.
 */
import type { Sensitivity } from '../catalog/catalog.js'
import type { CellValue } from '../core/batch.js'
import type { DetectorRegistry } from './detector.js'
import { scanText } from './scan-text.js'

/** The sampled values of one column. */
export interface ColumnSample {
  readonly name: string
  readonly values: readonly CellValue[]
}

/** The classification of one column. */
export interface ColumnFinding {
  readonly column: string
  /** The entity type, or `NONE`. */
  readonly entityType: string
  /** Share of non-empty sampled values in which the type was found. */
  readonly share: number
  /** 0..1: the share, lowered when values only contain the entity (free text). */
  readonly confidence: number
  readonly sensitivity: Sensitivity
  /** How many non-empty values were sampled. */
  readonly sampled: number
  /** Up to five sample row numbers (0-based) where the entity was found; never values. */
  readonly rows: readonly number[]
}

// Identifiers that open accounts or identify a person on their own are high; contact
// details medium; network identifiers and dates low (they identify only in combination).
const SENSITIVITY: Readonly<Record<string, Sensitivity>> = {
  CREDIT_CARD: 'high',
  US_SSN: 'high',
  IBAN_CODE: 'high',
  UK_NHS: 'high',
  ABA_ROUTING_NUMBER: 'medium',
  EMAIL_ADDRESS: 'medium',
  PHONE_NUMBER: 'medium',
  VIN: 'medium',
  DATE_TIME: 'low',
  IP_ADDRESS: 'low',
  MAC_ADDRESS: 'low',
  URL: 'low',
  DOMAIN_NAME: 'low',
}

/** The sensitivity of an entity type (`medium` for types not listed). */
export function sensitivityOf(entityType: string): Sensitivity {
  return entityType === 'NONE' ? 'none' : (SENSITIVITY[entityType] ?? 'medium')
}

/** A column holds an entity type when at least this share of its values are one. */
const MIN_SHARE = 0.3
/** A value *is* an entity when one span covers at least this share of it. */
const WHOLE_VALUE = 0.8
/** Confidence factor for free text that only contains an entity. */
const CONTAINS_FACTOR = 0.6

function asText(v: CellValue): string | undefined {
  if (v === null || v instanceof Uint8Array) return undefined
  if (v instanceof Date) return v.toISOString().slice(0, 10)
  const s = String(v).trim()
  return s.length === 0 ? undefined : s
}

/** Classifies each sampled column; columns without a finding are `NONE`. */
export function classifyColumns(
  samples: readonly ColumnSample[],
  registry: DetectorRegistry,
): ColumnFinding[] {
  return samples.map((sample) => {
    const whole = new Map<string, number>()
    const contains = new Map<string, number>()
    const where = new Map<string, number[]>()
    let sampled = 0
    for (const [row, v] of sample.values.entries()) {
      const text = asText(v)
      if (text === undefined) continue
      sampled += 1
      const spans = scanText(text, registry, { minScore: 0.4 })
      const seen = new Set<string>()
      for (const s of spans) {
        if (seen.has(s.type)) continue
        seen.add(s.type)
        const target = (s.end - s.start) / text.length >= WHOLE_VALUE ? whole : contains
        target.set(s.type, (target.get(s.type) ?? 0) + 1)
        const rows = where.get(s.type) ?? []
        if (rows.length < 5) rows.push(row)
        where.set(s.type, rows)
      }
    }
    const best = (m: Map<string, number>): [string, number] | undefined =>
      [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]
    const w = best(whole)
    if (w !== undefined && sampled > 0 && w[1] / sampled >= MIN_SHARE) {
      const share = w[1] / sampled
      return {
        column: sample.name,
        entityType: w[0],
        share,
        confidence: share,
        sensitivity: sensitivityOf(w[0]),
        sampled,
        rows: where.get(w[0]) ?? [],
      }
    }
    const c = best(contains)
    if (c !== undefined && sampled > 0 && c[1] / sampled >= MIN_SHARE / 3) {
      const share = c[1] / sampled
      return {
        column: sample.name,
        entityType: c[0],
        share,
        confidence: Math.min(1, share) * CONTAINS_FACTOR,
        sensitivity: sensitivityOf(c[0]),
        sampled,
        rows: where.get(c[0]) ?? [],
      }
    }
    return {
      column: sample.name,
      entityType: 'NONE',
      share: 0,
      confidence: sampled > 0 ? 1 : 0,
      sensitivity: 'none',
      sampled,
      rows: [],
    }
  })
}
