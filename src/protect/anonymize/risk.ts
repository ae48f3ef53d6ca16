/**
 * Re-identification risk of a table's quasi-identifiers, from its equivalence classes
 * (El Emam's models): prosecutor (the attacker knows the person is in the data), journalist
 * (the attacker matches against a population table), marketer (expected share of records
 * re-identified when every record is matched).
 */

/** Risk figures of one table. */
export interface RiskReport {
  readonly rows: number
  readonly classes: number
  /** 1 / smallest class size. */
  readonly prosecutorMax: number
  /** Mean over records of 1 / class size = classes / rows. */
  readonly prosecutorAverage: number
  /** 1 / smallest matching population class; prosecutor figures without a population. */
  readonly journalistMax: number
  /** Mean over records of 1 / population class size. */
  readonly journalistAverage: number
  /** Expected share of records re-identified: Σ f / F over classes, divided by rows. */
  readonly marketer: number
  /** Share of records alone in their class. */
  readonly uniqueShare: number
  /** The threshold used for {@link recordsAtRisk}. */
  readonly threshold: number
  /** Records whose prosecutor risk exceeds the threshold. */
  readonly recordsAtRisk: number
  /** {@link recordsAtRisk} / rows. */
  readonly shareAtRisk: number
}

/** Options for {@link riskReport}. */
export interface RiskOptions {
  /**
   * QI tuples of the population the sample was drawn from, coded like the sample. A class's
   * population size is never taken below its sample size.
   */
  readonly population?: readonly (readonly string[])[]
  /** Per-record risk above which a record counts as at risk; 0.2 (k = 5) by default. */
  readonly threshold?: number
}

function classCounts(rows: readonly (readonly string[])[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const r of rows) {
    const key = JSON.stringify(r)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

/** Computes the risk report of `qiRows` (one QI tuple per record). */
export function riskReport(
  qiRows: readonly (readonly string[])[],
  options: RiskOptions = {},
): RiskReport {
  const threshold = options.threshold ?? 0.2
  const n = qiRows.length
  const sample = classCounts(qiRows)
  const population = options.population === undefined ? undefined : classCounts(options.population)
  let minF = Infinity
  let minPop = Infinity
  let journalistSum = 0
  let uniques = 0
  let atRisk = 0
  for (const [key, f] of sample) {
    minF = Math.min(minF, f)
    const pop = Math.max(f, population?.get(key) ?? f)
    minPop = Math.min(minPop, pop)
    journalistSum += f / pop
    if (f === 1) uniques++
    if (1 / f > threshold) atRisk += f
  }
  const classes = sample.size
  const safe = (x: number) => (n === 0 ? 0 : x)
  return {
    rows: n,
    classes,
    prosecutorMax: safe(1 / minF),
    prosecutorAverage: safe(classes / n),
    journalistMax: safe(1 / minPop),
    journalistAverage: safe(journalistSum / n),
    marketer: safe(journalistSum / n),
    uniqueShare: safe(uniques / n),
    threshold,
    recordsAtRisk: atRisk,
    shareAtRisk: safe(atRisk / n),
  }
}
