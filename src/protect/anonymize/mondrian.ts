/**
 * Mondrian multidimensional partitioning (LeFevre et al.), a local recoding: the table is split
 * top-down, each partition on its own, and every partition is released with its own
 * generalization. Categorical QIs are split by descending one level of their hierarchy (all
 * children of the partition's current value); QIs with interval hierarchies are split at the
 * median into ranges. A split is taken only when every part keeps at least k rows (and satisfies
 * the privacy models), so each released class has at least k rows and nothing is suppressed.
 */
import type { EncodedQi } from './encode.js'
import type { PrivacyModel, SensitiveColumn } from './privacy-models.js'
import { failingClasses } from './privacy-models.js'

/** Constraints every partition must meet. */
export interface MondrianConstraints {
  readonly k: number
  readonly models?: readonly PrivacyModel[]
  readonly sensitive?: SensitiveColumn
}

/** The partitions found and the released value of every QI cell. */
export interface MondrianResult {
  /** Released QI values: `values[row][qiIndex]`. */
  readonly values: string[][]
  /** Partition id of every row. */
  readonly partitionOf: Int32Array
  readonly partitions: number
  /** Per QI, the mean hierarchy level of the released cells (numeric ranges count as 0..1). */
  readonly meanLevels: number[]
  /**
   * Non-uniform entropy of the local recoding: Σ over cells of log2(b/a), a = input rows with
   * the cell's original value, b = input rows whose value falls under the released value.
   */
  readonly nue: number
}

interface Part {
  readonly rows: Int32Array
  /** Current level per QI (hierarchy QIs). */
  readonly levels: number[]
  /** Current numeric range per QI (interval QIs). */
  readonly lo: number[]
  readonly hi: number[]
}

/** Numeric value of each row for interval QIs; undefined for the others. */
function numericColumns(qis: readonly EncodedQi[]): (Float64Array | undefined)[] {
  return qis.map((q) => {
    if (q.hierarchy.kind !== 'interval') return undefined
    const leafValues = q.labels[0]!.map(Number)
    const out = new Float64Array(q.codes.length)
    for (let i = 0; i < out.length; i++) out[i] = leafValues[q.codes[i]!]!
    return out
  })
}

function satisfies(rows: Int32Array, c: MondrianConstraints): boolean {
  if (rows.length < c.k) return false
  if (c.models === undefined || c.models.length === 0 || c.sensitive === undefined) return true
  const s = c.sensitive
  const sub: SensitiveColumn = { ...s, codes: Int32Array.from(rows, (r) => s.codes[r]!) }
  const grouping = {
    classOf: new Int32Array(rows.length),
    sizes: Int32Array.of(rows.length),
    count: 1,
  }
  return failingClasses(grouping, sub, c.models)[0] === 0
}

/**
 * Partitions the rows. Throws nothing: when the whole table does not meet the constraints the
 * result has one partition and the caller decides (the entry point reports no solution).
 */
export function mondrian(
  qis: readonly EncodedQi[],
  rows: number,
  c: MondrianConstraints,
): MondrianResult {
  const nums = numericColumns(qis)
  const globalLo = nums.map((v) =>
    v === undefined ? 0 : v.reduce((a, b) => Math.min(a, b), Infinity),
  )
  const globalHi = nums.map((v) =>
    v === undefined ? 0 : v.reduce((a, b) => Math.max(a, b), -Infinity),
  )
  const done: Part[] = []
  const stack: Part[] = [
    {
      rows: Int32Array.from({ length: rows }, (_, i) => i),
      levels: qis.map((q) => q.height - 1),
      lo: globalLo.slice(),
      hi: globalHi.slice(),
    },
  ]
  while (stack.length > 0) {
    const part = stack.pop()!
    const split = splitPart(part, qis, nums, globalLo, globalHi, c)
    if (split === undefined) done.push(part)
    else stack.push(...split)
  }
  const values: string[][] = Array.from({ length: rows }, () => new Array<string>(qis.length))
  const partitionOf = new Int32Array(rows)
  const levelSum = new Array<number>(qis.length).fill(0)
  const leafCount = qis.map((q) => {
    const a = new Float64Array(q.sizes[0]!)
    for (let i = 0; i < q.codes.length; i++) a[q.codes[i]!]!++
    return a
  })
  const levelCount = qis.map((q, j) =>
    q.gen.map((g, level) => {
      const b = new Float64Array(q.sizes[level]!)
      for (let v = 0; v < g.length; v++) b[g[v]!]! += leafCount[j]![v]!
      return b
    }),
  )
  const sortedNums = nums.map((v) => (v === undefined ? undefined : v.slice().sort()))
  let nue = 0
  done.forEach((part, id) => {
    qis.forEach((q, j) => {
      const num = nums[j]
      let label: string
      if (num !== undefined) {
        const lo = part.lo[j]!
        const hi = part.hi[j]!
        const span = globalHi[j]! - globalLo[j]!
        levelSum[j]! += span > 0 ? ((hi - lo) / span) * part.rows.length : 0
        const b = countInRange(sortedNums[j]!, lo, hi)
        for (const r of part.rows) nue += Math.log2(b / leafCount[j]![q.codes[r]!]!)
        label = lo === hi ? String(lo) : `[${lo}, ${hi}]`
        for (const r of part.rows) values[r]![j] = lo === hi ? q.labels[0]![q.codes[r]!]! : label
        return
      }
      const level = part.levels[j]!
      levelSum[j]! += level * part.rows.length
      const g = q.gen[level]!
      for (const r of part.rows) {
        const leaf = q.codes[r]!
        values[r]![j] = q.labels[level]![g[leaf]!]!
        nue += Math.log2(levelCount[j]![level]![g[leaf]!]! / leafCount[j]![leaf]!)
      }
    })
    for (const r of part.rows) partitionOf[r] = id
  })
  return {
    values,
    partitionOf,
    partitions: done.length,
    meanLevels: levelSum.map((s) => (rows === 0 ? 0 : s / rows)),
    nue,
  }
}

/** Number of entries of ascending `sorted` within [lo, hi]. */
function countInRange(sorted: Float64Array, lo: number, hi: number): number {
  const bound = (x: number, strict: boolean) => {
    let a = 0
    let b = sorted.length
    while (a < b) {
      const mid = (a + b) >> 1
      if (strict ? sorted[mid]! <= x : sorted[mid]! < x) a = mid + 1
      else b = mid
    }
    return a
  }
  return bound(hi, true) - bound(lo, false)
}

/** Tries QIs in order of normalized spread; returns the parts of the first allowed split. */
function splitPart(
  part: Part,
  qis: readonly EncodedQi[],
  nums: readonly (Float64Array | undefined)[],
  globalLo: readonly number[],
  globalHi: readonly number[],
  c: MondrianConstraints,
): Part[] | undefined {
  const candidates: { j: number; spread: number }[] = []
  qis.forEach((q, j) => {
    const num = nums[j]
    if (num !== undefined) {
      const span = globalHi[j]! - globalLo[j]!
      if (span > 0 && part.hi[j]! > part.lo[j]!) {
        candidates.push({ j, spread: (part.hi[j]! - part.lo[j]!) / span })
      }
      return
    }
    // While every row shares one child value, descend for free: the class stays the same.
    for (;;) {
      const level = part.levels[j]!
      if (level === 0) return
      const children = new Set<number>()
      const g = q.gen[level - 1]!
      for (const r of part.rows) children.add(g[q.codes[r]!]!)
      if (children.size > 1) {
        candidates.push({ j, spread: children.size / q.sizes[level - 1]! })
        return
      }
      part.levels[j] = level - 1
    }
  })
  if (part.rows.length < 2 * c.k) return undefined
  candidates.sort((a, b) => b.spread - a.spread || a.j - b.j)
  for (const { j } of candidates) {
    const parts =
      nums[j] !== undefined ? splitNumeric(part, j, nums[j], c) : splitLevel(part, j, qis[j]!, c)
    if (parts !== undefined) return parts
  }
  return undefined
}

function splitLevel(
  part: Part,
  j: number,
  q: EncodedQi,
  c: MondrianConstraints,
): Part[] | undefined {
  const level = part.levels[j]! - 1
  const g = q.gen[level]!
  const groups = new Map<number, number[]>()
  for (const r of part.rows) {
    const v = g[q.codes[r]!]!
    let list = groups.get(v)
    if (list === undefined) groups.set(v, (list = []))
    list.push(r)
  }
  const parts: Part[] = []
  for (const list of groups.values()) {
    const rows = Int32Array.from(list)
    if (!satisfies(rows, c)) return undefined
    const levels = part.levels.slice()
    levels[j] = level
    parts.push({ rows, levels, lo: part.lo.slice(), hi: part.hi.slice() })
  }
  return parts
}

function splitNumeric(
  part: Part,
  j: number,
  values: Float64Array,
  c: MondrianConstraints,
): Part[] | undefined {
  const sorted = Float64Array.from(part.rows, (r) => values[r]!).sort()
  const median = sorted[(sorted.length - 1) >> 1]!
  // Left takes values <= median; if that leaves nothing on the right, split below the median.
  let cut = median
  if (sorted[sorted.length - 1]! <= cut) {
    let below = -Infinity
    for (const v of sorted) if (v < median) below = v
    if (below === -Infinity) return undefined
    cut = below
  }
  const left: number[] = []
  const right: number[] = []
  for (const r of part.rows) (values[r]! <= cut ? left : right).push(r)
  const l = Int32Array.from(left)
  const rr = Int32Array.from(right)
  if (!satisfies(l, c) || !satisfies(rr, c)) return undefined
  const rangeOf = (rows: Int32Array) => {
    let lo = Infinity
    let hi = -Infinity
    for (const r of rows) {
      lo = Math.min(lo, values[r]!)
      hi = Math.max(hi, values[r]!)
    }
    return [lo, hi] as const
  }
  const [llo, lhi] = rangeOf(l)
  const [rlo, rhi] = rangeOf(rr)
  const lp: Part = {
    rows: l,
    levels: part.levels.slice(),
    lo: part.lo.slice(),
    hi: part.hi.slice(),
  }
  const rp: Part = {
    rows: rr,
    levels: part.levels.slice(),
    lo: part.lo.slice(),
    hi: part.hi.slice(),
  }
  lp.lo[j] = llo
  lp.hi[j] = lhi
  rp.lo[j] = rlo
  rp.hi[j] = rhi
  return [lp, rp]
}
