import { mkdtempSync, statSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { createSqliteCatalog } from '../../src/catalog/sqlite/sqlite-catalog.js'
import { openSqlite } from '../../src/lib/sqlite.js'
import { runCatalogAccessContract } from './catalog-access.contract.js'
import { runCatalogContract } from './catalog.contract.js'

const dir = mkdtempSync(join(tmpdir(), 'strongroom-sqlite-catalog-'))
const path = join(dir, 'lake', 'catalog.db')

/** Runs SQL over a second connection to the file, as any other process could open it. */
function execRawAt(file: string): (sql: string) => Promise<void> {
  return async (sql) => {
    const db = await openSqlite({
      path: file,
      busyTimeoutMs: 5000,
      pragmas: [],
      unavailableCode: 'ERR_CATALOG_UNAVAILABLE',
    })
    try {
      db.exec(sql)
    } finally {
      db.close()
    }
  }
}

runCatalogContract('sqlite', {
  create: () => Promise.resolve(createSqliteCatalog({ path })),
  cleanup: () => rm(dir, { recursive: true, force: true }),
  execRaw: execRawAt(path),
})

describe('sqlite catalog file', () => {
  it('is created private (0600) and in WAL mode', async () => {
    const own = join(dir, 'private', 'catalog.db')
    const catalog = createSqliteCatalog({ path: own })
    await catalog.open()
    await catalog.setSetting('probe', 'x')
    try {
      expect(statSync(own).mode & 0o777).toBe(0o600)
      // SQLite gives the WAL file the database file's permissions.
      expect(statSync(`${own}-wal`).mode & 0o777).toBe(0o600)
    } finally {
      await catalog.close()
    }
  })
})

// Policy versions are global to a catalog: the access contract gets a file of its own.
const accessPath = join(dir, 'access', 'catalog.db')
runCatalogAccessContract('sqlite', {
  create: () => Promise.resolve(createSqliteCatalog({ path: accessPath })),
  execRaw: execRawAt(accessPath),
})
