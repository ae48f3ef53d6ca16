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
import type { AuditCheckpoint, AuditQuery, AuditRecord } from '../audit-event.js'
import type { AuditStore, ChainHead } from '../audit-store.js'

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

/** The result shape of the `pg` queries we run. */
interface PgResult {
  readonly rows: Record<string, unknown>[]
  readonly rowCount: number | null
}

/** The few `pg` client methods we call. */
interface PgClient {
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

/** The on-disk format this code writes; a newer schema is refused rather than misread. */
const SCHEMA_VERSION = 1

/** The `audit_meta` key holding {@link SCHEMA_VERSION}; callers may not overwrite it. */
const SCHEMA_VERSION_KEY = 'schema_version'

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

/** A record checked and serialized before any lock is taken. */
interface PreparedRecord {
  readonly seq: number
  readonly hash: string
  readonly time: string
  readonly principal: string
  readonly action: string
  readonly datasets: readonly string[]
  readonly json: string
}

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
  #pool: PgPool | undefined

  /** Prefer {@link createPostgresAuditStore}; fails with `ERR_CONFIG_INVALID` on a bad schema. */
  constructor(options: PostgresAuditStoreOptions) {
    if (
      options.schema !== undefined &&
      (!SCHEMA_NAME.test(options.schema) || options.schema.length > MAX_IDENTIFIER_LENGTH)
    ) {
      throw new StrongroomError('ERR_CONFIG_INVALID', 'The audit schema name is not valid.', {
        hint: 'Use lowercase letters, digits and underscores, starting with a letter or _.',
      })
    }
    this.#options = options
  }

  async open(): Promise<void> {
    if (this.#pool !== undefined) return
    let Pool: PgPoolConstructor
    try {
      const mod = await import('pg')
      Pool = mod.Pool
    } catch (cause) {
      throw new StrongroomError('ERR_AUDIT_UNAVAILABLE', 'Cannot load the pg module.', {
        cause,
        hint: 'Install the pg package to use a PostgreSQL audit store.',
      })
    }
    const schema = this.#options.schema
    let pool: PgPool
    try {
      pool = new Pool({
        connectionString: this.#options.connectionString,
        max: this.#options.maxConnections ?? 4,
        connectionTimeoutMillis: this.#options.connectTimeoutMs ?? 10_000,
        // A startup parameter, so every pooled connection has the search_path before its
        // first query; no window where a query could resolve tables in another schema.
        ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
      })
    } catch (cause) {
      throw new StrongroomError('ERR_AUDIT_UNAVAILABLE', 'Cannot configure the audit pool.', {
        cause,
      })
    }
    // An idle pooled connection that dies (server restart) emits 'error' on the pool;
    // unhandled, that would crash the process. The next query reports it instead.
    pool.on('error', () => undefined)
    this.#pool = pool
    try {
      await this.#transaction(async (c) => {
        // Serialize migrations across processes opening the same store at once: two
        // concurrent CREATE TABLE IF NOT EXISTS can both miss the table and one then fails
        // on a unique index of pg_type. Released with the transaction.
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
          `strongroom.audit.migrate:${schema ?? ''}`,
        ])
        if (schema !== undefined) await c.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
        await c.query(DDL)
        const r = await c.query('SELECT value FROM audit_meta WHERE key = $1', [SCHEMA_VERSION_KEY])
        const found = r.rows[0]?.['value'] as string | undefined
        if (found === undefined) {
          await c.query('INSERT INTO audit_meta (key, value) VALUES ($1, $2)', [
            SCHEMA_VERSION_KEY,
            String(SCHEMA_VERSION),
          ])
        } else if (Number(found) !== SCHEMA_VERSION) {
          throw unsupportedVersion(found)
        }
      }, 'open')
    } catch (e) {
      this.#pool = undefined
      await pool.end().catch(() => undefined)
      throw e
    }
  }

  async close(): Promise<void> {
    const pool = this.#pool
    this.#pool = undefined
    await pool?.end()
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

  #getPool(): PgPool {
    if (this.#pool === undefined) {
      throw new StrongroomError(
        'ERR_AUDIT_UNAVAILABLE',
        'The PostgreSQL audit store is not open.',
        {
          hint: 'Call open() first.',
        },
      )
    }
    return this.#pool
  }

  async #query(text: string, values: readonly unknown[], operation: string): Promise<PgResult> {
    const pool = this.#getPool()
    try {
      return await pool.query(text, values)
    } catch (e) {
      throw mapPgError(e, operation)
    }
  }

  /** Runs `fn` between BEGIN and COMMIT on one connection; any throw rolls it all back. */
  async #transaction<T>(fn: (c: PgClient) => Promise<T>, operation: string): Promise<T> {
    const pool = this.#getPool()
    let client: PgClient
    try {
      client = await pool.connect()
    } catch (e) {
      throw new StrongroomError(
        'ERR_AUDIT_UNAVAILABLE',
        'Cannot connect to the PostgreSQL audit store.',
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
      throw mapPgError(e, operation)
    } finally {
      client.release(broken ?? false)
    }
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

function invalid(message: string, details: Record<string, string | number>): StrongroomError {
  return new StrongroomError('ERR_AUDIT_INVALID', message, { details })
}

function isSeq(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
}

/**
 * Checks that `records` continue the sequence after `expectedHead` and carry what the
 * indexes need, and serializes each one. Numbers that JSON cannot carry (NaN, ±Infinity)
 * are refused: they would read back as `null`, and the record's hash would not verify.
 */
function prepareRecords(
  records: readonly AuditRecord[],
  expectedHead: ChainHead | undefined,
): PreparedRecord[] {
  if (expectedHead !== undefined && !isSeq(expectedHead.seq)) {
    throw invalid('The expected audit head has a bad sequence number.', {})
  }
  const first = (expectedHead?.seq ?? 0) + 1
  return records.map((r, i) => {
    const seq = first + i
    if (r.seq !== seq) {
      throw invalid(`Audit record ${String(i)} does not continue the sequence.`, {
        index: i,
        expectedSeq: seq,
      })
    }
    if (
      typeof r.time !== 'string' ||
      !Number.isFinite(Date.parse(r.time)) ||
      typeof r.hash !== 'string' ||
      typeof r.principal !== 'string' ||
      typeof r.action !== 'string' ||
      !Array.isArray(r.resources) ||
      (r.rows !== undefined && !Number.isFinite(r.rows)) ||
      (r.bytes !== undefined && !Number.isFinite(r.bytes))
    ) {
      throw invalid(`Audit record ${String(seq)} is malformed.`, { seq })
    }
    return {
      seq,
      hash: r.hash,
      time: r.time,
      principal: r.principal,
      action: r.action,
      datasets: datasetsOf(r),
      json: JSON.stringify(r),
    }
  })
}

/**
 * The datasets an event names, for the `dataset` filter: the names of its `dataset`
 * resources, each once. Column resources do not count: the event lists its dataset too.
 */
function datasetsOf(r: AuditRecord): string[] {
  const out = new Set<string>()
  for (const res of r.resources) if (res.type === 'dataset') out.add(res.name)
  return [...out]
}

/** `ERR_AUDIT_CONFLICT` unless the stored head is the one the appender built on. */
function checkHead(actual: ChainHead | undefined, expected: ChainHead | undefined): void {
  // seq 0 is how a caller names the empty chain; its hash carries no meaning.
  const wanted = expected === undefined || expected.seq === 0 ? undefined : expected
  if (actual === undefined && wanted === undefined) return
  if (actual !== undefined && wanted !== undefined) {
    if (actual.seq === wanted.seq && actual.hash === wanted.hash) return
  }
  throw new StrongroomError('ERR_AUDIT_CONFLICT', 'The audit chain head has moved.', {
    hint: 'Another writer appended first; re-read the head and retry.',
    details: { expectedSeq: wanted?.seq ?? 0, actualSeq: actual?.seq ?? 0 },
  })
}

function checkRange(fromSeq: number, toSeq: number | undefined): void {
  if (!isSeq(fromSeq) || (toSeq !== undefined && !isSeq(toSeq))) {
    throw new StrongroomError('ERR_AUDIT_QUERY_INVALID', 'An audit read range is not valid.', {
      hint: 'Sequence numbers are non-negative integers.',
    })
  }
}

/** A query with its times checked. */
interface CheckedQuery {
  readonly principal?: string
  readonly dataset?: string
  readonly action?: string
  readonly since?: Date
  readonly until?: Date
  readonly limit?: number
}

/**
 * Checks a filter. `since` is inclusive and `until` exclusive, so consecutive windows
 * neither overlap nor leave a gap.
 */
function checkQuery(filter: AuditQuery): CheckedQuery {
  const bad = (field: string): StrongroomError =>
    new StrongroomError('ERR_AUDIT_QUERY_INVALID', `The audit filter ${field} is not valid.`, {
      details: { field },
    })
  const since = filter.since?.getTime()
  const until = filter.until?.getTime()
  if (since !== undefined && !Number.isFinite(since)) throw bad('since')
  if (until !== undefined && !Number.isFinite(until)) throw bad('until')
  if (since !== undefined && until !== undefined && since > until) throw bad('since')
  if (filter.limit !== undefined && !isSeq(filter.limit)) throw bad('limit')
  return filter
}

function serializeCheckpoint(c: AuditCheckpoint): string {
  if (!isSeq(c.number) || c.number < 1 || !isSeq(c.seq)) {
    throw invalid('An audit checkpoint has a bad number or sequence.', {})
  }
  return JSON.stringify(c)
}

/** Checkpoints are numbered 1, 2, 3, …: a taken number is a lost race, a gap a bug. */
function checkCheckpointNumber(number: number, last: number): void {
  if (number <= last) {
    throw new StrongroomError(
      'ERR_AUDIT_CONFLICT',
      `Audit checkpoint ${String(number)} already exists.`,
      {
        hint: 'Another writer added a checkpoint first; re-read the checkpoints and retry.',
        details: { number, lastNumber: last },
      },
    )
  }
  if (number !== last + 1) {
    throw invalid(`Audit checkpoint ${String(number)} skips a number.`, {
      number,
      lastNumber: last,
    })
  }
}

function checkMetaKey(key: string): void {
  if (key === SCHEMA_VERSION_KEY) {
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'This audit meta key is reserved.', {
      details: { key },
    })
  }
}

function unsupportedVersion(found: string): StrongroomError {
  return new StrongroomError(
    'ERR_AUDIT_UNAVAILABLE',
    'The audit store was written by a newer Strongroom.',
    {
      hint: 'Upgrade Strongroom to read this audit store.',
      details: { supportedVersion: SCHEMA_VERSION, foundVersion: found.slice(0, 16) },
    },
  )
}

/** Parses stored JSON; a row that is not JSON is damage, reported without its content. */
function parseRecord(json: unknown, seq: number): AuditRecord {
  try {
    return JSON.parse(String(json)) as AuditRecord
  } catch (cause) {
    throw new StrongroomError('ERR_AUDIT_UNAVAILABLE', `Audit record ${String(seq)} is damaged.`, {
      cause,
      hint: 'Run `strongroom audit verify` to find the damage.',
      details: { seq },
    })
  }
}

function parseCheckpoint(json: unknown, number: number): AuditCheckpoint {
  try {
    return JSON.parse(String(json)) as AuditCheckpoint
  } catch (cause) {
    throw new StrongroomError(
      'ERR_AUDIT_UNAVAILABLE',
      `Audit checkpoint ${String(number)} is damaged.`,
      { cause, details: { number } },
    )
  }
}

function pgCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
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
 * Maps a pg error to a Strongroom code by SQLSTATE class (PostgreSQL manual, appendix A).
 * The message names the operation only: PostgreSQL's own text and detail may quote values.
 */
function mapPgError(e: unknown, operation: string): StrongroomError {
  if (e instanceof StrongroomError) return e
  const code = pgCode(e) ?? ''
  const details = { operation, ...(code === '' ? {} : { errorCode: code }) }
  // 23505 unique violation: a concurrent writer took the sequence or checkpoint number.
  // 40001 serialization failure, 40P01 deadlock: the transaction lost a race.
  if (code === '23505' || code === '40001' || code === '40P01') {
    return new StrongroomError('ERR_AUDIT_CONFLICT', `Audit ${operation} lost a race.`, {
      cause: e,
      hint: 'Another writer changed the audit store at the same time; retry.',
      details,
    })
  }
  // Class 23 integrity constraint, 22 data exception (a NUL byte in a principal).
  if (code.startsWith('23') || code.startsWith('22')) {
    return new StrongroomError('ERR_AUDIT_INVALID', `Audit ${operation} was given bad data.`, {
      cause: e,
      details,
    })
  }
  // 08 connection exception, 28 authorization, 3D000 unknown database, 53 insufficient
  // resources (53100 disk full), 57P0x shutdown, 58 system (I/O) error, XX00x corruption,
  // 25006 read-only standby, 42P01 / 42501 tables dropped or privileges revoked: the trail
  // cannot be written, so the operation that needed it must fail closed.
  if (
    NETWORK_CODES.has(code) ||
    code.startsWith('08') ||
    code.startsWith('28') ||
    code.startsWith('53') ||
    code.startsWith('57P') ||
    code.startsWith('58') ||
    code.startsWith('XX') ||
    code === '3D000' ||
    code === '25006' ||
    code === '42P01' ||
    code === '42501' ||
    /connection|terminat|timeout/i.test(e instanceof Error ? e.message : '')
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
