/**
 * Integer encoding of quasi-identifiers: each distinct value gets a dense id per hierarchy
 * level, so grouping works on typed arrays instead of strings.
 */
import type { ErrorIssue } from '../../errors.js'
import type { Hierarchy } from './hierarchy.js'
import type { Table } from './table.js'

/** One quasi-identifier column, encoded against its hierarchy. */
export interface EncodedQi {
  readonly name: string
  /** Index of the column in the input table. */
  readonly column: number
  readonly hierarchy: Hierarchy
  /** Number of levels (0 = original, height - 1 = top). */
  readonly height: number
  /** Id of each row's original value. */
  readonly codes: Int32Array
  /** `gen[level][leafId]`: the id of the leaf's generalization at `level`. */
  readonly gen: readonly Int32Array[]
  /** `labels[level][id]`: the value text of an id at `level`. */
  readonly labels: readonly (readonly string[])[]
  /** Number of distinct ids at each level (only values that occur in the data). */
  readonly sizes: readonly number[]
}

/** Result of {@link encodeQis}: the encoded columns, or every problem found. */
export interface EncodeResult {
  readonly qis: EncodedQi[]
  readonly issues: ErrorIssue[]
}

/**
 * Encodes the quasi-identifiers of `table`. Values a hierarchy does not cover are reported as
 * issues (by column and row number, never by value) rather than thrown one at a time.
 */
export function encodeQis(
  table: Table,
  qi: readonly string[],
  hierarchies: ReadonlyMap<string, Hierarchy>,
): EncodeResult {
  const issues: ErrorIssue[] = []
  const qis: EncodedQi[] = []
  const n = table.rows.length
  for (const name of qi) {
    const column = table.columns.indexOf(name)
    const hierarchy = hierarchies.get(name)
    if (column < 0) {
      issues.push({ code: 'ERR_ANONYMIZE_INVALID', path: `qi.${name}`, message: 'no such column' })
      continue
    }
    if (hierarchy === undefined) {
      issues.push({
        code: 'ERR_ANONYMIZE_INVALID',
        path: `qi.${name}`,
        message: 'quasi-identifier has no hierarchy',
      })
      continue
    }
    const height = hierarchy.height
    const leafIds = new Map<string, number>()
    const leafPaths: (readonly string[])[] = []
    const codes = new Int32Array(n)
    let uncovered = 0
    let firstUncovered = -1
    for (let r = 0; r < n; r++) {
      const v = table.rows[r]![column] ?? ''
      let id = leafIds.get(v)
      if (id === undefined) {
        const path = hierarchy.path(v)
        if (path === undefined || path.length !== height) {
          uncovered++
          if (firstUncovered < 0) firstUncovered = r
          continue
        }
        id = leafPaths.length
        leafIds.set(v, id)
        leafPaths.push(path)
      }
      codes[r] = id
    }
    if (uncovered > 0) {
      issues.push({
        code: 'ERR_ANONYMIZE_INVALID',
        path: `qi.${name}`,
        message: `hierarchy does not cover ${uncovered} row(s), first at row ${firstUncovered + 1}`,
      })
      continue
    }
    const gen: Int32Array[] = []
    const labels: string[][] = []
    const sizes: number[] = []
    for (let level = 0; level < height; level++) {
      const ids = new Map<string, number>()
      const g = new Int32Array(leafPaths.length)
      const lab: string[] = []
      for (let leaf = 0; leaf < leafPaths.length; leaf++) {
        const v = leafPaths[leaf]![level]!
        let id = ids.get(v)
        if (id === undefined) {
          id = lab.length
          ids.set(v, id)
          lab.push(v)
        }
        g[leaf] = id
      }
      gen.push(g)
      labels.push(lab)
      sizes.push(lab.length)
    }
    qis.push({ name, column, hierarchy, height, codes, gen, labels, sizes })
  }
  return { qis, issues }
}
