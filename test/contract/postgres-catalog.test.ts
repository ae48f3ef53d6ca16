import { randomBytes } from 'node:crypto'

import { createPostgresCatalog } from '../../src/catalog/postgres/postgres-catalog.js'
import { TEST_PG_URL, postgresSkip, withPostgresClient } from '../helpers/postgres.js'
import { runCatalogAccessContract } from './catalog-access.contract.js'
import { runCatalogContract } from './catalog.contract.js'

// One schema per run, so parallel runs and leftovers never collide; dropped in cleanup.
const schema = `strongroom_test_${randomBytes(6).toString('hex')}`

runCatalogContract('postgres', {
  create: () => Promise.resolve(createPostgresCatalog({ connectionString: TEST_PG_URL, schema })),
  cleanup: () =>
    withPostgresClient(async (client) => {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    }),
  skip: await postgresSkip(),
  // A separate session on the test schema, as any other client of the database could open.
  execRaw: (sql) =>
    withPostgresClient(async (client) => {
      await client.query(`SET search_path TO "${schema}"`)
      await client.query(sql)
    }),
})

// Policy versions are global to a catalog: the access contract gets a schema of its own.
const accessSchema = `${schema}_access`
runCatalogAccessContract('postgres', {
  create: () =>
    Promise.resolve(createPostgresCatalog({ connectionString: TEST_PG_URL, schema: accessSchema })),
  cleanup: () =>
    withPostgresClient(async (client) => {
      await client.query(`DROP SCHEMA IF EXISTS "${accessSchema}" CASCADE`)
    }),
  skip: await postgresSkip(),
  execRaw: (sql) =>
    withPostgresClient(async (client) => {
      await client.query(`SET search_path TO "${accessSchema}"`)
      await client.query(sql)
    }),
})
