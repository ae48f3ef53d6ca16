import { randomBytes } from 'node:crypto'

import { createPostgresAuditStore } from '../../src/audit/postgres/postgres-audit-store.js'
import { TEST_PG_URL, postgresSkip, withPostgresClient } from '../helpers/postgres.js'
import { runAuditStoreContract } from './audit-store.contract.js'

// One schema per storage name under a per-run prefix, so parallel runs and leftovers never
// collide; all of them are dropped in cleanup.
const prefix = `strongroom_audit_test_${randomBytes(6).toString('hex')}`

runAuditStoreContract('postgres', {
  create: (storage) =>
    Promise.resolve(
      createPostgresAuditStore({ connectionString: TEST_PG_URL, schema: `${prefix}_${storage}` }),
    ),
  cleanup: () =>
    withPostgresClient(async (client) => {
      const r = await client.query<{ nspname: string }>(
        'SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)',
        [`${prefix}_`],
      )
      for (const { nspname } of r.rows) {
        await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`)
      }
    }),
  skip: await postgresSkip(),
})
