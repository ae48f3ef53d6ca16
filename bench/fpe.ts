/**
 * `fpe`: FF1 (AES-256) encryption of N = 200k random 16-digit numbers (BENCH_FPE_N to
 * change) through the batch API, on one core. Our figure is values encrypted per second of
 * CPU time (wall-clock rates are printed too).
 * The baseline, measured in the same run, is node:crypto's raw AES-256-ECB throughput over
 * the same count of single-block `update` calls (the per-call floor any FF1 built on
 * node:crypto pays, ten times per value when values go one at a time). The single-value
 * API is measured and printed too. Goal: value ≥ 100,000 values/s.
 */
import { createCipheriv, randomBytes, randomInt } from 'node:crypto'

import { DIGITS } from '../src/protect/fpe/alphabet.js'
import { Ff1 } from '../src/protect/fpe/ff1.js'
import { bestTimes, report } from './lib.js'

const GOAL = 100_000

function randomDigits(count: number, length: number): string[] {
  return Array.from({ length: count }, () => {
    let s = ''
    for (let i = 0; i < length; i++) s += DIGITS[randomInt(10)]
    return s
  })
}

/** Items per second of wall-clock time and of this process's CPU time. */
interface Rate {
  readonly wall: number
  readonly cpu: number
}

/**
 * Best-of-`runs` rates of `fn`, which processes `items` items. CPU time (user + system of
 * the whole process, so GC threads count against us) is the per-core figure: on a shared
 * machine, wall-clock time also measures how long the scheduler kept us waiting.
 */
function rate(runs: number, items: number, fn: () => void): Rate {
  const { wall, cpu } = bestTimes(runs, fn)
  return { wall: items / (wall / 1000), cpu: items / (cpu / 1000) }
}

function show(r: Rate, unit: string): string {
  return `${r.cpu.toFixed(0)} ${unit} per CPU-second (${r.wall.toFixed(0)} ${unit} wall-clock)`
}

export async function run(): Promise<void> {
  const n = Number(process.env['BENCH_FPE_N'] ?? 200_000)
  const values = randomDigits(n, 16)
  const ff1 = new Ff1(randomBytes(32), { alphabet: DIGITS, tweak: Buffer.from('bench.fpe') })

  // Warm-up, and a correctness check on the measured path.
  const check = ff1.encryptBatch(values.slice(0, 1000))
  if (ff1.decryptBatch(check).some((v, i) => v !== values[i])) throw new Error('round trip failed')

  let out: string[] = []
  const batch = rate(3, n, () => {
    out = ff1.encryptBatch(values)
  })
  if (out.length !== n || out.some((v) => v.length !== 16 || !/^\d+$/.test(v))) {
    throw new Error('batch output lost its format')
  }
  const singleCount = Math.min(n, 50_000)
  const single = rate(2, singleCount, () => {
    for (let i = 0; i < singleCount; i++) ff1.encrypt(values[i] ?? '')
  })
  const decrypt = rate(1, n, () => {
    ff1.decryptBatch(out)
  })

  const ecb = createCipheriv('aes-256-ecb', randomBytes(32), null)
  ecb.setAutoPadding(false)
  const block = randomBytes(16)
  const aes = rate(3, n, () => {
    for (let i = 0; i < n; i++) ecb.update(block)
  })

  const ratio = batch.cpu / aes.cpu
  console.log(
    `FF1 AES-256, ${n} random 16-digit numbers, batch encrypt: ${show(batch, 'values/s')}`,
  )
  console.log(`FF1 batch decrypt: ${show(decrypt, 'values/s')}`)
  console.log(`FF1 single-value encrypt (${singleCount} calls): ${show(single, 'values/s')}`)
  console.log(`node:crypto AES-256-ECB, ${n} single-block update calls: ${show(aes, 'blocks/s')}`)
  console.log(
    `ratio (batch FF1 values/s per single-block AES call/s, CPU time): ${ratio.toFixed(3)}`,
  )
  await Promise.resolve()
  report({
    name: 'fpe',
    value: batch.cpu,
    baseline: aes.cpu,
    ratio,
    goal: `value >= ${GOAL} values/s`,
    unit: 'values/s',
    met: batch.cpu >= GOAL,
  })
}
