/**
 * Discovery commands: `scan` (a file, a dataset, or free text in JSONL span mode) and
 * `findings` (what scans recorded in the catalog).
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { Option } from 'commander'
import { parse as parseYaml } from 'yaml'
import { isDatasetName } from '../../core/names.js'
import type { ColumnFinding } from '../../discovery/classify-columns.js'
import { parseDiscoveryConfig, type DiscoveryConfig } from '../../discovery/discovery-config.js'
import { StrongroomError } from '../../errors.js'
import type { IngestFormat } from '../../lake/ingest.js'
import type { DocumentReport } from '../../discovery/scan-document.js'
import type { ScanReport } from '../../lake/scan.js'
import { scanFile } from '../../strongroom.js'
import { table } from '../output.js'
import { integerOption, unitIntervalOption } from '../options.js'
import type { CliContext } from './context.js'

/**
 * Loads a standalone discovery configuration: a YAML file holding the `discovery:` section
 * of `strongroom.yaml`, or the same settings at its top level.
 */
export async function loadDiscoveryFile(path: string): Promise<DiscoveryConfig> {
  let doc: unknown
  try {
    doc = parseYaml(await readFile(path, 'utf8')) as unknown
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT'
    throw new StrongroomError(
      missing ? 'ERR_INPUT_NOT_FOUND' : 'ERR_CONFIG_INVALID',
      missing ? 'The discovery configuration file does not exist' : 'not valid YAML',
      { details: { path } },
    )
  }
  const section =
    typeof doc === 'object' && doc !== null && 'discovery' in doc
      ? (doc as Record<string, unknown>)['discovery']
      : doc
  const { config, issues } = parseDiscoveryConfig(section)
  if (issues.length > 0)
    throw new StrongroomError(
      'ERR_CONFIG_INVALID',
      `Discovery configuration is invalid (${issues.length} problem(s))`,
      { issues, hint: 'Fix the file; every problem is listed.' },
    )
  return config
}

function formatColumns(columns: readonly ColumnFinding[], revealed: boolean): string {
  const main = table(
    ['COLUMN', 'ENTITY', 'SENSITIVITY', 'SHARE', 'CONFIDENCE', 'ROWS'],
    columns.map((c) => [
      c.column,
      c.entityType,
      c.sensitivity,
      `${Math.round(c.share * 100)}%`,
      c.confidence.toFixed(2),
      c.rows.join(' '),
    ]),
  )
  const rows = columns.flatMap((c) =>
    c.entities.map((e) => [
      c.column,
      e.entityType,
      `${e.matches}/${c.sampled}`,
      e.testValues > 0 ? `${e.testValues} test` : '',
      e.sensitivity,
      (revealed ? (e.revealed ?? []) : e.previews).join(' | '),
    ]),
  )
  if (rows.length === 0) return main
  return (
    main +
    '\nFindings\n' +
    table(
      [
        'COLUMN',
        'ENTITY',
        'MATCHES',
        'TEST VALUES',
        'SENSITIVITY',
        revealed ? 'VALUES' : 'PREVIEW',
      ],
      rows,
    )
  )
}

const TEXT_FILE = /\.(txt|log|md|text)$/i

function formatDocument(d: DocumentReport): string {
  const types = Object.entries(d.counts).sort((a, b) => b[1] - a[1])
  const reasons = new Map<string, number>()
  for (const i of d.issues) reasons.set(i.reason, (reasons.get(i.reason) ?? 0) + 1)
  return (
    `Scanned ${d.lines} line(s), ${d.bytes} byte(s) of ${d.source}\n` +
    (types.length === 0
      ? 'No personal data found.\n'
      : table(
          ['ENTITY', 'SPANS', 'FIRST LINES'],
          types.map(([t, n]) => [
            t,
            n,
            [...new Set(d.spans.filter((s) => s.type === t).map((s) => s.line))]
              .slice(0, 5)
              .join(' '),
          ]),
        )) +
    (reasons.size === 0
      ? ''
      : '\nNot read as UTF-8 text\n' +
        table(
          ['REASON', 'LINES', 'FIRST LINES'],
          [...reasons].map(([r, n]) => [
            r,
            n,
            d.issues
              .filter((i) => i.reason === r)
              .slice(0, 5)
              .map((i) => i.line)
              .join(' '),
          ]),
        ))
  )
}

/** Registers `scan` and `findings`. */
export function registerDiscoveryCommands(cli: CliContext): void {
  const { program, io, out, withLake } = cli
  program
    .command('scan')
    .description(
      'find personal data: classify the columns of a file or dataset, or (--spans) free text in JSONL',
    )
    .argument('<source>', 'a CSV/JSONL/Parquet file, or a dataset namespace.name')
    .addOption(
      new Option(
        '--format <format>',
        'input format (default: from the extension; .txt, .log and .md are text documents)',
      ).choices(['csv', 'jsonl', 'parquet', 'text']),
    )
    .option('--sample <n>', 'rows to sample (default 1000)', integerOption('--sample'))
    .option(
      '--config <file>',
      "discovery settings for a file scan (YAML: strongroom.yaml's discovery section)",
    )
    .option(
      '--min-confidence <x>',
      'report spans at least this confident (0..1)',
      unitIntervalOption,
    )
    .option(
      '--reveal',
      'show up to five matched values per finding (audited for datasets; never stored)',
    )
    .option('--spans', 'span mode: one JSON object per input line in, one line of spans out')
    .option('--text-field <field>', 'with --spans: the field holding the text', 'text')
    .action(
      async (
        source: string,
        opts: {
          format?: IngestFormat | 'text'
          sample?: number
          config?: string
          minConfidence?: number
          reveal?: boolean
          spans?: boolean
          textField: string
        },
      ) => {
        const isDataset = isDatasetName(source) && !existsSync(source)
        if (isDataset && opts.config !== undefined)
          throw new StrongroomError(
            'ERR_USAGE_INVALID_ARGUMENT',
            "--config applies to file scans; a dataset scan uses the lake's discovery settings",
          )
        let discovery = opts.config === undefined ? undefined : await loadDiscoveryFile(opts.config)
        if (opts.minConfidence !== undefined)
          discovery = {
            ...(discovery ??
              (await import('../../discovery/discovery-config.js')).DEFAULT_DISCOVERY_CONFIG),
            minConfidence: opts.minConfidence,
          }
        if (opts.spans === true) {
          const { scanJsonlSpans } = await import('../../discovery/scan-spans.js')
          const { createDiscoveryEngine } = await import('../../discovery/discovery-engine.js')
          const engine = createDiscoveryEngine(discovery)
          try {
            await scanJsonlSpans(source, opts.textField, engine, (line) => io.out(line + '\n'))
          } finally {
            engine.close()
          }
          return
        }
        if (opts.format === 'text' || (opts.format === undefined && TEXT_FILE.test(source))) {
          const { scanDocument } = await import('../../discovery/scan-document.js')
          const { createDiscoveryEngine } = await import('../../discovery/discovery-engine.js')
          const engine = createDiscoveryEngine(discovery)
          try {
            const d = await scanDocument(source, engine)
            out(d, () => formatDocument(d))
          } finally {
            engine.close()
          }
          return
        }
        const common = {
          ...(opts.sample === undefined ? {} : { sample: opts.sample }),
          ...(opts.reveal === true ? { reveal: true } : {}),
        }
        const r: ScanReport = isDataset
          ? await withLake((lake) => lake.scan(source, common))
          : await scanFile(source, {
              ...common,
              ...(opts.format === undefined ? {} : { format: opts.format }),
              ...(discovery === undefined ? {} : { discovery }),
            })
        out(
          r,
          () =>
            `Scanned ${r.rowsSampled} row(s) of ${r.source}\n` +
            formatColumns(r.columns, r.revealed),
        )
      },
    )

  program
    .command('findings')
    .description('discovery findings recorded by ingest and scans (never values)')
    .argument('[dataset]', 'only this dataset (namespace.name)')
    .addOption(
      new Option('--severity <level>', 'at least this sensitivity').choices([
        'low',
        'medium',
        'high',
      ]),
    )
    .option('--type <entity>', 'only this entity type, e.g. EMAIL_ADDRESS')
    .option('--no-test-values', 'leave out findings that are only published test values')
    .action(
      async (
        dataset: string | undefined,
        opts: { severity?: 'low' | 'medium' | 'high'; type?: string; testValues: boolean },
      ) => {
        const found = await withLake((lake) =>
          lake.findings({
            ...(dataset === undefined ? {} : { dataset }),
            ...(opts.severity === undefined ? {} : { minSensitivity: opts.severity }),
            ...(opts.type === undefined ? {} : { entityType: opts.type }),
            includeTestValues: opts.testValues,
          }),
        )
        out(found, () =>
          found.length === 0
            ? 'No findings.\n'
            : table(
                [
                  'DATASET',
                  'VERSION',
                  'COLUMN',
                  'ENTITY',
                  'SENSITIVITY',
                  'MATCHES',
                  'TEST',
                  'ROWS',
                  'PREVIEW',
                ],
                found.map((f) => [
                  f.dataset,
                  f.datasetVersion,
                  f.column,
                  f.entityType,
                  f.sensitivity,
                  `${f.matches}/${f.sampled}`,
                  f.testValues,
                  f.rows.slice(0, 5).join(' '),
                  f.previews.slice(0, 2).join(' | '),
                ]),
              ),
        )
      },
    )
}
