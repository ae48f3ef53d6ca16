import { randomBytes } from 'node:crypto'

import pg from 'pg'

import { createPostgresAuditStore } from '../../src/audit/postgres/postgres-audit-store.js'
import { runAuditStoreContract } from './audit-store.contract.js'

const url = process.env['STRONGROOM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const required = process.env['STRONGROOM_REQUIRE_SERVICES'] === '1'
// One schema per storage name under a per-run prefix, so parallel runs and leftovers never
// collide; all of them are dropped in cleanup.
const prefix = `strongroom_audit_test_${randomBytes(6).toString('hex')}`

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

runAuditStoreContract('postgres', {
  create: (storage) =>
    Promise.resolve(
      createPostgresAuditStore({ connectionString: url, schema: `${prefix}_${storage}` }),
    ),
  cleanup: async () => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      const r = await client.query<{ nspname: string }>(
        'SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)',
        [`${prefix}_`],
      )
      for (const { nspname } of r.rows) {
        await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`)
      }
    } finally {
      await client.end()
    }
  },
  skip: required ? false : (reason ?? false),
})
