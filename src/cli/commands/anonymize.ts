/**
 * `anonymize`: k-anonymity (with optional l-diversity and t-closeness) over a file's
 * quasi-identifiers, generalizing through hierarchy files; prints the chosen levels, the
 * loss, the suppressed rows and the re-identification risk before and after.
 */
import { InvalidArgumentError, Option } from 'commander'
import { StrongroomError } from '../../errors.js'
import { createDuckDbEngine } from '../../formats/duckdb-engine.js'
import type { InputFormat } from '../../formats/engine.js'
import { inferFormat } from '../../lake/ingest.js'
import {
  anonymize,
  loadHierarchies,
  type AnonymizeResult,
  type RiskReport,
} from '../../protect/anonymize/index.js'
import { readTable, writeTable } from '../../protect/anonymize/table-io.js'
import { table } from '../output.js'
import { listOption, positiveNumberOption } from '../options.js'
import type { CliContext } from './context.js'

/** `4%`, `0.04` → 0.04. */
export function parseShare(v: string): number {
  const pct = v.trim().endsWith('%')
  const n = Number(pct ? v.trim().slice(0, -1) : v)
  const share = pct ? n / 100 : n
  if (!(share >= 0 && share <= 1))
    throw new InvalidArgumentError('must be a share: 0..1 or 0%..100%')
  return share
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`

function riskRows(before: RiskReport, after: RiskReport): (string | number)[][] {
  return [
    ['prosecutor (max)', pct(before.prosecutorMax), pct(after.prosecutorMax)],
    ['prosecutor (average)', pct(before.prosecutorAverage), pct(after.prosecutorAverage)],
    ['journalist (max)', pct(before.journalistMax), pct(after.journalistMax)],
    ['marketer', pct(before.marketer), pct(after.marketer)],
    ['unique records', pct(before.uniqueShare), pct(after.uniqueShare)],
    [`records at risk (> ${pct(after.threshold)})`, before.recordsAtRisk, after.recordsAtRisk],
  ]
}

function report(r: AnonymizeResult, qi: readonly string[]): string {
  return (
    `method ${r.method}: ${r.classes} classes, ${r.suppressed} row(s) suppressed (limit ${r.maxSuppressed})\n` +
    `loss (non-uniform entropy): ${r.loss.toFixed(4)}\n\n` +
    table(
      ['QUASI-IDENTIFIER', 'LEVEL'],
      qi.map((q) => [q, r.levels[q] ?? '']),
    ) +
    '\nRe-identification risk\n' +
    table(['MEASURE', 'BEFORE', 'AFTER'], riskRows(r.risk.before, r.risk.after))
  )
}

/** Registers `anonymize`. */
export function registerAnonymizeCommands(cli: CliContext): void {
  const { program, out } = cli
  program
    .command('anonymize')
    .description(
      'k-anonymize a file over quasi-identifiers with generalization hierarchies (ARX-compatible)',
    )
    .argument('<file>', 'a CSV (delimiter detected, ; included), JSONL or Parquet file')
    .requiredOption('--k <k>', 'smallest class size (>= 2)', positiveNumberOption('--k'))
    .requiredOption(
      '--hierarchies <dir>',
      'folder of hierarchy files: <column>.csv or ARX <dataset>_hierarchy_<column>.csv',
    )
    .option(
      '--qi <columns>',
      'quasi-identifiers (default: every column with a hierarchy)',
      listOption('--qi'),
    )
    .option('--max-suppression <share>', 'largest share of rows suppressed, e.g. 4%', parseShare)
    .addOption(
      new Option('--method <method>', 'optimal full-domain search or Mondrian local recoding')
        .choices(['optimal', 'mondrian'])
        .default('optimal'),
    )
    .option('--sensitive <column>', 'sensitive column for l-diversity / t-closeness')
    .option('--l <l>', 'l-diversity', positiveNumberOption('--l'))
    .addOption(
      new Option('--l-variant <variant>', 'which l-diversity').choices([
        'distinct',
        'entropy',
        'recursive',
      ]),
    )
    .option('--c <c>', 'c of recursive (c,l)-diversity', positiveNumberOption('--c'))
    .option('--t <t>', 't-closeness', parseShare)
    .option('--out <file>', 'write the release here (CSV with the input delimiter, or .jsonl)')
    .addOption(
      new Option('--format <format>', 'input format (default: from the extension)').choices([
        'csv',
        'jsonl',
        'parquet',
      ]),
    )
    .action(
      async (
        file: string,
        opts: {
          k: number
          hierarchies: string
          qi?: string[]
          maxSuppression?: number
          method: 'optimal' | 'mondrian'
          sensitive?: string
          l?: number
          lVariant?: 'distinct' | 'entropy' | 'recursive'
          c?: number
          t?: number
          out?: string
          format?: InputFormat
        },
      ) => {
        const hierarchies = await loadHierarchies(opts.hierarchies).catch((e: unknown) => {
          if (e instanceof StrongroomError) throw e
          throw new StrongroomError('ERR_INPUT_NOT_FOUND', 'The hierarchy folder cannot be read', {
            details: { path: opts.hierarchies },
          })
        })
        const engine = await createDuckDbEngine({ threads: 1 })
        let input: Awaited<ReturnType<typeof readTable>>
        try {
          input = await readTable(engine, file, opts.format ?? inferFormat(file))
        } finally {
          await engine.close()
        }
        const qi = opts.qi ?? input.table.columns.filter((c) => hierarchies.has(c))
        const missing = qi.filter((q) => !input.table.columns.includes(q))
        if (missing.length > 0)
          throw new StrongroomError('ERR_ANONYMIZE_INVALID', 'Unknown quasi-identifier columns', {
            issues: missing.map((m) => ({
              code: 'ERR_ANONYMIZE_INVALID' as const,
              path: 'qi',
              message: `no column ${m}`,
            })),
          })
        const result = anonymize(input.table, {
          qi,
          k: opts.k,
          maxSuppression: opts.maxSuppression ?? 0,
          hierarchies,
          method: opts.method,
          ...(opts.sensitive === undefined ? {} : { sensitive: opts.sensitive }),
          ...(opts.l === undefined ? {} : { l: opts.l }),
          ...(opts.lVariant === undefined ? {} : { lVariant: opts.lVariant }),
          ...(opts.c === undefined ? {} : { c: opts.c }),
          ...(opts.t === undefined ? {} : { t: opts.t }),
        })
        if (opts.out !== undefined)
          await writeTable(
            opts.out,
            { columns: result.columns, rows: result.rows },
            input.delimiter,
          )
        const { rows: _rows, ...summary } = result
        out({ ...summary, qi, ...(opts.out === undefined ? {} : { out: opts.out }) }, () =>
          report(result, qi),
        )
      },
    )
}
