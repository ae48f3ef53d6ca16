/**
 * Persistence port for privacy budgets. The accountant only needs a read and an atomic
 * compare-and-set, which any catalog (SQLite, Postgres) can provide with a version column.
 */

/**
 * A dataset's budget and what has been spent from it. Amounts are exact rational text
 * (`"3/10"`, `"0.3"` or `"1"`), so storage never rounds a budget.
 */
export interface BudgetState {
  /** Total ε the dataset may spend. */
  readonly epsilonTotal: string
  /** Total δ the dataset may spend (0 allows only pure-DP releases). */
  readonly deltaTotal: string
  /** Sum of ε over pure and approximate-DP releases (basic composition). */
  readonly epsilonPure: string
  /** Sum of δ over approximate-DP releases (e.g. thresholded key discovery). */
  readonly deltaApprox: string
  /** Sum of ρ over zCDP releases (zCDP composition). */
  readonly rho: string
  /** Releases charged so far. */
  readonly releases: number
}

/** A stored budget with its version, for optimistic concurrency. */
export interface BudgetRecord {
  /** Starts at 1 when created; each successful compare-and-set adds one. */
  readonly version: number
  readonly state: BudgetState
}

/** Where budgets live. Implementations must make `compareAndSet` atomic. */
export interface BudgetStore {
  /** The current record, or undefined when the dataset has no budget. */
  get(datasetId: string): Promise<BudgetRecord | undefined>
  /**
   * Replaces the state only if the stored version is `expectedVersion` (0: only if no record
   * exists), storing it as version `expectedVersion + 1`. Returns false, changing nothing,
   * when another writer got there first.
   */
  compareAndSet(datasetId: string, expectedVersion: number, next: BudgetState): Promise<boolean>
}

/** An in-process {@link BudgetStore}, for tests and single-process tools. */
export class MemoryBudgetStore implements BudgetStore {
  private readonly records = new Map<string, BudgetRecord>()

  /** {@inheritDoc BudgetStore.get} */
  get(datasetId: string): Promise<BudgetRecord | undefined> {
    return Promise.resolve(this.records.get(datasetId))
  }

  /** {@inheritDoc BudgetStore.compareAndSet} */
  compareAndSet(datasetId: string, expectedVersion: number, next: BudgetState): Promise<boolean> {
    const current = this.records.get(datasetId)?.version ?? 0
    if (current !== expectedVersion) return Promise.resolve(false)
    this.records.set(datasetId, { version: expectedVersion + 1, state: { ...next } })
    return Promise.resolve(true)
  }
}
