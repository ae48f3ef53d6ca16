/** Shared helpers for benchmarks: every benchmark ends with one JSON result line. */
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'

/** The one-line result every benchmark prints last. */
export interface BenchResult {
  readonly name: string
  /** The measured figure of our path (unit in `unit`). */
  readonly value: number
  /** The same figure for the baseline, measured in the same run. */
  readonly baseline: number
  /** value / baseline, oriented as `goal` states it. */
  readonly ratio: number
  /** The goal, e.g. `ratio >= 0.5`. */
  readonly goal: string
  readonly unit: string
  readonly met: boolean
}

/** Prints figures, then the result as the last line. */
export function report(result: BenchResult): void {
  console.log(JSON.stringify(result))
}

/** A scratch folder for a benchmark's own files (outside the repo's tracked tree). */
export async function workDir(name: string): Promise<string> {
  const dir = join(process.env['BENCH_DIR'] ?? join(process.cwd(), 'bench', '.work'), name)
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  return dir
}

/** Times an async function in milliseconds. */
export async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now()
  const r = await fn()
  return [r, performance.now() - t]
}

/** The best (lowest) time of `n` runs. */
export async function best(n: number, fn: () => Promise<unknown>): Promise<number> {
  let min = Infinity
  for (let i = 0; i < n; i++) {
    const [, ms] = await time(fn)
    min = Math.min(min, ms)
  }
  return min
}

/**
 * The best wall-clock and the best CPU milliseconds of `n` runs of the synchronous `fn`. CPU
 * time is user + system of the whole process (collector and compiler threads count against
 * us); on a shared machine it is the per-core figure that waiting for a core hides.
 */
export function bestTimes(n: number, fn: () => void): { wall: number; cpu: number } {
  let wall = Infinity
  let cpu = Infinity
  for (let i = 0; i < n; i++) {
    const c = process.cpuUsage()
    const t = performance.now()
    fn()
    wall = Math.min(wall, performance.now() - t)
    const u = process.cpuUsage(c)
    cpu = Math.min(cpu, (u.user + u.system) / 1000)
  }
  return { wall, cpu }
}
