/**
 * Differential-privacy commands: `dp DATASET --agg …` (a noisy aggregate charged to the
 * dataset's privacy budget), `dp budget set|show DATASET` and `dp releases DATASET` (the
 * ledger of what was spent, by whom).
 */
import type { Command } from 'commander'
import type { CellValue } from '../../core/batch.js'
import { StrongroomError } from '../../errors.js'
import type {
  DpQueryOptions,
  DpQueryResult,
  NamedPrivacyRelease,
  PrivacyBudgetStatus,
} from '../../lake/privacy-budget.js'
import type { DpAggregate, DpBounds, DpMechanism, Rational } from '../../protect/dp/index.js'
import { table } from '../output.js'
import type { CliContext } from './context.js'

/** Raw `dp` options: numbers stay text so every bad one is reported together. */
interface DpOptions {
  agg?: string
  column?: string
  by?: string
  keys?: string
  deriveKeys?: boolean
  epsilon?: string
  delta?: string
  rho?: string
  mechanism?: string
  lower?: string
  upper?: string
  scale?: string
  quantiles?: string
  buckets?: string
}

/** A comma-separated list (`a,b,c`); empty items are kept so they can be reported. */
function list(text: string): string[] {
  return text.split(',').map((s) => s.trim())
}

/** A number given as text, or NaN (reported by the release with the other problems). */
function integer(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  return /^-?[0-9]+$/.test(text.trim()) ? Number(text) : Number.NaN
}

/**
 * Builds the library options from the command line. Parameter checks are the release's:
 * it lists every problem at once (`ERR_DP_INVALID_PARAMETER`).
 */
export function dpQueryOptions(o: DpOptions): DpQueryOptions {
  if (o.keys !== undefined && o.deriveKeys === true) {
    throw new StrongroomError(
      'ERR_DP_INVALID_PARAMETER',
      'invalid differential-privacy release: keys: give --keys or --derive-keys, not both',
      {
        issues: [
          {
            code: 'ERR_DP_INVALID_PARAMETER',
            path: 'keys',
            message: 'give --keys or --derive-keys, not both',
          },
        ],
        hint: 'fix the parameters listed',
      },
    )
  }
  const keys: readonly CellValue[] | 'derive' | undefined =
    o.deriveKeys === true ? 'derive' : o.keys === undefined ? undefined : list(o.keys)
  const scale = integer(o.scale)
  const buckets = integer(o.buckets)
  // One bound without the other is passed on as is: the release names the missing one.
  const bounds =
    o.lower === undefined && o.upper === undefined
      ? undefined
      : ({ lower: o.lower, upper: o.upper } as unknown as DpBounds)
  return {
    agg: (o.agg ?? '') as DpAggregate,
    ...(o.column === undefined ? {} : { column: o.column }),
    ...(o.by === undefined ? {} : { by: o.by }),
    ...(keys === undefined ? {} : { keys }),
    ...(o.epsilon === undefined ? {} : { epsilon: o.epsilon }),
    ...(o.delta === undefined ? {} : { delta: o.delta }),
    ...(o.rho === undefined ? {} : { rho: o.rho }),
    ...(o.mechanism === undefined ? {} : { mechanism: o.mechanism as DpMechanism }),
    ...(bounds === undefined ? {} : { bounds }),
    ...(scale === undefined ? {} : { scale }),
    ...(buckets === undefined ? {} : { buckets }),
    ...(o.quantiles === undefined ? {} : { quantiles: list(o.quantiles) }),
  }
}

/** Exact text when short; a rounded display (marked `≈`) otherwise. */
function amount(r: Rational): string {
  const exact = r.toString()
  return exact.length <= 24 ? exact : `≈${r.toDisplay()}`
}

function cell(v: CellValue): string {
  if (v === null) return '(null)'
  if (v instanceof Date) return v.toISOString()
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex')
  return String(v)
}

function formatStatus(s: PrivacyBudgetStatus): string {
  return (
    `Privacy budget of ${s.dataset}\n` +
    table(
      ['', 'TOTAL', 'SPENT', 'REMAINING'],
      [
        ['epsilon', amount(s.epsilonTotal), amount(s.epsilonSpent), amount(s.epsilonRemaining)],
        ['delta', amount(s.deltaTotal), amount(s.deltaSpent), amount(s.deltaRemaining)],
        ['rho (zCDP)', '', amount(s.rho), ''],
      ],
    ) +
    `Releases: ${String(s.releases)}\n`
  )
}

function formatNoise(r: DpQueryResult): string {
  return r.noise
    .map((n) => {
      const calib =
        n.scale !== undefined
          ? `discrete Laplace scale ${amount(n.scale)}`
          : n.sigma2 !== undefined
            ? `discrete Gaussian sigma² ${amount(n.sigma2)}`
            : n.epsilon !== undefined
              ? `exponential mechanism epsilon ${amount(n.epsilon)}`
              : 'none (the statistic cannot change)'
      return `  ${n.target}: sensitivity ${String(n.sensitivity)}, ${calib}\n`
    })
    .join('')
}

function formatRelease(r: DpQueryResult): string {
  let body = ''
  if (r.value !== undefined) body = `Value: ${String(r.value)}\n`
  if (r.bins !== undefined) {
    body =
      r.bins.length === 0
        ? 'No key reached the release threshold.\n'
        : table(
            ['KEY', 'COUNT'],
            r.bins.map((b) => [cell(b.key), b.count]),
          )
  }
  if (r.quantiles !== undefined) {
    body = table(
      ['QUANTILE', 'VALUE'],
      r.quantiles.map((q) => [q.q, q.value]),
    )
  }
  const s = r.remaining
  return (
    `DP ${r.agg} of ${r.dataset} (version ${String(r.version)}), ${r.mechanism}\n` +
    body +
    `Noise:\n${formatNoise(r)}` +
    (r.threshold === undefined ? '' : `Key threshold: ${String(r.threshold)}\n`) +
    `Charged: epsilon ${amount(r.privacy.epsilon)}, delta ${amount(r.privacy.delta)}, ` +
    `rho ${amount(r.privacy.rho)}\n` +
    `Remaining: epsilon ${amount(s.epsilonRemaining)} of ${amount(s.epsilonTotal)}, ` +
    `delta ${amount(s.deltaRemaining)} of ${amount(s.deltaTotal)} ` +
    `(${String(s.releases)} release(s))\n` +
    'Released values are noisy by design.\n'
  )
}

function formatReleases(rs: readonly NamedPrivacyRelease[]): string {
  if (rs.length === 0) return 'No releases.\n'
  return table(
    ['SEQ', 'TIME', 'PRINCIPAL', 'AGGREGATE', 'MECHANISM', 'EPSILON', 'DELTA', 'RHO'],
    rs.map((r) => [
      r.seq,
      r.releasedAt.toISOString(),
      r.principal,
      r.aggregate,
      r.mechanism,
      r.epsilon,
      r.delta,
      r.rho,
    ]),
  )
}

function releaseOptions(command: Command): Command {
  return command
    .option('--agg <aggregate>', 'count, sum, mean, histogram or quantile')
    .option('--column <column>', 'the numeric column (sum, mean, quantile; count: non-null cells)')
    .option('--by <column>', 'histogram: the category column')
    .option('--keys <a,b,c>', 'histogram: the public list of keys to report')
    .option('--derive-keys', 'histogram: find keys in the data (needs --delta; thresholded)')
    .option('--epsilon <e>', 'privacy ε to spend (decimal or fraction p/q)')
    .option('--delta <d>', 'δ: gaussian with epsilon, or the threshold of --derive-keys')
    .option('--rho <r>', 'zCDP ρ to spend (gaussian)')
    .option('--mechanism <m>', 'laplace (pure ε) or gaussian (zCDP); default gaussian with --rho')
    .option('--lower <l>', 'clamping lower bound (sum, mean, quantile)')
    .option('--upper <u>', 'clamping upper bound (sum, mean, quantile)')
    .option('--scale <n>', 'decimal digits of the fixed-point scale (default 0)')
    .option('--quantiles <q,…>', 'quantile levels in [0, 1] (default 0.5)')
    .option('--buckets <n>', 'quantile grid intervals between the bounds (default 1000)')
}

/** Registers `dp`, `dp budget set|show` and `dp releases`. */
export function registerDpCommands(cli: CliContext): void {
  const { program, out, withLake } = cli
  const dp = releaseOptions(
    program
      .command('dp')
      .description('a differentially private aggregate of a dataset, charged to its privacy budget')
      .argument('<dataset>', 'namespace.name'),
  ).action(async (dataset: string, opts: DpOptions) => {
    const options = dpQueryOptions(opts)
    const r = await withLake((lake) => lake.dp(dataset, options))
    out(r, () => formatRelease(r))
  })

  const budget = dp.command('budget').description("a dataset's privacy budget")
  budget
    .command('set')
    .description('set the total budget; totals may not go below what is spent')
    .argument('<dataset>', 'namespace.name')
    .option('--epsilon <e>', 'total ε (decimal or fraction p/q); required')
    .option('--delta <d>', 'total δ (default 0: pure-DP releases only)')
    .action(async (dataset: string, _opts: unknown, command: Command) => {
      // `dp` declares --epsilon and --delta too and parses them first: read them from either.
      const opts = command.optsWithGlobals<{ epsilon?: string; delta?: string }>()
      const s = await withLake((lake) =>
        lake.setPrivacyBudget(dataset, {
          // A missing epsilon is reported by the budget check, with any other problem.
          epsilon: opts.epsilon as string,
          ...(opts.delta === undefined ? {} : { delta: opts.delta }),
        }),
      )
      out(s, () => formatStatus(s))
    })
  budget
    .command('show')
    .description('total, spent and remaining ε and δ, accumulated ρ, releases')
    .argument('<dataset>', 'namespace.name')
    .action(async (dataset: string) => {
      const s = await withLake((lake) => lake.privacyBudget(dataset))
      out(s, () => formatStatus(s))
    })

  dp.command('releases')
    .description('the ledger of releases: who spent what, when (never a released value)')
    .argument('<dataset>', 'namespace.name')
    .action(async (dataset: string) => {
      const rs = await withLake((lake) => lake.privacyReleases(dataset))
      out(rs, () => formatReleases(rs))
    })
}
