/**
 * Opening and configuring a PostgreSQL database through `pg`, and reading its errors:
 * shared by the PostgreSQL backends (catalog, audit store), which keep their own SQL and
 * decide which Strongroom code each kind of failure becomes.
 *
 * Internal: not exported from `src/index.ts`. `pg` is loaded by a dynamic `import()` in
 * {@link createPostgresDatabase} only, so a lake on the embedded default never loads it.
 */
import { StrongroomError } from '../errors.js'
import type { ErrorCode } from '../errors.js'

/** The result shape of the `pg` queries we run. */
export interface PgResult {
  readonly rows: Record<string, unknown>[]
  readonly rowCount: number | null
}

/** The few `pg` client methods we call. */
export interface PgClient {
  query(text: string, values?: readonly unknown[]): Promise<PgResult>
  release(destroy?: boolean | Error): void
}

/** The few `pg` pool methods we call. */
interface PgPool {
  connect(): Promise<PgClient>
  query(text: string, values?: readonly unknown[]): Promise<PgResult>
  end(): Promise<void>
  on(event: 'error', listener: (err: Error) => void): unknown
}

type PgPoolConstructor = new (config: {
  connectionString: string
  max: number
  connectionTimeoutMillis: number
  options?: string
}) => PgPool

/** Identifiers we quote into SQL; anything else is refused rather than escaped. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/

/** PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1). */
const MAX_IDENTIFIER_LENGTH = 63

/** What a database is to its backend: how its failures are named and coded. */
export interface PostgresRole {
  /** The area word in messages: `audit`, `catalog`. */
  readonly area: string
  /** The database's name in messages: `PostgreSQL audit store`, `PostgreSQL catalog`. */
  readonly name: string
  /** The code a database that cannot be reached or loaded fails with. */
  readonly unavailableCode: ErrorCode
  /** Maps a failure of `operation` to a Strongroom error; passes StrongroomErrors through. */
  readonly mapError: (e: unknown, operation: string) => StrongroomError
}

/** Options for {@link createPostgresDatabase}: the backend's options and its defaults. */
export interface PostgresDatabaseOptions {
  /** A libpq-style URL. */
  readonly connectionString: string
  /** The schema put first on every connection's `search_path`; see {@link checkSchemaName}. */
  readonly schema?: string
  /** Most connections the pool opens. Default `defaultMaxConnections`. */
  readonly maxConnections?: number
  /** How long to wait for a connection before failing, in ms. Default 10000. */
  readonly connectTimeoutMs?: number
  /** The backend's pool size when the caller sets none. */
  readonly defaultMaxConnections: number
  readonly role: PostgresRole
}

/**
 * `ERR_CONFIG_INVALID` unless `schema` is absent or a plain lowercase identifier that
 * PostgreSQL keeps whole: the schema is the only identifier spliced into SQL.
 */
export function checkSchemaName(schema: string | undefined, area: string): void {
  if (
    schema !== undefined &&
    (!SCHEMA_NAME.test(schema) || schema.length > MAX_IDENTIFIER_LENGTH)
  ) {
    throw new StrongroomError('ERR_CONFIG_INVALID', `The ${area} schema name is not valid.`, {
      hint: 'Use lowercase letters, digits and underscores, starting with a letter or _.',
    })
  }
}

/**
 * A pool of connections to one database, every failure mapped by its role. Created by
 * {@link createPostgresDatabase}; call {@link PostgresDatabase.migrate} before other use.
 */
export class PostgresDatabase {
  readonly #pool: PgPool
  readonly #schema: string | undefined
  readonly #role: PostgresRole

  /** Prefer {@link createPostgresDatabase}, which loads `pg` and builds the pool. */
  constructor(pool: PgPool, schema: string | undefined, role: PostgresRole) {
    this.#pool = pool
    this.#schema = schema
    this.#role = role
  }

  /**
   * Creates the schema if missing and runs `fn` (the backend's DDL) in one transaction,
   * holding an advisory lock named `lockName` and the schema. On failure the pool is
   * closed and the error rethrown.
   */
  async migrate(lockName: string, fn: (c: PgClient) => Promise<void>): Promise<void> {
    const schema = this.#schema
    try {
      await this.transaction(async (c) => {
        // Serialize migrations across processes opening the same database at once: two
        // concurrent CREATE TABLE IF NOT EXISTS can both miss the table and one then fails
        // on a unique index of pg_type. Released with the transaction.
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${lockName}:${schema ?? ''}`])
        if (schema !== undefined) await c.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
        await fn(c)
      }, 'open')
    } catch (e) {
      await this.#pool.end().catch(() => undefined)
      throw e
    }
  }

  /** Runs one statement on any pooled connection. */
  async query(text: string, values: readonly unknown[], operation: string): Promise<PgResult> {
    try {
      return await this.#pool.query(text, values)
    } catch (e) {
      throw this.#role.mapError(e, operation)
    }
  }

  /** Runs `fn` between BEGIN and COMMIT on one connection; any throw rolls it all back. */
  async transaction<T>(fn: (c: PgClient) => Promise<T>, operation: string): Promise<T> {
    let client: PgClient
    try {
      client = await this.#pool.connect()
    } catch (e) {
      throw new StrongroomError(
        this.#role.unavailableCode,
        `Cannot connect to the ${this.#role.name}.`,
        {
          cause: e,
          hint: 'Check that PostgreSQL is running and the connection string is right.',
          details: { operation },
        },
      )
    }
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      const result = await fn(client)
      await client.query('COMMIT')
      return result
    } catch (e) {
      try {
        await client.query('ROLLBACK')
      } catch (rollbackError) {
        // The connection is unusable; destroy it rather than return it to the pool.
        broken = rollbackError instanceof Error ? rollbackError : new Error('rollback failed')
      }
      throw this.#role.mapError(e, operation)
    } finally {
      client.release(broken ?? false)
    }
  }

  /** Closes every pooled connection. */
  end(): Promise<void> {
    return this.#pool.end()
  }
}

/** `db` if the backend is open; else the role's unavailable code, telling to call `open()`. */
export function requireOpen(
  db: PostgresDatabase | undefined,
  role: PostgresRole,
): PostgresDatabase {
  if (db === undefined) {
    throw new StrongroomError(role.unavailableCode, `The ${role.name} is not open.`, {
      hint: 'Call open() first.',
    })
  }
  return db
}

/**
 * Loads `pg` and builds a pool; no connection is made until first use. Fails with the
 * role's unavailable code when `pg` cannot be loaded or the pool cannot be configured.
 *
 * @example
 * ```ts
 * const db = await createPostgresDatabase({ connectionString, defaultMaxConnections: 4, role })
 * await db.migrate('strongroom.audit.migrate', (c) => c.query(DDL).then(() => undefined))
 * ```
 */
export async function createPostgresDatabase(
  options: PostgresDatabaseOptions,
): Promise<PostgresDatabase> {
  const { role, schema } = options
  let Pool: PgPoolConstructor
  try {
    const mod = await import('pg')
    Pool = mod.Pool
  } catch (cause) {
    throw new StrongroomError(role.unavailableCode, 'Cannot load the pg module.', {
      cause,
      hint: `Install the pg package to use a ${role.name}.`,
    })
  }
  let pool: PgPool
  try {
    pool = new Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? options.defaultMaxConnections,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      // A startup parameter, so every pooled connection has the search_path before its
      // first query; no window where a query could resolve tables in another schema.
      ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    })
  } catch (cause) {
    throw new StrongroomError(role.unavailableCode, `Cannot configure the ${role.area} pool.`, {
      cause,
    })
  }
  // An idle pooled connection that dies (server restart) emits 'error' on the pool;
  // unhandled, that would crash the process. The next query reports it instead.
  pool.on('error', () => undefined)
  return new PostgresDatabase(pool, schema, role)
}

/** The SQLSTATE (or Node socket code) of a driver error, or `''` when it has none. */
export function pgErrorCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : ''
}

/** Context for a mapped error: the operation, and the driver's code when there is one. */
export function pgErrorDetails(
  operation: string,
  code: string,
): { operation: string; errorCode?: string } {
  return { operation, ...(code === '' ? {} : { errorCode: code }) }
}

/** 40001 serialization failure, 40P01 deadlock: the transaction lost a race; retry. */
export function isPgRace(code: string): boolean {
  return code === '40001' || code === '40P01'
}

/** Class 23 integrity constraint violation, 22 data exception (a bad count, a NUL byte). */
export function isPgBadData(code: string): boolean {
  return code.startsWith('23') || code.startsWith('22')
}

/** Node socket errors that mean the server is unreachable, not that the query was bad. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
])

/**
 * Whether a failure means the server cannot be used (PostgreSQL manual, appendix A): a
 * socket error, 08 connection exception, 28 invalid authorization, 3D000 unknown database,
 * 53 insufficient resources, 57P0x shutdown / cannot connect now, or a driver message
 * about the connection.
 */
export function isPgUnreachable(code: string, e: unknown): boolean {
  return (
    NETWORK_CODES.has(code) ||
    code.startsWith('08') ||
    code.startsWith('28') ||
    code.startsWith('53') ||
    code.startsWith('57P') ||
    code === '3D000' ||
    /connection|terminat|timeout/i.test(e instanceof Error ? e.message : '')
  )
}
