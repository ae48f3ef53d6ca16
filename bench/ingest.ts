/**
 * `ingest`: a 1M-row synthetic CSV through parse → Parquet → encrypt → commit, against
 * DuckDB's own `COPY (SELECT * FROM read_csv(…)) TO … (FORMAT parquet)` of the same file
 * in the same run. Goal: our time ≤ 2.5 × DuckDB's.
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { initStrongroom } from '../src/index.js'
import { best, report, time, workDir } from './lib.js'
import { BENCH_ROWS, benchCsv } from './setup.js'

export async function run(): Promise<void> {
  const dir = await workDir('ingest')
  const csv = await benchCsv(dir)
  const size = (await stat(csv)).size
  console.log(`input: ${BENCH_ROWS} rows, ${(size / 2 ** 20).toFixed(1)} MiB CSV`)

  const db = await DuckDBInstance.create(':memory:')
  const con = await db.connect()
  const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`
  let n = 0
  const baseline = await best(2, async () => {
    await con.run(
      `COPY (SELECT * FROM read_csv(${literal(csv)})) TO ${literal(join(dir, `plain-${n++}.parquet`))} (FORMAT parquet)`,
    )
  })
  con.closeSync()
  db.closeSync()

  // BENCH_CHUNK_MIB overrides the data file chunk size (engine.chunkBytes).
  const chunkMib =
    process.env['BENCH_CHUNK_MIB'] === undefined
      ? undefined
      : Number(process.env['BENCH_CHUNK_MIB'])
  let ours = Infinity
  let rows = 0
  for (let i = 0; i < 2; i++) {
    const lake = await initStrongroom({
      root: join(dir, `lake-${i}`),
      passphrase: 'bench-passphrase',
      kdfLogN: 14,
      ...(chunkMib === undefined
        ? {}
        : {
            config: {
              engine: { scratchDir: '/dev/shm', chunkBytes: chunkMib * 2 ** 20, threads: 1 },
            },
          }),
    })
    const [r, ms] = await time(() => lake.ingest(csv, { dataset: 'bench.customers' }))
    await lake.close()
    ours = Math.min(ours, ms)
    rows = r.rows
    console.log(
      `  run ${i + 1}: ${(ms / 1000).toFixed(2)} s, ${r.files} files, ${(r.storedBytes / 2 ** 20).toFixed(1)} MiB stored`,
    )
  }
  if (rows !== BENCH_ROWS) throw new Error(`ingested ${rows} rows, expected ${BENCH_ROWS}`)
  const ratio = ours / baseline
  console.log(
    `strongroom ingest: ${(ours / 1000).toFixed(2)} s; duckdb COPY to parquet: ${(baseline / 1000).toFixed(2)} s`,
  )
  report({
    name: 'ingest',
    value: ours,
    baseline,
    ratio,
    goal: 'ratio <= 2.5',
    unit: 'ms',
    met: ratio <= 2.5,
  })
}
