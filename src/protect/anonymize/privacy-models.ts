/**
 * l-diversity and t-closeness over one sensitive attribute, checked per equivalence class.
 * Used both as checks on a released table and as extra constraints in the searches: a class
 * that fails any model is suppressed like a class smaller than k.
 */
import type { Grouping } from './groupify.js'

/** A privacy model on the sensitive attribute's distribution inside each class. */
export type PrivacyModel =
  /** At least `l` distinct sensitive values per class. */
  | { readonly kind: 'distinct-l-diversity'; readonly l: number }
  /** Entropy of the class's sensitive values at least log(l). */
  | { readonly kind: 'entropy-l-diversity'; readonly l: number }
  /** Recursive (c,l): r1 < c·(r_l + … + r_m) with counts sorted descending. */
  | { readonly kind: 'recursive-cl-diversity'; readonly c: number; readonly l: number }
  /**
   * Earth mover's distance between class and table distribution at most `t`: equal ground
   * distance for categorical values, ordered distance for values with a natural order.
   */
  | { readonly kind: 't-closeness'; readonly t: number; readonly distance: 'equal' | 'ordered' }

/** A sensitive column encoded for class checks. */
export interface SensitiveColumn {
  /** Dense id per row. */
  readonly codes: Int32Array
  /** Number of distinct values. */
  readonly size: number
  /** Distinct values by id. */
  readonly labels: readonly string[]
  /** `order[rank] = id`: ids in ascending value order (numeric when every value is numeric). */
  readonly order: Int32Array
  /** Share of each id in the whole table. */
  readonly global: Float64Array
}

/** Encodes a sensitive column. */
export function encodeSensitive(values: readonly string[]): SensitiveColumn {
  const ids = new Map<string, number>()
  const labels: string[] = []
  const codes = new Int32Array(values.length)
  values.forEach((v, i) => {
    let id = ids.get(v)
    if (id === undefined) {
      id = labels.length
      ids.set(v, id)
      labels.push(v)
    }
    codes[i] = id
  })
  const numeric = labels.every((v) => v.trim() !== '' && Number.isFinite(Number(v)))
  const sorted = labels
    .map((v, id) => ({ v, id }))
    .sort((x, y) => (numeric ? Number(x.v) - Number(y.v) : x.v < y.v ? -1 : x.v > y.v ? 1 : 0))
  const global = new Float64Array(labels.length)
  for (let i = 0; i < codes.length; i++) global[codes[i]!]!++
  for (let i = 0; i < global.length; i++) global[i]! /= Math.max(values.length, 1)
  return {
    codes,
    size: labels.length,
    labels,
    order: Int32Array.from(sorted.map((s) => s.id)),
    global,
  }
}

/**
 * Earth mover's distance of a class histogram (`counts` indexed by id, `total` rows) to the
 * table distribution. Equal distance: half the L1 distance. Ordered distance: the mean absolute
 * cumulative difference along the value order, normalized by m - 1.
 */
export function emd(
  s: SensitiveColumn,
  counts: ArrayLike<number>,
  total: number,
  distance: 'equal' | 'ordered',
): number {
  const m = s.size
  if (m <= 1 || total === 0) return 0
  if (distance === 'equal') {
    let d = 0
    for (let id = 0; id < m; id++) d += Math.abs(counts[id]! / total - s.global[id]!)
    return d / 2
  }
  let cum = 0
  let d = 0
  for (let r = 0; r < m - 1; r++) {
    const id = s.order[r]!
    cum += counts[id]! / total - s.global[id]!
    d += Math.abs(cum)
  }
  return d / (m - 1)
}

/**
 * Whether one class satisfies a model. `counts` is the class histogram by id and `present` the
 * ids with a non-zero count.
 */
export function classSatisfies(
  model: PrivacyModel,
  s: SensitiveColumn,
  counts: ArrayLike<number>,
  present: ArrayLike<number>,
  distinct: number,
  total: number,
): boolean {
  switch (model.kind) {
    case 'distinct-l-diversity':
      return distinct >= model.l
    case 'entropy-l-diversity': {
      let h = 0
      for (let i = 0; i < distinct; i++) {
        const p = counts[present[i]!]! / total
        h -= p * Math.log(p)
      }
      // A small tolerance keeps a class whose entropy is exactly log(l) from failing on rounding.
      return h >= Math.log(model.l) - 1e-12
    }
    case 'recursive-cl-diversity': {
      if (distinct < model.l) return false
      const r: number[] = []
      for (let i = 0; i < distinct; i++) r.push(counts[present[i]!]!)
      r.sort((x, y) => y - x)
      let tail = 0
      for (let i = model.l - 1; i < r.length; i++) tail += r[i]!
      return r[0]! < model.c * tail
    }
    case 't-closeness':
      return emd(s, counts, total, model.distance) <= model.t + 1e-12
  }
}

/**
 * Flags every class of `grouping` that fails any model (1 = fails). Rows are bucketed by class
 * with a counting sort so each class's histogram is built from its own rows only.
 */
export function failingClasses(
  grouping: Grouping,
  s: SensitiveColumn,
  models: readonly PrivacyModel[],
): Uint8Array {
  const { classOf, sizes, count } = grouping
  const fails = new Uint8Array(count)
  if (models.length === 0) return fails
  const n = classOf.length
  const start = new Int32Array(count + 1)
  for (let c = 0; c < count; c++) start[c + 1] = start[c]! + sizes[c]!
  const fill = start.slice(0, count)
  const byClass = new Int32Array(n)
  for (let i = 0; i < n; i++) byClass[fill[classOf[i]!]!++] = i
  const counts = new Int32Array(s.size)
  const present = new Int32Array(s.size)
  for (let c = 0; c < count; c++) {
    let distinct = 0
    for (let p = start[c]!; p < start[c + 1]!; p++) {
      const id = s.codes[byClass[p]!]!
      if (counts[id]!++ === 0) present[distinct++] = id
    }
    const total = sizes[c]!
    for (const model of models) {
      if (!classSatisfies(model, s, counts, present, distinct, total)) {
        fails[c] = 1
        break
      }
    }
    for (let i = 0; i < distinct; i++) counts[present[i]!] = 0
  }
  return fails
}

/** Result of {@link checkPrivacyModels}. */
export interface PrivacyCheck {
  readonly classes: number
  /** Classes that fail at least one model. */
  readonly failingClasses: number
  /** Rows in failing classes. */
  readonly failingRows: number
  readonly ok: boolean
}

/**
 * Checks a released table: classes are the distinct QI tuples in `qiRows`, the sensitive value
 * of row i is `sensitive[i]`.
 */
export function checkPrivacyModels(
  qiRows: readonly (readonly string[])[],
  sensitive: readonly string[],
  models: readonly PrivacyModel[],
): PrivacyCheck {
  const ids = new Map<string, number>()
  const classOf = new Int32Array(qiRows.length)
  const sizesList: number[] = []
  qiRows.forEach((r, i) => {
    const key = JSON.stringify(r)
    let id = ids.get(key)
    if (id === undefined) {
      id = sizesList.length
      ids.set(key, id)
      sizesList.push(0)
    }
    sizesList[id]!++
    classOf[i] = id
  })
  const grouping: Grouping = { classOf, sizes: Int32Array.from(sizesList), count: sizesList.length }
  const fails = failingClasses(grouping, encodeSensitive(sensitive), models)
  let failing = 0
  let rows = 0
  for (let c = 0; c < grouping.count; c++) {
    if (fails[c] === 1) {
      failing++
      rows += grouping.sizes[c]!
    }
  }
  return { classes: grouping.count, failingClasses: failing, failingRows: rows, ok: failing === 0 }
}
