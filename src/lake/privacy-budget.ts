/**
 * Differential privacy in the lake: each dataset's privacy budget lives in the catalog
 * (a {@link BudgetStore} over `casPrivacyBudget`, so budgets are shared by every process on
 * the lake), and DP releases read the data through `readBatches` only and are charged to
 * that budget, with every charge in the catalog's release ledger.
 *
 * Deny by default: a dataset without a budget refuses every release.
 */
import type { Catalog, PrivacyRelease, PrivacyReleaseInput } from '../catalog/catalog.js'
import type { CellValue, RecordBatch } from '../core/batch.js'
import { formatDatasetName } from '../core/names.js'
import type { ColumnType } from '../core/schema.js'
import { isStrongroomError, StrongroomError, type ErrorIssue } from '../errors.js'
import {
  dpRelease,
  PrivacyAccountant,
  Rational,
  type BudgetRecord,
  type BudgetState,
  type BudgetStatus,
  type BudgetStore,
  type DpMechanism,
  type DpReleaseOptions,
  type DpReleaseResult,
  type RationalLike,
} from '../protect/dp/index.js'
import type { LakeContext } from './context.js'
import { requireDataset, requireVersion } from './datasets.js'
import { decidedBatches, versionFiles } from './read.js'
import { authorizeDataset } from './access-control.js'
import { planReadAccess } from './read-access.js'

/** The purpose differential-privacy releases are authorized under. */
export const DP_PURPOSE = 'analytics'

/** Who made a release and how, for the ledger entry written with its charge. */
export interface ReleaseNote {
  readonly principal: string
  readonly aggregate: string
  readonly mechanism: string
}

/** Options of {@link catalogBudgetStore}. */
export interface CatalogBudgetStoreOptions {
  /**
   * Budget keys (e.g. qualified dataset names) to catalog dataset ids; a key not in the map
   * is used as the id itself.
   */
  readonly datasetIds?: ReadonlyMap<string, string>
  /**
   * Set for the store of one release: the compare-and-set that charges it also appends
   * this note, with the amounts charged, to the ledger in the same transaction.
   */
  readonly release?: ReleaseNote
}

/**
 * A {@link BudgetStore} over the catalog. With `release`, the write that counts one more
 * release carries the ledger entry: its amounts are the exact differences between the
 * state written and the state read at the version compared against. Versions only grow, so
 * that state is the stored one whenever the compare-and-set succeeds.
 */
export function catalogBudgetStore(
  catalog: Catalog,
  options: CatalogBudgetStoreOptions = {},
): BudgetStore {
  const seen = new Map<string, BudgetState>()
  const idOf = (key: string): string => options.datasetIds?.get(key) ?? key
  return {
    async get(key: string): Promise<BudgetRecord | undefined> {
      const record = await catalog.getPrivacyBudget(idOf(key))
      if (record === undefined) return undefined
      seen.set(`${key}\u0000${String(record.version)}`, record.state)
      return { version: record.version, state: record.state }
    },
    compareAndSet(key: string, expectedVersion: number, next: BudgetState): Promise<boolean> {
      const before = seen.get(`${key}\u0000${String(expectedVersion)}`)
      const entry =
        options.release !== undefined && before !== undefined && next.releases > before.releases
          ? ledgerEntry(options.release, before, next)
          : undefined
      return catalog.casPrivacyBudget(idOf(key), expectedVersion, next, entry)
    },
  }
}

/** The amounts one release added, as exact text. */
function ledgerEntry(note: ReleaseNote, before: BudgetState, next: BudgetState) {
  const added = (field: 'epsilonPure' | 'deltaApprox' | 'rho'): string => {
    const d = Rational.parse(next[field]).sub(Rational.parse(before[field]))
    // The accountant only adds: a decrease here would be a bug, never to be recorded.
    if (d.sign() < 0) throw new StrongroomError('ERR_INTERNAL', 'A release lowered a spend')
    return d.toString()
  }
  const entry: PrivacyReleaseInput = {
    ...note,
    epsilon: added('epsilonPure'),
    delta: added('deltaApprox'),
    rho: added('rho'),
  }
  return entry
}

/** A dataset's budget position, by name. */
export interface PrivacyBudgetStatus extends BudgetStatus {
  /** `namespace.name`. */
  readonly dataset: string
}

/** A ledger entry, by dataset name. */
export interface NamedPrivacyRelease extends PrivacyRelease {
  /** `namespace.name`. */
  readonly dataset: string
}

async function accountantFor(
  ctx: LakeContext,
  dataset: string,
  release?: ReleaseNote,
): Promise<{ accountant: PrivacyAccountant; name: string; id: string }> {
  const ds = await requireDataset(ctx, dataset)
  const name = formatDatasetName(ds)
  const store = catalogBudgetStore(ctx.catalog, {
    datasetIds: new Map([[name, ds.id]]),
    ...(release === undefined ? {} : { release }),
  })
  return { accountant: new PrivacyAccountant(store), name, id: ds.id }
}

/**
 * Sets a dataset's total privacy budget, creating it or changing its totals while keeping
 * what was spent. Totals may go down, but never below what is already spent: that fails
 * with `ERR_DP_INVALID_PARAMETER` and changes nothing.
 */
export async function setPrivacyBudget(
  ctx: LakeContext,
  dataset: string,
  budget: { readonly epsilon: RationalLike; readonly delta?: RationalLike },
): Promise<PrivacyBudgetStatus> {
  const { accountant, name } = await accountantFor(ctx, dataset)
  return { dataset: name, ...(await accountant.setBudget(name, budget)) }
}

/** A dataset's budget position; `ERR_DP_BUDGET_EXCEEDED` when it has no budget. */
export async function privacyBudgetStatus(
  ctx: LakeContext,
  dataset: string,
): Promise<PrivacyBudgetStatus> {
  const { accountant, name } = await accountantFor(ctx, dataset)
  return { dataset: name, ...(await accountant.status(name)) }
}

/** A dataset's release ledger, oldest first: who spent what, never a released value. */
export async function listPrivacyReleases(
  ctx: LakeContext,
  dataset: string,
): Promise<NamedPrivacyRelease[]> {
  const ds = await requireDataset(ctx, dataset)
  const name = formatDatasetName(ds)
  return (await ctx.catalog.listPrivacyReleases(ds.id)).map((r) => ({ dataset: name, ...r }))
}

/**
 * Options of a DP query on a lake dataset: those of `dpRelease` without the dataset (the
 * one queried pays) and without a random source (always node:crypto). `mechanism` defaults
 * to `gaussian` when `rho` is given, else `laplace`. Histogram keys given as text for a
 * column of another type are read as that type (`"7"` is the integer 7 of an int64 column).
 */
export type DpQueryOptions = Omit<DpReleaseOptions, 'dataset' | 'random' | 'mechanism'> & {
  readonly mechanism?: DpMechanism
}

/** A DP release on a lake dataset. */
export interface DpQueryResult extends DpReleaseResult {
  /** `namespace.name`. */
  readonly dataset: string
  readonly datasetId: string
  /** The version the release was computed on (the current one). */
  readonly version: number
}

/** What a release will charge, known before any data is read. */
export interface DpCharge {
  readonly epsilon: Rational
  readonly delta: Rational
  readonly rho: Rational
}

/**
 * A checked DP query, ready to run: either everything needed to run it, or the error that
 * refuses it (kept, so the refusal is audited like any failure).
 */
export type DpQueryPlan =
  | {
      readonly ok: true
      readonly dataset: string
      readonly datasetId: string
      readonly version: number
      readonly columns: readonly string[]
      readonly options: DpReleaseOptions
      readonly charge: DpCharge
      readonly principal: string
    }
  | { readonly ok: false; readonly error: unknown }

/** Thrown by the dry-run store to stop a release right before it would write. */
class DryRun extends Error {
  constructor(readonly next: BudgetState) {
    super('dry run')
  }
}

function mechanismOf(options: DpQueryOptions): DpMechanism {
  return options.mechanism ?? (options.rho === undefined ? 'laplace' : 'gaussian')
}

/**
 * Checks a DP query without reading any data: the dataset and its current version, every
 * parameter (all problems listed in one `ERR_DP_INVALID_PARAMETER`), that the dataset has a
 * budget, and that the budget can pay right now. It runs the release itself on empty
 * columns against the stored budget with a store that stops before writing, so the checks
 * and the charge are exactly those of the real release. Never throws: a refusal is returned.
 */
export async function planDpQuery(
  ctx: LakeContext,
  dataset: string,
  options: DpQueryOptions,
): Promise<DpQueryPlan> {
  try {
    const ds = await requireDataset(ctx, dataset)
    const v = await requireVersion(ctx, ds)
    const name = formatDatasetName(ds)
    const types = new Map(v.schema.columns.map((c) => [c.name, c.type]))
    const wanted = [options.column, options.by].filter((c): c is string => c !== undefined)
    // Missing columns are not read; the release lists them with every other problem.
    const present = [...new Set(wanted.filter((c) => types.has(c)))]
    const first = v.schema.columns[0]?.name
    // A row count needs some column to count rows of; any one will do.
    const columns = present.length === 0 && first !== undefined ? [first] : present
    const keyIssues: ErrorIssue[] = []
    const keys = typedKeys(options.keys, types.get(options.by ?? ''), keyIssues)
    // Noise always comes from node:crypto: a source slipped in by an untyped caller is dropped.
    const given: Record<string, unknown> = { ...options }
    delete given['random']
    const releaseOptions: DpReleaseOptions = {
      ...(given as DpQueryOptions),
      ...(keys === undefined ? {} : { keys }),
      mechanism: mechanismOf(options),
      dataset: name,
    }
    const empty = Object.fromEntries(columns.map((c) => [c, [] as CellValue[]]))
    const real = catalogBudgetStore(ctx.catalog, { datasetIds: new Map([[name, ds.id]]) })
    let current: BudgetState | undefined
    const dry: BudgetStore = {
      async get(key) {
        const r = await real.get(key)
        current = r?.state
        return r
      },
      compareAndSet(_key, _version, next) {
        return Promise.reject(new DryRun(next))
      },
    }
    let next: BudgetState | undefined
    try {
      await dpRelease(empty, releaseOptions, new PrivacyAccountant(dry, { maxAttempts: 1 }))
    } catch (e) {
      if (e instanceof DryRun) next = e.next
      else throw withKeyIssues(e, keyIssues)
    }
    if (keyIssues.length > 0) throw withKeyIssues(undefined, keyIssues)
    if (next === undefined || current === undefined) {
      throw new StrongroomError('ERR_INTERNAL', 'The DP dry run did not reach the budget')
    }
    const [before, after] = [current, next]
    const diff = (f: 'epsilonPure' | 'deltaApprox' | 'rho'): Rational =>
      Rational.parse(after[f]).sub(Rational.parse(before[f]))
    return {
      ok: true,
      dataset: name,
      datasetId: ds.id,
      version: v.version,
      columns,
      options: releaseOptions,
      charge: { epsilon: diff('epsilonPure'), delta: diff('deltaApprox'), rho: diff('rho') },
      principal: ctx.principal,
    }
  } catch (error) {
    return { ok: false, error }
  }
}

/**
 * Runs a planned DP query: reads the needed columns of the planned version through
 * `readBatches`, charges the budget atomically (with its ledger entry) and releases the
 * noisy result. The budget is checked again at the charge, so a concurrent release that
 * used up the budget in between is refused here.
 */
export async function runDpQuery(ctx: LakeContext, plan: DpQueryPlan): Promise<DpQueryResult> {
  if (!plan.ok) throw plan.error
  // A release reads the raw values of its columns (the noise is the protection), so the
  // principal must be allowed to read the dataset and to see (plaintext or masked) each one.
  const decision = await authorizeDataset(ctx, plan.dataset, 'read', { purpose: DP_PURPOSE })
  const { version, files } = await versionFiles(ctx, decision, plan.version)
  await planReadAccess(ctx, decision, version, {
    columns: plan.columns,
    purpose: DP_PURPOSE,
    action: 'read',
  })
  const batches: RecordBatch[] = []
  for await (const b of decidedBatches(ctx, decision, version, files, {
    columns: plan.columns,
  })) {
    batches.push(b)
  }
  const input =
    batches.length > 0
      ? batches
      : Object.fromEntries(plan.columns.map((c) => [c, [] as CellValue[]]))
  const store = catalogBudgetStore(ctx.catalog, {
    datasetIds: new Map([[plan.dataset, plan.datasetId]]),
    release: {
      principal: plan.principal,
      aggregate: plan.options.agg,
      mechanism:
        plan.options.agg === 'quantile'
          ? 'exponential'
          : plan.options.mechanism === 'laplace'
            ? 'discrete-laplace'
            : 'discrete-gaussian',
    },
  })
  const result = await dpRelease(input, plan.options, new PrivacyAccountant(store))
  return { ...result, dataset: plan.dataset, datasetId: plan.datasetId, version: plan.version }
}

/**
 * The audit purpose of a DP release: aggregate and charge (exact when short, else rounded
 * for display: the ledger keeps the exact amounts). Never a value.
 */
export function dpAuditPurpose(plan: DpQueryPlan): string | undefined {
  if (!plan.ok) return undefined
  const amount = (r: Rational): string => {
    const exact = r.toString()
    return exact.length <= 40 ? exact : `~${r.toDisplay()}`
  }
  const { epsilon, delta, rho } = plan.charge
  return (
    `dp ${plan.options.agg} ${plan.options.mechanism} ` +
    `epsilon=${amount(epsilon)} delta=${amount(delta)} rho=${amount(rho)}`
  )
}

/** Merges key problems into a release's parameter error, so all are listed at once. */
function withKeyIssues(e: unknown, keyIssues: readonly ErrorIssue[]): unknown {
  if (keyIssues.length === 0) return e
  const issues = [
    ...(isStrongroomError(e) && e.code === 'ERR_DP_INVALID_PARAMETER' ? e.issues : []),
    ...keyIssues,
  ]
  // A different failure (no budget, unknown dataset) is reported once parameters are fixed.
  const list = issues.map((i) => `${i.path}: ${i.message}`).join('; ')
  return new StrongroomError(
    'ERR_DP_INVALID_PARAMETER',
    `invalid differential-privacy release: ${list}`,
    { issues, hint: 'fix the parameters listed' },
  )
}

/** Histogram keys given as text, read as the category column's type. */
function typedKeys(
  keys: DpQueryOptions['keys'],
  type: ColumnType | undefined,
  issues: ErrorIssue[],
): DpQueryOptions['keys'] {
  if (keys === undefined || keys === 'derive' || !Array.isArray(keys)) return keys
  const out: CellValue[] = []
  keys.forEach((k: CellValue, i) => {
    if (typeof k !== 'string' || type === undefined) {
      out.push(k)
      return
    }
    const v = fromText(k, type)
    if (v === undefined) {
      issues.push({
        code: 'ERR_DP_INVALID_PARAMETER',
        path: `keys[${String(i)}]`,
        message: `is not a valid ${type} value`,
      })
    } else out.push(v)
  })
  return out
}

function fromText(text: string, type: ColumnType): CellValue | undefined {
  switch (type) {
    case 'int64':
      return /^-?[0-9]+$/.test(text) ? BigInt(text) : undefined
    case 'float64': {
      const n = text.trim() === '' ? NaN : Number(text)
      return Number.isFinite(n) ? n : undefined
    }
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined
    case 'date':
    case 'timestamp': {
      const d = new Date(text)
      return Number.isNaN(d.getTime()) ? undefined : d
    }
    case 'binary':
      return /^(?:[0-9a-fA-F]{2})*$/.test(text)
        ? new Uint8Array(Buffer.from(text, 'hex'))
        : undefined
    case 'string':
    case 'decimal':
    case 'other':
      return text
  }
}
