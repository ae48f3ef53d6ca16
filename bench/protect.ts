/**
 * `protect`: throughput of the de-identification primitives on one core, each against a
 * baseline measured in the same run:
 * - keyed tokens (HMAC-SHA-256, 128-bit base32) over 1M email-like values through the
 *   pipeline's column path (`protectBatch` with a `token` rule, 64k-row batches), against
 *   node's unkeyed `createHash('sha256')` per value (the cheapest native per-value digest).
 *   `Tokenizer.tokenize` on the whole column, the same without WebAssembly, and node's
 *   `createHmac` per value are printed too. Goal ≥ 1,000,000 values/s.
 * - masking (keep last 4) over 1M values, against a plain `String.slice` loop.
 * - AES-256-SIV over 200k values, batched (`sivEncryptColumn`) and per value, against
 *   AES-256-GCM one-shot per value (`createCipheriv` + update + final + tag).
 * Each figure is the best of three runs.
 */
import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto'

import type { CellValue, RecordBatch } from '../src/core/batch.js'
import { createDefaultRegistry } from '../src/discovery/default-registry.js'
import { AesSiv } from '../src/protect/crypto/siv.js'
import { sivEncryptColumn } from '../src/protect/crypto/siv-column.js'
import { Tokenizer } from '../src/protect/crypto/token.js'
import { compileProtectPlan, protectBatch } from '../src/protect/plan.js'
import { parseProtectSpec, parseSpecText } from '../src/protect/spec.js'
import { maskColumn } from '../src/protect/transforms/mask.js'
import { bestTimes, report } from './lib.js'

const TOKEN_GOAL = 1_000_000
/** Rows per batch on the pipeline path. */
const BATCH_ROWS = 65_536

function emails(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `user${i}.name${i % 997}@example.com`)
}

/** A throughput: wall clock (best of three runs) and process CPU time of the fastest run. */
interface Rate {
  readonly wall: number
  readonly cpu: number
}

/**
 * Values per second over three runs. The CPU-time rate is printed beside the wall-clock one:
 * on a shared machine it shows the per-core rate that waiting for a core hides.
 */
function rate(n: number, fn: () => void): Rate {
  const { wall, cpu } = bestTimes(3, fn)
  return { wall: n / (wall / 1000), cpu: n / (cpu / 1000) }
}

const num = (v: number): string => Math.round(v).toLocaleString('en-US')
const fmt = (r: Rate): string => `${num(r.wall)} values/s (${num(r.cpu)} per CPU-second)`
const ratio = (a: Rate, b: Rate): string => `ratio ${(a.wall / b.wall).toFixed(2)}`

export async function run(): Promise<void> {
  // FF1 first (its own result line), so `bench -- protect` covers every speed goal of the
  // de-identification layer and still ends with the token result.
  await (await import('./fpe.js')).run()
  const key = randomBytes(32)
  const values = emails(Number(process.env['BENCH_PROTECT_N'] ?? 1_000_000))
  const n = values.length
  let sink = 0

  // Tokens: the pipeline's path first, a compiled plan applied batch by batch.
  const plan = await compileProtectPlan(
    parseProtectSpec(parseSpecText('version: 1\ncolumns:\n  email: { transform: token }\n')),
    {
      schema: [{ name: 'email', type: 'string', physicalType: 'VARCHAR', nullable: true }],
      registry: createDefaultRegistry(),
      master: key,
    },
  )
  const batches: RecordBatch[] = []
  for (let at = 0; at < n; at += BATCH_ROWS) {
    const column: CellValue[] = values.slice(at, at + BATCH_ROWS)
    batches.push({ columns: plan.input, values: [column], rowCount: column.length })
  }
  const tokens = rate(n, () => {
    for (const b of batches) sink += protectBatch(b, plan).rowCount
  })
  const tokenizer = new Tokenizer(key, { encoding: 'base32', bits: 128 })
  const column = rate(n, () => {
    sink += tokenizer.tokenize(values).length
  })
  const scalar = new Tokenizer(key, { encoding: 'base32', bits: 128, webAssembly: false })
  const typescript = rate(n, () => {
    sink += scalar.tokenize(values).length
  })
  const sha256 = rate(n, () => {
    for (const v of values) sink += createHash('sha256').update(v).digest('hex').length
  })
  const hmac = rate(n, () => {
    for (const v of values) sink += createHmac('sha256', key).update(v).digest('hex').length
  })
  const k = Buffer.alloc(64)
  key.copy(k)
  const inner = createHash('sha256').update(k.map((b) => b ^ 0x36))
  const outer = createHash('sha256').update(k.map((b) => b ^ 0x5c))
  const copies = rate(n, () => {
    for (const v of values) {
      sink += outer.copy().update(inner.copy().update(v).digest()).digest('hex').length
    }
  })
  console.log(`tokens (HMAC-SHA-256, 128-bit base32), protectBatch: ${fmt(tokens)}`)
  console.log(
    `  baseline createHash('sha256') per value: ${fmt(sha256)} (${ratio(tokens, sha256)})`,
  )
  console.log(`  Tokenizer.tokenize, one 1M column: ${fmt(column)} (${ratio(column, sha256)})`)
  console.log(
    `  same, TypeScript HMAC (no WebAssembly): ${fmt(typescript)} (${ratio(typescript, sha256)})`,
  )
  console.log(`  node createHmac per value: ${fmt(hmac)} (${ratio(tokens, hmac)})`)
  console.log(
    `  HMAC from copy() of prepared createHash states: ${fmt(copies)} (${ratio(tokens, copies)})`,
  )

  // Masks.
  const masks = rate(n, () => {
    sink += maskColumn(values, { keepLast: 4 }).length
  })
  const slices = rate(n, () => {
    const out = new Array<string>(n)
    for (let i = 0; i < n; i++) out[i] = values[i]!.slice(-4)
    sink += out.length
  })
  console.log(`masks (keep last 4): ${fmt(masks)}`)
  console.log(`  baseline String.slice loop: ${fmt(slices)} (${ratio(masks, slices)})`)

  // AES-SIV.
  const sivN = Math.min(n, 200_000)
  const sivValues = values.slice(0, sivN)
  const sivBytes = sivValues.map((v) => Buffer.from(v))
  const siv = new AesSiv(randomBytes(64))
  const sivBatch = rate(sivN, () => {
    sink += sivEncryptColumn(siv, sivValues, ['bench']).length
  })
  const ad = [Buffer.from('bench')]
  const sivOne = rate(sivN, () => {
    for (const b of sivBytes) sink += siv.encrypt(b, ad).length
  })
  const gcmKey = randomBytes(32)
  const iv = randomBytes(12)
  const gcm = rate(sivN, () => {
    for (const b of sivBytes) {
      const c = createCipheriv('aes-256-gcm', gcmKey, iv)
      sink += c.update(b).length + c.final().length + c.getAuthTag().length
    }
  })
  console.log(`AES-256-SIV, column batch: ${fmt(sivBatch)} (${ratio(sivBatch, gcm)})`)
  console.log(`AES-256-SIV, per value: ${fmt(sivOne)} (${ratio(sivOne, gcm)})`)
  console.log(`  baseline AES-256-GCM one-shot per value: ${fmt(gcm)}`)
  if (sink === 0) throw new Error('nothing measured')

  report({
    name: 'protect',
    value: tokens.wall,
    baseline: sha256.wall,
    ratio: tokens.wall / sha256.wall,
    goal: `value >= ${TOKEN_GOAL} values/s`,
    unit: 'values/s',
    met: tokens.wall >= TOKEN_GOAL,
  })
}
