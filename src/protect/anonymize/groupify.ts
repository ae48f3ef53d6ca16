/**
 * Equivalence-class counting on integer-encoded columns. Classes are refined one column (or one
 * precomputed block of columns) at a time: the pair (class so far, next id) is looked up in an
 * open-addressing table sized to the row count, so each step is one linear pass over typed
 * arrays whose working set stays in cache.
 */
import type { EncodedQi } from './encode.js'

/** Equivalence classes of one transformation or projection. */
export interface Grouping {
  /** Class id of each row. */
  readonly classOf: Int32Array
  /** Size of each class (length may exceed `count` when a buffer is reused). */
  readonly sizes: Int32Array
  /** Number of classes. */
  readonly count: number
}

/** Rows in classes smaller than `k`: the rows a transformation must suppress. */
export function outliers(grouping: Grouping, k: number): number {
  let s = 0
  const { sizes, count } = grouping
  for (let c = 0; c < count; c++) {
    const z = sizes[c]!
    if (z < k) s += z
  }
  return s
}

/** Counts class sizes of `classOf` into a new array. */
export function classSizes(classOf: Int32Array, count: number): Int32Array {
  const sizes = new Int32Array(count)
  for (let i = 0; i < classOf.length; i++) sizes[classOf[i]!]!++
  return sizes
}

/** Below this many (a, b) combinations a direct-indexed table replaces hashing. */
const FLAT_SLOTS = 1 << 21

/** Refines row classes by a second id per row; reuses its hash table between calls. */
export class Refiner {
  private flat: Int32Array | undefined
  private readonly mask: number
  private readonly shift: number
  private readonly keyA: Int32Array
  private readonly keyB: Int32Array
  private readonly ids: Int32Array
  private readonly used: Int32Array

  constructor(rows: number) {
    let cap = 16
    while (cap < rows * 2) cap <<= 1
    this.mask = cap - 1
    this.shift = 32 - Math.log2(cap)
    this.keyA = new Int32Array(cap).fill(-1)
    this.keyB = new Int32Array(cap)
    this.ids = new Int32Array(cap)
    this.used = new Int32Array(Math.max(rows, 1))
  }

  /**
   * Writes into `out` the class of each row under (a[i], b'[i]), where b' is `b[i]` mapped
   * through `map` when given; returns the number of classes. `out` may alias `a`.
   */
  refine(
    a: Int32Array,
    b: Int32Array,
    map: Int32Array | undefined,
    out: Int32Array,
    countA = Infinity,
    countB = Infinity,
  ): number {
    if (countA * countB <= FLAT_SLOTS) return this.refineFlat(a, b, map, out, countB)
    const { mask, shift, keyA, keyB, ids, used } = this
    const n = a.length
    let fresh = 0
    for (let i = 0; i < n; i++) {
      const x = a[i]!
      const y = map === undefined ? b[i]! : map[b[i]!]!
      // Multiplicative hashing: the high bits of the product mix both ids.
      let h = Math.imul(Math.imul(x, 0x9e3779b1) + y, 0x85ebca77) >>> shift
      for (;;) {
        const k = keyA[h]!
        if (k === -1) {
          keyA[h] = x
          keyB[h] = y
          ids[h] = fresh
          used[fresh] = h
          out[i] = fresh++
          break
        }
        if (k === x && keyB[h] === y) {
          out[i] = ids[h]!
          break
        }
        h = (h + 1) & mask
      }
    }
    for (let j = 0; j < fresh; j++) keyA[used[j]!] = -1
    return fresh
  }

  /** {@link refine} when the ids are known to be below small bounds: no hashing, no probing. */
  private refineFlat(
    a: Int32Array,
    b: Int32Array,
    map: Int32Array | undefined,
    out: Int32Array,
    countB: number,
  ): number {
    this.flat ??= new Int32Array(FLAT_SLOTS).fill(-1)
    const flat = this.flat
    const used = this.used
    const n = a.length
    let fresh = 0
    for (let i = 0; i < n; i++) {
      const key = a[i]! * countB + (map === undefined ? b[i]! : map[b[i]!]!)
      let id = flat[key]!
      if (id < 0) {
        id = fresh
        flat[key] = id
        used[fresh++] = key
      }
      out[i] = id
    }
    for (let j = 0; j < fresh; j++) flat[used[j]!] = -1
    return fresh
  }
}

/**
 * Groups rows of encoded QIs under given levels, reusing its buffers across calls (a returned
 * {@link Grouping} is valid until the next call).
 */
export class Groupifier {
  readonly rows: number
  private readonly qis: readonly EncodedQi[]
  private readonly classOf: Int32Array
  private readonly sizes: Int32Array
  private readonly refiner: Refiner

  constructor(qis: readonly EncodedQi[], rows: number) {
    this.qis = qis
    this.rows = rows
    this.classOf = new Int32Array(rows)
    this.sizes = new Int32Array(Math.max(rows, 1))
    this.refiner = new Refiner(rows)
  }

  /** Groups all rows by the QIs `columns` (all by default) at `levels[column]`. */
  group(levels: ArrayLike<number>, columns?: readonly number[]): Grouping {
    const n = this.rows
    const cols = (columns ?? this.qis.map((_, i) => i)).filter(
      (j) => this.qis[j]!.sizes[levels[j]!]! > 1,
    )
    const cur = this.classOf
    let count = 1
    if (cols.length === 0 || n === 0) {
      cur.fill(0)
    } else {
      const first = this.qis[cols[0]!]!
      const g = first.gen[levels[cols[0]!]!]!
      const codes = first.codes
      for (let i = 0; i < n; i++) cur[i] = g[codes[i]!]!
      count = first.sizes[levels[cols[0]!]!]!
      for (let c = 1; c < cols.length; c++) {
        const q = this.qis[cols[c]!]!
        const d = q.sizes[levels[cols[c]!]!]!
        count = this.refiner.refine(cur, q.codes, q.gen[levels[cols[c]!]!], cur, count, d)
      }
    }
    const sizes = this.sizes
    sizes.fill(0, 0, count)
    for (let i = 0; i < n; i++) sizes[cur[i]!]!++
    return { classOf: cur, sizes, count }
  }
}
