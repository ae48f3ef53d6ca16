import { mkdtempSync, statSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { createSqliteAuditStore } from '../../src/audit/sqlite/sqlite-audit-store.js'
import { runAuditStoreContract } from './audit-store.contract.js'

const dir = mkdtempSync(join(tmpdir(), 'strongroom-sqlite-audit-'))

runAuditStoreContract('sqlite', {
  // One database file per storage name, in a folder the store must create itself.
  create: (storage) =>
    Promise.resolve(createSqliteAuditStore({ path: join(dir, 'lake', `${storage}.db`) })),
  cleanup: () => rm(dir, { recursive: true, force: true }),
})

describe('sqlite audit store file', () => {
  it('is created private (0600) and in WAL mode', async () => {
    const own = join(dir, 'private', 'audit.db')
    const store = createSqliteAuditStore({ path: own })
    await store.open()
    await store.setMeta('probe', 'x')
    try {
      expect(statSync(own).mode & 0o777).toBe(0o600)
      expect(statSync(join(dir, 'private')).mode & 0o777).toBe(0o700)
      // SQLite gives the WAL file the database file's permissions.
      expect(statSync(`${own}-wal`).mode & 0o777).toBe(0o600)
    } finally {
      await store.close()
    }
  })
})
