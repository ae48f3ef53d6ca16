/**
 * `vault`: throughput of the token vault on one core over the embedded SQLite catalog:
 * tokenizing a column batch (new entries: per-subject keys, blind indexes, AES-GCM, one
 * transaction), re-tokenizing it (every entry converges on its stored token) and
 * detokenizing it, each against AES-256-GCM of the same values alone, measured in the same
 * run (the encryption every entry needs, without keys, indexes or storage).
 */
import { createCipheriv, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { createSqliteCatalog } from '../src/catalog/sqlite/sqlite-catalog.js'
import { TokenVault } from '../src/protect/vault/token-vault.js'
import { report, workDir } from './lib.js'

/** Rows per column batch, and distinct subjects among them (ten values each). */
const ROWS = 50_000
const SUBJECTS = 5_000
/**
 * New entries need a key per subject, a blind index, GCM and two statements each: at least
 * a fifth of bare GCM's rate. A ratio, so a loaded machine does not fail it.
 */
const GOAL = 0.2

function perSecond(rows: number, ms: number): number {
  return Math.round((rows / ms) * 1000)
}

export async function run(): Promise<void> {
  const dir = await workDir('vault')
  const catalog = createSqliteCatalog({ path: join(dir, 'catalog.db') })
  await catalog.open()
  const vault = new TokenVault(randomBytes(32), catalog)
  try {
    const subjects = Array.from({ length: ROWS }, (_, i) => `customer-${i % SUBJECTS}`)
    const values = Array.from({ length: ROWS }, (_, i) => `person${i}@example.org`)

    let t = performance.now()
    const tokens = await vault.tokenizeColumn('bench', subjects, values)
    const fresh = perSecond(ROWS, performance.now() - t)
    t = performance.now()
    await vault.tokenizeColumn('bench', subjects, values)
    const again = perSecond(ROWS, performance.now() - t)
    t = performance.now()
    const back = await vault.detokenize('bench', tokens as string[])
    const detok = perSecond(ROWS, performance.now() - t)
    if (back.some((b, i) => b.status !== 'ok' || b.value !== values[i]))
      throw new Error('round trip failed')

    const key = randomBytes(32)
    t = performance.now()
    let sink = 0
    for (const v of values) {
      const c = createCipheriv('aes-256-gcm', key, randomBytes(12))
      sink += c.update(v, 'utf8').length + c.final().length + c.getAuthTag().length
    }
    const gcm = perSecond(ROWS, performance.now() - t)
    if (sink === 0) throw new Error('nothing measured')

    console.log(`rows per batch: ${ROWS}, subjects: ${SUBJECTS}, catalog: sqlite`)
    console.log(`tokenize (new entries): ${fresh} values/s (${(fresh / gcm).toFixed(3)}x GCM)`)
    console.log(`tokenize (converged):   ${again} values/s (${(again / gcm).toFixed(3)}x GCM)`)
    console.log(`detokenize:             ${detok} values/s (${(detok / gcm).toFixed(3)}x GCM)`)
    console.log(`  baseline AES-256-GCM one-shot per value: ${gcm} values/s`)
    report({
      name: 'vault',
      value: fresh,
      baseline: gcm,
      ratio: fresh / gcm,
      goal: `ratio >= ${GOAL}`,
      unit: 'values/s',
      met: fresh / gcm >= GOAL,
    })
  } finally {
    vault.close()
    await catalog.close()
  }
}
