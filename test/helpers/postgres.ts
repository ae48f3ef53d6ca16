/** The PostgreSQL server the contract suites run against, and whether they may skip it. */
import pg from 'pg'

/** The test server: `STRONGROOM_TEST_PG_URL`, or a local default. */
export const TEST_PG_URL =
  process.env['STRONGROOM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Why PostgreSQL cannot be used, or undefined when it can. */
async function unreachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (e) {
    const where = TEST_PG_URL.replace(/\/\/[^@]*@/, '//***@')
    return `PostgreSQL at ${where} is unreachable (${String(e)})`
  } finally {
    await client.end().catch(() => undefined)
  }
}

/**
 * The `skip` value for a contract suite: the reason PostgreSQL is unreachable, or `false`.
 * With `STRONGROOM_REQUIRE_SERVICES=1` it is always `false`, so a missing database fails
 * the suite instead of skipping it.
 */
export async function postgresSkip(): Promise<string | false> {
  const required = process.env['STRONGROOM_REQUIRE_SERVICES'] === '1'
  const reason = await unreachable()
  if (reason !== undefined && required) {
    console.error(`${reason}; STRONGROOM_REQUIRE_SERVICES=1, so the suite must fail`)
  }
  return required ? false : (reason ?? false)
}

/** Runs `fn` on a fresh client of the test server, then closes it (suite cleanup). */
export async function withPostgresClient(fn: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL })
  await client.connect()
  try {
    await fn(client)
  } finally {
    await client.end()
  }
}
