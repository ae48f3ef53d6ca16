/**
 * kill -9 at random points during ingest, many trials: the previous version stays
 * readable, no partial version is ever visible, doctor passes, and gc removes what the
 * crash left behind.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateCustomersCsv } from '../../src/formats/synthetic.js'
import { createStrongroom } from '../../src/index.js'
import { PASSPHRASE, newLake, spawnCli, tempDir } from '../e2e/helpers.js'

const TRIALS = Number(process.env['STRONGROOM_CRASH_TRIALS'] ?? 8)

describe('crash during ingest (kill -9 at random points)', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let root: string
  let csv: string

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-crash-'))
    root = join(dir, 'lake')
    csv = join(dir, 'c.csv')
    generateCustomersCsv(csv, { rows: 40_000, seed: 9 })
    const lake = await newLake(root, {}, 256 * 1024)
    await lake.ingest(csv, { dataset: 'crm.c' })
    await lake.close()
  })
  afterAll(async () => cleanup())

  it(`leaves the last committed version intact over ${TRIALS} trials`, async () => {
    let committedRows = 40_000
    let killedBeforeCommit = 0
    for (let t = 0; t < TRIALS; t++) {
      const child = spawnCli([
        'ingest',
        csv,
        '--dataset',
        'crm.c',
        '--mode',
        'append',
        '--lake',
        root,
      ])
      let exited = false
      const done = new Promise<number | null>((r) =>
        child.on('exit', (code) => ((exited = true), r(code))),
      )
      // Spread kills over process start-up, conversion, uploads and the commit.
      const delay = 300 + Math.floor(Math.random() * 2500)
      await new Promise((r) => setTimeout(r, delay))
      if (!exited) child.kill('SIGKILL')
      const code = await done
      const lake = await createStrongroom({ root, passphrase: PASSPHRASE })
      try {
        const versions = await lake.versions('crm.c')
        const current = versions.at(-1)
        if (code === 0) committedRows += 40_000
        else if (current?.rows === committedRows + 40_000)
          committedRows += 40_000 // killed after commit
        else killedBeforeCommit += 1
        // Every visible version is whole: its row count is a multiple of the input.
        for (const v of versions) expect(v.rows % 40_000).toBe(0)
        expect(current?.rows).toBe(committedRows)
        let n = 0
        for await (const b of lake.read('crm.c', {
          purpose: 'analytics',
          columns: ['customer_id'],
        }))
          n += b.rowCount
        expect(n).toBe(committedRows)
        expect((await lake.doctor()).ok).toBe(true)
        const g = await lake.gc({ minAgeMs: 0 })
        expect(g.scanned - g.removed).toBe(g.referenced)
      } finally {
        await lake.close()
      }
    }
    // The trials must actually have interrupted ingests, or the test proves nothing.
    expect(killedBeforeCommit).toBeGreaterThan(0)
  }, 300_000)
})
