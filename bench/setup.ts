/** Shared setup: a synthetic 1M-row CSV (cached across benchmarks in one folder). */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { generateCustomersCsv } from '../src/formats/synthetic.js'

/** Rows in the benchmark CSV (BENCH_ROWS to change). */
export const BENCH_ROWS = Number(process.env['BENCH_ROWS'] ?? 1_000_000)

/** Creates (once) and returns the path of the benchmark CSV. */
export async function benchCsv(dir: string): Promise<string> {
  const path = join(dir, `customers-${BENCH_ROWS}.csv`)
  const exists = await stat(path).then(
    () => true,
    () => false,
  )
  if (!exists) generateCustomersCsv(path, { rows: BENCH_ROWS, seed: 7 })
  return path
}
