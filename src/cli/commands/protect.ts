/**
 * De-identification commands: `protect FILE|DATASET --spec SPEC --out OUT` (a file needs no
 * lake; a dataset is exported from the lake, audited) and `protect keygen --out FILE`.
 */
import { existsSync } from 'node:fs'
import { Option } from 'commander'
import type { ColumnProtection } from '../../protect/plan.js'
import { isDatasetName } from '../../core/names.js'
import { StrongroomError } from '../../errors.js'
import type { InputFormat, OutputFormat } from '../../formats/engine.js'
import { protectFile, outputFormatOf } from '../../protect/protect-file.js'
import { writeNewKeyFile } from '../../protect/transform-keys.js'
import { formatBytes, table } from '../output.js'
import { integerOption } from '../options.js'
import type { CliContext } from './context.js'

/** The per-column summary table: what each column became, and which rule decided. */
export function formatProtection(columns: readonly ColumnProtection[]): string {
  return table(
    ['COLUMN', 'TRANSFORM', 'RULE', 'ENTITY'],
    columns.map((c) => [
      c.column,
      c.dropped ? 'redact (dropped)' : c.transform,
      c.source === 'none' ? '-' : c.source,
      c.entityType ?? '',
    ]),
  )
}

/** Registers `protect` and `protect keygen`. */
export function registerProtectCommands(cli: CliContext): void {
  const { program, io, out, withLake } = cli
  const protect = program
    .command('protect')
    .description(
      'de-identify a file (no lake needed) or export a dataset de-identified, with a protection spec',
    )
    .argument('<source>', 'a CSV/JSONL/Parquet file, or a dataset namespace.name')
    .option('--spec <file>', 'the protection spec (YAML or JSON)')
    .option('--out <file>', 'output file (default: stdout)', '-')
    .addOption(
      new Option('--format <format>', 'output format (default: from --out, else csv)').choices([
        'csv',
        'jsonl',
        'parquet',
      ]),
    )
    .addOption(
      new Option('--input-format <format>', 'input format (default: from the extension)').choices([
        'csv',
        'jsonl',
        'parquet',
      ]),
    )
    .option('--key-file <file>', 'transform key file (else $STRONGROOM_PROTECT_KEY); files only')
    .option('--purpose <purpose>', 'why a dataset is read (required for a dataset; e.g. training)')
    .option(
      '--sample <n>',
      'rows sampled for classification rules (default 1000)',
      integerOption('--sample', 1),
    )
    .action(
      async (
        source: string,
        opts: {
          spec?: string
          out: string
          format?: OutputFormat
          inputFormat?: InputFormat
          keyFile?: string
          sample?: number
          purpose?: string
        },
      ) => {
        if (opts.spec === undefined)
          throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', '--spec SPEC is required')
        const format = opts.format ?? outputFormatOf(opts.out)
        if (format === 'parquet' && opts.out === '-')
          throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'Parquet output needs --out FILE')
        const decoder = new TextDecoder()
        const target =
          opts.out === '-'
            ? (bytes: Uint8Array) => {
                io.out(decoder.decode(bytes, { stream: true }))
                return Promise.resolve()
              }
            : opts.out
        const isDataset = isDatasetName(source) && !existsSync(source)
        if (isDataset) {
          if (opts.keyFile !== undefined)
            throw new StrongroomError(
              'ERR_USAGE_INVALID_ARGUMENT',
              '--key-file applies to files; a dataset export uses the lake transform key',
            )
          const r = await withLake((lake) =>
            lake.readProtected(source, opts.spec!, {
              format,
              out: target,
              ...(opts.purpose === undefined ? {} : { purpose: opts.purpose }),
              ...(opts.sample === undefined ? {} : { sample: opts.sample }),
            }),
          )
          if (opts.out !== '-')
            out(
              r,
              () =>
                `Wrote ${r.rows} protected rows of ${r.dataset} version ${r.version} to ${opts.out} (${formatBytes(r.bytes)}).\n` +
                formatProtection(r.protection ?? []),
            )
          return
        }
        const r = await protectFile(source, {
          spec: opts.spec,
          out: target,
          format,
          ...(opts.inputFormat === undefined ? {} : { inputFormat: opts.inputFormat }),
          ...(opts.keyFile === undefined ? {} : { keyFile: opts.keyFile }),
          ...(opts.sample === undefined ? {} : { sample: opts.sample }),
        })
        if (opts.out !== '-')
          out(
            r,
            () =>
              `Wrote ${r.rows} protected rows of ${source} to ${opts.out} (${formatBytes(r.bytes)}).\n` +
              formatProtection(r.columns),
          )
      },
    )

  protect
    .command('keygen')
    .description('write a new random transform key (base64, mode 0600); never overwrites')
    .option('--out <file>', 'where to write the key (required)')
    .action(async (opts: { out?: string }) => {
      // `protect` declares --out too and commander gives it to the parent command.
      const parentOut = protect.opts<{ out: string }>().out
      const file = opts.out ?? (parentOut === '-' ? undefined : parentOut)
      if (file === undefined)
        throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'keygen needs --out FILE')
      await writeNewKeyFile(file)
      out({ keyFile: file }, () => `Wrote a new transform key to ${file} (mode 0600).\n`)
    })
}
