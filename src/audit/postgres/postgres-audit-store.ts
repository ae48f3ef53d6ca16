/**
 * The shared audit store: PostgreSQL via `pg`, for lakes that several hosts write to.
 *
 * Each record is kept as the exact JSON text it was appended as (`TEXT`, not `jsonb`,
 * which reorders keys and drops duplicates) and read back by parsing that text, so the
 * canonical hash over a read-back record matches. The other columns exist only to answer
 * {@link AuditQuery} through indexes.
 *
 * Concurrency: `append` locks the one row of `audit_head` (`SELECT … FOR UPDATE`) before
 * comparing it with the expected head. Concurrent appenders serialize on that row; the
 * later one re-reads the moved head when the lock is granted and fails with
 * `ERR_AUDIT_CONFLICT`, having written nothing.
 */
import { StrongroomError } from '../../errors.js'
import {
  checkSchemaName,
  createPostgresDatabase,
  isPgBadData,
  isPgRace,
  isPgUnreachable,
  pgErrorCode,
  pgErrorDetails,
  requireOpen,
} from '../../lib/postgres.js'
import type { PgClient, PgResult, PostgresDatabase, PostgresRole } from '../../lib/postgres.js'
import type { AuditCheckpoint, AuditQuery, AuditRecord } from '../audit-event.js'
import type { AuditStore, ChainHead } from '../audit-store.js'
import {
  SCHEMA_VERSION_KEY,
  checkCheckpointNumber,
  checkHead,
  checkMetaKey,
  checkQuery,
  checkRange,
  parseCheckpoint,
  parseRecord,
  prepareRecords,
  serializeCheckpoint,
  unsupportedVersion,
} from '../audit-store-rules.js'

/** Options for {@link createPostgresAuditStore}. */
export interface PostgresAuditStoreOptions {
  /** A libpq-style URL, e.g. `postgres://strongroom@db.internal:5432/lake`. */
  readonly connectionString: string
  /**
   * The schema holding the audit tables; created if missing and put first on every
   * connection's `search_path`. Must match `/^[a-z_][a-z0-9_]*$/`. Default: the server's
   * default `search_path` (usually `public`).
   */
  readonly schema?: string
  /** Most connections the pool opens. Default 4. */
  readonly maxConnections?: number
  /** How long to wait for a connection before failing, in ms. Default 10000. */
  readonly connectTimeoutMs?: number
}

/** The on-disk format this code writes; a newer schema is refused rather than misread. */
const SCHEMA_VERSION = 1

/** Records fetched per query while `read` streams: bounded memory for any range. */
const READ_PAGE = 1000

/**
 * Records per `INSERT … unnest` statement: one round trip per chunk, while a huge append
 * does not build one multi-hundred-megabyte parameter message.
 */
const INSERT_CHUNK = 5000

const DDL = `
CREATE TABLE IF NOT EXISTS audit_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_head (
  id BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (TRUE, 0, '') ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS audit_events (
  seq BIGINT PRIMARY KEY,
  time TIMESTAMPTZ NOT NULL,
  principal TEXT NOT NULL,
  action TEXT NOT NULL,
  datasets TEXT[] NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_events_principal ON audit_events (principal, seq);
CREATE INDEX IF NOT EXISTS audit_events_action ON audit_events (action, seq);
CREATE INDEX IF NOT EXISTS audit_events_time ON audit_events (time);
CREATE INDEX IF NOT EXISTS audit_events_datasets ON audit_events USING GIN (datasets);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  number BIGINT PRIMARY KEY,
  record TEXT NOT NULL
);
`

/**
 * An {@link AuditStore} in PostgreSQL.
 *
 * Every write runs in one transaction on one pooled connection with
 * `synchronous_commit = on`, whatever the server default: an appended event is durable
 * when `append` resolves. All SQL is parameterized; the only identifier spliced into SQL
 * is the validated schema name.
 */
export class PostgresAuditStore implements AuditStore {
  readonly kind = 'postgres'
  readonly #options: PostgresAuditStoreOptions
  #db: PostgresDatabase | undefined

  /** Prefer {@link createPostgresAuditStore}; fails with `ERR_CONFIG_INVALID` on a bad schema. */
  constructor(options: PostgresAuditStoreOptions) {
    checkSchemaName(options.schema, 'audit')
    this.#options = options
  }

  async open(): Promise<void> {
    if (this.#db !== undefined) return
    const db = await createPostgresDatabase({
      ...this.#options,
      defaultMaxConnections: 4,
      role: ROLE,
    })
    this.#db = db
    try {
      await db.migrate('strongroom.audit.migrate', async (c) => {
        await c.query(DDL)
        const r = await c.query('SELECT value FROM audit_meta WHERE key = $1', [SCHEMA_VERSION_KEY])
        const found = r.rows[0]?.['value'] as string | undefined
        if (found === undefined) {
          await c.query('INSERT INTO audit_meta (key, value) VALUES ($1, $2)', [
            SCHEMA_VERSION_KEY,
            String(SCHEMA_VERSION),
          ])
        } else if (Number(found) !== SCHEMA_VERSION) {
          throw unsupportedVersion(found, SCHEMA_VERSION)
        }
      })
    } catch (e) {
      this.#db = undefined
      throw e
    }
  }

  async close(): Promise<void> {
    const db = this.#db
    this.#db = undefined
    await db?.end()
  }

  async head(): Promise<ChainHead | undefined> {
    const r = await this.#query('SELECT seq, hash FROM audit_head WHERE id', [], 'head')
    return toHead(r.rows[0])
  }

  async append(
    records: readonly AuditRecord[],
    expectedHead: ChainHead | undefined,
  ): Promise<void> {
    // Checking and serializing needs no database: done before the head row is locked, so
    // the lock is held only for the inserts.
    const prepared = prepareRecords(records, expectedHead)
    await this.#transaction(async (c) => {
      // A server or role may default to asynchronous commit; an audit event must not be
      // acknowledged before it is on disk.
      await c.query('SET LOCAL synchronous_commit = on')
      const h = await c.query('SELECT seq, hash FROM audit_head WHERE id FOR UPDATE')
      checkHead(toHead(h.rows[0]), expectedHead)
      const last = prepared.at(-1)
      if (last === undefined) return
      for (let i = 0; i < prepared.length; i += INSERT_CHUNK) {
        const chunk = prepared.slice(i, i + INSERT_CHUNK)
        // One statement per chunk (unnest of column arrays) instead of a round trip per
        // record. Each record's datasets travel as one array literal cast per row: unnest
        // would flatten a text[][] parameter (and arrays of unequal length are refused).
        await c.query(
          'INSERT INTO audit_events (seq, time, principal, action, datasets, record) ' +
            'SELECT u.seq, u.time, u.principal, u.action, ' +
            'u.datasets::text[], u.record ' +
            'FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], ' +
            '$6::text[]) AS u(seq, time, principal, action, datasets, record)',
          [
            chunk.map((r) => r.seq),
            chunk.map((r) => r.time),
            chunk.map((r) => r.principal),
            chunk.map((r) => r.action),
            chunk.map((r) => arrayLiteral(r.datasets)),
            chunk.map((r) => r.json),
          ],
        )
      }
      await c.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id', [last.seq, last.hash])
    }, 'append')
  }

  async *read(fromSeq: number, toSeq?: number): AsyncIterable<AuditRecord> {
    checkRange(fromSeq, toSeq)
    const last = toSeq ?? Number.MAX_SAFE_INTEGER
    let next = fromSeq
    // Keyset pages: bounded memory, and no connection held while the consumer works.
    // Records are append-only, so pages never shift under the reader.
    while (next <= last) {
      const r = await this.#query(
        'SELECT seq, record FROM audit_events WHERE seq >= $1 AND seq <= $2 ' +
          'ORDER BY seq LIMIT $3',
        [next, last, READ_PAGE],
        'read',
      )
      for (const row of r.rows) {
        const seq = Number(row['seq'])
        yield parseRecord(row['record'], seq)
        next = seq + 1
      }
      if (r.rows.length < READ_PAGE) return
    }
  }

  async query(filter: AuditQuery): Promise<AuditRecord[]> {
    const q = checkQuery(filter)
    if (q.limit === 0) return []
    const where: string[] = []
    const params: unknown[] = []
    const param = (value: unknown): string => {
      params.push(value)
      return `$${String(params.length)}`
    }
    if (q.principal !== undefined) where.push(`principal = ${param(q.principal)}`)
    if (q.action !== undefined) where.push(`action = ${param(q.action)}`)
    if (q.since !== undefined) where.push(`time >= ${param(q.since)}::timestamptz`)
    if (q.until !== undefined) where.push(`time < ${param(q.until)}::timestamptz`)
    // @> with a one-element array is what the GIN index on `datasets` answers.
    if (q.dataset !== undefined) where.push(`datasets @> ARRAY[${param(q.dataset)}::text]`)
    // Newest first so LIMIT keeps the latest events, then reversed: newest last.
    let sql = 'SELECT seq, record FROM audit_events'
    if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`
    sql += ' ORDER BY seq DESC'
    if (q.limit !== undefined) sql += ` LIMIT ${param(q.limit)}`
    const r = await this.#query(sql, params, 'query')
    return r.rows.reverse().map((row) => parseRecord(row['record'], Number(row['seq'])))
  }

  async appendCheckpoint(checkpoint: AuditCheckpoint): Promise<void> {
    const json = serializeCheckpoint(checkpoint)
    await this.#transaction(async (c) => {
      await c.query('SET LOCAL synchronous_commit = on')
      const r = await c.query('SELECT max(number) AS n FROM audit_checkpoints')
      const n = r.rows[0]?.['n']
      checkCheckpointNumber(checkpoint.number, n === null || n === undefined ? 0 : Number(n))
      // Two writers that both read the same max collide on the primary key: 23505, which
      // maps to ERR_AUDIT_CONFLICT like the check above.
      await c.query('INSERT INTO audit_checkpoints (number, record) VALUES ($1, $2)', [
        checkpoint.number,
        json,
      ])
    }, 'appendCheckpoint')
  }

  async listCheckpoints(): Promise<AuditCheckpoint[]> {
    const r = await this.#query(
      'SELECT number, record FROM audit_checkpoints ORDER BY number',
      [],
      'listCheckpoints',
    )
    return r.rows.map((row) => parseCheckpoint(row['record'], Number(row['number'])))
  }

  async getMeta(key: string): Promise<string | undefined> {
    const r = await this.#query('SELECT value FROM audit_meta WHERE key = $1', [key], 'getMeta')
    const row = r.rows[0]
    return row === undefined ? undefined : String(row['value'])
  }

  async setMeta(key: string, value: string): Promise<void> {
    checkMetaKey(key)
    await this.#transaction(async (c) => {
      await c.query('SET LOCAL synchronous_commit = on')
      await c.query(
        'INSERT INTO audit_meta (key, value) VALUES ($1, $2) ' +
          'ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        [key, value],
      )
    }, 'setMeta')
  }

  #database(): PostgresDatabase {
    return requireOpen(this.#db, ROLE)
  }

  #query(text: string, values: readonly unknown[], operation: string): Promise<PgResult> {
    return this.#database().query(text, values, operation)
  }

  /** Runs `fn` between BEGIN and COMMIT on one connection; any throw rolls it all back. */
  #transaction<T>(fn: (c: PgClient) => Promise<T>, operation: string): Promise<T> {
    return this.#database().transaction(fn, operation)
  }
}

/**
 * Creates an unopened PostgreSQL audit store; call `open()` before use.
 *
 * @example
 * ```ts
 * const store = createPostgresAuditStore({
 *   connectionString: 'postgres://strongroom@db.internal:5432/lake',
 *   schema: 'strongroom_audit',
 * })
 * await store.open()
 * await store.append([record], await store.head())
 * await store.close()
 * ```
 */
export function createPostgresAuditStore(options: PostgresAuditStoreOptions): PostgresAuditStore {
  return new PostgresAuditStore(options)
}

/**
 * A PostgreSQL array literal of `values`: every element double-quoted with `\` and `"`
 * backslash-escaped (manual, section 8.15.6), so any text round-trips and none can end
 * the element early.
 */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`
}

function toHead(row: Record<string, unknown> | undefined): ChainHead | undefined {
  if (row === undefined) {
    throw new StrongroomError('ERR_AUDIT_UNAVAILABLE', 'The audit head row is missing.', {
      hint: 'The audit tables were altered outside Strongroom; run `strongroom audit verify`.',
    })
  }
  const seq = Number(row['seq'])
  // seq 0 is the row's initial state: the chain is empty.
  return seq === 0 ? undefined : { seq, hash: String(row['hash']) }
}

/** How the shared PostgreSQL plumbing names and codes this store's failures. */
const ROLE: PostgresRole = {
  area: 'audit',
  name: 'PostgreSQL audit store',
  unavailableCode: 'ERR_AUDIT_UNAVAILABLE',
  mapError: mapPgError,
}

/**
 * Maps a pg error to a Strongroom code by SQLSTATE class (PostgreSQL manual, appendix A).
 * The message names the operation only: PostgreSQL's own text and detail may quote values.
 */
function mapPgError(e: unknown, operation: string): StrongroomError {
  if (e instanceof StrongroomError) return e
  const code = pgErrorCode(e)
  const details = pgErrorDetails(operation, code)
  // 23505 unique violation: a concurrent writer took the sequence or checkpoint number.
  // 40001 serialization failure, 40P01 deadlock: the transaction lost a race.
  if (code === '23505' || isPgRace(code)) {
    return new StrongroomError('ERR_AUDIT_CONFLICT', `Audit ${operation} lost a race.`, {
      cause: e,
      hint: 'Another writer changed the audit store at the same time; retry.',
      details,
    })
  }
  // Class 23 integrity constraint, 22 data exception (a NUL byte in a principal).
  if (isPgBadData(code)) {
    return new StrongroomError('ERR_AUDIT_INVALID', `Audit ${operation} was given bad data.`, {
      cause: e,
      details,
    })
  }
  // Beyond an unreachable server: 58 system (I/O) error, XX00x corruption, 25006 read-only
  // standby, 42P01 / 42501 tables dropped or privileges revoked. The trail cannot be
  // written, so the operation that needed it must fail closed.
  if (
    isPgUnreachable(code, e) ||
    code.startsWith('58') ||
    code.startsWith('XX') ||
    code === '25006' ||
    code === '42P01' ||
    code === '42501'
  ) {
    return new StrongroomError(
      'ERR_AUDIT_UNAVAILABLE',
      'The PostgreSQL audit store is unavailable.',
      {
        cause: e,
        hint: 'Check that PostgreSQL is running and the connection string is right.',
        details,
      },
    )
  }
  return new StrongroomError('ERR_INTERNAL', `Audit ${operation} failed unexpectedly.`, {
    cause: e,
    details,
  })
}
