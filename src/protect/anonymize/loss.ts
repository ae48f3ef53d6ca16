/**
 * Information-loss metrics for full-domain generalization.
 *
 * Non-uniform entropy follows ARX's monotonic, precomputed variant: for each quasi-identifier
 * and each original value v with input frequency a, generalized at the chosen level to g with
 * input frequency b (rows whose original value generalizes to g), the loss adds a·log2(b/a).
 * It depends only on the levels, not on which rows are suppressed, so it is monotone and every
 * node's loss is known before any data pass.
 */
import type { EncodedQi } from './encode.js'
import type { Grouping } from './groupify.js'

/**
 * Per-level non-uniform entropy of one column: entry `level` is Σ a·log2(b/a) over the
 * column's distinct values (unnormalized, in bits).
 */
export function nueByLevel(q: EncodedQi): Float64Array {
  const leaves = q.sizes[0]!
  const a = new Float64Array(leaves)
  for (let i = 0; i < q.codes.length; i++) a[q.codes[i]!]!++
  const out = new Float64Array(q.height)
  for (let level = 0; level < q.height; level++) {
    const g = q.gen[level]!
    const b = new Float64Array(q.sizes[level]!)
    for (let v = 0; v < leaves; v++) b[g[v]!]! += a[v]!
    let s = 0
    for (let v = 0; v < leaves; v++) {
      const av = a[v]!
      if (av > 0) s += av * Math.log2(b[g[v]!]! / av)
    }
    out[level] = s
  }
  return out
}

/** Precomputed per-column entropy tables; {@link NueTable.loss} sums them for a node. */
export class NueTable {
  readonly byColumn: readonly Float64Array[]

  constructor(qis: readonly EncodedQi[]) {
    this.byColumn = qis.map(nueByLevel)
  }

  /** Non-uniform entropy of the transformation `levels`, as ARX reports it. */
  loss(levels: ArrayLike<number>): number {
    let s = 0
    for (let j = 0; j < this.byColumn.length; j++) s += this.byColumn[j]![levels[j]!]!
    return s
  }
}

/**
 * Discernibility (Bayardo & Agrawal): Σ |E|² over kept classes plus n for every suppressed
 * row, where a class is suppressed when `suppressed[c]` is set.
 */
export function discernibility(grouping: Grouping, suppressed: Uint8Array, rows: number): number {
  let s = 0
  for (let c = 0; c < grouping.count; c++) {
    const z = grouping.sizes[c]!
    s += suppressed[c] === 1 ? z * rows : z * z
  }
  return s
}

/**
 * Precision loss (Sweeney), in 0..1: the mean over cells of level / (height - 1), where a
 * suppressed row counts as fully generalized.
 */
export function precisionLoss(
  qis: readonly EncodedQi[],
  levels: ArrayLike<number>,
  suppressedRows: number,
  rows: number,
): number {
  if (rows === 0 || qis.length === 0) return 0
  let kept = 0
  qis.forEach((q, j) => {
    kept += q.height > 1 ? levels[j]! / (q.height - 1) : 0
  })
  kept /= qis.length
  return (kept * (rows - suppressedRows) + suppressedRows) / rows
}
