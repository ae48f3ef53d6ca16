/**
 * Generalization hierarchies for full-domain and local recoding: loaded from ARX-style CSV
 * files (`value;level1;level2;…;*`) or built from rules (prefix masking, numeric intervals).
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { StrongroomError } from '../../errors.js'

/** How a hierarchy was made; Mondrian splits `interval` hierarchies at medians. */
export type HierarchyKind = 'table' | 'masking' | 'interval'

/**
 * A generalization hierarchy of `height` levels: level 0 is the original value, level
 * `height - 1` is one value shared by the whole domain.
 */
export interface Hierarchy {
  readonly kind: HierarchyKind
  /** Number of levels including the original value (level 0) and the top. */
  readonly height: number
  /**
   * The generalization path of a value (`height` entries, entry 0 is the value itself), or
   * `undefined` when the hierarchy does not cover the value.
   */
  path(value: string): readonly string[] | undefined
}

const DELIMITERS = [';', ',', '\t'] as const

function invalid(message: string, line?: number, source?: string): StrongroomError {
  const details: Record<string, string | number> = {}
  if (line !== undefined) details['line'] = line
  if (source !== undefined) details['source'] = source
  return new StrongroomError('ERR_ANONYMIZE_HIERARCHY_INVALID', message, {
    details,
    hint: 'fix the reported line of the hierarchy file',
  })
}

/**
 * Picks the delimiter that splits every line into the same number (> 1) of fields; a one-level
 * hierarchy (no delimiter at all) is invalid anyway because it has no top value.
 */
function detectDelimiter(lines: readonly string[]): string {
  let best: string | undefined
  let bestFields = 1
  for (const d of DELIMITERS) {
    const first = lines[0]!.split(d).length
    if (first > bestFields && lines.every((l) => l.split(d).length === first)) {
      best = d
      bestFields = first
    }
  }
  if (best !== undefined) return best
  // Ragged: report against the delimiter that occurs most on the first line.
  let most: string = DELIMITERS[0]
  for (const d of DELIMITERS) {
    if (lines[0]!.split(d).length > lines[0]!.split(most).length) most = d
  }
  return most
}

/** Options for {@link parseHierarchy}. */
export interface ParseHierarchyOptions {
  /** A file name or column name used in error details. */
  readonly source?: string
  /** Force a delimiter instead of detecting one among `;`, `,` and tab. */
  readonly delimiter?: string
}

/**
 * Parses and validates an ARX-style hierarchy table: one line per original value, one column
 * per level, the last column a single top value.
 *
 * @throws StrongroomError `ERR_ANONYMIZE_HIERARCHY_INVALID` naming the line for ragged rows,
 *   a value generalized to two different parents, a duplicate value, or more than one top value.
 */
export function parseHierarchy(text: string, options: ParseHierarchyOptions = {}): Hierarchy {
  const src = options.source
  const raw = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  const lines: string[] = []
  const lineNo: number[] = []
  raw.forEach((l, i) => {
    if (l.trim() !== '') {
      lines.push(l)
      lineNo.push(i + 1)
    }
  })
  if (lines.length === 0) throw invalid('hierarchy is empty', undefined, src)
  const delimiter = options.delimiter ?? detectDelimiter(lines)
  const rows = lines.map((l) => l.split(delimiter))
  const height = rows[0]!.length
  if (height < 2) throw invalid('hierarchy has no generalization level', lineNo[0], src)
  // parent[level] maps a value at `level` to its value at `level + 1`.
  const parent: Map<string, string>[] = Array.from(
    { length: height - 1 },
    () => new Map<string, string>(),
  )
  const paths = new Map<string, readonly string[]>()
  const top = rows[0]![height - 1]!
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!
    const line = lineNo[r]!
    if (row.length !== height) {
      throw invalid(
        `hierarchy line ${line} has ${row.length} levels, expected ${height}`,
        line,
        src,
      )
    }
    if (row[height - 1] !== top) {
      throw invalid(`hierarchy line ${line} has a different top value`, line, src)
    }
    if (paths.has(row[0]!)) throw invalid(`hierarchy line ${line} repeats a value`, line, src)
    for (let level = 0; level < height - 1; level++) {
      const seen = parent[level]!.get(row[level]!)
      if (seen === undefined) parent[level]!.set(row[level]!, row[level + 1]!)
      else if (seen !== row[level + 1]) {
        throw invalid(
          `hierarchy line ${line}: a value at level ${level} has two different parents`,
          line,
          src,
        )
      }
    }
    paths.set(row[0]!, row)
  }
  return { kind: 'table', height, path: (value) => paths.get(value) }
}

/** Reads and parses one hierarchy file. */
export async function loadHierarchy(path: string): Promise<Hierarchy> {
  return parseHierarchy(await readFile(path, 'utf8'), { source: path.split(/[\\/]/).pop() ?? path })
}

/**
 * Loads every hierarchy in a folder, keyed by column: ARX's `<dataset>_hierarchy_<column>.csv`
 * naming, or plain `<column>.csv`.
 */
export async function loadHierarchies(folder: string): Promise<Map<string, Hierarchy>> {
  const out = new Map<string, Hierarchy>()
  const names = (await readdir(folder)).filter((n) => n.toLowerCase().endsWith('.csv')).sort()
  for (const name of names) {
    const arx = /^.+?_hierarchy_(.+)\.csv$/i.exec(name)
    const column = arx !== null ? arx[1]! : name.slice(0, -4)
    // A data file next to its hierarchies (e.g. adult.csv) is not a hierarchy.
    if (arx === null && names.some((n) => n.startsWith(`${column}_hierarchy_`))) continue
    out.set(column, await loadHierarchy(join(folder, name)))
  }
  return out
}

/** Options for {@link maskingHierarchy}. */
export interface MaskingOptions {
  /** Characters of the value masked from the right at each level, e.g. [1, 2, 3, 4]. */
  readonly maskCounts?: readonly number[]
  /** The value length this hierarchy covers (e.g. 5 for US ZIP codes). */
  readonly length: number
  /** The masking character; `*` by default. */
  readonly maskChar?: string
}

/**
 * Prefix-preserving masking, e.g. ZIP codes: `02139` → `0213*` → `021**` → … → `*`. Only
 * values of exactly `length` characters are covered.
 */
export function maskingHierarchy(options: MaskingOptions): Hierarchy {
  const { length } = options
  const mask = options.maskChar ?? '*'
  const counts = options.maskCounts ?? Array.from({ length: length - 1 }, (_, i) => i + 1)
  if (!Number.isInteger(length) || length < 1) throw invalid('masking length must be >= 1')
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!
    if (!Number.isInteger(c) || c < 1 || c >= length || (i > 0 && c <= counts[i - 1]!)) {
      throw invalid('masking counts must increase strictly within 1..length-1')
    }
  }
  return {
    kind: 'masking',
    height: counts.length + 2,
    path(value) {
      if (value.length !== length) return undefined
      return [value, ...counts.map((c) => value.slice(0, length - c) + mask.repeat(c)), '*']
    },
  }
}

/** Options for {@link intervalHierarchy}. */
export interface IntervalOptions {
  /** Interval widths per level, each a multiple of the one before, e.g. [5, 10, 20]. */
  readonly widths: readonly number[]
  /** Where intervals start; 0 by default. */
  readonly origin?: number
}

/**
 * Numeric intervals of growing width, e.g. ages: `37` → `[35, 40)` → `[30, 40)` → `[20, 40)`
 * → `*`. Nesting holds because every width is a multiple of the previous one.
 */
export function intervalHierarchy(options: IntervalOptions): Hierarchy {
  const { widths } = options
  const origin = options.origin ?? 0
  for (let i = 0; i < widths.length; i++) {
    const w = widths[i]!
    if (!(w > 0) || !Number.isFinite(w)) throw invalid('interval widths must be positive')
    if (i > 0 && (w <= widths[i - 1]! || w % widths[i - 1]! !== 0)) {
      throw invalid('each interval width must be a larger multiple of the previous one')
    }
  }
  return {
    kind: 'interval',
    height: widths.length + 2,
    path(value) {
      if (value.trim() === '') return undefined
      const x = Number(value)
      if (!Number.isFinite(x)) return undefined
      return [
        value,
        ...widths.map((w) => {
          const lo = origin + Math.floor((x - origin) / w) * w
          return `[${lo}, ${lo + w})`
        }),
        '*',
      ]
    },
  }
}
