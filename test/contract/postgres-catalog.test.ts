import { randomBytes } from 'node:crypto'

import pg from 'pg'

import { createPostgresCatalog } from '../../src/catalog/postgres/postgres-catalog.js'
import { runCatalogContract } from './catalog.contract.js'

const url = process.env['STRONGROOM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const required = process.env['STRONGROOM_REQUIRE_SERVICES'] === '1'
// One schema per run, so parallel runs and leftovers never collide; dropped in cleanup.
const schema = `strongroom_test_${randomBytes(6).toString('hex')}`

/** Why PostgreSQL cannot be used, or undefined when it can. */
async function unreachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (e) {
    return `PostgreSQL at ${url.replace(/\/\/[^@]*@/, '//***@')} is unreachable (${String(e)})`
  } finally {
    await client.end().catch(() => undefined)
  }
}

const reason = await unreachable()
if (reason !== undefined && required) {
  // STRONGROOM_REQUIRE_SERVICES=1: a missing database is a failure, not a skip.
  console.error(`${reason}; STRONGROOM_REQUIRE_SERVICES=1, so the suite must fail`)
}

runCatalogContract('postgres', {
  create: () => Promise.resolve(createPostgresCatalog({ connectionString: url, schema })),
  cleanup: async () => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    } finally {
      await client.end()
    }
  },
  skip: required ? false : (reason ?? false),
})
