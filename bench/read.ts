/**
 * `read`: full read back of a 1M-row dataset (decrypt → DuckDB → record batches in JS),
 * against DuckDB streaming the same data from a plaintext Parquet file into JS chunks, in
 * the same run. Goal: our time ≤ 2 × DuckDB's. Also prints the CSV-output variant against
 * DuckDB's `COPY … TO csv` from plaintext Parquet.
 */
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { initStrongroom } from '../src/index.js'
import { best, report, workDir } from './lib.js'
import { BENCH_ROWS, benchCsv } from './setup.js'

export async function run(): Promise<void> {
  const dir = await workDir('read')
  const csv = await benchCsv(dir)
  const plain = join(dir, 'plain.parquet')
  const db = await DuckDBInstance.create(':memory:')
  const con = await db.connect()
  const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`
  await con.run(
    `COPY (SELECT * FROM read_csv(${literal(csv)})) TO ${literal(plain)} (FORMAT parquet)`,
  )

  const lake = await initStrongroom({
    root: join(dir, 'lake'),
    passphrase: 'bench-passphrase',
    kdfLogN: 14,
  })
  await lake.ingest(csv, { dataset: 'bench.customers' })

  const baseline = await best(3, async () => {
    const res = await con.stream(`SELECT * FROM read_parquet(${literal(plain)})`)
    let rows = 0
    for (;;) {
      const chunk = await res.fetchChunk()
      if (chunk === null || chunk.rowCount === 0) break
      chunk.getColumns()
      rows += chunk.rowCount
    }
    if (rows !== BENCH_ROWS) throw new Error('baseline row count')
  })
  const ours = await best(3, async () => {
    let rows = 0
    for await (const b of lake.read('bench.customers', { purpose: 'analytics' })) rows += b.rowCount
    if (rows !== BENCH_ROWS) throw new Error('read row count')
  })
  const csvBaseline = await best(2, async () => {
    await con.run(
      `COPY (SELECT * FROM read_parquet(${literal(plain)})) TO ${literal(join(dir, 'baseline.csv'))} (FORMAT csv, HEADER)`,
    )
  })
  const csvOurs = await best(2, async () => {
    await lake.readToFile('bench.customers', {
      purpose: 'analytics',
      format: 'csv',
      out: join(dir, 'ours.csv'),
    })
  })
  await lake.close()
  con.closeSync()
  db.closeSync()
  console.log(
    `to JS batches: strongroom ${(ours / 1000).toFixed(2)} s; duckdb plaintext parquet ${(baseline / 1000).toFixed(2)} s; ratio ${(ours / baseline).toFixed(2)}`,
  )
  console.log(
    `to CSV file:   strongroom ${(csvOurs / 1000).toFixed(2)} s; duckdb plaintext parquet ${(csvBaseline / 1000).toFixed(2)} s; ratio ${(csvOurs / csvBaseline).toFixed(2)}`,
  )
  const ratio = ours / baseline
  report({
    name: 'read',
    value: ours,
    baseline,
    ratio,
    goal: 'ratio <= 2',
    unit: 'ms',
    met: ratio <= 2,
  })
}
