/**
 * `memory`: ingest and read back a CSV far larger than one chunk (2 GiB by default,
 * BENCH_MEMORY_GIB to change) and report each child process's peak RSS (whole process,
 * DuckDB's threads included). The reference is the goal itself, 400 MB: the ratio is the
 * worst peak over it. Goal: ratio < 1 for ingest and both reads.
 */
import { execFileSync } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { generateCustomersCsv } from '../src/formats/synthetic.js'
import { report, workDir } from './lib.js'

function child(args: string[]): { rows: number; maxRssKiB: number } {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'memory-child.ts'), ...args],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
  )
  return JSON.parse(out.trim().split('\n').at(-1) as string) as { rows: number; maxRssKiB: number }
}

export async function run(): Promise<void> {
  const gib = Number(process.env['BENCH_MEMORY_GIB'] ?? 2)
  const dir = await workDir('memory')
  const csv = join(dir, 'big.csv')
  // ~200 bytes per synthetic row (measured: 1M rows make 189.6 MiB).
  const rows = Math.round((gib * 2 ** 30) / 199)
  generateCustomersCsv(csv, { rows, seed: 11 })
  const size = (await stat(csv)).size
  console.log(`input: ${rows} rows, ${(size / 2 ** 30).toFixed(2)} GiB CSV`)
  const ing = child(['ingest', join(dir, 'lake'), csv])
  console.log(`ingest: ${ing.rows} rows, peak RSS ${(ing.maxRssKiB / 1024).toFixed(0)} MiB`)
  const rd = child(['read', join(dir, 'lake'), join(dir, 'out.csv')])
  console.log(`read to CSV: ${rd.rows} rows, peak RSS ${(rd.maxRssKiB / 1024).toFixed(0)} MiB`)
  const bt = child(['batches', join(dir, 'lake')])
  console.log(`read batches: ${bt.rows} rows, peak RSS ${(bt.maxRssKiB / 1024).toFixed(0)} MiB`)
  const peakMb = (Math.max(ing.maxRssKiB, rd.maxRssKiB, bt.maxRssKiB) * 1024) / 1e6
  report({
    name: 'memory',
    value: peakMb,
    baseline: 400,
    ratio: peakMb / 400,
    goal: 'peak RSS < 400 MB (ratio < 1)',
    unit: 'MB',
    met: peakMb < 400,
  })
}
