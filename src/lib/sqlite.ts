/**
 * Opening and configuring a SQLite database file through better-sqlite3, and reading its
 * errors: shared by the SQLite backends (catalog, audit store), which keep their own SQL
 * and decide which Strongroom code each kind of failure becomes.
 *
 * Internal: not exported from `src/index.ts`. better-sqlite3 is loaded by a dynamic
 * `import()` in {@link openSqlite} only.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'

import { StrongroomError } from '../errors.js'
import type { ErrorCode } from '../errors.js'

/** The few better-sqlite3 statement methods we call. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number }
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  /** Rows as arrays of column values rather than objects (better-sqlite3 `raw`). */
  raw(toggle?: boolean): SqliteStatement
}

/** The few better-sqlite3 database methods we call. */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement
  exec(sql: string): unknown
  pragma(source: string, options?: { simple?: boolean }): unknown
  close(): unknown
  readonly inTransaction: boolean
}

type SqliteDatabaseConstructor = new (
  path: string,
  options?: { timeout?: number },
) => SqliteDatabase

/** Options for {@link openSqlite}. */
export interface OpenSqliteOptions {
  /** The database file, created 0600 (folders 0700) if missing; or `:memory:`. */
  readonly path: string
  /** How long a writer waits for another process's write lock, in ms. */
  readonly busyTimeoutMs: number
  /**
   * The backend's own pragmas (`foreign_keys = ON`, `page_size = 16384`, …), run before
   * WAL is enabled: `page_size` only takes effect then.
   */
  readonly pragmas: readonly string[]
  /** The code a database that cannot be loaded fails with. */
  readonly unavailableCode: ErrorCode
}

/**
 * Loads better-sqlite3 and opens `path` for durable writes: the backend's pragmas, then
 * WAL with `synchronous=FULL` (a commit is on disk when it returns; in WAL mode `NORMAL`
 * may lose the last transactions on power loss) and `busy_timeout`. Pragmas run outside
 * any transaction: `journal_mode` cannot change inside one and `foreign_keys` is a no-op.
 *
 * Throws `unavailableCode` when better-sqlite3 cannot be loaded; any other failure is the
 * driver's (or Node's) error as thrown, for the backend to map, with the file closed.
 *
 * @example
 * ```ts
 * const db = await openSqlite({ path: '/srv/lake/catalog.db', busyTimeoutMs: 5000,
 *   pragmas: ['foreign_keys = ON'], unavailableCode: 'ERR_CATALOG_UNAVAILABLE' })
 * ```
 */
export async function openSqlite(options: OpenSqliteOptions): Promise<SqliteDatabase> {
  let Database: SqliteDatabaseConstructor
  try {
    // A CommonJS module: Node exposes module.exports as `default`.
    const mod = (await import('better-sqlite3')) as unknown as { default: unknown }
    Database = mod.default as SqliteDatabaseConstructor
  } catch (cause) {
    throw new StrongroomError(options.unavailableCode, 'Cannot load better-sqlite3.', {
      cause,
      hint: 'Reinstall Strongroom so its native SQLite module is built for this Node.',
    })
  }
  if (options.path !== ':memory:') createPrivateFile(options.path)
  const db = new Database(options.path, { timeout: options.busyTimeoutMs })
  try {
    for (const pragma of options.pragmas) db.pragma(pragma)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma(`busy_timeout = ${String(Math.max(0, Math.trunc(options.busyTimeoutMs)))}`)
  } catch (e) {
    closeQuietly(db)
    throw e
  }
  return db
}

/** `db` if the backend is open; else `code`, naming the database and telling to call `open()`. */
export function requireOpen(
  db: SqliteDatabase | undefined,
  code: ErrorCode,
  name: string,
): SqliteDatabase {
  if (db === undefined) {
    throw new StrongroomError(code, `The ${name} is not open.`, { hint: 'Call open() first.' })
  }
  return db
}

/** Closes `db` (if any) while already failing: the original error is the one to report. */
export function closeQuietly(db: SqliteDatabase | undefined): void {
  try {
    db?.close()
  } catch {
    // Already failing; the original error is the one worth reporting.
  }
}

/**
 * Creates the database file with mode 0600 before SQLite opens it, so the data is never
 * readable by other users even for an instant (SQLite would create it 0644 under the
 * usual umask). SQLite gives its -wal and -shm files the database file's mode.
 */
function createPrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  try {
    closeSync(openSync(path, 'wx', 0o600))
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
  }
}

/** The extended result code (`SQLITE_BUSY`, …) or Node code (`ENOSPC`) of an error, or `''`. */
export function sqliteErrorCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : ''
}

/** A duplicate primary or unique key. */
export function isSqliteUniqueViolation(code: string): boolean {
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE'
}

/** Another connection holds the lock past `busy_timeout`. */
export function isSqliteLocked(code: string): boolean {
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
}

/**
 * Any other SQLite or Node failure (SQLITE_FULL, SQLITE_IOERR_*, SQLITE_CANTOPEN,
 * SQLITE_READONLY_*, ENOSPC / EACCES while creating the file): the database cannot be
 * used right now. Test after the more specific codes.
 */
export function isSqliteUnavailable(code: string): boolean {
  return code.startsWith('SQLITE_') || code.startsWith('E')
}
