/**
 * Span-level precision, recall and F1 for PII detection against labelled data, under two
 * matchings:
 *
 * - `overlap`: a predicted span is correct when it overlaps any gold span of the same type,
 *   and a gold span is found when any predicted span of its type overlaps it. Precision
 *   counts predictions, recall counts gold spans (so one long prediction covering two gold
 *   spans finds both).
 * - `exact`: a prediction is correct only with the same type, start and end as a gold span.
 */

/** A typed span, gold or predicted. */
export interface TypedSpan {
  readonly type: string
  readonly start: number
  readonly end: number
}

/** The way predicted and gold spans are matched. */
export type Matching = 'overlap' | 'exact'

/** Counts for one entity type. */
export interface EntityCounts {
  /** Predicted spans. */
  predicted: number
  /** Predicted spans that match a gold span. */
  truePredicted: number
  /** Gold spans. */
  gold: number
  /** Gold spans matched by a prediction. */
  trueGold: number
}

/** Precision, recall and F1; `null` where the denominator is zero. */
export interface Scores {
  readonly precision: number | null
  readonly recall: number | null
  readonly f1: number | null
}

/**
 * Dataset labels mapped to ours. Presidio-research datasets exist in two generations of
 * label names; both map to one canonical name.
 */
export const DATASET_LABEL_MAP: Readonly<Record<string, string>> = {
  ADDRESS: 'ADDRESS',
  STREET_ADDRESS: 'ADDRESS',
  LOCATION: 'LOCATION',
  GPE: 'LOCATION',
  PREFIX: 'TITLE',
  TITLE: 'TITLE',
  PERSON: 'PERSON',
  PER: 'PERSON',
  ORGANIZATION: 'ORGANIZATION',
  ORG: 'ORGANIZATION',
  DATE_TIME: 'DATE_TIME',
  DATE: 'DATE_TIME',
  TIME: 'DATE_TIME',
  PHONE_NUMBER: 'PHONE_NUMBER',
  EMAIL_ADDRESS: 'EMAIL_ADDRESS',
  EMAIL: 'EMAIL_ADDRESS',
  CREDIT_CARD: 'CREDIT_CARD',
  IBAN_CODE: 'IBAN_CODE',
  US_SSN: 'US_SSN',
  SSN: 'US_SSN',
  IP_ADDRESS: 'IP_ADDRESS',
  DOMAIN_NAME: 'DOMAIN_NAME',
  URL: 'DOMAIN_NAME',
  US_DRIVER_LICENSE: 'US_DRIVER_LICENSE',
}

/**
 * Our types mapped to the dataset's where the dataset labels them under another name: its
 * DOMAIN_NAME spans are full URLs (`https://www.example.at/`), so our URL findings are
 * scored as DOMAIN_NAME; our STREET_ADDRESS is its ADDRESS, and a postal code standing
 * alone (our ZIP_CODE) is labelled ADDRESS there too.
 */
export const PREDICTION_LABEL_MAP: Readonly<Record<string, string>> = {
  URL: 'DOMAIN_NAME',
  STREET_ADDRESS: 'ADDRESS',
  ZIP_CODE: 'ADDRESS',
}

/** The canonical name of a dataset label (unknown labels pass through unchanged). */
export function canonicalGoldType(label: string): string {
  return DATASET_LABEL_MAP[label] ?? label
}

/** The dataset name under which one of our types is scored. */
export function canonicalPredictedType(type: string): string {
  return PREDICTION_LABEL_MAP[type] ?? type
}

/** Fresh zero counts. */
export function emptyCounts(): EntityCounts {
  return { predicted: 0, truePredicted: 0, gold: 0, trueGold: 0 }
}

function overlaps(a: TypedSpan, b: TypedSpan): boolean {
  return a.type === b.type && a.start < b.end && b.start < a.end
}

function same(a: TypedSpan, b: TypedSpan): boolean {
  return a.type === b.type && a.start === b.start && a.end === b.end
}

/**
 * Adds one text's matches to `into` (per type, created on demand) and returns it. Spans
 * must already carry canonical types.
 */
export function accumulate(
  into: Map<string, EntityCounts>,
  gold: readonly TypedSpan[],
  predicted: readonly TypedSpan[],
  matching: Matching,
): Map<string, EntityCounts> {
  const match = matching === 'overlap' ? overlaps : same
  const counts = (type: string): EntityCounts => {
    let c = into.get(type)
    if (c === undefined) {
      c = emptyCounts()
      into.set(type, c)
    }
    return c
  }
  for (const p of predicted) {
    const c = counts(p.type)
    c.predicted++
    if (gold.some((g) => match(p, g))) c.truePredicted++
  }
  for (const g of gold) {
    const c = counts(g.type)
    c.gold++
    if (predicted.some((p) => match(p, g))) c.trueGold++
  }
  return into
}

/** Sum of the counts of `types` (all types when omitted). */
export function total(
  counts: ReadonlyMap<string, EntityCounts>,
  types?: Iterable<string>,
): EntityCounts {
  const sum = emptyCounts()
  const keys = types === undefined ? [...counts.keys()] : [...types]
  for (const k of keys) {
    const c = counts.get(k)
    if (c === undefined) continue
    sum.predicted += c.predicted
    sum.truePredicted += c.truePredicted
    sum.gold += c.gold
    sum.trueGold += c.trueGold
  }
  return sum
}

/** Precision, recall and F1 from counts. */
export function scores(c: EntityCounts): Scores {
  const precision = c.predicted === 0 ? null : c.truePredicted / c.predicted
  const recall = c.gold === 0 ? null : c.trueGold / c.gold
  const f1 =
    precision === null || recall === null
      ? null
      : precision + recall === 0
        ? 0
        : (2 * precision * recall) / (precision + recall)
  return { precision, recall, f1 }
}
