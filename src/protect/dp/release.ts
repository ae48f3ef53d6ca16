/**
 * `dpRelease`: one differentially private aggregate over a dataset's columns, charged to the
 * dataset's privacy budget before anything is computed.
 *
 * Order of work: every parameter is checked (all problems reported together), the data is
 * read and converted (a non-numeric cell stops here, before any spend), the budget is
 * reserved atomically, and only then is noise drawn. A failure after the reservation keeps
 * the budget spent: releasing nothing costs privacy budget, never the reverse.
 */
import type { CellValue } from '../../core/batch.js'
import type { PrivacyAccountant, BudgetStatus } from './accountant.js'
import {
  clampedSum,
  exponentialQuantile,
  noiseDrawer,
  noisy,
  noisyMean,
  splitBudget,
  type NoiseReport,
  type PartBudget,
} from './mechanisms.js'
import {
  addIssue,
  checkDelta,
  checkEpsilon,
  checkRho,
  readRational,
  throwIfIssues,
  type Issues,
} from './params.js'
import { cryptoRandomSource, type RandomSource } from './random.js'
import { Rational, type RationalLike } from './rational.js'
import { lnUpper, rhoForEpsilonDelta, sqrtLower, sqrtUpper } from './real-bounds.js'
import {
  clamp,
  columnValues,
  hasColumn,
  keyId,
  numericColumn,
  rowCount,
  type ColumnsInput,
} from './values.js'

/** The aggregates `dpRelease` computes. */
export const DP_AGGREGATES = ['count', 'sum', 'mean', 'histogram', 'quantile'] as const

/** One of {@link DP_AGGREGATES}. */
export type DpAggregate = (typeof DP_AGGREGATES)[number]

/**
 * The noise family: `laplace` for pure ε-DP (discrete Laplace), `gaussian` for ρ-zCDP
 * (discrete Gaussian; ask with `rho`, or with `epsilon` and `delta`, converted to the
 * largest ρ whose (ε, δ) guarantee fits).
 */
export type DpMechanism = 'laplace' | 'gaussian'

/** Clamping bounds, in the column's own units (decimals allowed; see `scale`). */
export interface DpBounds {
  readonly lower: RationalLike
  readonly upper: RationalLike
}

/** Options of {@link dpRelease}. */
export interface DpReleaseOptions {
  /** The dataset whose budget pays for the release. */
  readonly dataset: string
  readonly agg: DpAggregate
  /** The numeric column (sum, mean, quantile); for count, count its non-null cells. */
  readonly column?: string
  /** The category column of a histogram. */
  readonly by?: string
  readonly mechanism: DpMechanism
  readonly epsilon?: RationalLike
  /**
   * With `laplace`: the δ of thresholded key discovery (`keys: 'derive'` only). With
   * `gaussian` and `epsilon`: the δ of the (ε, δ) target (half of it goes to the threshold
   * when keys are derived). With `gaussian` and `rho`: the threshold δ.
   */
  readonly delta?: RationalLike
  /** zCDP ρ for `gaussian`, instead of `epsilon` and `delta`. */
  readonly rho?: RationalLike
  /** Required for sum, mean and quantile. */
  readonly bounds?: DpBounds
  /** Decimal digits of the fixed-point scale (0–18, default 0): 2 counts in hundredths. */
  readonly scale?: number
  /**
   * Histogram keys: the public domain to report (rows outside it are not counted), or
   * `'derive'` to discover keys from the data, which needs δ > 0 and releases only keys whose
   * noisy count clears a threshold.
   */
  readonly keys?: readonly CellValue[] | 'derive'
  /** Quantile levels in [0, 1] (default [0.5]); the budget is split evenly among them. */
  readonly quantiles?: readonly RationalLike[]
  /** Grid intervals between the bounds for quantiles (default 1000, at most 100000). */
  readonly buckets?: number
  /** Random bits; node:crypto unless a test injects a seeded source. */
  readonly random?: RandomSource
}

/** One histogram bin. */
export interface DpBin {
  readonly key: CellValue
  readonly count: number
}

/** What a release returns. */
export interface DpReleaseResult {
  readonly agg: DpAggregate
  /** The noise or selection actually used. */
  readonly mechanism: 'discrete-laplace' | 'discrete-gaussian' | 'exponential'
  /** Count, sum or mean, in the column's units. */
  readonly value?: number
  /** Histogram bins, in declared order (derived keys: sorted by key identity). */
  readonly bins?: readonly DpBin[]
  /** Quantiles, in the order asked. */
  readonly quantiles?: readonly { readonly q: number; readonly value: number }[]
  /** The privacy this release was charged. */
  readonly privacy: {
    readonly epsilon: Rational
    readonly delta: Rational
    readonly rho: Rational
  }
  /** Noise calibration of each noisy part (fixed-point units). */
  readonly noise: readonly NoiseReport[]
  /** Derived-key histograms: the noisy-count threshold a key had to reach. */
  readonly threshold?: bigint
  /** The dataset's budget after this release. */
  readonly remaining: BudgetStatus
}

const MAX_SCALE = 18
const MAX_BUCKETS = 100_000

interface Plan {
  readonly agg: DpAggregate
  readonly budget: PartBudget
  readonly spend: { epsilon?: Rational; delta?: Rational; rho?: Rational }
  readonly thresholdDelta?: Rational
  readonly factor: bigint
  readonly lower?: bigint
  readonly upper?: bigint
  readonly quantiles: readonly Rational[]
  readonly buckets: number
}

/**
 * Computes one differentially private aggregate and charges it to `options.dataset`.
 *
 * Approaches (neighbours: one row added or removed; values are integers after the
 * fixed-point scale):
 * - count: rows (or non-null cells of `column`) + noise of sensitivity 1;
 * - sum: values clamped to the bounds, + noise of sensitivity `max(|lower|, |upper|)`;
 * - mean: midpoint + noisy shifted sum / noisy count, half the budget each;
 * - histogram: one noisy count per key (sensitivity 1; rows touch one key, so every key gets
 *   the whole budget); keys are a declared public domain, or derived with a threshold;
 * - quantile: exponential mechanism on a bucketed grid between the bounds, sampled exactly;
 *   under `gaussian` it is charged ρ with selection ε = sqrt(8ρ) (an ε-exponential
 *   mechanism is ε²/8-zCDP: Cesar & Rogers 2021).
 *
 * Throws `ERR_DP_INVALID_PARAMETER` listing every bad parameter, `ERR_COLUMN_NOT_FOUND`
 * issues inside it for missing columns, `ERR_INPUT_TYPE_MISMATCH` for a non-numeric cell and
 * `ERR_DP_BUDGET_EXCEEDED` when the budget cannot pay; none of these spends anything.
 */
export async function dpRelease(
  input: ColumnsInput,
  options: DpReleaseOptions,
  accountant: PrivacyAccountant,
): Promise<DpReleaseResult> {
  const plan = checkOptions(input, options)
  const source = options.random ?? cryptoRandomSource()
  const compute = prepare(input, options, plan)
  const receipt = await accountant.spend(options.dataset, plan.spend)
  const out = compute(source)
  return {
    agg: plan.agg,
    mechanism:
      plan.agg === 'quantile'
        ? 'exponential'
        : plan.budget.kind === 'laplace'
          ? 'discrete-laplace'
          : 'discrete-gaussian',
    ...out,
    privacy: {
      epsilon: receipt.epsilonCharged,
      delta: receipt.deltaCharged,
      rho: receipt.rhoCharged,
    },
    remaining: receipt.after,
  }
}

type Computed = Omit<DpReleaseResult, 'agg' | 'mechanism' | 'privacy' | 'remaining'>

/** Reads the data now (so bad cells fail before the spend) and returns the noisy step. */
function prepare(
  input: ColumnsInput,
  options: DpReleaseOptions,
  plan: Plan,
): (source: RandomSource) => Computed {
  const { factor } = plan
  const toUnits = (r: Rational): number => r.div(factor).toNumber()
  switch (plan.agg) {
    case 'count': {
      const n =
        options.column === undefined
          ? rowCount(input)
          : columnValues(input, options.column).filter((v) => v !== null).length
      return (source) => {
        const r = noisy(source, BigInt(n), 1n, plan.budget, 'count')
        return { value: Number(r.value), noise: [r.report] }
      }
    }
    case 'sum': {
      const values = numericColumn(
        columnValues(input, options.column as string),
        options.column as string,
        factor,
      )
      const { sum, sensitivity } = clampedSum(values, plan.lower as bigint, plan.upper as bigint)
      return (source) => {
        const r = noisy(source, sum, sensitivity, plan.budget, 'sum')
        return { value: toUnits(Rational.of(r.value)), noise: [r.report] }
      }
    }
    case 'mean': {
      const values = numericColumn(
        columnValues(input, options.column as string),
        options.column as string,
        factor,
      )
      return (source) => {
        const r = noisyMean(source, values, plan.lower as bigint, plan.upper as bigint, plan.budget)
        return { value: toUnits(r.mean), noise: r.reports }
      }
    }
    case 'histogram':
      return prepareHistogram(input, options, plan)
    case 'quantile': {
      const lower = plan.lower as bigint
      const upper = plan.upper as bigint
      const values = numericColumn(
        columnValues(input, options.column as string),
        options.column as string,
        factor,
      )
      const sorted = values
        .map((v) => clamp(v, lower, upper))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      return (source) => {
        const part = splitBudget(plan.budget, plan.quantiles.length)
        // Under zCDP, the selection ε is the largest with ε²/8 <= ρ (rounded down).
        const epsilon = part.kind === 'laplace' ? part.epsilon : sqrtLower(part.rho.mul(8))
        const quantiles = plan.quantiles.map((q) => ({
          q: q.toNumber(),
          value: toUnits(
            exponentialQuantile(source, sorted, q, lower, upper, plan.buckets, epsilon),
          ),
        }))
        const noise = plan.quantiles.map(() => ({ target: 'quantile', sensitivity: 1n, epsilon }))
        return { quantiles, noise }
      }
    }
  }
}

function prepareHistogram(
  input: ColumnsInput,
  options: DpReleaseOptions,
  plan: Plan,
): (source: RandomSource) => Computed {
  const counts = new Map<string, { key: CellValue; count: bigint }>()
  const declared = options.keys !== 'derive'
  if (declared) {
    for (const key of options.keys as readonly CellValue[])
      counts.set(keyId(key), { key, count: 0n })
  }
  for (const v of columnValues(input, options.by as string)) {
    const id = keyId(v)
    const bin = counts.get(id)
    if (bin) bin.count++
    // Undeclared values are not counted: only the public domain is reported.
    else if (!declared) counts.set(id, { key: v, count: 1n })
  }
  const drawer = noiseDrawer(1n, plan.budget, 'bin')
  if (declared) {
    return (source) => ({
      bins: [...counts.values()].map((b) => ({
        key: b.key,
        count: Number(b.count + drawer.sample(source)),
      })),
      noise: [drawer.report],
    })
  }
  const threshold = derivedKeyThreshold(plan.budget, plan.thresholdDelta as Rational)
  // Sorted by identity so the output order says nothing about row order.
  const ids = [...counts.keys()].sort()
  return (source) => {
    const bins: DpBin[] = []
    for (const id of ids) {
      const b = counts.get(id) as { key: CellValue; count: bigint }
      const c = b.count + drawer.sample(source)
      if (c >= threshold) bins.push({ key: b.key, count: Number(c) })
    }
    return { bins, noise: [drawer.report], threshold }
  }
}

/**
 * The noisy-count threshold for keys discovered from the data. A key present in one
 * neighbour and absent from the other has true count 1, so it must stay hidden except with
 * probability δ: `P(1 + Z >= τ) <= δ`.
 * - discrete Laplace, scale t: `P(Z >= k) = q^k/(1+q) <= exp(-k/t)`, so
 *   `τ = 1 + ceil(t·ln(1/δ))`;
 * - discrete Gaussian: `P(Z >= k) <= exp(-k²/(2σ²))` (CKS 2020, subgaussian tail), so
 *   `τ = 1 + ceil(sqrt(2σ²·ln(1/δ)))`.
 * The logarithm and root are rigorous upper bounds, so τ is never too low.
 */
export function derivedKeyThreshold(budget: PartBudget, delta: Rational): bigint {
  const ln = lnUpper(Rational.ONE.div(delta))
  if (budget.kind === 'laplace') {
    return 1n + Rational.ONE.div(budget.epsilon).mul(ln).ceil()
  }
  const sigma2 = Rational.ONE.div(budget.rho.mul(2))
  return 1n + sqrtUpper(sigma2.mul(2).mul(ln)).ceil()
}

/** Validates everything, returning the plan or throwing with every issue listed. */
function checkOptions(input: ColumnsInput, o: DpReleaseOptions): Plan {
  const issues: Issues = []
  const agg = o.agg
  if (!(DP_AGGREGATES as readonly string[]).includes(agg)) {
    addIssue(issues, 'agg', `must be one of ${DP_AGGREGATES.join(', ')}`)
  }
  if (typeof o.dataset !== 'string' || o.dataset === '') addIssue(issues, 'dataset', 'is required')
  const needsColumn = agg === 'sum' || agg === 'mean' || agg === 'quantile'
  if (needsColumn && o.column === undefined) addIssue(issues, 'column', 'is required')
  if (agg === 'histogram' && o.by === undefined) addIssue(issues, 'by', 'is required')
  for (const path of ['column', 'by'] as const) {
    const name = o[path]
    if (name !== undefined && !hasColumn(input, name)) {
      issues.push({ code: 'ERR_COLUMN_NOT_FOUND', path, message: `column ${name} not found` })
    }
  }

  const derive = agg === 'histogram' && o.keys === 'derive'
  if (agg === 'histogram' && o.keys !== 'derive' && !Array.isArray(o.keys)) {
    addIssue(issues, 'keys', "is required: the public key domain, or 'derive' with delta > 0")
  }
  const scale = o.scale ?? 0
  if (!Number.isInteger(scale) || scale < 0 || scale > MAX_SCALE) {
    addIssue(issues, 'scale', `must be an integer from 0 to ${MAX_SCALE}`)
  }
  const factor =
    10n ** BigInt(Number.isInteger(scale) && scale >= 0 && scale <= MAX_SCALE ? scale : 0)

  const bounds = checkBounds(o, needsColumn, factor, issues)
  const quantiles = checkQuantiles(o, agg === 'quantile', issues)
  const buckets = o.buckets ?? 1000
  if (agg === 'quantile' && (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS)) {
    addIssue(issues, 'buckets', `must be an integer from 1 to ${MAX_BUCKETS}`)
  }

  const privacy = checkPrivacy(o, derive, issues)
  throwIfIssues(issues, 'differential-privacy release')
  return {
    agg,
    ...(privacy as NonNullable<typeof privacy>),
    factor,
    ...bounds,
    quantiles,
    buckets,
  }
}

function checkBounds(
  o: DpReleaseOptions,
  required: boolean,
  factor: bigint,
  issues: Issues,
): { lower?: bigint; upper?: bigint } {
  if (o.bounds === undefined) {
    if (required) addIssue(issues, 'bounds', 'are required: { lower, upper } clamp every value')
    return {}
  }
  const scaled = (v: RationalLike | undefined, path: string): bigint | undefined => {
    if (v === undefined) {
      addIssue(issues, path, 'is required')
      return undefined
    }
    const r = readRational(v, path, issues)?.mul(factor)
    if (r !== undefined && !r.isInteger()) {
      addIssue(issues, path, 'must have no more decimal digits than scale allows')
      return undefined
    }
    return r?.num
  }
  const lower = scaled(o.bounds.lower, 'bounds.lower')
  const upper = scaled(o.bounds.upper, 'bounds.upper')
  if (lower !== undefined && upper !== undefined && lower >= upper) {
    addIssue(issues, 'bounds', 'lower must be less than upper')
  }
  return lower === undefined || upper === undefined ? {} : { lower, upper }
}

function checkQuantiles(o: DpReleaseOptions, used: boolean, issues: Issues): Rational[] {
  if (!used) return []
  const asked = o.quantiles ?? ['0.5']
  if (asked.length === 0) addIssue(issues, 'quantiles', 'must not be empty')
  const out: Rational[] = []
  asked.forEach((q, i) => {
    const r = readRational(q, `quantiles[${i}]`, issues)
    if (r === undefined) return
    if (r.sign() < 0 || r.gt(1)) addIssue(issues, `quantiles[${i}]`, 'must be within [0, 1]')
    else out.push(r)
  })
  return out
}

/** Turns ε / δ / ρ into the per-release budget and the spend request. */
function checkPrivacy(
  o: DpReleaseOptions,
  derive: boolean,
  issues: Issues,
): Pick<Plan, 'budget' | 'spend' | 'thresholdDelta'> | undefined {
  if (o.mechanism !== 'laplace' && o.mechanism !== 'gaussian') {
    addIssue(issues, 'mechanism', "must be 'laplace' or 'gaussian'")
    return undefined
  }
  const delta = checkDelta(o.delta, 'delta', issues)
  const hasDelta = delta !== undefined && delta.sign() > 0
  if (o.mechanism === 'laplace') {
    const epsilon = checkEpsilon(o.epsilon, 'epsilon', issues, true)
    if (o.rho !== undefined) addIssue(issues, 'rho', "applies to the 'gaussian' mechanism only")
    if (derive && !hasDelta) addIssue(issues, 'delta', "must be > 0 when keys are 'derive'")
    if (!derive && hasDelta) addIssue(issues, 'delta', "is only used when keys are 'derive'")
    if (!epsilon) return undefined
    return {
      budget: { kind: 'laplace', epsilon },
      spend: { epsilon, ...(derive && delta ? { delta } : {}) },
      ...(derive && delta ? { thresholdDelta: delta } : {}),
    }
  }
  if (o.rho !== undefined) {
    const rho = checkRho(o.rho, 'rho', issues)
    if (o.epsilon !== undefined)
      addIssue(issues, 'epsilon', 'give either rho, or epsilon and delta')
    if (derive && !hasDelta) addIssue(issues, 'delta', "must be > 0 when keys are 'derive'")
    if (!derive && hasDelta)
      addIssue(issues, 'delta', "with rho, is only used when keys are 'derive'")
    if (!rho) return undefined
    return {
      budget: { kind: 'gaussian', rho },
      spend: { rho, ...(derive && delta ? { delta } : {}) },
      ...(derive && delta ? { thresholdDelta: delta } : {}),
    }
  }
  const epsilon = checkEpsilon(o.epsilon, 'epsilon', issues, true)
  if (!hasDelta) addIssue(issues, 'delta', "must be > 0 for 'gaussian' with epsilon (or give rho)")
  if (!epsilon || !delta || !hasDelta) return undefined
  const conversionDelta = derive ? delta.div(2n) : delta
  const rho = rhoForEpsilonDelta(epsilon, conversionDelta)
  if (rho.sign() <= 0) {
    addIssue(issues, 'epsilon', 'is too small for any noise at this delta')
    return undefined
  }
  return {
    budget: { kind: 'gaussian', rho },
    spend: { rho, ...(derive ? { delta: conversionDelta } : {}) },
    ...(derive ? { thresholdDelta: conversionDelta } : {}),
  }
}
