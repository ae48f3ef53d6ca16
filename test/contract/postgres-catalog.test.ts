import { randomBytes } from 'node:crypto'

import { createPostgresCatalog } from '../../src/catalog/postgres/postgres-catalog.js'
import { TEST_PG_URL, postgresSkip, withPostgresClient } from '../helpers/postgres.js'
import { runCatalogAccessContract } from './catalog-access.contract.js'
import { runCatalogContract, type CatalogContractOptions } from './catalog.contract.js'

const skip = await postgresSkip()

/** Contract options over one schema, created by the catalog and dropped in cleanup. */
function onSchema(schema: string): CatalogContractOptions {
  return {
    create: () => Promise.resolve(createPostgresCatalog({ connectionString: TEST_PG_URL, schema })),
    cleanup: () =>
      withPostgresClient(async (client) => {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      }),
    skip,
    // A separate session on the test schema, as any other client of the database could open.
    execRaw: (sql) =>
      withPostgresClient(async (client) => {
        await client.query(`SET search_path TO "${schema}"`)
        await client.query(sql)
      }),
  }
}

// One schema per run, so parallel runs and leftovers never collide.
const schema = `strongroom_test_${randomBytes(6).toString('hex')}`
runCatalogContract('postgres', onSchema(schema))
// Policy versions are global to a catalog: the access contract gets a schema of its own.
runCatalogAccessContract('postgres', onSchema(`${schema}_access`))
