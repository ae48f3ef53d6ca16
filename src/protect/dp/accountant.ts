/**
 * Privacy budget accounting per dataset.
 *
 * Spends are tracked in three exact ledgers and combined as in Bun & Steinke, "Concentrated
 * Differential Privacy: Simplifications, Extensions, and Lower Bounds" (TCC 2016):
 * - `epsilonPure` (ξ): a pure ε-DP release has Rényi divergence at most ε at every order, so
 *   these add up exactly like basic sequential composition;
 * - `rho` (ρ): zCDP releases (discrete Gaussian) compose by adding ρ;
 * - `deltaApprox`: releases that may fail with probability δ (thresholded key discovery)
 *   add their δ, as in basic composition of (ε, δ)-DP.
 * Together this is δ_approx-approximate (ξ, ρ)-zCDP, which implies (ε, δ)-DP with
 * `ε = ξ + ρ + 2·sqrt(ρ·ln(1/δ'))` and `δ = δ_approx + δ'`. The accountant spends all δ not
 * committed to approximate releases on that conversion (`δ' = δ_total - δ_approx`), which
 * gives the smallest ε. The square root and logarithm are evaluated as rigorous rational
 * upper bounds (see real-bounds.ts), so the ε reported is never below the true one.
 */
import { StrongroomError } from '../../errors.js'
import type { BudgetRecord, BudgetState, BudgetStore } from './budget-store.js'
import {
  addIssue,
  checkDelta,
  checkEpsilon,
  readRational,
  throwIfIssues,
  type Issues,
} from './params.js'
import { Rational, type RationalLike } from './rational.js'
import { epsilonFromRhoUpper } from './real-bounds.js'

/** A dataset's budget position, derived from its stored state. */
export interface BudgetStatus {
  readonly datasetId: string
  readonly epsilonTotal: Rational
  readonly deltaTotal: Rational
  /** ε spent: ξ plus the converted zCDP part (an upper bound). */
  readonly epsilonSpent: Rational
  /** δ committed to approximate releases. */
  readonly deltaSpent: Rational
  readonly epsilonRemaining: Rational
  readonly deltaRemaining: Rational
  /** ε of pure and approximate releases (basic composition). */
  readonly epsilonPure: Rational
  /** Accumulated zCDP ρ. */
  readonly rho: Rational
  /** The δ the zCDP part is converted at (`deltaTotal - deltaSpent`). */
  readonly conversionDelta: Rational
  readonly releases: number
}

/** What one release asks to spend. At least one amount must be positive. */
export interface SpendRequest {
  /** ε of a pure (or approximate) DP release. */
  readonly epsilon?: RationalLike
  /** δ of an approximate release. */
  readonly delta?: RationalLike
  /** ρ of a zCDP release. */
  readonly rho?: RationalLike
}

/** The outcome of a successful spend. */
export interface SpendReceipt {
  /** ε this release added to the dataset's spent ε (ξ part plus the zCDP increase). */
  readonly epsilonCharged: Rational
  readonly deltaCharged: Rational
  readonly rhoCharged: Rational
  readonly before: BudgetStatus
  readonly after: BudgetStatus
}

/** Options for {@link PrivacyAccountant}. */
export interface AccountantOptions {
  /** Compare-and-set attempts before giving up with `ERR_CATALOG_CONFLICT`. Default 64. */
  readonly maxAttempts?: number
}

interface Ledger {
  readonly epsilonTotal: Rational
  readonly deltaTotal: Rational
  readonly epsilonPure: Rational
  readonly deltaApprox: Rational
  readonly rho: Rational
  readonly releases: number
}

function toLedger(state: BudgetState): Ledger {
  return {
    epsilonTotal: Rational.parse(state.epsilonTotal),
    deltaTotal: Rational.parse(state.deltaTotal),
    epsilonPure: Rational.parse(state.epsilonPure),
    deltaApprox: Rational.parse(state.deltaApprox),
    rho: Rational.parse(state.rho),
    releases: state.releases,
  }
}

function toState(l: Ledger): BudgetState {
  return {
    epsilonTotal: l.epsilonTotal.toString(),
    deltaTotal: l.deltaTotal.toString(),
    epsilonPure: l.epsilonPure.toString(),
    deltaApprox: l.deltaApprox.toString(),
    rho: l.rho.toString(),
    releases: l.releases,
  }
}

// A spend checks and reports the same ledger more than once; the conversion is the costly part.
const SPENT = new WeakMap<Ledger, Rational | undefined>()

/** Spent ε, or undefined when the zCDP part cannot be converted (no δ left for it). */
function epsilonSpent(l: Ledger): Rational | undefined {
  if (l.rho.sign() === 0) return l.epsilonPure
  if (SPENT.has(l)) return SPENT.get(l)
  const conversionDelta = l.deltaTotal.sub(l.deltaApprox)
  const spent =
    conversionDelta.sign() <= 0
      ? undefined
      : l.epsilonPure.add(epsilonFromRhoUpper(l.rho, conversionDelta))
  SPENT.set(l, spent)
  return spent
}

function status(datasetId: string, l: Ledger): BudgetStatus {
  const spent = epsilonSpent(l) ?? l.epsilonTotal
  return {
    datasetId,
    epsilonTotal: l.epsilonTotal,
    deltaTotal: l.deltaTotal,
    epsilonSpent: spent,
    deltaSpent: l.deltaApprox,
    epsilonRemaining: Rational.max(Rational.ZERO, l.epsilonTotal.sub(spent)),
    deltaRemaining: Rational.max(Rational.ZERO, l.deltaTotal.sub(l.deltaApprox)),
    epsilonPure: l.epsilonPure,
    rho: l.rho,
    conversionDelta: l.deltaTotal.sub(l.deltaApprox),
    releases: l.releases,
  }
}

/** True when the ledger is within its totals. */
function fits(l: Ledger): boolean {
  if (l.deltaApprox.gt(l.deltaTotal)) return false
  const spent = epsilonSpent(l)
  return spent !== undefined && spent.lte(l.epsilonTotal)
}

function fmt(r: Rational): string {
  return r.toDisplay()
}

/**
 * Keeps each dataset's privacy budget in a {@link BudgetStore} and charges releases against
 * it atomically: a spend is read, checked and written with compare-and-set, retried when
 * another spend won the race, and refused (recording nothing) when it would overspend.
 */
export class PrivacyAccountant {
  private readonly store: BudgetStore
  private readonly maxAttempts: number

  constructor(store: BudgetStore, options: AccountantOptions = {}) {
    this.store = store
    this.maxAttempts = options.maxAttempts ?? 64
  }

  /**
   * Sets a dataset's total budget, creating it or changing the totals while keeping what was
   * spent. Throws `ERR_DP_INVALID_PARAMETER` for ε <= 0, δ outside [0, 1), or totals below
   * what is already spent.
   */
  async setBudget(
    datasetId: string,
    budget: { readonly epsilon: RationalLike; readonly delta?: RationalLike },
  ): Promise<BudgetStatus> {
    const issues: Issues = []
    const epsilon = checkEpsilon(budget.epsilon, 'epsilon', issues, true)
    const delta = checkDelta(budget.delta ?? 0, 'delta', issues)
    throwIfIssues(issues, 'privacy budget')
    return this.update(datasetId, (current) => {
      const next: Ledger = {
        ...(current ?? {
          epsilonPure: Rational.ZERO,
          deltaApprox: Rational.ZERO,
          rho: Rational.ZERO,
          releases: 0,
        }),
        epsilonTotal: epsilon as Rational,
        deltaTotal: delta as Rational,
      }
      if (!fits(next)) {
        throw new StrongroomError(
          'ERR_DP_INVALID_PARAMETER',
          'invalid privacy budget: the new totals are below what is already spent',
          {
            issues: [{ code: 'ERR_DP_INVALID_PARAMETER', path: 'epsilon', message: 'below spent' }],
          },
        )
      }
      return next
    }).then((r) => r.after)
  }

  /** The dataset's budget position; `ERR_DP_BUDGET_EXCEEDED` when it has no budget. */
  async status(datasetId: string): Promise<BudgetStatus> {
    const record = await this.store.get(datasetId)
    if (!record) throw noBudget(datasetId)
    return status(datasetId, toLedger(record.state))
  }

  /**
   * Charges a release. Throws `ERR_DP_INVALID_PARAMETER` for a malformed request and
   * `ERR_DP_BUDGET_EXCEEDED` (stating spent, remaining and requested) when it would
   * overspend; on either, the stored budget is unchanged.
   */
  async spend(datasetId: string, request: SpendRequest): Promise<SpendReceipt> {
    const issues: Issues = []
    const epsilon = readNonNegative(request.epsilon, 'epsilon', issues)
    const delta = checkDelta(request.delta ?? 0, 'delta', issues) ?? Rational.ZERO
    const rho = readNonNegative(request.rho, 'rho', issues)
    if (issues.length === 0 && epsilon.sign() === 0 && delta.sign() === 0 && rho.sign() === 0) {
      addIssue(issues, 'epsilon', 'a release must spend some epsilon, delta or rho')
    }
    throwIfIssues(issues, 'privacy spend')
    const { before, after } = await this.update(datasetId, (current) => {
      if (!current) throw noBudget(datasetId)
      const next: Ledger = {
        ...current,
        epsilonPure: current.epsilonPure.add(epsilon),
        deltaApprox: current.deltaApprox.add(delta),
        rho: current.rho.add(rho),
        releases: current.releases + 1,
      }
      if (!fits(next)) throw overspend(datasetId, current, next, { epsilon, delta, rho })
      return next
    })
    return {
      epsilonCharged: after.epsilonSpent.sub(before.epsilonSpent),
      deltaCharged: delta,
      rhoCharged: rho,
      before,
      after,
    }
  }

  /** Read, transform, compare-and-set; retried when another writer won. */
  private async update(
    datasetId: string,
    change: (current: Ledger | undefined) => Ledger,
  ): Promise<{ before: BudgetStatus; after: BudgetStatus }> {
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const record: BudgetRecord | undefined = await this.store.get(datasetId)
      const current = record ? toLedger(record.state) : undefined
      const next = change(current)
      if (await this.store.compareAndSet(datasetId, record?.version ?? 0, toState(next))) {
        return {
          before: status(datasetId, current ?? next),
          after: status(datasetId, next),
        }
      }
    }
    throw new StrongroomError(
      'ERR_CATALOG_CONFLICT',
      `privacy budget of dataset ${datasetId} kept changing; nothing was spent`,
      { hint: 'retry the release', details: { datasetId } },
    )
  }
}

function readNonNegative(value: RationalLike | undefined, path: string, issues: Issues): Rational {
  const r = readRational(value ?? 0, path, issues)
  if (r !== undefined && r.sign() < 0) {
    addIssue(issues, path, 'must not be negative')
    return Rational.ZERO
  }
  return r ?? Rational.ZERO
}

function noBudget(datasetId: string): StrongroomError {
  return new StrongroomError(
    'ERR_DP_BUDGET_EXCEEDED',
    `dataset ${datasetId} has no privacy budget; nothing was released`,
    { hint: 'have an administrator set a budget for the dataset', details: { datasetId } },
  )
}

function overspend(
  datasetId: string,
  current: Ledger,
  next: Ledger,
  asked: { epsilon: Rational; delta: Rational; rho: Rational },
): StrongroomError {
  const now = status(datasetId, current)
  const wanted = epsilonSpent(next)
  const requestedEpsilon = wanted === undefined ? undefined : wanted.sub(now.epsilonSpent)
  const parts = [`ε=${requestedEpsilon === undefined ? 'unbounded' : fmt(requestedEpsilon)}`]
  if (asked.delta.sign() > 0) parts.push(`δ=${fmt(asked.delta)}`)
  if (asked.rho.sign() > 0) parts.push(`ρ=${fmt(asked.rho)}`)
  const reason = wanted === undefined ? ' (zCDP releases need δ budget left to convert at)' : ''
  return new StrongroomError(
    'ERR_DP_BUDGET_EXCEEDED',
    `privacy budget of dataset ${datasetId} exceeded${reason}: ` +
      `spent ε=${fmt(now.epsilonSpent)} δ=${fmt(now.deltaSpent)}, ` +
      `remaining ε=${fmt(now.epsilonRemaining)} δ=${fmt(now.deltaRemaining)}, ` +
      `requested ${parts.join(' ')}; nothing was released`,
    {
      hint: 'ask with a smaller epsilon, or have an administrator raise the budget',
      details: {
        datasetId,
        epsilonSpent: now.epsilonSpent.toString(),
        epsilonRemaining: now.epsilonRemaining.toString(),
        deltaSpent: now.deltaSpent.toString(),
        deltaRemaining: now.deltaRemaining.toString(),
        epsilonRequested: requestedEpsilon?.toString() ?? 'unbounded',
        deltaRequested: asked.delta.toString(),
        rhoRequested: asked.rho.toString(),
      },
    },
  )
}
