/**
 * Entry point of k-anonymization: validates a request, runs the optimal full-domain search or
 * Mondrian local recoding, and releases the table with a risk report before and after.
 *
 * Suppression follows ARX: at most floor(maxSuppression · rows) rows may be suppressed, a row is
 * suppressed when its class is smaller than k (or fails an l-diversity / t-closeness model), and
 * a suppressed row keeps its place with every QI cell replaced by `*` (or is removed on request).
 */
import type { ErrorIssue } from '../../errors.js'
import { StrongroomError } from '../../errors.js'
import type { EncodedQi } from './encode.js'
import { encodeQis } from './encode.js'
import type { Hierarchy } from './hierarchy.js'
import { discernibility, precisionLoss } from './loss.js'
import { mondrian } from './mondrian.js'
import type { PrivacyModel, SensitiveColumn } from './privacy-models.js'
import { classSatisfies, encodeSensitive } from './privacy-models.js'
import type { RiskReport } from './risk.js'
import { riskReport } from './risk.js'
import { FullDomainSearch } from './search.js'
import type { Table } from './table.js'

/** Largest lattice the optimal search accepts (node ids stay exact doubles far below 2^53). */
const MAX_LATTICE = 1e12

/** The value written into every QI cell of a suppressed row. */
export const SUPPRESSED = '*'

/** A k-anonymization request. */
export interface AnonymizeOptions {
  /** Quasi-identifier columns. */
  readonly qi: readonly string[]
  /** Smallest allowed class size, >= 2. */
  readonly k: number
  /** Largest share of rows that may be suppressed, 0..1. */
  readonly maxSuppression: number
  /** A hierarchy for every QI. */
  readonly hierarchies: ReadonlyMap<string, Hierarchy> | Readonly<Record<string, Hierarchy>>
  /** Sensitive column for l-diversity / t-closeness. */
  readonly sensitive?: string
  /** l of l-diversity. */
  readonly l?: number
  /** Which l-diversity; `distinct` by default. */
  readonly lVariant?: 'distinct' | 'entropy' | 'recursive'
  /** c of recursive (c,l)-diversity. */
  readonly c?: number
  /** t of t-closeness. */
  readonly t?: number
  /** Ground distance of t-closeness; `equal` by default (`ordered` for ordinal values). */
  readonly tDistance?: 'equal' | 'ordered'
  /** `optimal` (full-domain, ARX-compatible; default) or `mondrian` (local recoding). */
  readonly method?: 'optimal' | 'mondrian'
  /** Suppressed rows: `mask` their QI cells with `*` (ARX; default) or `remove` them. */
  readonly suppressed?: 'mask' | 'remove'
  /** A population table with the QI columns, for journalist risk. */
  readonly population?: Table
  /** Per-record risk above which a record counts as at risk; 0.2 by default. */
  readonly riskThreshold?: number
}

/** What {@link anonymize} releases and reports. */
export interface AnonymizeResult {
  readonly columns: readonly string[]
  readonly rows: string[][]
  readonly method: 'optimal' | 'mondrian'
  /** Chosen level per QI (optimal), or the mean released level per QI (mondrian). */
  readonly levels: Readonly<Record<string, number>>
  /** Non-uniform entropy, unnormalized, in bits (ARX's figure for the optimal method). */
  readonly loss: number
  /** Discernibility of the release (optimal method). */
  readonly discernibility?: number
  /** Precision loss in 0..1 (optimal method). */
  readonly precision?: number
  /** Rows suppressed. */
  readonly suppressed: number
  /** Rows that may be suppressed under the limit. */
  readonly maxSuppressed: number
  /** Equivalence classes (optimal) or partitions (mondrian) released. */
  readonly classes: number
  /** Search effort (optimal method). */
  readonly search?: {
    readonly checks: number
    readonly visited: number
    readonly projections: number
    readonly latticeSize: number
  }
  readonly risk: { readonly before: RiskReport; readonly after: RiskReport }
}

function hierarchyMap(h: AnonymizeOptions['hierarchies']): ReadonlyMap<string, Hierarchy> {
  return h instanceof Map ? h : new Map(Object.entries(h))
}

function issue(path: string, message: string): ErrorIssue {
  return { code: 'ERR_ANONYMIZE_INVALID', path, message }
}

/** Collects every problem with the request that can be seen without encoding the data. */
function checkOptions(table: Table, o: AnonymizeOptions): ErrorIssue[] {
  const issues: ErrorIssue[] = []
  const n = table.rows.length
  if (!Number.isInteger(o.k) || o.k < 2) issues.push(issue('k', 'k must be an integer >= 2'))
  else if (o.k > n) issues.push(issue('k', `k exceeds the ${n} rows of the table`))
  if (!(o.maxSuppression >= 0 && o.maxSuppression <= 1)) {
    issues.push(issue('maxSuppression', 'suppression limit must be within 0..1'))
  }
  if (o.qi.length === 0) issues.push(issue('qi', 'at least one quasi-identifier is required'))
  if (new Set(o.qi).size !== o.qi.length) issues.push(issue('qi', 'a quasi-identifier is repeated'))
  if (o.method !== undefined && o.method !== 'optimal' && o.method !== 'mondrian') {
    issues.push(issue('method', 'method must be optimal or mondrian'))
  }
  const needsSensitive = o.l !== undefined || o.t !== undefined
  if (o.sensitive !== undefined) {
    if (!table.columns.includes(o.sensitive)) issues.push(issue('sensitive', 'no such column'))
    if (o.qi.includes(o.sensitive)) {
      issues.push(issue('sensitive', 'the sensitive column is also a quasi-identifier'))
    }
  } else if (needsSensitive) {
    issues.push(issue('sensitive', 'l-diversity and t-closeness need a sensitive column'))
  }
  if (o.l !== undefined && !(o.l >= 1)) issues.push(issue('l', 'l must be >= 1'))
  if (o.lVariant === 'recursive' && !(o.c !== undefined && o.c > 0)) {
    issues.push(issue('c', 'recursive (c,l)-diversity needs c > 0'))
  }
  if (o.t !== undefined && !(o.t >= 0 && o.t <= 1)) issues.push(issue('t', 't must be within 0..1'))
  table.rows.forEach((r, i) => {
    if (r.length !== table.columns.length && issues.length < 20) {
      issues.push(issue(`rows.${i + 1}`, 'row length differs from the column count'))
    }
  })
  return issues
}

/** The privacy models the options ask for. */
export function privacyModelsOf(o: AnonymizeOptions): PrivacyModel[] {
  const models: PrivacyModel[] = []
  if (o.l !== undefined) {
    const variant = o.lVariant ?? 'distinct'
    if (variant === 'distinct') models.push({ kind: 'distinct-l-diversity', l: o.l })
    else if (variant === 'entropy') models.push({ kind: 'entropy-l-diversity', l: o.l })
    else models.push({ kind: 'recursive-cl-diversity', l: o.l, c: o.c ?? 1 })
  }
  if (o.t !== undefined) {
    models.push({ kind: 't-closeness', t: o.t, distance: o.tDistance ?? 'equal' })
  }
  return models
}

function qiTuples(table: Table, qis: readonly EncodedQi[]): string[][] {
  return table.rows.map((r) => qis.map((q) => r[q.column] ?? ''))
}

/**
 * The population's QI tuples, generalized to `levels` when given (values a hierarchy does not
 * cover stay as they are and simply match no sample class).
 */
function populationTuples(
  pop: Table | undefined,
  qis: readonly EncodedQi[],
  levels?: readonly number[],
): string[][] | undefined {
  if (pop === undefined) return undefined
  const cols = qis.map((q) => pop.columns.indexOf(q.name))
  return pop.rows.map((r) =>
    qis.map((q, j) => {
      const v = r[cols[j]!] ?? ''
      return levels === undefined ? v : (q.hierarchy.path(v)?.[levels[j]!] ?? v)
    }),
  )
}

/**
 * k-anonymizes `table` over the quasi-identifiers `options.qi`.
 *
 * @throws StrongroomError `ERR_ANONYMIZE_INVALID` listing every problem with the request;
 *   `ERR_ANONYMIZE_NO_SOLUTION` when no transformation meets the models within the limit.
 */
export function anonymize(table: Table, options: AnonymizeOptions): AnonymizeResult {
  const issues = checkOptions(table, options)
  const hierarchies = hierarchyMap(options.hierarchies)
  const { qis, issues: encodeIssues } = encodeQis(table, options.qi, hierarchies)
  issues.push(...encodeIssues)
  if ((options.method ?? 'optimal') === 'optimal') {
    const nodes = qis.reduce((p, q) => p * q.height, 1)
    if (nodes > MAX_LATTICE) {
      issues.push(
        issue(
          'method',
          'the generalization lattice is too large for the optimal search; use mondrian',
        ),
      )
    }
  }
  if (options.population !== undefined) {
    for (const name of options.qi) {
      if (!options.population.columns.includes(name)) {
        issues.push(issue(`population.${name}`, 'population table lacks this quasi-identifier'))
      }
    }
  }
  if (issues.length > 0) {
    throw new StrongroomError(
      'ERR_ANONYMIZE_INVALID',
      `invalid anonymization request: ${issues.length} problem(s)`,
      {
        issues,
        hint: 'fix each listed problem',
      },
    )
  }
  const n = table.rows.length
  const maxSuppressed = Math.floor(options.maxSuppression * n)
  const models = privacyModelsOf(options)
  let sensitive: SensitiveColumn | undefined
  if (options.sensitive !== undefined) {
    const col = table.columns.indexOf(options.sensitive)
    sensitive = encodeSensitive(table.rows.map((r) => r[col] ?? ''))
  }
  const population = populationTuples(options.population, qis)
  const before = riskReport(qiTuples(table, qis), {
    ...(population === undefined ? {} : { population }),
    ...(options.riskThreshold === undefined ? {} : { threshold: options.riskThreshold }),
  })
  const constraints = { k: options.k, maxSuppressed, models, ...(sensitive ? { sensitive } : {}) }
  if ((options.method ?? 'optimal') === 'mondrian') {
    return runMondrian(table, options, qis, constraints, before)
  }
  return runOptimal(table, options, qis, constraints, before)
}

function noSolution(): StrongroomError {
  return new StrongroomError(
    'ERR_ANONYMIZE_NO_SOLUTION',
    'no generalization meets the privacy model within the suppression limit',
    { hint: 'raise the suppression limit, lower k, or coarsen the hierarchies' },
  )
}

interface Constraints {
  readonly k: number
  readonly maxSuppressed: number
  readonly models: readonly PrivacyModel[]
  readonly sensitive?: SensitiveColumn
}

function runOptimal(
  table: Table,
  o: AnonymizeOptions,
  qis: readonly EncodedQi[],
  c: Constraints,
  before: RiskReport,
): AnonymizeResult {
  const n = table.rows.length
  const search = new FullDomainSearch(qis, n)
  const found = search.optimal(c)
  if (found === undefined) throw noSolution()
  const ev = search.evaluate(found.levels, c)
  const { classOf, sizes } = ev
  const rows: string[][] = []
  const released: string[][] = []
  const remove = o.suppressed === 'remove'
  for (let r = 0; r < n; r++) {
    const suppressed = ev.suppressedClasses[classOf[r]!] === 1
    if (suppressed && remove) continue
    const out = table.rows[r]!.slice()
    qis.forEach((q, j) => {
      const level = found.levels[j]!
      out[q.column] = suppressed ? SUPPRESSED : q.labels[level]![q.gen[level]![q.codes[r]!]!]!
    })
    rows.push(out)
    released.push(qis.map((q) => out[q.column]!))
  }
  const population = populationTuples(o.population, qis, found.levels)
  let kept = 0
  for (let cl = 0; cl < sizes.length; cl++) if (ev.suppressedClasses[cl] !== 1) kept++
  const grouping = { classOf, sizes, count: sizes.length }
  return {
    columns: table.columns,
    rows,
    method: 'optimal',
    levels: Object.fromEntries(qis.map((q, j) => [q.name, found.levels[j]!])),
    loss: found.loss,
    discernibility: discernibility(grouping, ev.suppressedClasses, n),
    precision: precisionLoss(qis, found.levels, ev.suppressed, n),
    suppressed: ev.suppressed,
    maxSuppressed: c.maxSuppressed,
    classes: kept,
    search: {
      checks: found.checks,
      visited: found.visited,
      projections: found.projections,
      latticeSize: found.latticeSize,
    },
    risk: {
      before,
      after: riskReport(released, {
        ...(population === undefined ? {} : { population }),
        ...(o.riskThreshold === undefined ? {} : { threshold: o.riskThreshold }),
      }),
    },
  }
}

function runMondrian(
  table: Table,
  o: AnonymizeOptions,
  qis: readonly EncodedQi[],
  c: Constraints,
  before: RiskReport,
): AnonymizeResult {
  const n = table.rows.length
  const result = mondrian(qis, n, c)
  // Mondrian never splits below the constraints, so only an unsplittable table can fail them.
  if (result.partitions === 1 && !wholeTableSatisfies(n, c)) throw noSolution()
  const rows = table.rows.map((r, i) => {
    const out = r.slice()
    qis.forEach((q, j) => {
      out[q.column] = result.values[i]![j]!
    })
    return out
  })
  return {
    columns: table.columns,
    rows,
    method: 'mondrian',
    levels: Object.fromEntries(qis.map((q, j) => [q.name, result.meanLevels[j]!])),
    loss: result.nue,
    suppressed: 0,
    maxSuppressed: c.maxSuppressed,
    classes: result.partitions,
    risk: {
      before,
      after: riskReport(result.values, {
        ...(o.riskThreshold === undefined ? {} : { threshold: o.riskThreshold }),
      }),
    },
  }
}

function wholeTableSatisfies(n: number, c: Constraints): boolean {
  if (n < c.k) return false
  if (c.models.length === 0 || c.sensitive === undefined) return true
  const s = c.sensitive
  const counts = new Int32Array(s.size)
  const present: number[] = []
  for (let i = 0; i < n; i++) if (counts[s.codes[i]!]!++ === 0) present.push(s.codes[i]!)
  return c.models.every((m) => classSatisfies(m, s, counts, present, present.length, n))
}
