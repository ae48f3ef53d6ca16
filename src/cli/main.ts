/**
 * The `strongroom` command line: thin over the library. Every command takes `--lake`
 * (or STRONGROOM_LAKE) and `--json`; errors print a code and a hint and set an exit code
 * from the one table in `exit-codes.ts`.
 */
import { randomBytes } from 'node:crypto'
import { open, rename, rm, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import type { AuditRecord } from '../audit/audit-event.js'
import type { Classification } from '../catalog/catalog.js'
import { isDatasetName } from '../core/names.js'
import { StrongroomError } from '../errors.js'
import { renderLineageDot, renderLineageJson, renderLineageTree } from '../lineage/graph.js'
import type { IngestFormat, IngestMode } from '../lake/ingest.js'
import type { OutputFormat } from '../lake/read.js'
import { createStrongroom, initStrongroom, type Strongroom } from '../strongroom.js'
import { integerOption, listOption } from './options.js'
import { EXIT } from './exit-codes.js'
import { formatBytes, processIo, reportError, table, toJson, type Io } from './output.js'
import { registerAccessCommands } from './commands/access.js'
import { registerAnonymizeCommands } from './commands/anonymize.js'
import { registerDiscoveryCommands } from './commands/discovery.js'
import { registerDpCommands } from './commands/dp.js'
import { registerPolicyCommands } from './commands/policy.js'
import { registerProtectCommands } from './commands/protect.js'
import { registerVaultCommands } from './commands/vault.js'
import { createProgress } from './progress.js'

/** Audit events from this interface say they came through the CLI. */
const CLI_CLIENT = { kind: 'cli' } as const

interface GlobalOptions {
  lake?: string
  json?: boolean
  progress?: boolean
}

function lakeRoot(g: GlobalOptions): string {
  return resolve(g.lake ?? process.env['STRONGROOM_LAKE'] ?? '.strongroom')
}

/** Data bytes to stdout: raw when the I/O can take bytes, else decoded (UTF-8 split safely). */
function stdoutSink(io: Io): (bytes: Uint8Array) => Promise<void> {
  if (io.outBytes !== undefined) return io.outBytes
  const decoder = new TextDecoder('utf-8')
  return (bytes) => {
    io.out(decoder.decode(bytes, { stream: true }))
    return Promise.resolve()
  }
}

/** Builds the command tree; `io` is injectable so tests capture output. */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command()
  program
    .name('strongroom')
    .description(
      'Secure data platform for AI training data: encrypted, versioned, governed datasets.',
    )
    .version('0.1.0')
    .option('--lake <dir>', 'lake folder (default: $STRONGROOM_LAKE or ./.strongroom)')
    .option('--json', 'machine-readable JSON output')
    .option('--no-progress', 'no progress bars')
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()

  const g = (): GlobalOptions => program.opts<GlobalOptions>()
  const out = (json: unknown, text: () => string): void => {
    io.out(g().json === true ? toJson(json) + '\n' : text())
  }
  async function withLake<T>(fn: (lake: Strongroom) => Promise<T>): Promise<T> {
    const lake = await createStrongroom({ root: lakeRoot(g()), client: CLI_CLIENT })
    try {
      return await fn(lake)
    } finally {
      await lake.close()
    }
  }

  program
    .command('init')
    .description(
      'create a lake: catalog, object store and keyring (passphrase from STRONGROOM_PASSPHRASE)',
    )
    .option(
      '--generate-passphrase',
      'generate a passphrase when STRONGROOM_PASSPHRASE is unset, and print it once',
    )
    .action(async (opts: { generatePassphrase?: boolean }) => {
      let passphrase = process.env['STRONGROOM_PASSPHRASE']
      let generated = false
      if ((passphrase === undefined || passphrase === '') && opts.generatePassphrase === true) {
        passphrase = randomBytes(24).toString('base64url')
        generated = true
      }
      const root = lakeRoot(g())
      const lake = await initStrongroom({
        root,
        client: CLI_CLIENT,
        ...(passphrase === undefined ? {} : { passphrase }),
      })
      const backends = lake.backends
      await lake.close()
      out(
        { root, backends, ...(generated ? { passphrase } : {}) },
        () =>
          `Initialized lake in ${root} (catalog ${backends.catalog}, objects ${backends.objectStore}, keys ${backends.keyProvider}).\n` +
          (generated
            ? `Generated passphrase (shown once; store it safely and export STRONGROOM_PASSPHRASE):\n  ${passphrase}\n`
            : ''),
      )
    })

  program
    .command('ingest')
    .description('ingest a CSV, JSONL or Parquet file as a new version of a dataset')
    .argument('<file>', 'input file')
    .requiredOption('--dataset <ns.name>', 'target dataset, e.g. crm.customers')
    .addOption(
      new Option('--format <format>', 'input format (default: from the extension)').choices([
        'csv',
        'jsonl',
        'parquet',
      ]),
    )
    .addOption(
      new Option('--mode <mode>', 'create, append, overwrite, or auto (create or append)')
        .choices(['auto', 'create', 'append', 'overwrite'])
        .default('auto'),
    )
    .option('--subject-column <col>', 'column naming whom each row is about')
    .option('--all-varchar', 'read every column as text (no type inference)')
    .option(
      '--protect <spec>',
      'de-identify on the way in with a protection spec; only protected columns are stored',
    )
    .action(
      async (
        file: string,
        opts: {
          dataset: string
          format?: IngestFormat
          mode: IngestMode
          subjectColumn?: string
          allVarchar?: boolean
          protect?: string
        },
      ) => {
        const size = await stat(file).then(
          (s) => s.size,
          () => undefined,
        )
        const progress = createProgress(
          io,
          g().progress !== false && g().json !== true,
          'ingest',
          size,
          'bytes',
        )
        const r = await withLake((lake) =>
          lake.ingest(file, {
            dataset: opts.dataset,
            mode: opts.mode,
            ...(opts.format === undefined ? {} : { format: opts.format }),
            ...(opts.subjectColumn === undefined ? {} : { subjectColumn: opts.subjectColumn }),
            ...(opts.allVarchar === true ? { allVarchar: true } : {}),
            ...(opts.protect === undefined ? {} : { protect: { spec: opts.protect } }),
            onProgress: progress.update,
          }),
        ).finally(progress.stop)
        out(
          r,
          () =>
            `Ingested ${r.rows} rows into ${r.dataset} version ${r.version}: ${r.files} file(s), ` +
            `${formatBytes(r.storedBytes)} stored, key version ${r.kekVersion}, ${(r.elapsedMs / 1000).toFixed(2)} s.\n`,
        )
      },
    )

  program
    .command('ls')
    .description('list datasets')
    .action(async () => {
      const list = await withLake((lake) => lake.list())
      out(list, () =>
        list.length === 0
          ? 'No datasets.\n'
          : table(
              ['DATASET', 'VERSION', 'ROWS', 'FILES', 'STORED', 'OWNER'],
              list.map((d) => [
                d.dataset,
                d.currentVersion,
                d.rows,
                d.files,
                formatBytes(d.storedBytes),
                d.owner,
              ]),
            ),
      )
    })

  program
    .command('show')
    .description('show a dataset: schema, versions, files and key versions')
    .argument('<dataset>', 'namespace.name')
    .option('--version <n>', 'a version other than the current one', integerOption('--version'))
    .action(async (dataset: string, opts: { version?: number }) => {
      const [d, m, f] = await withLake(
        async (lake) =>
          [
            await lake.show(dataset, opts.version),
            await lake.metadata(dataset),
            await lake.findings({ dataset }),
          ] as const,
      )
      out({ ...d, metadata: m, findings: f }, () =>
        [
          `${d.dataset} (${d.id}) owner ${d.owner}, current version ${d.currentVersion}, ${d.rows} rows\n`,
          d.subjectColumn === null ? '' : `subject column: ${d.subjectColumn}\n`,
          m.description === null ? '' : `description: ${m.description}\n`,
          m.tags.length === 0 ? '' : `tags: ${m.tags.join(' ')}\n`,
          '\nSchema\n',
          table(
            ['COLUMN', 'TYPE', 'ENGINE TYPE', 'CLASSIFICATION', 'TAGS', 'DESCRIPTION'],
            d.schema.columns.map((c) => {
              const cl = m.classifications.find((x) => x.column === c.name)
              return [
                c.name,
                c.type,
                c.physicalType,
                cl === undefined ? '' : `${cl.entityType} (${cl.sensitivity}, ${cl.source})`,
                (m.columnTags[c.name] ?? []).join(' '),
                m.columnDescriptions[c.name] ?? '',
              ]
            }),
          ),
          f.length === 0
            ? ''
            : `\nFindings (scan of version ${f[0]?.datasetVersion ?? ''})\n` +
              table(
                ['COLUMN', 'ENTITY', 'SENSITIVITY', 'MATCHES', 'TEST', 'PREVIEW'],
                f.map((x) => [
                  x.column,
                  x.entityType,
                  x.sensitivity,
                  `${x.matches}/${x.sampled}`,
                  x.testValues,
                  x.previews.slice(0, 2).join(' | '),
                ]),
              ),
          '\nVersions\n',
          table(
            ['VERSION', 'OPERATION', 'ROWS', 'FILES', 'CREATED'],
            d.versions.map((v) => [
              v.version,
              v.operation,
              v.rows,
              v.files,
              v.createdAt.toISOString(),
            ]),
          ),
          '\nFiles\n',
          table(
            ['FILE', 'WRITTEN IN', 'ROWS', 'STORED', 'KEY VERSION'],
            d.currentFiles.map((f) => [
              f.id,
              `v${f.createdVersion}`,
              f.rows,
              formatBytes(f.storedBytes),
              f.kekVersion,
            ]),
          ),
          '\nKeys\n',
          table(
            ['KEY VERSION', 'STATE', 'ROOT KEY', 'CREATED'],
            d.keys.map((k) => [k.version, k.state, k.rootKeyId, k.createdAt.toISOString()]),
          ),
        ].join(''),
      )
    })

  program
    .command('versions')
    .description('list the versions of a dataset')
    .argument('<dataset>', 'namespace.name')
    .action(async (dataset: string) => {
      const vs = await withLake((lake) => lake.versions(dataset))
      out(vs, () =>
        table(
          ['VERSION', 'PARENT', 'OPERATION', 'ROWS', 'FILES', 'CREATED'],
          vs.map((v) => [
            v.version,
            v.parentVersion,
            v.operation,
            v.rows,
            v.files,
            v.createdAt.toISOString(),
          ]),
        ),
      )
    })

  // `read` and `export` share one path; an export is also decided for its destination region.
  for (const exporting of [false, true]) {
    const cmd = program
      .command(exporting ? 'export' : 'read')
      .description(
        exporting
          ? 'export a dataset version to a file for use outside the lake (Cedar `export`, by region)'
          : 'read a dataset version to a file or stdout',
      )
      .argument('<dataset>', 'namespace.name')
      .option(
        '--purpose <purpose>',
        'why the data is read: training, analytics, support, … (required)',
      )
      .option('--version <n>', 'version (default: current)', integerOption('--version'))
      .option('--columns <a,b>', 'columns to read, in order', listOption('--columns'))
      .option('--limit <n>', 'at most N rows', integerOption('--limit'))
      .addOption(
        new Option('--format <format>', 'output format')
          .choices(['csv', 'jsonl', 'parquet'])
          .default('csv'),
      )
      .option('--out <file>', 'output file (default: stdout)', '-')
      .option('--protect <spec>', 'de-identify with a protection spec (YAML/JSON; docs/protect.md)')
    if (exporting) cmd.option('--region <region>', "the destination's region (default: the lake's)")
    cmd.action(
      async (
        dataset: string,
        opts: {
          purpose?: string
          version?: number
          columns?: string[]
          limit?: number
          format: OutputFormat
          out: string
          protect?: string
          region?: string
        },
      ) => {
        if (opts.format === 'parquet' && opts.out === '-')
          throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'Parquet output needs --out FILE')
        const progress = createProgress(
          io,
          g().progress !== false && g().json !== true && opts.out !== '-',
          'read',
        )
        const r = await withLake((lake) =>
          lake.readToFile(dataset, {
            format: opts.format,
            out: opts.out === '-' ? stdoutSink(io) : opts.out,
            ...(opts.purpose === undefined ? {} : { purpose: opts.purpose }),
            ...(opts.version === undefined ? {} : { version: opts.version }),
            ...(opts.columns === undefined ? {} : { columns: opts.columns }),
            ...(opts.limit === undefined ? {} : { limit: opts.limit }),
            ...(opts.protect === undefined ? {} : { protect: { spec: opts.protect } }),
            ...(exporting
              ? { export: opts.region === undefined ? {} : { destinationRegion: opts.region } }
              : {}),
            onProgress: progress.update,
          }),
        ).finally(progress.stop)
        if (opts.out !== '-')
          out(
            r,
            () =>
              `Wrote ${r.rows} rows of ${r.dataset} version ${r.version} to ${opts.out} (${formatBytes(r.bytes)}).\n`,
          )
      },
    )
  }

  const keys = program.command('keys').description('key management')
  keys
    .command('rotate')
    .description(
      'rotate the key of one dataset (or all): new key version, data keys re-wrapped, data untouched',
    )
    .argument('[dataset]', 'namespace.name (default: every dataset)')
    .action(async (dataset?: string) => {
      const rs = await withLake((lake) => lake.rotateKeys(dataset))
      out(rs, () =>
        table(
          ['DATASET', 'FROM', 'TO', 'FILES RE-WRAPPED'],
          rs.map((r) => [r.dataset, r.fromKekVersion, r.toKekVersion, r.filesRewrapped]),
        ),
      )
    })
  keys
    .command('status')
    .description('which key version protects which files')
    .action(async () => {
      const st = await withLake((lake) => lake.keyStatus())
      out(st, () =>
        table(
          ['DATASET', 'ACTIVE KEY', 'ROOT KEY', 'FILES BY KEY VERSION'],
          st.map((s) => [
            s.dataset,
            `v${s.activeKekVersion}`,
            s.rootKeyId,
            s.kekVersions.map((k) => `v${k.version}:${k.files}`).join(' '),
          ]),
        ),
      )
    })

  program
    .command('gc')
    .description('remove stored objects that no dataset version refers to')
    .option(
      '--min-age <seconds>',
      'only objects older than this (default 3600)',
      integerOption('--min-age'),
    )
    .option('--dry-run', 'report only')
    .action(async (opts: { minAge?: number; dryRun?: boolean }) => {
      const r = await withLake((lake) =>
        lake.gc({
          ...(opts.minAge === undefined ? {} : { minAgeMs: opts.minAge * 1000 }),
          ...(opts.dryRun === true ? { dryRun: true } : {}),
        }),
      )
      out(
        r,
        () =>
          `Scanned ${r.scanned} objects: ${r.orphaned} orphaned, ${r.removed} ${opts.dryRun === true ? 'would be ' : ''}removed (${formatBytes(r.removedBytes)}), ${r.tooRecent} too recent.\n`,
      )
    })

  program
    .command('doctor')
    .description('check that every data file decrypts and matches its recorded hash and row count')
    .action(async () => {
      const progress = createProgress(io, g().progress !== false && g().json !== true, 'doctor')
      const r = await withLake((lake) => lake.doctor({ onProgress: progress.update })).finally(
        progress.stop,
      )
      out(
        r,
        () =>
          `Checked ${r.files} file(s) in ${r.datasets} dataset(s), ${formatBytes(r.bytesChecked)}: ` +
          (r.ok
            ? 'all good.\n'
            : `${r.problems.length} problem(s)\n` +
              table(
                ['DATASET', 'FILE', 'CODE', 'PROBLEM'],
                r.problems.map((p) => [p.dataset, p.fileId, p.code, p.problem]),
              )),
      )
      if (!r.ok) setExit(EXIT.problemsFound)
    })

  registerDiscoveryCommands({ program, io, out, withLake, setExit })
  registerAnonymizeCommands({ program, io, out, withLake, setExit })
  registerDpCommands({ program, io, out, withLake, setExit })
  const policy = registerPolicyCommands({ program, io, out, withLake, setExit })
  registerAccessCommands({ program, io, out, withLake, setExit }, policy)
  registerProtectCommands({ program, io, out, withLake, setExit })
  registerVaultCommands({ program, io, out, withLake, setExit })

  program
    .command('search')
    .description('find datasets by name or description, owner, tag, classification or sensitivity')
    .argument('[text]', 'case-insensitive text in the name or any description')
    .option('--owner <owner>', 'owner')
    .option('--tag <tag>', 'key or key=value, on the dataset or a column')
    .option('--classification <entity>', 'entity type of a column, e.g. EMAIL_ADDRESS')
    .addOption(
      new Option('--sensitivity <level>', 'at least this sensitivity on some column').choices([
        'low',
        'medium',
        'high',
      ]),
    )
    .action(
      async (
        text: string | undefined,
        opts: {
          owner?: string
          tag?: string
          classification?: string
          sensitivity?: 'low' | 'medium' | 'high'
        },
      ) => {
        const hits = await withLake((lake) =>
          lake.search({
            ...(text === undefined ? {} : { text }),
            ...(opts.owner === undefined ? {} : { owner: opts.owner }),
            ...(opts.tag === undefined ? {} : { tag: opts.tag }),
            ...(opts.classification === undefined ? {} : { entityType: opts.classification }),
            ...(opts.sensitivity === undefined ? {} : { sensitivity: opts.sensitivity }),
          }),
        )
        out(hits, () =>
          hits.length === 0
            ? 'No matching datasets.\n'
            : table(
                ['DATASET', 'VERSION', 'OWNER', 'DESCRIPTION'],
                hits.map((h) => [h.dataset, h.currentVersion, h.owner, h.description ?? '']),
              ),
        )
      },
    )

  program
    .command('describe')
    .description('set (or clear) the description of a dataset or a column')
    .argument('<dataset>', 'namespace.name')
    .argument('[text]', 'the description')
    .option('--column <col>', 'describe this column instead')
    .option('--clear', 'remove the description')
    .action(
      async (
        dataset: string,
        text: string | undefined,
        opts: { column?: string; clear?: boolean },
      ) => {
        if ((text === undefined) === (opts.clear !== true))
          throw new StrongroomError(
            'ERR_USAGE_INVALID_ARGUMENT',
            'Give a description text, or --clear',
          )
        await withLake((lake) =>
          lake.describe(
            dataset,
            text ?? null,
            opts.column === undefined ? {} : { column: opts.column },
          ),
        )
        out(
          { dataset, column: opts.column ?? null, description: text ?? null },
          () => 'Description saved.\n',
        )
      },
    )

  program
    .command('tag')
    .description('replace the tags (key or key=value) of a dataset or a column')
    .argument('<dataset>', 'namespace.name')
    .argument('[tags...]', 'tags; none (with --clear) removes them all')
    .option('--column <col>', 'tag this column instead')
    .option('--clear', 'remove every tag')
    .action(async (dataset: string, tags: string[], opts: { column?: string; clear?: boolean }) => {
      if ((tags.length === 0) !== (opts.clear === true))
        throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'Give tags, or --clear')
      await withLake((lake) =>
        lake.tag(dataset, tags, opts.column === undefined ? {} : { column: opts.column }),
      )
      out({ dataset, column: opts.column ?? null, tags }, () => 'Tags saved.\n')
    })

  program
    .command('classify')
    .description('classify a column by hand (outranks detection until replaced)')
    .argument('<dataset>', 'namespace.name')
    .requiredOption('--column <col>', 'the column')
    .requiredOption('--entity <type>', 'UPPER_SNAKE entity type, e.g. EMAIL_ADDRESS, or NONE')
    .addOption(
      new Option('--sensitivity <level>', 'sensitivity')
        .choices(['none', 'low', 'medium', 'high'])
        .makeOptionMandatory(),
    )
    .action(
      async (
        dataset: string,
        opts: { column: string; entity: string; sensitivity: 'none' | 'low' | 'medium' | 'high' },
      ) => {
        const current = await withLake((lake) =>
          lake.classify(dataset, {
            column: opts.column,
            entityType: opts.entity,
            sensitivity: opts.sensitivity,
          }),
        )
        out(current, () => classificationTable(current))
      },
    )

  program
    .command('classifications')
    .description('current classifications of a dataset, or their history')
    .argument('<dataset>', 'namespace.name')
    .option('--history', 'every entry ever recorded, oldest first')
    .option('--column <col>', 'one column (with --history)')
    .action(async (dataset: string, opts: { history?: boolean; column?: string }) => {
      const rows = await withLake((lake) =>
        opts.history === true
          ? lake.classificationHistory(dataset, opts.column)
          : lake.metadata(dataset).then((m) => [...m.classifications]),
      )
      out(rows, () => classificationTable(rows))
    })

  const audit = program.command('audit').description('the tamper-evident audit trail')
  audit
    .command('verify')
    .description('verify the hash chain, checkpoints and signatures; exits 6 on any problem')
    .option('--from <seq>', 'first event', integerOption('--from'))
    .option('--to <seq>', 'last event', integerOption('--to'))
    .action(async (opts: { from?: number; to?: number }) => {
      const r = await withLake((lake) => lake.auditVerify(opts))
      out(r, () =>
        r.ok
          ? `Audit trail verified: events ${r.firstSeq ?? '-'}..${r.lastSeq ?? '-'} (${r.eventsChecked}), ${r.checkpointsChecked} checkpoint(s), no problems.\n`
          : `Audit trail has ${r.problems.length} problem(s):\n` +
            r.problems.map((p) => `  - ${p.kind}: ${p.message}\n`).join(''),
      )
      if (!r.ok) setExit(EXIT.integrity)
    })
  const eventLine = (e: AuditRecord): string =>
    `${e.seq}\t${e.time}\t${e.principal}\t${e.action}\t${e.outcome}${e.errorCode === undefined ? '' : `(${e.errorCode})`}\t` +
    `${e.resources.map((r) => r.name + (r.version === undefined ? '' : `@v${r.version}`)).join(',')}` +
    `${e.rows === undefined ? '' : `\trows=${e.rows}`}\n`
  audit
    .command('tail')
    .description('the most recent audit events')
    .option('-n, --lines <n>', 'how many (default 20)', integerOption('--lines'))
    .action(async (opts: { lines?: number }) => {
      const rs = await withLake((lake) => lake.auditQuery({ limit: opts.lines ?? 20 }))
      out(rs, () => rs.map(eventLine).join(''))
    })
  audit
    .command('query')
    .description('audit events matching filters')
    .option('--principal <name>', 'who')
    .option('--dataset <ns.name>', 'a dataset the event touched')
    .option('--action <action>', 'e.g. dataset.read')
    .option('--since <time>', 'ISO 8601 time', isoTime('--since'))
    .option('--until <time>', 'ISO 8601 time', isoTime('--until'))
    .option('--limit <n>', 'at most N (newest)', integerOption('--limit'))
    .action(
      async (opts: {
        principal?: string
        dataset?: string
        action?: string
        since?: Date
        until?: Date
        limit?: number
      }) => {
        const rs = await withLake((lake) => lake.auditQuery(opts))
        out(rs, () => rs.map(eventLine).join(''))
      },
    )
  audit
    .command('export')
    .description('export events, checkpoints and the public key as JSONL for offline verification')
    .addOption(new Option('--format <format>', 'export format').choices(['jsonl']).default('jsonl'))
    .option('--out <file>', 'output file (default: stdout)', '-')
    .option('--from <seq>', 'first event', integerOption('--from'))
    .option('--to <seq>', 'last event', integerOption('--to'))
    .action(async (opts: { out: string; from?: number; to?: number }) => {
      const range = {
        ...(opts.from === undefined ? {} : { from: opts.from }),
        ...(opts.to === undefined ? {} : { to: opts.to }),
      }
      if (opts.out === '-') {
        await withLake((lake) => lake.auditExport((line) => io.out(line + '\n'), range))
        return
      }
      const r = await withLake((lake) =>
        writeLinesAtomically(opts.out, (sink) => lake.auditExport(sink, range)),
      )
      out(
        r,
        () =>
          `Exported ${r.events} event(s) and ${r.checkpoints} checkpoint(s) to ${opts.out}. Verify with: node scripts/verify-audit-export.mjs ${opts.out}\n`,
      )
    })
  audit
    .command('checkpoint')
    .description('write a signed checkpoint over the events so far')
    .action(async () => {
      const cp = await withLake((lake) => lake.auditCheckpoint())
      out(cp ?? null, () =>
        cp === undefined
          ? 'No new events since the last checkpoint.\n'
          : `Checkpoint ${cp.number} covers events up to ${cp.seq}.\n`,
      )
    })
  audit
    .command('public-key')
    .description('print the audit signing public key (PEM) and its id')
    .action(async () => {
      const k = await withLake((lake) => Promise.resolve(lake.auditPublicKey()))
      out(k, () => `# key id ${k.keyId}\n${k.publicKeyPem}`)
    })

  const lineage = program
    .command('lineage')
    .description('lineage of a dataset (or a file path): where it came from, what was made from it')
    .argument('<name>', 'namespace.name, or a file path')
    .option('--upstream', 'only where it came from')
    .option('--downstream', 'only what was derived from it')
    .option('--columns', 'include column-level lineage')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['text', 'dot', 'json'])
        .default('text'),
    )
    .action(
      async (
        name: string,
        opts: {
          upstream?: boolean
          downstream?: boolean
          columns?: boolean
          format: 'text' | 'dot' | 'json'
        },
      ) => {
        const direction =
          opts.upstream === true && opts.downstream !== true
            ? 'upstream'
            : opts.downstream === true && opts.upstream !== true
              ? 'downstream'
              : 'both'
        const target = isDatasetName(name) ? name : resolve(name)
        const graph = await withLake((lake) =>
          lake.lineage(target, { direction, columns: opts.columns === true }),
        )
        if (g().json === true || opts.format === 'json') io.out(renderLineageJson(graph) + '\n')
        else if (opts.format === 'dot') io.out(renderLineageDot(graph))
        else io.out(renderLineageTree(graph))
      },
    )
  lineage
    .command('emit')
    .description(
      'send the recorded lineage as OpenLineage events to an HTTP consumer (e.g. Marquez)',
    )
    .requiredOption('--url <url>', 'e.g. http://localhost:5000/api/v1/lineage')
    .action(async (opts: { url: string }) => {
      const r = await withLake((lake) => lake.emitLineage(opts.url))
      out(r, () => `Sent ${r.events} OpenLineage event(s) to ${opts.url}.\n`)
    })

  return program
}

function classificationTable(rows: readonly Classification[]): string {
  return rows.length === 0
    ? 'No classifications.\n'
    : table(
        ['COLUMN', 'ENTITY', 'SENSITIVITY', 'CONFIDENCE', 'SOURCE', 'BY', 'RECORDED'],
        rows.map((c) => [
          c.column,
          c.entityType,
          c.sensitivity,
          c.confidence.toFixed(2),
          c.source,
          c.recordedBy,
          c.recordedAt.toISOString(),
        ]),
      )
}

/** An ISO 8601 time option. */
function isoTime(name: string) {
  return (v: string): Date => {
    const d = new Date(v)
    if (Number.isNaN(d.getTime()))
      throw new InvalidArgumentError(`${name} must be an ISO 8601 time`)
    return d
  }
}

/** Writes lines to `path` through a temp file beside it, renamed into place on success. */
async function writeLinesAtomically<T>(
  path: string,
  fn: (sink: (line: string) => Promise<void>) => Promise<T>,
): Promise<T> {
  const target = resolve(path)
  const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`
  const fh = await open(tmp, 'wx', 0o600)
  try {
    const r = await fn(async (line) => {
      await fh.write(line + '\n')
    })
    await fh.sync()
    await fh.close()
    await rename(tmp, target)
    return r
  } catch (e) {
    await fh.close().catch(() => undefined)
    await rm(tmp, { force: true })
    throw e
  }
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code: number = EXIT.ok
  const program = buildProgram(io, (c) => {
    code = c
  })
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return code
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage
    }
    return reportError(e, io, argv.includes('--json'))
  }
}
