/**
 * Optimal full-domain generalization over the lattice of per-QI levels.
 *
 * Because the loss (non-uniform entropy) depends only on the levels and never decreases when a
 * level rises, a best-first walk from the bottom node that pops nodes in ascending loss visits
 * every cheaper node before a dearer one: the first node that satisfies the privacy models
 * within the suppression limit is the optimum, and no node above it is ever touched.
 *
 * Monotonicity of k-anonymity prunes data passes: the rows a node must suppress are at least
 * the rows in small classes of any projection onto fewer QIs (projection only merges classes).
 * QIs are grouped in blocks of three whose joint classes are cached per level combination;
 * projections onto one or two blocks are memoized and rolled up from the class list of the same
 * projection one level below, so most candidates are rejected without touching the rows. Only
 * candidates that pass every projection are grouped in full.
 */
import type { EncodedQi } from './encode.js'
import type { Grouping } from './groupify.js'
import { Groupifier, Refiner, classSizes, outliers } from './groupify.js'
import { NueTable } from './loss.js'
import type { PrivacyModel, SensitiveColumn } from './privacy-models.js'
import { failingClasses } from './privacy-models.js'

/** QIs per block of jointly cached classes. */
const BLOCK = 3
/** Most row ids the cache of two-block groupings keeps (Int32 cells). */
const PAIR_CACHE_CELLS = 1 << 23
/** Most classes the kept class lists hold in total. */
const CLASS_LIST_CELLS = 1 << 22

/** Equivalence classes as one representative row and a size each. */
interface ClassList {
  readonly reps: Int32Array
  readonly weights: Int32Array
}

/** Most row ids the block cache keeps (Int32 cells). */
const BLOCK_CACHE_CELLS = 1 << 26

/** What a search must satisfy. */
export interface SearchConstraints {
  readonly k: number
  /** Most rows that may be suppressed (ARX: floor(limit · rows)). */
  readonly maxSuppressed: number
  readonly models?: readonly PrivacyModel[]
  readonly sensitive?: SensitiveColumn
}

/** The optimum found and what it cost to find. */
export interface SearchOutcome {
  readonly levels: number[]
  /** Non-uniform entropy of the optimum. */
  readonly loss: number
  /** Rows the optimum suppresses. */
  readonly suppressed: number
  /** Nodes whose rows were grouped in full. */
  readonly checks: number
  /** Nodes taken from the queue. */
  readonly visited: number
  /** Projections onto one or two blocks of QIs that were grouped. */
  readonly projections: number
  /** Size of the whole lattice. */
  readonly latticeSize: number
}

/** Classification of one node. */
export interface NodeEvaluation {
  /** Rows in classes smaller than k or failing a model. */
  readonly suppressed: number
  /** Per class: 1 when the class is suppressed. */
  readonly suppressedClasses: Uint8Array
  /** Class id of every row (a copy, safe to keep). */
  readonly classOf: Int32Array
  /** Size of every class. */
  readonly sizes: Int32Array
}

/** A binary min-heap of node indices ordered by (loss, index). */
class NodeHeap {
  private readonly idx: number[] = []
  private readonly key: number[] = []

  get size(): number {
    return this.idx.length
  }

  push(node: number, loss: number): void {
    const { idx, key } = this
    let i = idx.length
    idx.push(node)
    key.push(loss)
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(i, p)) break
      this.swap(i, p)
      i = p
    }
  }

  pop(): number {
    const { idx, key } = this
    const top = idx[0]!
    const lastI = idx.pop()!
    const lastK = key.pop()!
    if (idx.length > 0) {
      idx[0] = lastI
      key[0] = lastK
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < idx.length && this.less(l, m)) m = l
        if (r < idx.length && this.less(r, m)) m = r
        if (m === i) break
        this.swap(i, m)
        i = m
      }
    }
    return top
  }

  private less(a: number, b: number): boolean {
    const ka = this.key[a]!
    const kb = this.key[b]!
    return ka < kb || (ka === kb && this.idx[a]! < this.idx[b]!)
  }

  private swap(a: number, b: number): void {
    const { idx, key } = this
    const ti = idx[a]!
    idx[a] = idx[b]!
    idx[b] = ti
    const tk = key[a]!
    key[a] = key[b]!
    key[b] = tk
  }
}

/** Full-domain search over encoded quasi-identifiers. */
export class FullDomainSearch {
  readonly qis: readonly EncodedQi[]
  readonly rows: number
  readonly heights: readonly number[]
  readonly nue: NueTable
  readonly latticeSize: number
  private readonly strides: number[]
  private readonly groupifier: Groupifier
  private readonly refiner: Refiner
  /** QIs split into blocks of up to three whose joint classes are cached per level combination. */
  private readonly blocks: number[][]
  private readonly blockCache = new Map<number, { ids: Int32Array; count: number }>()
  private readonly scratch: Int32Array
  /** Most level combinations of one block, for packing memo keys without collisions. */
  private readonly maxCombos: number
  /** Class lists of two-block projections, for rolling up coarser ones. */
  private readonly classLists = new Map<number, ClassList>()
  private listCells = 0
  private readonly pairCache = new Map<number, { ids: Int32Array; count: number }>()
  /** Projections tried by the bound: single blocks first (cheap, most often decisive), then pairs. */
  private readonly blockPairs: [number, number][] = []

  constructor(qis: readonly EncodedQi[], rows: number) {
    this.qis = qis
    this.rows = rows
    this.heights = qis.map((q) => q.height)
    this.nue = new NueTable(qis)
    this.groupifier = new Groupifier(qis, rows)
    this.strides = []
    let s = 1
    for (const h of this.heights) {
      this.strides.push(s)
      s *= h
    }
    this.latticeSize = s
    this.refiner = new Refiner(rows)
    this.scratch = new Int32Array(rows)
    this.blocks = []
    for (let j = 0; j < qis.length; j += BLOCK) {
      this.blocks.push(qis.slice(j, j + BLOCK).map((_, i) => j + i))
    }
    this.maxCombos = Math.max(
      1,
      ...this.blocks.map((b) => b.reduce((p, j) => p * this.heights[j]!, 1)),
    )
    const nb = this.blocks.length
    for (let x = 0; x < nb; x++) this.blockPairs.push([x, x])
    for (let x = 0; x < nb; x++) for (let y = x + 1; y < nb; y++) this.blockPairs.push([x, y])
  }

  /** Joint class ids of one block of QIs at the node's levels (cached). */
  private block(b: number, levels: readonly number[]): { ids: Int32Array; count: number } {
    const cols = this.blocks[b]!
    let combo = 0
    for (const j of cols) combo = combo * this.heights[j]! + levels[j]!
    const key = combo * this.blocks.length + b
    let hit = this.blockCache.get(key)
    if (hit === undefined) {
      const g = this.groupifier.group(levels, cols)
      hit = { ids: g.classOf.slice(), count: g.count }
      // Bounded memory: beyond the budget, blocks are recomputed instead of kept.
      if ((this.blockCache.size + 1) * this.rows <= BLOCK_CACHE_CELLS) this.blockCache.set(key, hit)
    }
    return hit
  }

  /** Groups rows by the blocks `bs` (all by default) at the node's levels. */
  private groupBlocks(levels: readonly number[], bs?: readonly number[]): Grouping {
    const list = bs ?? this.blocks.map((_, i) => i)
    if (list.length === 0 || this.rows === 0) {
      return { classOf: new Int32Array(this.rows), sizes: Int32Array.of(this.rows), count: 1 }
    }
    const first = this.block(list[0]!, levels)
    if (list.length === 1)
      return { classOf: first.ids, sizes: classSizes(first.ids, first.count), count: first.count }
    const cur = this.scratch
    const pair = this.pair(list[0]!, list[1]!, levels, first)
    let count = pair.count
    if (list.length === 2) return { classOf: pair.ids, sizes: classSizes(pair.ids, count), count }
    for (let i = 2; i < list.length; i++) {
      const next = this.block(list[i]!, levels)
      const src = i === 2 ? pair.ids : cur
      count = this.refiner.refine(src, next.ids, undefined, cur, count, next.count)
    }
    return { classOf: cur, sizes: classSizes(cur, count), count }
  }

  /**
   * Joint classes of two blocks, cached (oldest dropped first) because a full check usually
   * follows the projection check of the same node, which grouped the same pair.
   */
  private pair(
    x: number,
    y: number,
    levels: readonly number[],
    first: { ids: Int32Array; count: number },
  ): { ids: Int32Array; count: number } {
    const nb = this.blocks.length
    const key =
      ((this.comboOf(x, levels) * this.maxCombos + this.comboOf(y, levels)) * nb + x) * nb + y
    let hit = this.pairCache.get(key)
    if (hit === undefined) {
      const next = this.block(y, levels)
      const ids = new Int32Array(this.rows)
      const count = this.refiner.refine(
        first.ids,
        next.ids,
        undefined,
        ids,
        first.count,
        next.count,
      )
      hit = { ids, count }
      if (this.pairCache.size * this.rows >= PAIR_CACHE_CELLS) {
        this.pairCache.delete(this.pairCache.keys().next().value!)
      }
      this.pairCache.set(key, hit)
    }
    return hit
  }

  /** Levels of a node index (mixed radix, first QI fastest). */
  levelsOf(node: number): number[] {
    return this.heights.map((h, j) => Math.floor(node / this.strides[j]!) % h)
  }

  /** Rows suppressed under `levels`: in classes smaller than k or failing a model. */
  private suppressedRows(levels: readonly number[], c: SearchConstraints): number {
    const g = this.groupBlocks(levels)
    if (c.models === undefined || c.models.length === 0 || c.sensitive === undefined) {
      return outliers(g, c.k)
    }
    const flags = failingClasses(g, c.sensitive, c.models)
    let suppressed = 0
    for (let cl = 0; cl < g.count; cl++) {
      if (flags[cl] === 1 || g.sizes[cl]! < c.k) suppressed += g.sizes[cl]!
    }
    return suppressed
  }

  /** Groups all rows under `levels` and marks the classes that must be suppressed. */
  evaluate(levels: readonly number[], c: SearchConstraints): NodeEvaluation {
    const g = this.groupBlocks(levels)
    const flags =
      c.models !== undefined && c.models.length > 0 && c.sensitive !== undefined
        ? failingClasses(g, c.sensitive, c.models)
        : new Uint8Array(g.count)
    let suppressed = 0
    for (let cl = 0; cl < g.count; cl++) {
      const z = g.sizes[cl]!
      if (z < c.k) flags[cl] = 1
      if (flags[cl] === 1) suppressed += z
    }
    return {
      suppressed,
      suppressedClasses: flags,
      classOf: g.classOf.slice(),
      sizes: g.sizes.slice(0, g.count),
    }
  }

  /** Mixed-radix index of a block's level combination. */
  private comboOf(b: number, levels: readonly number[]): number {
    let combo = 0
    for (const j of this.blocks[b]!) combo = combo * this.heights[j]! + levels[j]!
    return combo
  }

  /**
   * Rejects a node when a projection onto one or two blocks of QIs already leaves more than
   * `max` rows in classes smaller than k: projection only merges classes, so the node itself
   * suppresses at least as many rows. Projection counts are memoized per level combination.
   */
  private rejectedByProjection(
    levels: number[],
    k: number,
    max: number,
    memo: Map<number, number>,
  ): boolean {
    const nb = this.blocks.length
    const combos = this.blocks.map((_, b) => this.comboOf(b, levels))
    for (const [x, y] of this.blockPairs) {
      const key = ((combos[x]! * this.maxCombos + combos[y]!) * nb + x) * nb + y
      let v = memo.get(key)
      if (v === undefined) {
        v =
          x === y ? outliers(this.groupBlocks(levels, [x]), k) : this.pairOutliers(x, y, levels, k)
        memo.set(key, v)
      }
      if (v > max) return true
    }
    return false
  }

  /**
   * Rows in classes smaller than k when projecting onto blocks x and y. The classes are rolled
   * up from the class list (one representative row and a size per class) of the same projection
   * at a node one level below, when one was kept: each finer class maps to one coarser class,
   * so only the finer classes are visited, not the rows.
   */
  private pairOutliers(x: number, y: number, levels: number[], k: number): number {
    const nb = this.blocks.length
    const keyOf = () =>
      ((this.comboOf(x, levels) * this.maxCombos + this.comboOf(y, levels)) * nb + x) * nb + y
    const key = keyOf()
    let finer: ClassList | undefined
    for (const j of [...this.blocks[x]!, ...this.blocks[y]!]) {
      if (levels[j] === 0) continue
      levels[j]!--
      finer = this.classLists.get(keyOf())
      levels[j]!++
      if (finer !== undefined) break
    }
    const bx = this.block(x, levels)
    const by = this.block(y, levels)
    let list: ClassList
    if (finer === undefined) {
      const g = this.groupBlocks(levels, [x, y])
      const reps = new Int32Array(g.count).fill(-1)
      for (let r = 0; r < this.rows; r++) if (reps[g.classOf[r]!] === -1) reps[g.classOf[r]!] = r
      list = { reps, weights: g.sizes.slice(0, g.count) }
    } else {
      const n = finer.reps.length
      const a = new Int32Array(n)
      const b = new Int32Array(n)
      for (let i = 0; i < n; i++) {
        a[i] = bx.ids[finer.reps[i]!]!
        b[i] = by.ids[finer.reps[i]!]!
      }
      const out = new Int32Array(n)
      const count = this.refiner.refine(a, b, undefined, out, bx.count, by.count)
      const reps = new Int32Array(count)
      const weights = new Int32Array(count)
      for (let i = 0; i < n; i++) {
        const c = out[i]!
        if (weights[c] === 0) reps[c] = finer.reps[i]!
        weights[c]! += finer.weights[i]!
      }
      list = { reps, weights }
    }
    this.listCells += list.reps.length
    this.classLists.set(key, list)
    while (this.listCells > CLASS_LIST_CELLS) {
      const oldest = this.classLists.keys().next().value!
      this.listCells -= this.classLists.get(oldest)!.reps.length
      this.classLists.delete(oldest)
    }
    let s = 0
    for (let c = 0; c < list.weights.length; c++) if (list.weights[c]! < k) s += list.weights[c]!
    return s
  }

  /** The optimum by best-first search with monotonicity pruning, or undefined if none. */
  optimal(c: SearchConstraints): SearchOutcome | undefined {
    const heap = new NodeHeap()
    const seen = new Set<number>()
    const memo = new Map<number, number>()
    const m = this.heights.length
    heap.push(0, this.nue.loss(this.levelsOf(0)))
    seen.add(0)
    let checks = 0
    let visited = 0
    while (heap.size > 0) {
      const node = heap.pop()
      visited++
      const levels = this.levelsOf(node)
      if (!this.rejectedByProjection(levels, c.k, c.maxSuppressed, memo)) {
        checks++
        const suppressed = this.suppressedRows(levels, c)
        if (suppressed <= c.maxSuppressed) {
          return {
            levels,
            loss: this.nue.loss(levels),
            suppressed,
            checks,
            visited,
            projections: memo.size,
            latticeSize: this.latticeSize,
          }
        }
      }
      for (let j = 0; j < m; j++) {
        if (levels[j]! + 1 < this.heights[j]!) {
          const succ = node + this.strides[j]!
          if (!seen.has(succ)) {
            seen.add(succ)
            levels[j]!++
            heap.push(succ, this.nue.loss(levels))
            levels[j]!--
          }
        }
      }
    }
    return undefined
  }

  /**
   * Rows in classes smaller than k at every node of the lattice, by node index: one full
   * grouping per node, the exhaustive reference.
   */
  kOutliersOfAll(k: number): Int32Array {
    const out = new Int32Array(this.latticeSize)
    for (let node = 0; node < this.latticeSize; node++) {
      out[node] = outliers(this.groupBlocks(this.levelsOf(node)), k)
    }
    return out
  }

  /**
   * The optimum by grouping every node of the lattice: the reference the pruned search must
   * match, and the baseline it is timed against. `kOutliers` (from {@link kOutliersOfAll})
   * may be passed to reuse one classification for several suppression limits.
   */
  exhaustive(c: SearchConstraints, kOutliers?: Int32Array): SearchOutcome | undefined {
    const plainK = c.models === undefined || c.models.length === 0
    const table = plainK ? (kOutliers ?? this.kOutliersOfAll(c.k)) : undefined
    let best: { levels: number[]; loss: number; suppressed: number } | undefined
    for (let node = 0; node < this.latticeSize; node++) {
      const levels = this.levelsOf(node)
      const suppressed = table !== undefined ? table[node]! : this.suppressedRows(levels, c)
      if (suppressed > c.maxSuppressed) continue
      const loss = this.nue.loss(levels)
      if (best === undefined || loss < best.loss) best = { levels, loss, suppressed }
    }
    if (best === undefined) return undefined
    return {
      ...best,
      checks: this.latticeSize,
      visited: this.latticeSize,
      projections: 0,
      latticeSize: this.latticeSize,
    }
  }
}
