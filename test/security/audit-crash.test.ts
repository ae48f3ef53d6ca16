/**
 * kill -9 while audit events are being appended, many times: no half event is ever
 * stored, the chain and every checkpoint verify, and appends continue where they stopped.
 */
import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOrCreateSigningKey } from '../../src/audit/signing-key.js'
import { createSqliteAuditStore } from '../../src/audit/sqlite/sqlite-audit-store.js'
import { verifyAudit } from '../../src/audit/verify.js'
import {
  createLocalKeyProvider,
  initLocalKeyring,
} from '../../src/keys/local/local-key-provider.js'
import { tempDir } from '../e2e/helpers.js'

const TRIALS = Number(process.env['STRONGROOM_CRASH_TRIALS'] ?? 6)
const child = resolve(import.meta.dirname, '../helpers/audit-append-child.ts')

describe('crash during audit append (kill -9)', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let db: string
  let keyring: string

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-auditcrash-'))
    db = join(dir, 'audit.db')
    keyring = join(dir, 'keyring.json')
    await initLocalKeyring({ path: keyring, passphrase: 'p', kdf: { N: 2 ** 12 } })
  })
  afterAll(async () => cleanup())

  it(`keeps a verifiable chain over ${TRIALS} kills`, async () => {
    let lastSeq = 0
    for (let t = 0; t < TRIALS; t++) {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, db, keyring, 'p'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      await new Promise<void>((ready, fail) => {
        proc.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('ready')) ready()
        })
        proc.on('exit', (code) => fail(new Error(`child exited early (${code})`)))
      })
      // Let it append for a random while, then kill it mid-write.
      await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 400)))
      const exited = new Promise((r) => proc.on('exit', r))
      proc.kill('SIGKILL')
      await exited

      const provider = createLocalKeyProvider({ path: keyring, passphrase: 'p' })
      await provider.open()
      const store = createSqliteAuditStore({ path: db })
      await store.open()
      try {
        const signer = await loadOrCreateSigningKey(store, provider)
        const head = await store.head()
        expect(head?.seq ?? 0).toBeGreaterThan(lastSeq)
        lastSeq = head?.seq ?? 0
        const result = await verifyAudit({
          records: store.read(1),
          checkpoints: await store.listCheckpoints(),
          publicKeyPem: signer.publicKeyPem,
        })
        expect(result.problems).toEqual([])
        expect(result.eventsChecked).toBe(lastSeq)
      } finally {
        await store.close()
        await provider.close()
      }
    }
  }, 240_000)
})
