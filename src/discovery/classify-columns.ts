/**
 * Column classification from a sample of values (Macie-style "managed data identifiers"
 * over a table): each value is scanned with its column name as context, a column is
 * classified by the entity type that covers most of its sampled values, and a column whose
 * values merely *contain* personal data (free text) is classified by what it contains,
 * with lower confidence. Every type found is kept as a finding, with counts, row numbers
 * and redacted previews — never a raw value unless the caller asks to reveal.
 */
import type { Sensitivity } from '../catalog/catalog.js'
import type { CellValue } from '../core/batch.js'
import type { DetectorRegistry, Span } from './detector.js'
import type { DiscoveryEngine, ScanContext } from './discovery-engine.js'
import { redactedPreview } from './preview.js'
import { scanText } from './scan-text.js'

/** The sampled values of one column. */
export interface ColumnSample {
  readonly name: string
  readonly values: readonly CellValue[]
  /** Row number of each sampled value (0-based); defaults to the value's index. */
  readonly rows?: readonly number[]
}

/** One entity type found in a column. */
export interface EntityFinding {
  readonly entityType: string
  /** Sampled non-empty values in which the type was found. */
  readonly matches: number
  /** Of `matches`, values that are published test values (test cards, example keys). */
  readonly testValues: number
  /** Values the type covers (almost) whole, as opposed to values that contain it. */
  readonly wholeValues: number
  /** 0..1. */
  readonly confidence: number
  readonly sensitivity: Sensitivity
  /** Up to 20 row numbers where it was found. */
  readonly rows: readonly number[]
  /** Up to 5 redacted previews (`j•••@e•••.com`); safe to store and show. */
  readonly previews: readonly string[]
  /** Up to 5 matched values, only when the scan was asked to reveal them. Never stored. */
  readonly revealed?: readonly string[]
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
  /** Every entity type found in the column, most frequent first. */
  readonly entities: readonly EntityFinding[]
}

/** Anything that scans one text: a {@link DiscoveryEngine}, or a bare registry. */
export type ColumnScanner = DiscoveryEngine | DetectorRegistry

/** Options for {@link classifyColumns}. */
export interface ClassifyOptions {
  /** Keep up to 5 matched values per finding in `revealed` (for `scan --reveal`). */
  readonly reveal?: boolean
  /** Column → entity type (or `NONE`) decided by configuration, which replaces detection. */
  readonly overrides?: Readonly<Record<string, string>>
  /** Scan every sampled value, without stopping early once a column is settled. */
  readonly exhaustive?: boolean
}

// Identifiers that open accounts or identify a person on their own are high; contact
// details medium; network identifiers and dates low (they identify only in combination).
const SENSITIVITY: Readonly<Record<string, Sensitivity>> = {
  CREDIT_CARD: 'high',
  US_SSN: 'high',
  US_ITIN: 'high',
  US_PASSPORT: 'high',
  US_DRIVER_LICENSE: 'high',
  IBAN_CODE: 'high',
  UK_NHS: 'high',
  UK_NINO: 'high',
  CA_SIN: 'high',
  ES_NIF: 'high',
  ES_NIE: 'high',
  IT_FISCAL_CODE: 'high',
  DE_TAX_ID: 'high',
  FR_NIR: 'high',
  IN_AADHAAR: 'high',
  IN_PAN: 'high',
  AU_TFN: 'high',
  AU_MEDICARE: 'high',
  SG_NRIC_FIN: 'high',
  MEDICAL_RECORD_NUMBER: 'high',
  DIAGNOSIS_CODE: 'high',
  PASSWORD: 'high',
  PRIVATE_KEY: 'high',
  AWS_ACCESS_KEY: 'high',
  API_KEY: 'high',
  JWT: 'high',
  CRYPTO: 'medium',
  ABA_ROUTING_NUMBER: 'medium',
  EMAIL_ADDRESS: 'medium',
  PHONE_NUMBER: 'medium',
  PERSON: 'medium',
  STREET_ADDRESS: 'medium',
  VIN: 'medium',
  NRP: 'medium',
  AU_ABN: 'low',
  NPI: 'low',
  DEA_NUMBER: 'low',
  ORGANIZATION: 'low',
  LOCATION: 'low',
  ZIP_CODE: 'low',
  AGE: 'low',
  TITLE: 'low',
  DATE_TIME: 'low',
  IP_ADDRESS: 'low',
  MAC_ADDRESS: 'low',
  URL: 'low',
  DOMAIN_NAME: 'low',
}

/** The sensitivity of a built-in entity type (`medium` for types not listed). */
export function sensitivityOf(entityType: string): Sensitivity {
  return entityType === 'NONE' ? 'none' : (SENSITIVITY[entityType] ?? 'medium')
}

/** A column holds an entity type when at least this share of its values are one. */
const MIN_SHARE = 0.3
/** A value *is* an entity when one span covers at least this share of it. */
const WHOLE_VALUE = 0.8
/** Confidence factor for free text that only contains an entity. */
const CONTAINS_FACTOR = 0.6
/** Types whose every value passes a check digit or checksum (random strings rarely do). */
const CHECKSUM_TYPES: ReadonlySet<string> = new Set([
  'CREDIT_CARD',
  'IBAN_CODE',
  'UK_NHS',
  'VIN',
  'ABA_ROUTING_NUMBER',
  'NPI',
  'DEA_NUMBER',
  'CA_SIN',
  'ES_NIF',
  'ES_NIE',
  'IT_FISCAL_CODE',
  'DE_TAX_ID',
  'FR_NIR',
  'IN_AADHAAR',
  'AU_TFN',
  'AU_ABN',
  'AU_MEDICARE',
  'SG_NRIC_FIN',
  'CRYPTO',
])
/** Types whose neighbours are read as possible postal codes. */
const PLACE_TYPES: ReadonlySet<string> = new Set(['STREET_ADDRESS', 'LOCATION'])
/** Share of whole values a checksum type needs to outrank a looser reading. */
const CHECKSUM_SHARE = 0.8
const SPACE_RE = /\s/
const MAX_ROWS = 20
const MAX_PREVIEWS = 5

function asText(v: CellValue): string | undefined {
  if (v === null || v instanceof Uint8Array) return undefined
  if (v instanceof Date) return v.toISOString().slice(0, 10)
  const s = String(v).trim()
  return s.length === 0 ? undefined : s
}

interface Tally {
  matches: number
  whole: number
  tests: number
  rows: number[]
  previews: string[]
  revealed: string[]
}

function scannerOf(scanner: ColumnScanner): {
  scan: (text: string, ctx: ScanContext) => Span[]
  sensitivity: (type: string) => Sensitivity
} {
  if ('scan' in scanner) {
    return {
      scan: (text, ctx) => scanner.scan(text, ctx),
      sensitivity: (t) => scanner.customSensitivity(t) ?? sensitivityOf(t),
    }
  }
  return { scan: (text) => scanText(text, scanner, { minScore: 0.4 }), sensitivity: sensitivityOf }
}

/**
 * Classifies each sampled column; columns without a finding are `NONE`.
 *
 * @example
 * ```ts
 * classifyColumns([{ name: 'c1', values: ['a@example.com'] }], createDiscoveryEngine())
 * // [{ column: 'c1', entityType: 'EMAIL_ADDRESS', share: 1, … }]
 * ```
 */
export function classifyColumns(
  samples: readonly ColumnSample[],
  scanner: ColumnScanner,
  options: ClassifyOptions = {},
): ColumnFinding[] {
  const table = new TableClassifier(scanner, options)
  table.add(samples)
  return table.finish()
}

/**
 * Column classification fed sample by sample, as chunks of a table arrive: the values are
 * scanned when they are added, so ingest classifies while the engine converts the next
 * chunk, and only the last chunk's values wait for the end. The findings are those
 * {@link classifyColumns} gives for all the samples at once.
 *
 * @example
 * ```ts
 * const table = new TableClassifier(createDiscoveryEngine())
 * table.add([{ name: 'email', values: ['a@example.com'] }])
 * table.add([{ name: 'email', values: ['b@example.org'], rows: [1] }])
 * table.finish() // [{ column: 'email', entityType: 'EMAIL_ADDRESS', sampled: 2, … }]
 * ```
 */
export class TableClassifier {
  private readonly scanner: ReturnType<typeof scannerOf>
  private readonly columns: ColumnScan[] = []

  constructor(
    scanner: ColumnScanner,
    private readonly options: ClassifyOptions = {},
  ) {
    this.scanner = scannerOf(scanner)
  }

  /**
   * Adds the next sampled values of each column, in column order (the first call fixes
   * the columns; later calls give the same columns' following values).
   */
  add(samples: readonly ColumnSample[]): void {
    samples.forEach((sample, i) => {
      let column = this.columns[i]
      if (column === undefined) {
        column = new ColumnScan(sample.name, this.scanner.scan, this.options)
        this.columns[i] = column
      }
      column.add(sample)
    })
  }

  /** Rows added so far (values of the first column). */
  get rowsAdded(): number {
    return this.columns[0]?.values.length ?? 0
  }

  /** The classification of every column added. */
  finish(): ColumnFinding[] {
    const { options } = this
    const sensitivity = this.scanner.sensitivity
    const found = this.columns.map((c) => c.finding(sensitivity, options.overrides?.[c.name]))
    // Neighbouring columns are context too: a column of bare five-digit numbers next to a
    // street or city column is read again as postal codes (`zip code: 94107` is a ZIP_CODE
    // where a lone `94107` is not).
    return found.map((f, i) => {
      const column = this.columns[i]
      if (column === undefined || f.entityType !== 'NONE') return f
      if (options.overrides?.[column.name] !== undefined) return f
      const near = [found[i - 1], found[i + 1]].some(
        (n) => n !== undefined && PLACE_TYPES.has(n.entityType),
      )
      if (!near) return f
      const again = new ColumnScan(
        column.name,
        this.scanner.scan,
        options,
        `${column.name} postal code`,
      )
      again.add({ name: column.name, values: column.values, rows: column.rows })
      const zip = again.finding(sensitivity, undefined)
      return zip.entityType === 'ZIP_CODE' ? zip : f
    })
  }
}

/** One column's tallies, grown value by value until the column is settled. */
class ColumnScan {
  private readonly tallies = new Map<string, Tally>()
  private sampled = 0
  private spaced = 0
  private done = false
  /** Every value added, kept for a second reading with other context. */
  readonly values: CellValue[] = []
  readonly rows: number[] = []

  constructor(
    readonly name: string,
    private readonly scan: (text: string, ctx: ScanContext) => Span[],
    private readonly options: ClassifyOptions,
    private readonly contextName: string = name,
  ) {}

  add(sample: ColumnSample): void {
    const first = this.values.length
    for (const [index, v] of sample.values.entries()) {
      this.values.push(v)
      this.rows.push(sample.rows?.[index] ?? first + index)
    }
    for (let i = first; i < this.values.length && !this.done; i++) {
      if (this.options.exhaustive !== true && settled(this.tallies, this.sampled)) {
        this.done = true
        break
      }
      this.tally(this.values[i] as CellValue, this.rows[i] as number)
    }
  }

  private tally(v: CellValue, row: number): void {
    const text = asText(v)
    if (text === undefined) return
    this.sampled += 1
    if (SPACE_RE.test(text)) this.spaced += 1
    const spans = this.scan(text, {
      columnName: this.contextName,
      includeTestValues: true,
      allCandidates: true,
    })
    const seen = new Set<string>()
    // The best span of each type speaks for the value: whole values first.
    spans.sort((a, b) => b.end - b.start - (a.end - a.start) || b.score - a.score)
    for (const s of spans) {
      if (seen.has(s.type)) continue
      seen.add(s.type)
      const t = this.tallies.get(s.type) ?? {
        matches: 0,
        whole: 0,
        tests: 0,
        rows: [],
        previews: [],
        revealed: [],
      }
      this.tallies.set(s.type, t)
      const ofType = spans.filter((x) => x.type === s.type)
      t.matches += 1
      if (ofType.every((x) => x.testValue === true)) t.tests += 1
      if ((s.end - s.start) / text.length >= WHOLE_VALUE) t.whole += 1
      if (t.rows.length < MAX_ROWS) t.rows.push(row)
      const value = text.slice(s.start, s.end)
      if (t.previews.length < MAX_PREVIEWS) t.previews.push(redactedPreview(value, s.type))
      if (this.options.reveal === true && t.revealed.length < MAX_PREVIEWS) t.revealed.push(value)
    }
  }

  /** The column's classification from the values tallied so far. */
  finding(sensitivity: (type: string) => Sensitivity, override: string | undefined): ColumnFinding {
    const { options, sampled, spaced } = this
    const entities = [...this.tallies.entries()]
      .map(([entityType, t]): EntityFinding => {
        const share = sampled === 0 ? 0 : t.matches / sampled
        const wholeShare = sampled === 0 ? 0 : t.whole / sampled
        // Mostly whole values: the column *is* this type; else it only contains it.
        const confidence = wholeShare >= share / 2 ? share : share * CONTAINS_FACTOR
        return {
          entityType,
          matches: t.matches,
          testValues: t.tests,
          wholeValues: t.whole,
          confidence: round(confidence),
          sensitivity: t.tests === t.matches ? 'low' : sensitivity(entityType),
          rows: t.rows,
          previews: t.previews,
          ...(options.reveal === true ? { revealed: t.revealed } : {}),
        }
      })
      .sort((a, b) => b.matches - a.matches || a.entityType.localeCompare(b.entityType))

    if (override !== undefined) {
      return {
        column: this.name,
        entityType: override,
        share: 1,
        confidence: 1,
        sensitivity: sensitivity(override),
        sampled,
        rows: [],
        entities,
      }
    }
    const pick = (kind: 'whole' | 'contains'): EntityFinding | undefined => {
      const live = entities.filter((e) => e.matches > e.testValues)
      if (kind === 'whole') {
        // A checksum-validated type that holds for nearly every value is the most specific
        // reading ("943 476 5919" is a phone number shape, but 200 of 200 passing NHS
        // mod 11 is no accident); otherwise the type covering the most values wins.
        const rank = (e: EntityFinding): number =>
          (CHECKSUM_TYPES.has(e.entityType) && e.wholeValues / sampled >= CHECKSUM_SHARE ? 2 : 0) +
          e.wholeValues / sampled
        return [...live]
          .filter((e) => sampled > 0 && e.wholeValues / sampled >= MIN_SHARE)
          .sort((a, b) => rank(b) - rank(a) || a.entityType.localeCompare(b.entityType))[0]
      }
      // Only prose "contains" an entity: in identifiers and codes (no spaces) a partial
      // match is an accident of the characters, not personal data.
      if (spaced / Math.max(1, sampled) < 0.5) return undefined
      return live.find((e) => sampled > 0 && e.matches / sampled >= MIN_SHARE / 3)
    }
    const whole = pick('whole')
    if (whole !== undefined) {
      const share = whole.wholeValues / sampled
      return {
        column: this.name,
        entityType: whole.entityType,
        share: round(share),
        confidence: round(share),
        sensitivity: whole.sensitivity,
        sampled,
        rows: whole.rows.slice(0, 5),
        entities,
      }
    }
    const contained = pick('contains')
    if (contained !== undefined) {
      const share = contained.matches / sampled
      return {
        column: this.name,
        entityType: contained.entityType,
        share: round(share),
        confidence: round(Math.min(1, share) * CONTAINS_FACTOR),
        sensitivity: contained.sensitivity,
        sampled,
        rows: contained.rows.slice(0, 5),
        entities,
      }
    }
    return {
      column: this.name,
      entityType: 'NONE',
      share: 0,
      confidence: sampled > 0 ? 1 : 0,
      sensitivity: 'none',
      sampled,
      rows: [],
      entities,
    }
  }
}

/** Values scanned before a column may be settled early. */
const SETTLE_AFTER = 200
/** A type covering this share of values whole settles the column. */
const SETTLE_SHARE = 0.9
/** Below this share for every type, the column settles as holding nothing. */
const SETTLE_EMPTY = 0.02
/** Values scanned before a clear leader settles the column. */
const SETTLE_LEAD_AFTER = 400
/** A leader's least share of whole values, and its least lead over the runner-up. */
const SETTLE_LEAD_SHARE = 0.6
const SETTLE_LEAD_MARGIN = 0.4

/**
 * Whether scanning more values could still change the column's classification: after
 * {@link SETTLE_AFTER} values, a type covering ≥ 90% of them whole, or no type reaching
 * 2%, is decided (a 10% free-text rate would show about 20 hits by then); after
 * {@link SETTLE_LEAD_AFTER}, so is a type covering ≥ 60% whole and leading every other by
 * 40 points (names or phone numbers some of which no detector accepts). With 400 values
 * the shares are known within about ±5 points (two standard errors), far inside both
 * margins, so the type chosen does not change; the share reported is then an estimate
 * from those values. Most columns settle at 200 or 400 values instead of 1,000 or more,
 * which keeps classification cheap on ingest.
 */
function settled(tallies: ReadonlyMap<string, Tally>, sampled: number): boolean {
  if (sampled < SETTLE_AFTER || sampled % 50 !== 0) return false
  let top = 0
  let second = 0
  let any = 0
  for (const t of tallies.values()) {
    if (t.whole > top) {
      second = top
      top = t.whole
    } else second = Math.max(second, t.whole)
    any = Math.max(any, t.matches)
  }
  if (top / sampled >= SETTLE_SHARE || any / sampled < SETTLE_EMPTY) return true
  return (
    sampled >= SETTLE_LEAD_AFTER &&
    top / sampled >= SETTLE_LEAD_SHARE &&
    (top - second) / sampled >= SETTLE_LEAD_MARGIN
  )
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000
}
