/**
 * The embedded catalog: one SQLite file next to the lake, via better-sqlite3.
 *
 * better-sqlite3 is synchronous, so each mutating method runs its whole transaction in
 * one uninterrupted stretch of JavaScript: calls on one instance cannot interleave, and
 * `BEGIN IMMEDIATE` takes the write lock up front so another process's writer waits
 * (up to `busy_timeout`) instead of failing half-way with `SQLITE_BUSY` on upgrade.
 */
import { newId } from '../../core/ids.js'
import { StrongroomError } from '../../errors.js'
import type { WrappedKey } from '../../keys/key-provider.js'
import {
  closeQuietly,
  isSqliteLocked,
  isSqliteUnavailable,
  isSqliteUniqueViolation,
  openSqlite,
  requireOpen,
  sqliteErrorCode,
} from '../../lib/sqlite.js'
import type { SqliteDatabase, SqliteStatement } from '../../lib/sqlite.js'
import type {
  Catalog,
  Classification,
  ClassificationInput,
  CommitVersionInput,
  CreateDatasetInput,
  DatasetDescriptions,
  DatasetRecord,
  DatasetSearchQuery,
  DatasetTags,
  FileRecord,
  Finding,
  FindingsQuery,
  FindingsScan,
  KekRecord,
  LineageEdge,
  LineageEdgeInput,
  LineageFilter,
  PolicyVersionInput,
  PolicyVersionRecord,
  PrincipalInput,
  PrincipalRecord,
  PrivacyBudgetRecord,
  PrivacyBudgetState,
  PrivacyRelease,
  PrivacyReleaseInput,
  RecordFindingsInput,
  RewrappedDek,
  VersionRecord,
} from '../catalog.js'
import {
  CLASSIFICATION_COLUMNS,
  CLASSIFICATION_COLUMNS_OF_C,
  DATASET_TARGET,
  FILE_COLUMNS,
  FINDING_COLUMNS,
  LINEAGE_COLUMNS,
  checkClassifications,
  checkFindings,
  encodeFindingLists,
  findingColumns,
  findingsParams,
  parseFindingList,
  toFinding,
  checkDescription,
  columnNames,
  columnsByVersion,
  descriptionsFromRows,
  foldForSearch,
  missingColumns,
  nextRecordedAt,
  parseTags,
  searchParams,
  tagsFromRows,
  throwIfColumnsMissing,
  toClassification,
  versionNotFound,
  checkDistinct,
  checkLineageEdges,
  checkStoredEdgeEnums,
  encodeColumnMap,
  lineageEdgeExists,
  parseColumnMap,
  checkNewFileKeks,
  commitConflict,
  committedVersionRecord,
  constraintViolated,
  createdDatasetRecord,
  datasetExists,
  datasetNotFound,
  failedUnexpectedly,
  inRequestedOrder,
  keptFilesMissing,
  noActiveKek,
  parseSchema,
  planCommit,
  rewrappedFileMissing,
  rotateConflict,
  rotatedKekRecord,
  toBuffer,
} from '../catalog-rules.js'
import type { NamedColumn } from '../catalog-rules.js'
import { SCHEMA_MIGRATIONS_DDL, pendingMigrations } from '../migrations.js'
import { checkPrivacyCas, checkPrivacyDatasetId } from '../privacy-rules.js'
import type {
  VaultEntryRecord,
  VaultForgetResult,
  VaultKeyRecord,
  VaultPutInput,
  VaultPutResult,
} from '../catalog.js'
import { checkVaultPut, checkVaultRefs, checkVaultTokens } from '../vault-rules.js'
import {
  checkPolicyVersionInput,
  checkPrincipalId,
  checkPrincipalInput,
  checkRoleId,
  parseAttributes,
  parsePolicySources,
  principalExists,
  unknownPrincipal,
} from '../access-rules.js'

/** Options for {@link createSqliteCatalog}. */
export interface SqliteCatalogOptions {
  /** Path of the catalog database file; created with mode 0600 if missing. */
  readonly path: string
  /** How long a writer waits for another process's write lock, in ms. Default 5000. */
  readonly busyTimeoutMs?: number
}

interface DatasetRow {
  id: string
  namespace: string
  name: string
  owner: string
  created_at: number
  subject_column: string | null
  current_version: number
}

interface VersionRow {
  dataset_id: string
  version: number
  parent_version: number
  created_at: number
  operation: string
  schema_json: string
  row_count: number
}

interface FileRow {
  id: string
  dataset_id: string
  created_version: number
  object_key: string
  row_count: number
  ciphertext_bytes: number
  plaintext_bytes: number
  ciphertext_sha256: string
  wrapped_dek: Uint8Array
  kek_version: number
  created_at: number
}

interface LineageRow {
  id: string
  run_id: string
  job: string
  event_type: string
  event_time: number
  source_kind: string
  source_name: string
  source_version: number | null
  target_kind: string
  target_name: string
  target_version: number | null
  column_map_json: string
}

/** A classification row, LEFT JOINed to its dataset (all null when it has none). */
interface ClassificationRow {
  id: string | null
  column_name: string
  entity_type: string
  confidence: number
  sensitivity: string
  source: string
  dataset_version: number | null
  recorded_by: string
  recorded_at: number
}

interface FindingsScanRow {
  id: string | null
  dataset_id: string
  dataset_version: number
  scanned_at: number
  recorded_by: string
  rows_sampled: number
}

interface FindingRow {
  scan_id: string
  dataset_id: string
  dataset_version: number
  scanned_at: number
  column_name: string
  entity_type: string
  matches: number
  sampled: number
  test_values: number
  confidence: number
  sensitivity: string
  row_numbers: string
  previews: string
}

/** A dataset LEFT JOINed with its budget: all budget columns null when it has none. */
interface PrivacyBudgetRow {
  version: number | null
  epsilon_total: string | null
  delta_total: string | null
  epsilon_pure: string | null
  delta_approx: string | null
  rho: string | null
  releases: number | null
  updated_at: number | null
}

/** A dataset LEFT JOINed with its ledger: one all-null row when it has no release. */
interface PrivacyReleaseRow {
  seq: number | null
  released_at: number | null
  principal: string | null
  aggregate: string | null
  mechanism: string | null
  epsilon: string | null
  delta: string | null
  rho: string | null
}

interface KekRow {
  dataset_id: string
  version: number
  root_key_id: string
  algorithm: string
  wrapped: Uint8Array
  state: string
  created_at: number
}

/**
 * A {@link Catalog} stored in a local SQLite database (the embedded default).
 *
 * Durability: WAL with `synchronous=FULL`, so a commit is on disk when the promise
 * resolves (in WAL mode `NORMAL` may lose the last transactions on power loss).
 */
export class SqliteCatalog implements Catalog {
  readonly kind = 'sqlite'
  readonly #path: string
  readonly #busyTimeoutMs: number
  #db: SqliteDatabase | undefined
  readonly #statements = new Map<string, SqliteStatement>()

  /** Prefer {@link createSqliteCatalog}. */
  constructor(options: SqliteCatalogOptions) {
    this.#path = options.path
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 5000
  }

  async open(): Promise<void> {
    if (this.#db !== undefined) return
    let db: SqliteDatabase | undefined
    try {
      db = await openSqlite({
        path: this.#path,
        busyTimeoutMs: this.#busyTimeoutMs,
        pragmas: ['foreign_keys = ON'],
        unavailableCode: 'ERR_CATALOG_UNAVAILABLE',
      })
      this.#db = db
      this.#write((d) => {
        d.exec(SCHEMA_MIGRATIONS_DDL.sqlite)
        const applied = d.prepare('SELECT id FROM schema_migrations').all() as { id: string }[]
        for (const m of pendingMigrations(new Set(applied.map((r) => r.id)))) {
          d.exec(m.sqlite)
          d.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(
            m.id,
            Date.now(),
          )
        }
      })
    } catch (cause) {
      this.#db = undefined
      this.#statements.clear()
      closeQuietly(db)
      throw mapSqliteError(cause, 'open')
    }
  }

  close(): Promise<void> {
    return this.#run('close', () => {
      const db = this.#db
      this.#db = undefined
      this.#statements.clear()
      db?.close()
    })
  }

  createDataset(input: CreateDatasetInput): Promise<DatasetRecord> {
    return this.#run('createDataset', () => {
      const createdAt = new Date()
      const ms = createdAt.getTime()
      try {
        this.#write(() => {
          this.#stmt(
            'INSERT INTO datasets (id, namespace, name, owner, created_at, subject_column, ' +
              'current_version) VALUES (?, ?, ?, ?, ?, ?, 0)',
          ).run(input.id, input.namespace, input.name, input.owner, ms, input.subjectColumn)
          this.#stmt(
            'INSERT INTO keks (dataset_id, version, root_key_id, algorithm, wrapped, state, ' +
              "created_at) VALUES (?, 1, ?, ?, ?, 'active', ?)",
          ).run(
            input.id,
            input.kek.rootKeyId,
            input.kek.algorithm,
            toBuffer(input.kek.ciphertext),
            ms,
          )
        })
      } catch (e) {
        if (!isUniqueViolation(e)) throw e
        throw datasetExists(input.namespace, input.name, e)
      }
      return createdDatasetRecord(input, createdAt)
    })
  }

  getDataset(namespace: string, name: string): Promise<DatasetRecord | undefined> {
    return this.#run('getDataset', () => {
      const row = this.#stmt('SELECT * FROM datasets WHERE namespace = ? AND name = ?').get(
        namespace,
        name,
      ) as DatasetRow | undefined
      return row === undefined ? undefined : toDataset(row)
    })
  }

  getDatasetById(id: string): Promise<DatasetRecord | undefined> {
    return this.#run('getDatasetById', () => {
      const row = this.#stmt('SELECT * FROM datasets WHERE id = ?').get(id) as
        DatasetRow | undefined
      return row === undefined ? undefined : toDataset(row)
    })
  }

  listDatasets(): Promise<DatasetRecord[]> {
    return this.#run('listDatasets', () => {
      const rows = this.#stmt('SELECT * FROM datasets ORDER BY namespace, name').all()
      return (rows as DatasetRow[]).map(toDataset)
    })
  }

  commitVersion(input: CommitVersionInput): Promise<VersionRecord> {
    return this.#run('commitVersion', () => {
      const plan = planCommit(input)
      const { version, fileIds } = plan
      const createdAt = new Date()
      const ms = createdAt.getTime()
      this.#write(() => {
        const ds = this.#stmt('SELECT current_version FROM datasets WHERE id = ?').get(
          input.datasetId,
        ) as { current_version: number } | undefined
        if (ds === undefined) throw datasetNotFound(input.datasetId)
        if (ds.current_version !== input.expectedCurrentVersion) {
          throw commitConflict(input.datasetId, input.expectedCurrentVersion, ds.current_version)
        }
        checkNewFileKeks(input, this.#activeKekVersion(input.datasetId))
        if (input.keptFileIds.length > 0) {
          // json_each binds the whole id list as one parameter, whatever its length.
          const found = this.#stmt(
            'SELECT count(*) AS n FROM files WHERE dataset_id = ? ' +
              'AND id IN (SELECT value FROM json_each(?))',
          ).get(input.datasetId, JSON.stringify(input.keptFileIds)) as { n: number }
          if (found.n !== input.keptFileIds.length) throw keptFilesMissing(input.datasetId)
        }
        this.#stmt(
          'INSERT INTO versions (dataset_id, version, parent_version, created_at, operation, ' +
            'schema_json, row_count) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ).run(
          input.datasetId,
          version,
          input.expectedCurrentVersion,
          ms,
          input.operation,
          JSON.stringify(input.schema),
          input.rowCount,
        )
        const insertFile = this.#stmt(
          `INSERT INTO files (${FILE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        for (const f of input.newFiles) {
          insertFile.run(
            f.id,
            f.datasetId,
            f.createdVersion,
            f.objectKey,
            f.rowCount,
            f.ciphertextBytes,
            f.plaintextBytes,
            f.ciphertextSha256,
            toBuffer(f.wrappedDek),
            f.kekVersion,
            ms,
          )
        }
        const link = this.#stmt(
          'INSERT INTO version_files (dataset_id, version, file_id, ordinal) VALUES (?, ?, ?, ?)',
        )
        fileIds.forEach((id, ordinal) => link.run(input.datasetId, version, id, ordinal))
        // The WHERE repeats the optimistic check: belt and braces should the read above
        // ever move out of this transaction.
        const moved = this.#stmt(
          'UPDATE datasets SET current_version = ? WHERE id = ? AND current_version = ?',
        ).run(version, input.datasetId, input.expectedCurrentVersion)
        if (moved.changes !== 1) {
          throw commitConflict(input.datasetId, input.expectedCurrentVersion, undefined)
        }
      })
      return committedVersionRecord(input, plan, createdAt)
    })
  }

  getVersion(datasetId: string, version?: number): Promise<VersionRecord | undefined> {
    return this.#run('getVersion', () => {
      let v = version
      if (v === undefined) {
        const ds = this.#stmt('SELECT current_version FROM datasets WHERE id = ?').get(
          datasetId,
        ) as { current_version: number } | undefined
        // Version 0 means "nothing committed yet": there is no row to return.
        if (ds === undefined || ds.current_version === 0) return undefined
        v = ds.current_version
      }
      const row = this.#stmt('SELECT * FROM versions WHERE dataset_id = ? AND version = ?').get(
        datasetId,
        v,
      ) as VersionRow | undefined
      if (row === undefined) return undefined
      const files = this.#stmt(
        'SELECT file_id FROM version_files WHERE dataset_id = ? AND version = ? ORDER BY ordinal',
      ).all(datasetId, v) as { file_id: string }[]
      return toVersion(
        row,
        files.map((f) => f.file_id),
      )
    })
  }

  listVersions(datasetId: string): Promise<VersionRecord[]> {
    return this.#run('listVersions', () => {
      const rows = this.#stmt('SELECT * FROM versions WHERE dataset_id = ? ORDER BY version').all(
        datasetId,
      ) as VersionRow[]
      const links = this.#stmt(
        'SELECT version, file_id FROM version_files WHERE dataset_id = ? ORDER BY version, ordinal',
      ).all(datasetId) as { version: number; file_id: string }[]
      const byVersion = groupFileIds(links)
      return rows.map((r) => toVersion(r, byVersion.get(r.version) ?? []))
    })
  }

  getFiles(fileIds: readonly string[]): Promise<FileRecord[]> {
    return this.#run('getFiles', () => {
      if (fileIds.length === 0) return []
      const rows = this.#stmt(
        `SELECT ${FILE_COLUMNS} FROM files WHERE id IN (SELECT value FROM json_each(?))`,
      ).all(JSON.stringify(fileIds)) as FileRow[]
      return inRequestedOrder(fileIds, rows.map(toFile))
    })
  }

  listFilesOfDataset(datasetId: string): Promise<FileRecord[]> {
    return this.#run('listFilesOfDataset', () => {
      const rows = this.#stmt(
        `SELECT ${FILE_COLUMNS} FROM files WHERE dataset_id = ? ORDER BY created_version, id`,
      ).all(datasetId) as FileRow[]
      return rows.map(toFile)
    })
  }

  listAllObjectKeys(): Promise<Set<string>> {
    return this.#run('listAllObjectKeys', () => {
      const rows = this.#stmt('SELECT object_key FROM files').all() as { object_key: string }[]
      return new Set(rows.map((r) => r.object_key))
    })
  }

  getActiveKek(datasetId: string): Promise<KekRecord> {
    return this.#run('getActiveKek', () => {
      const kek = this.#stmt("SELECT * FROM keks WHERE dataset_id = ? AND state = 'active'").get(
        datasetId,
      ) as KekRow | undefined
      if (kek !== undefined) return toKek(kek)
      const ds = this.#stmt('SELECT 1 AS x FROM datasets WHERE id = ?').get(datasetId)
      throw ds === undefined ? datasetNotFound(datasetId) : noActiveKek(datasetId)
    })
  }

  getKek(datasetId: string, version: number): Promise<KekRecord | undefined> {
    return this.#run('getKek', () => {
      const row = this.#stmt('SELECT * FROM keks WHERE dataset_id = ? AND version = ?').get(
        datasetId,
        version,
      ) as KekRow | undefined
      return row === undefined ? undefined : toKek(row)
    })
  }

  listKeks(datasetId: string): Promise<KekRecord[]> {
    return this.#run('listKeks', () => {
      const rows = this.#stmt('SELECT * FROM keks WHERE dataset_id = ? ORDER BY version').all(
        datasetId,
      ) as KekRow[]
      return rows.map(toKek)
    })
  }

  rotateKek(
    datasetId: string,
    expectedActiveVersion: number,
    newKek: WrappedKey,
    rewrapped: readonly RewrappedDek[],
  ): Promise<KekRecord> {
    return this.#run('rotateKek', () => {
      checkDistinct(
        rewrapped.map((r) => r.fileId),
        datasetId,
      )
      const version = expectedActiveVersion + 1
      const createdAt = new Date()
      this.#write(() => {
        const ds = this.#stmt('SELECT 1 AS x FROM datasets WHERE id = ?').get(datasetId)
        if (ds === undefined) throw datasetNotFound(datasetId)
        const active = this.#activeKekVersion(datasetId)
        if (active !== expectedActiveVersion) {
          throw rotateConflict(datasetId, expectedActiveVersion, active)
        }
        // Retire first: the partial unique index allows one active KEK per dataset.
        this.#stmt(
          "UPDATE keks SET state = 'retired' WHERE dataset_id = ? AND state = 'active'",
        ).run(datasetId)
        this.#stmt(
          'INSERT INTO keks (dataset_id, version, root_key_id, algorithm, wrapped, state, ' +
            "created_at) VALUES (?, ?, ?, ?, ?, 'active', ?)",
        ).run(
          datasetId,
          version,
          newKek.rootKeyId,
          newKek.algorithm,
          toBuffer(newKek.ciphertext),
          createdAt.getTime(),
        )
        const update = this.#stmt(
          'UPDATE files SET wrapped_dek = ?, kek_version = ? WHERE id = ? AND dataset_id = ?',
        )
        for (const r of rewrapped) {
          const res = update.run(toBuffer(r.wrappedDek), version, r.fileId, datasetId)
          if (res.changes !== 1) throw rewrappedFileMissing(datasetId, r.fileId)
        }
      })
      return rotatedKekRecord(datasetId, version, newKek, createdAt)
    })
  }

  getSetting(key: string): Promise<string | undefined> {
    return this.#run('getSetting', () => {
      const row = this.#stmt('SELECT value FROM settings WHERE key = ?').get(key) as
        { value: string } | undefined
      return row?.value
    })
  }

  setSetting(key: string, value: string): Promise<void> {
    return this.#run('setSetting', () => {
      this.#write(() => {
        this.#stmt(
          'INSERT INTO settings (key, value) VALUES (?, ?) ' +
            'ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        ).run(key, value)
      })
    })
  }

  recordLineage(edges: readonly LineageEdgeInput[]): Promise<void> {
    return this.#run('recordLineage', () => {
      checkLineageEdges(edges)
      if (edges.length === 0) return
      try {
        this.#write(() => {
          const insert = this.#stmt(
            `INSERT INTO lineage_edges (${LINEAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          for (const e of edges) {
            insert.run(
              e.id,
              e.runId,
              e.job,
              e.eventType,
              e.eventTime.getTime(),
              e.sourceKind,
              e.sourceName,
              e.sourceVersion,
              e.targetKind,
              e.targetName,
              e.targetVersion,
              encodeColumnMap(e.columnMap),
            )
          }
        })
      } catch (e) {
        if (isUniqueViolation(e)) throw lineageEdgeExists(e)
        throw e
      }
    })
  }

  listLineage(filter: LineageFilter): Promise<LineageEdge[]> {
    return this.#run('listLineage', () => {
      // Two fixed SQL texts, chosen by direction: the column name is never spliced from input.
      const sql =
        filter.direction === 'upstream'
          ? `SELECT ${LINEAGE_COLUMNS} FROM lineage_edges WHERE target_name = ? ` +
            'AND (? IS NULL OR target_kind = ?) ORDER BY event_time, id'
          : `SELECT ${LINEAGE_COLUMNS} FROM lineage_edges WHERE source_name = ? ` +
            'AND (? IS NULL OR source_kind = ?) ORDER BY event_time, id'
      const kind = filter.kind ?? null
      const rows = this.#stmt(sql).all(filter.name, kind, kind) as LineageRow[]
      return rows.map(toLineageEdge)
    })
  }

  setDescription(datasetId: string, column: string | null, text: string | null): Promise<void> {
    return this.#run('setDescription', () => {
      const stored = checkDescription(datasetId, column, text)
      const target = column ?? DATASET_TARGET
      this.#write(() => {
        const current = this.#currentVersionOf(datasetId)
        if (stored === null) {
          // Clearing checks no schema: a column a later version dropped can still be cleared.
          this.#stmt(
            'DELETE FROM metadata_descriptions WHERE dataset_id = ? AND column_name = ?',
          ).run(datasetId, target)
          return
        }
        if (column !== null) {
          const known = this.#columnsAt(datasetId, current) ?? new Set<string>()
          throwIfColumnsMissing(datasetId, missingColumns([{ path: 'column', column }], known))
        }
        this.#stmt(
          'INSERT INTO metadata_descriptions (dataset_id, column_name, description, ' +
            'description_folded, updated_at) VALUES (?, ?, ?, ?, ?) ' +
            'ON CONFLICT (dataset_id, column_name) DO UPDATE SET ' +
            'description = excluded.description, ' +
            'description_folded = excluded.description_folded, updated_at = excluded.updated_at',
        ).run(datasetId, target, stored, foldForSearch(stored), Date.now())
      })
    })
  }

  getDescriptions(datasetId: string): Promise<DatasetDescriptions> {
    return this.#run('getDescriptions', () => {
      // One statement: the dataset's existence and its descriptions from one snapshot.
      const rows = this.#stmt(
        'SELECT d.id, m.column_name, m.description FROM datasets d ' +
          'LEFT JOIN metadata_descriptions m ON m.dataset_id = d.id WHERE d.id = ?',
      ).all(datasetId) as { column_name: string | null; description: string | null }[]
      if (rows.length === 0) throw datasetNotFound(datasetId)
      const found: { column: string; text: string }[] = []
      for (const r of rows) {
        if (r.column_name !== null && r.description !== null) {
          found.push({ column: r.column_name, text: r.description })
        }
      }
      return descriptionsFromRows(found)
    })
  }

  setTags(datasetId: string, column: string | null, tags: readonly string[]): Promise<void> {
    return this.#run('setTags', () => {
      const parsed = parseTags(datasetId, column, tags)
      const target = column ?? DATASET_TARGET
      this.#write(() => {
        const current = this.#currentVersionOf(datasetId)
        // Clearing checks no schema: a column a later version dropped can still be cleared.
        if (column !== null && parsed.length > 0) {
          const known = this.#columnsAt(datasetId, current) ?? new Set<string>()
          throwIfColumnsMissing(datasetId, missingColumns([{ path: 'column', column }], known))
        }
        this.#stmt('DELETE FROM metadata_tags WHERE dataset_id = ? AND column_name = ?').run(
          datasetId,
          target,
        )
        const insert = this.#stmt(
          'INSERT INTO metadata_tags (dataset_id, column_name, tag_key, tag_value) ' +
            'VALUES (?, ?, ?, ?)',
        )
        for (const t of parsed) insert.run(datasetId, target, t.key, t.value)
      })
    })
  }

  getTags(datasetId: string): Promise<DatasetTags> {
    return this.#run('getTags', () => {
      const rows = this.#stmt(
        'SELECT d.id, t.column_name, t.tag_key, t.tag_value FROM datasets d ' +
          'LEFT JOIN metadata_tags t ON t.dataset_id = d.id WHERE d.id = ?',
      ).all(datasetId) as {
        column_name: string | null
        tag_key: string | null
        tag_value: string | null
      }[]
      if (rows.length === 0) throw datasetNotFound(datasetId)
      const found: { column: string; key: string; value: string | null }[] = []
      for (const r of rows) {
        if (r.column_name !== null && r.tag_key !== null) {
          found.push({ column: r.column_name, key: r.tag_key, value: r.tag_value })
        }
      }
      return tagsFromRows(found)
    })
  }

  recordClassifications(datasetId: string, entries: readonly ClassificationInput[]): Promise<void> {
    return this.#run('recordClassifications', () => {
      checkClassifications(datasetId, entries)
      this.#write(() => {
        const current = this.#currentVersionOf(datasetId)
        const missing: NamedColumn[] = []
        for (const [version, named] of columnsByVersion(entries)) {
          const v = version ?? current
          const known = v === 0 ? new Set<string>() : this.#columnsAt(datasetId, v)
          if (known === undefined) throw versionNotFound(datasetId, v)
          missing.push(...missingColumns(named, known))
        }
        throwIfColumnsMissing(datasetId, missing)
        if (entries.length === 0) return
        const newest = this.#stmt(
          'SELECT max(recorded_at) AS newest FROM classifications WHERE dataset_id = ?',
        ).get(datasetId) as { newest: number | null }
        const recordedAt = nextRecordedAt(new Date(), newest.newest).getTime()
        const insert = this.#stmt(
          `INSERT INTO classifications (dataset_id, ${CLASSIFICATION_COLUMNS}) ` +
            'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        for (const e of entries) {
          insert.run(
            datasetId,
            newId('cls'),
            e.column,
            e.entityType,
            e.confidence,
            e.sensitivity,
            e.source,
            e.datasetVersion,
            e.recordedBy,
            recordedAt,
          )
        }
      })
    })
  }

  currentClassifications(datasetId: string): Promise<Classification[]> {
    return this.#run('currentClassifications', () => {
      const rows = this.#stmt(
        `SELECT d.id AS dataset, ${CLASSIFICATION_COLUMNS_OF_C} FROM datasets d ` +
          'LEFT JOIN current_classifications c ON c.dataset_id = d.id WHERE d.id = ? ' +
          'ORDER BY c.column_name',
      ).all(datasetId) as ClassificationRow[]
      return toClassifications(rows, datasetId)
    })
  }

  classificationHistory(datasetId: string, column?: string): Promise<Classification[]> {
    return this.#run('classificationHistory', () => {
      const only = column ?? null
      const rows = this.#stmt(
        `SELECT d.id AS dataset, ${CLASSIFICATION_COLUMNS_OF_C} FROM datasets d ` +
          'LEFT JOIN classifications c ON c.dataset_id = d.id ' +
          'AND (? IS NULL OR c.column_name = ?) WHERE d.id = ? ORDER BY c.seq',
      ).all(only, only, datasetId) as ClassificationRow[]
      return toClassifications(rows, datasetId)
    })
  }

  searchDatasets(query: DatasetSearchQuery): Promise<DatasetRecord[]> {
    return this.#run('searchDatasets', () => {
      const p = searchParams(query)
      // One fixed SQL text; an absent filter is a NULL parameter that makes its clause true.
      // The LIKE pattern is a parameter with its wildcards escaped (ESCAPE '\').
      const rows = this.#stmt(SQLITE_SEARCH_SQL).all({
        text: p.textPattern,
        owner: p.owner,
        tagKey: p.tagKey,
        tagValue: p.tagValue,
        entityType: p.entityType,
        minRank: p.minSensitivityRank,
      }) as DatasetRow[]
      return rows.map(toDataset)
    })
  }

  recordFindings(input: RecordFindingsInput): Promise<FindingsScan> {
    return this.#run('recordFindings', () => {
      checkFindings(input)
      const { datasetId, datasetVersion, entries } = input
      const id = newId('scan')
      const scannedAt = this.#write(() => {
        this.#currentVersionOf(datasetId)
        const known = this.#columnsAt(datasetId, datasetVersion)
        if (known === undefined) throw versionNotFound(datasetId, datasetVersion)
        throwIfColumnsMissing(datasetId, missingColumns(findingColumns(entries), known))
        const newest = this.#stmt(
          'SELECT max(scanned_at) AS newest FROM finding_scans WHERE dataset_id = ?',
        ).get(datasetId) as { newest: number | null }
        const at = nextRecordedAt(new Date(), newest.newest)
        this.#stmt(
          'INSERT INTO finding_scans (id, dataset_id, dataset_version, scanned_at, recorded_by, ' +
            'rows_sampled) VALUES (?, ?, ?, ?, ?, ?)',
        ).run(id, datasetId, datasetVersion, at.getTime(), input.recordedBy, input.rowsSampled)
        const insert = this.#stmt(
          `INSERT INTO findings (${FINDING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        for (const e of entries) {
          const lists = encodeFindingLists(e)
          insert.run(
            id,
            e.column,
            e.entityType,
            e.matches,
            e.sampled,
            e.testValues,
            e.confidence,
            e.sensitivity,
            lists.rows,
            lists.previews,
          )
        }
        return at
      })
      return {
        id,
        datasetId,
        datasetVersion,
        scannedAt,
        recordedBy: input.recordedBy,
        rowsSampled: input.rowsSampled,
      }
    })
  }

  listFindings(query?: FindingsQuery): Promise<Finding[]> {
    return this.#run('listFindings', () => {
      const p = findingsParams(query)
      if (p.datasetId !== null) this.#currentVersionOf(p.datasetId)
      const rows = this.#stmt(SQLITE_FINDINGS_SQL).all({
        datasetId: p.datasetId,
        entityType: p.entityType,
        minRank: p.minSensitivityRank,
        includeTest: p.includeTestValues,
      }) as FindingRow[]
      return rows.map((r) =>
        toFinding({
          scanId: r.scan_id,
          datasetId: r.dataset_id,
          datasetVersion: r.dataset_version,
          scannedAt: new Date(r.scanned_at),
          column: r.column_name,
          entityType: r.entity_type,
          matches: r.matches,
          sampled: r.sampled,
          testValues: r.test_values,
          confidence: r.confidence,
          sensitivity: r.sensitivity,
          rows: parseFindingList(r.row_numbers),
          previews: parseFindingList(r.previews),
        }),
      )
    })
  }

  listFindingScans(datasetId: string): Promise<FindingsScan[]> {
    return this.#run('listFindingScans', () => {
      // One statement: the dataset's existence and its scans from one snapshot.
      const rows = this.#stmt(
        'SELECT d.id AS dataset, s.id, s.dataset_id, s.dataset_version, s.scanned_at, ' +
          's.recorded_by, s.rows_sampled FROM datasets d ' +
          'LEFT JOIN finding_scans s ON s.dataset_id = d.id WHERE d.id = ? ORDER BY s.seq',
      ).all(datasetId) as FindingsScanRow[]
      if (rows.length === 0) throw datasetNotFound(datasetId)
      const out: FindingsScan[] = []
      for (const r of rows) {
        if (r.id === null) continue
        out.push({
          id: r.id,
          datasetId: r.dataset_id,
          datasetVersion: r.dataset_version,
          scannedAt: new Date(r.scanned_at),
          recordedBy: r.recorded_by,
          rowsSampled: r.rows_sampled,
        })
      }
      return out
    })
  }

  getPrivacyBudget(datasetId: string): Promise<PrivacyBudgetRecord | undefined> {
    return this.#run('getPrivacyBudget', () => {
      checkPrivacyDatasetId(datasetId)
      // One statement: the dataset's existence and its budget from one snapshot.
      const row = this.#stmt(
        'SELECT d.id AS dataset, b.* FROM datasets d ' +
          'LEFT JOIN privacy_budgets b ON b.dataset_id = d.id WHERE d.id = ?',
      ).get(datasetId) as PrivacyBudgetRow | undefined
      if (row === undefined) throw datasetNotFound(datasetId)
      if (row.version === null) return undefined
      return {
        datasetId,
        version: row.version,
        state: {
          epsilonTotal: row.epsilon_total as string,
          deltaTotal: row.delta_total as string,
          epsilonPure: row.epsilon_pure as string,
          deltaApprox: row.delta_approx as string,
          rho: row.rho as string,
          releases: row.releases as number,
        },
        updatedAt: new Date(row.updated_at as number),
      }
    })
  }

  casPrivacyBudget(
    datasetId: string,
    expectedVersion: number,
    next: PrivacyBudgetState,
    release?: PrivacyReleaseInput,
  ): Promise<boolean> {
    return this.#run('casPrivacyBudget', () => {
      checkPrivacyCas(datasetId, expectedVersion, next, release)
      // BEGIN IMMEDIATE takes the write lock first, so the version read below cannot change
      // before the write: compare and set are one step.
      return this.#write(() => {
        this.#currentVersionOf(datasetId)
        const current = this.#stmt('SELECT version FROM privacy_budgets WHERE dataset_id = ?').get(
          datasetId,
        ) as { version: number } | undefined
        if ((current?.version ?? 0) !== expectedVersion) return false
        const now = Date.now()
        const values = [
          next.epsilonTotal,
          next.deltaTotal,
          next.epsilonPure,
          next.deltaApprox,
          next.rho,
          next.releases,
          now,
        ]
        if (current === undefined) {
          this.#stmt(
            'INSERT INTO privacy_budgets (dataset_id, version, epsilon_total, delta_total, ' +
              'epsilon_pure, delta_approx, rho, releases, updated_at) ' +
              'VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)',
          ).run(datasetId, ...values)
        } else {
          this.#stmt(
            'UPDATE privacy_budgets SET version = version + 1, epsilon_total = ?, ' +
              'delta_total = ?, epsilon_pure = ?, delta_approx = ?, rho = ?, releases = ?, ' +
              'updated_at = ? WHERE dataset_id = ?',
          ).run(...values, datasetId)
        }
        if (release !== undefined) {
          const last = this.#stmt(
            'SELECT max(seq) AS seq, max(released_at) AS at FROM privacy_releases ' +
              'WHERE dataset_id = ?',
          ).get(datasetId) as { seq: number | null; at: number | null }
          this.#stmt(
            'INSERT INTO privacy_releases (dataset_id, seq, released_at, principal, aggregate, ' +
              'mechanism, epsilon, delta, rho) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          ).run(
            datasetId,
            (last.seq ?? 0) + 1,
            nextRecordedAt(new Date(now), last.at).getTime(),
            release.principal,
            release.aggregate,
            release.mechanism,
            release.epsilon,
            release.delta,
            release.rho,
          )
        }
        return true
      })
    })
  }

  listPrivacyReleases(datasetId: string): Promise<PrivacyRelease[]> {
    return this.#run('listPrivacyReleases', () => {
      checkPrivacyDatasetId(datasetId)
      const rows = this.#stmt(
        'SELECT d.id AS dataset, r.* FROM datasets d ' +
          'LEFT JOIN privacy_releases r ON r.dataset_id = d.id WHERE d.id = ? ORDER BY r.seq',
      ).all(datasetId) as PrivacyReleaseRow[]
      if (rows.length === 0) throw datasetNotFound(datasetId)
      return rows
        .filter((r) => r.seq !== null)
        .map((r) => ({
          datasetId,
          seq: r.seq as number,
          releasedAt: new Date(r.released_at as number),
          principal: r.principal as string,
          aggregate: r.aggregate as string,
          mechanism: r.mechanism as string,
          epsilon: r.epsilon as string,
          delta: r.delta as string,
          rho: r.rho as string,
        }))
    })
  }

  putPrincipal(input: PrincipalInput, create: boolean): Promise<PrincipalRecord> {
    return this.#run('putPrincipal', () => {
      checkPrincipalInput(input)
      return this.#write(() => {
        const exists = this.#stmt('SELECT 1 AS x FROM principals WHERE id = ?').get(input.id)
        if (create && exists !== undefined) throw principalExists(input.id)
        if (!create && exists === undefined) throw unknownPrincipal(input.id)
        const now = Date.now()
        const attributes = JSON.stringify(input.attributes)
        if (create) {
          this.#stmt(
            'INSERT INTO principals (id, clearance, region, mfa, attributes_json, created_at, ' +
              'created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          ).run(
            input.id,
            input.clearance,
            input.region,
            input.mfa ? 1 : 0,
            attributes,
            now,
            input.by,
            now,
          )
        } else {
          this.#stmt(
            'UPDATE principals SET clearance = ?, region = ?, mfa = ?, attributes_json = ?, ' +
              'updated_at = ? WHERE id = ?',
          ).run(input.clearance, input.region, input.mfa ? 1 : 0, attributes, now, input.id)
        }
        return this.#principal(input.id) as PrincipalRecord
      })
    })
  }

  getPrincipal(id: string): Promise<PrincipalRecord | undefined> {
    return this.#run('getPrincipal', () => {
      checkPrincipalId(id)
      return this.#principal(id)
    })
  }

  listPrincipals(): Promise<PrincipalRecord[]> {
    return this.#run('listPrincipals', () => {
      const rows = this.#stmt('SELECT * FROM principals ORDER BY id').all() as PrincipalRow[]
      const grants = this.#stmt(
        'SELECT * FROM role_grants ORDER BY principal_id, role',
      ).all() as RoleGrantRow[]
      return rows.map((r) =>
        principalRecord(
          r,
          grants.filter((g) => g.principal_id === r.id),
        ),
      )
    })
  }

  removePrincipal(id: string): Promise<boolean> {
    return this.#run('removePrincipal', () => {
      checkPrincipalId(id)
      return this.#write(() => {
        this.#stmt('DELETE FROM role_grants WHERE principal_id = ?').run(id)
        return this.#stmt('DELETE FROM principals WHERE id = ?').run(id).changes === 1
      })
    })
  }

  grantRole(principalId: string, role: string, by: string): Promise<boolean> {
    return this.#run('grantRole', () => {
      checkPrincipalId(principalId, 'principalId')
      checkRoleId(role)
      checkPrincipalId(by, 'by')
      return this.#write(() => {
        if (this.#stmt('SELECT 1 AS x FROM principals WHERE id = ?').get(principalId) === undefined)
          throw unknownPrincipal(principalId)
        const r = this.#stmt(
          'INSERT INTO role_grants (principal_id, role, granted_at, granted_by) ' +
            'VALUES (?, ?, ?, ?) ON CONFLICT (principal_id, role) DO NOTHING',
        ).run(principalId, role, Date.now(), by)
        return r.changes === 1
      })
    })
  }

  revokeRole(principalId: string, role: string): Promise<boolean> {
    return this.#run('revokeRole', () => {
      checkPrincipalId(principalId, 'principalId')
      checkRoleId(role)
      return (
        this.#stmt('DELETE FROM role_grants WHERE principal_id = ? AND role = ?').run(
          principalId,
          role,
        ).changes === 1
      )
    })
  }

  appendPolicyVersion(input: PolicyVersionInput): Promise<PolicyVersionRecord | undefined> {
    return this.#run('appendPolicyVersion', () => {
      checkPolicyVersionInput(input)
      // BEGIN IMMEDIATE holds the write lock, so the newest version cannot move between the
      // check and the insert.
      return this.#write(() => {
        const last = this.#stmt('SELECT max(version) AS v FROM policy_versions').get() as {
          v: number | null
        }
        if ((last.v ?? 0) !== input.expectedVersion) return undefined
        const version = input.expectedVersion + 1
        this.#stmt(
          'INSERT INTO policy_versions (version, sources_json, sha256, created_at, created_by, ' +
            'comment, based_on) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ).run(
          version,
          JSON.stringify(input.sources),
          input.sha256,
          Date.now(),
          input.createdBy,
          input.comment,
          input.basedOn,
        )
        return this.#policyVersion(version)
      })
    })
  }

  getPolicyVersion(version?: number): Promise<PolicyVersionRecord | undefined> {
    return this.#run('getPolicyVersion', () => {
      if (version !== undefined && (!Number.isInteger(version) || version < 1)) return undefined
      const v =
        version ??
        (this.#stmt('SELECT max(version) AS v FROM policy_versions').get() as { v: number | null })
          .v
      return v === null ? undefined : this.#policyVersion(v)
    })
  }

  listPolicyVersions(): Promise<PolicyVersionRecord[]> {
    return this.#run('listPolicyVersions', () =>
      (
        this.#stmt('SELECT * FROM policy_versions ORDER BY version').all() as PolicyVersionRow[]
      ).map(policyVersionRecord),
    )
  }

  #principal(id: string): PrincipalRecord | undefined {
    const row = this.#stmt('SELECT * FROM principals WHERE id = ?').get(id) as
      PrincipalRow | undefined
    if (row === undefined) return undefined
    const grants = this.#stmt('SELECT * FROM role_grants WHERE principal_id = ? ORDER BY role').all(
      id,
    ) as RoleGrantRow[]
    return principalRecord(row, grants)
  }

  #policyVersion(version: number): PolicyVersionRecord | undefined {
    const row = this.#stmt('SELECT * FROM policy_versions WHERE version = ?').get(version) as
      PolicyVersionRow | undefined
    return row === undefined ? undefined : policyVersionRecord(row)
  }

  /** The dataset's current version; `ERR_DATASET_NOT_FOUND` when there is no such dataset. */
  #currentVersionOf(datasetId: string): number {
    const ds = this.#stmt('SELECT current_version FROM datasets WHERE id = ?').get(datasetId) as
      { current_version: number } | undefined
    if (ds === undefined) throw datasetNotFound(datasetId)
    return ds.current_version
  }

  /** The column names of one version (none for version 0); `undefined` if it does not exist. */
  #columnsAt(datasetId: string, version: number): Set<string> | undefined {
    if (version === 0) return new Set()
    const row = this.#stmt(
      'SELECT schema_json FROM versions WHERE dataset_id = ? AND version = ?',
    ).get(datasetId, version) as { schema_json: string } | undefined
    return row === undefined
      ? undefined
      : columnNames(parseSchema(row.schema_json, datasetId, version))
  }

  #activeKekVersion(datasetId: string): number {
    const kek = this.#stmt(
      "SELECT version FROM keks WHERE dataset_id = ? AND state = 'active'",
    ).get(datasetId) as { version: number } | undefined
    if (kek === undefined) throw noActiveKek(datasetId)
    return kek.version
  }

  #database(): SqliteDatabase {
    return requireOpen(this.#db, 'ERR_CATALOG_UNAVAILABLE', 'SQLite catalog')
  }

  /** A cached prepared statement: the hot paths run the same few SQL texts. */
  #stmt(sql: string): SqliteStatement {
    let s = this.#statements.get(sql)
    if (s === undefined) {
      s = this.#database().prepare(sql)
      this.#statements.set(sql, s)
    }
    return s
  }

  /** Runs `fn` in one `BEGIN IMMEDIATE` transaction; any throw rolls all of it back. */
  #write<T>(fn: (db: SqliteDatabase) => T): T {
    const db = this.#database()
    db.exec('BEGIN IMMEDIATE')
    try {
      const result = fn(db)
      db.exec('COMMIT')
      return result
    } catch (e) {
      // SQLite may already have rolled back on some errors (e.g. SQLITE_FULL).
      if (db.inTransaction) db.exec('ROLLBACK')
      throw e
    }
  }

  /**
   * Runs a method body and settles a promise with its result: better-sqlite3 is
   * synchronous, but the port is async, and a throw must become a rejection.
   */
  #run<T>(operation: string, fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn())
    } catch (e) {
      return Promise.reject(mapSqliteError(e, operation))
    }
  }

  // ---- Token vault (migration 0007_token_vault) ----

  getVaultKeys(domain: string, subjectRefs: readonly Uint8Array[]): Promise<VaultKeyRecord[]> {
    return this.#run('getVaultKeys', () => {
      checkVaultRefs(domain, subjectRefs, 'getVaultKeys')
      const stmt = this.#stmt(
        'SELECT key_id, subject_ref, wrapped_key FROM vault_keys ' +
          'WHERE domain = ? AND subject_ref = ?',
      )
      const out: VaultKeyRecord[] = []
      // In-process lookups on the unique index: no round trip per ref with an embedded file.
      for (const ref of subjectRefs) {
        const r = stmt.get(domain, toBuffer(ref)) as VaultKeyRow | undefined
        if (r !== undefined) out.push(toVaultKey(domain, r))
      }
      return out
    })
  }

  putVaultEntries(input: VaultPutInput): Promise<VaultPutResult> {
    return this.#run('putVaultEntries', () => {
      checkVaultPut(input)
      const conflict = new Error('vault key conflict')
      try {
        return this.#write((): VaultPutResult => {
          const now = Date.now()
          const insertKey = this.#stmt(
            'INSERT INTO vault_keys (key_id, domain, subject_ref, wrapped_key, created_at) ' +
              'VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
          )
          for (const k of input.newKeys) {
            const r = insertKey.run(
              k.keyId,
              input.domain,
              toBuffer(k.subjectRef),
              toBuffer(k.wrappedKey),
              now,
            )
            if (r.changes !== 1) throw conflict
          }
          const keyOk = this.#stmt('SELECT 1 AS x FROM vault_keys WHERE key_id = ? AND domain = ?')
          for (const keyId of new Set(input.entries.map((e) => e.keyId)))
            if (keyOk.get(keyId, input.domain) === undefined) throw conflict
          const insert = this.#stmt(
            'INSERT INTO vault_tokens (token, domain, key_id, blind_index, ciphertext, ' +
              'created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key_id, blind_index) DO NOTHING ' +
              'RETURNING token',
          )
          const select = this.#stmt(
            'SELECT token FROM vault_tokens WHERE key_id = ? AND blind_index = ?',
          )
          const tokens = input.entries.map((e) => {
            const index = toBuffer(e.blindIndex)
            // A new entry returns its own token; an existing one is looked up (convergence).
            const added = insert.get(
              e.token,
              input.domain,
              e.keyId,
              index,
              toBuffer(e.ciphertext),
              now,
            ) as { token: string } | undefined
            return (added ?? (select.get(e.keyId, index) as { token: string })).token
          })
          return { status: 'ok', tokens }
        })
      } catch (e) {
        if (e === conflict) return { status: 'key-conflict' }
        throw e
      }
    })
  }

  getVaultEntries(domain: string, tokens: readonly string[]): Promise<VaultEntryRecord[]> {
    return this.#run('getVaultEntries', () => {
      checkVaultTokens(domain, tokens)
      const stmt = this.#stmt(
        'SELECT t.token, t.key_id, t.ciphertext, t.shredded_at, k.subject_ref, k.wrapped_key ' +
          'FROM vault_tokens t LEFT JOIN vault_keys k ON k.key_id = t.key_id ' +
          'WHERE t.token = ? AND t.domain = ?',
      )
      const out: VaultEntryRecord[] = []
      // One snapshot: a forget running in another process cannot land half-way through.
      this.#database().exec('BEGIN')
      try {
        for (const token of new Set(tokens)) {
          const r = stmt.get(token, domain) as VaultEntryRow | undefined
          if (r !== undefined) out.push(toVaultEntry(domain, r))
        }
      } finally {
        this.#database().exec('COMMIT')
      }
      return out
    })
  }

  forgetVaultSubject(domain: string, subjectRef: Uint8Array): Promise<VaultForgetResult> {
    return this.#run('forgetVaultSubject', () => {
      checkVaultRefs(domain, [subjectRef], 'forgetVaultSubject', 'subjectRef')
      const db = this.#database()
      // secure_delete zeroes the freed bytes of the deleted key and ciphertexts in their
      // pages, and the checkpoint below moves those pages out of the WAL, so the destroyed
      // key does not linger in the files (best effort: a reader in another process can hold
      // old WAL frames until it finishes).
      const before = db.pragma('secure_delete', { simple: true })
      db.pragma('secure_delete = ON')
      let result: VaultForgetResult
      try {
        result = this.#write((): VaultForgetResult => {
          const key = this.#stmt(
            'SELECT key_id FROM vault_keys WHERE domain = ? AND subject_ref = ?',
          ).get(domain, toBuffer(subjectRef)) as { key_id: string } | undefined
          if (key === undefined) return { keyDestroyed: false, entriesShredded: 0 }
          const shredded = this.#stmt(
            'UPDATE vault_tokens SET key_id = NULL, blind_index = NULL, ciphertext = NULL, ' +
              'shredded_at = ? WHERE key_id = ?',
          ).run(Date.now(), key.key_id)
          this.#stmt('DELETE FROM vault_keys WHERE key_id = ?').run(key.key_id)
          return { keyDestroyed: true, entriesShredded: shredded.changes }
        })
      } finally {
        db.pragma(`secure_delete = ${Number(before) === 1 ? 'ON' : 'OFF'}`)
      }
      if (result.keyDestroyed) {
        try {
          db.pragma('wal_checkpoint(TRUNCATE)')
        } catch {
          // The forget is committed; a busy checkpoint only leaves the WAL for later.
        }
      }
      return result
    })
  }
}

/**
 * Creates an unopened SQLite catalog; call `open()` before use.
 *
 * @example
 * ```ts
 * const catalog = createSqliteCatalog({ path: '/srv/lake/catalog.db' })
 * await catalog.open()
 * const ds = await catalog.getDataset('crm', 'customers')
 * await catalog.close()
 * ```
 */
export function createSqliteCatalog(options: SqliteCatalogOptions): SqliteCatalog {
  return new SqliteCatalog(options)
}

function toBytes(value: Uint8Array): Uint8Array {
  // A plain copy: callers get an exact Uint8Array, not a Buffer view of a pooled slab.
  return new Uint8Array(value)
}

function toDataset(r: DatasetRow): DatasetRecord {
  return {
    id: r.id,
    namespace: r.namespace,
    name: r.name,
    owner: r.owner,
    createdAt: new Date(r.created_at),
    subjectColumn: r.subject_column,
    currentVersion: r.current_version,
  }
}

function toVersion(r: VersionRow, fileIds: string[]): VersionRecord {
  return {
    datasetId: r.dataset_id,
    version: r.version,
    parentVersion: r.parent_version,
    createdAt: new Date(r.created_at),
    operation: r.operation,
    schema: parseSchema(r.schema_json, r.dataset_id, r.version),
    rowCount: r.row_count,
    fileIds,
  }
}

function toFile(r: FileRow): FileRecord {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    createdVersion: r.created_version,
    objectKey: r.object_key,
    rowCount: r.row_count,
    ciphertextBytes: r.ciphertext_bytes,
    plaintextBytes: r.plaintext_bytes,
    ciphertextSha256: r.ciphertext_sha256,
    wrappedDek: toBytes(r.wrapped_dek),
    kekVersion: r.kek_version,
    createdAt: new Date(r.created_at),
  }
}

function toKek(r: KekRow): KekRecord {
  if (r.state !== 'active' && r.state !== 'retired') {
    throw new StrongroomError('ERR_CATALOG_CORRUPT', `KEK ${String(r.version)} has a bad state.`, {
      details: { datasetId: r.dataset_id, kekVersion: r.version },
    })
  }
  return {
    datasetId: r.dataset_id,
    version: r.version,
    wrapped: { rootKeyId: r.root_key_id, algorithm: r.algorithm, ciphertext: toBytes(r.wrapped) },
    state: r.state,
    createdAt: new Date(r.created_at),
  }
}

function toLineageEdge(r: LineageRow): LineageEdge {
  const kinds = checkStoredEdgeEnums(r.id, r.event_type, r.source_kind, r.target_kind)
  return {
    id: r.id,
    runId: r.run_id,
    job: r.job,
    eventType: kinds.eventType,
    eventTime: new Date(r.event_time),
    sourceKind: kinds.sourceKind,
    sourceName: r.source_name,
    sourceVersion: r.source_version,
    targetKind: kinds.targetKind,
    targetName: r.target_name,
    targetVersion: r.target_version,
    columnMap: parseColumnMap(r.column_map_json, r.id),
  }
}

/**
 * `searchDatasets`: committed datasets matching every given filter. `namespace.name` is
 * lower-cased by SQL (dataset names are ASCII); descriptions match their folded copy.
 */
const SQLITE_SEARCH_SQL =
  'SELECT d.* FROM datasets d WHERE d.current_version > 0 ' +
  "AND (@text IS NULL OR lower(d.namespace || '.' || d.name) LIKE @text ESCAPE '\\' " +
  'OR EXISTS (SELECT 1 FROM metadata_descriptions m WHERE m.dataset_id = d.id ' +
  "AND m.description_folded LIKE @text ESCAPE '\\')) " +
  'AND (@owner IS NULL OR d.owner = @owner) ' +
  'AND (@tagKey IS NULL OR EXISTS (SELECT 1 FROM metadata_tags t WHERE t.dataset_id = d.id ' +
  'AND t.tag_key = @tagKey AND (@tagValue IS NULL OR t.tag_value = @tagValue))) ' +
  'AND ((@entityType IS NULL AND @minRank IS NULL) OR EXISTS (SELECT 1 ' +
  'FROM current_classifications c WHERE c.dataset_id = d.id ' +
  'AND (@entityType IS NULL OR c.entity_type = @entityType) ' +
  'AND (@minRank IS NULL OR c.sensitivity_rank >= @minRank))) ' +
  'ORDER BY d.namespace, d.name'

/**
 * `listFindings`: the findings of the newest scan (highest seq) of each dataset's current
 * version, filtered; an absent filter is a NULL parameter that makes its clause true.
 */
const SQLITE_FINDINGS_SQL =
  'SELECT s.id AS scan_id, s.dataset_id, s.dataset_version, s.scanned_at, f.column_name, ' +
  'f.entity_type, f.matches, f.sampled, f.test_values, f.confidence, f.sensitivity, ' +
  'f.row_numbers, f.previews FROM datasets d ' +
  'JOIN finding_scans s ON s.seq = (SELECT max(x.seq) FROM finding_scans x ' +
  'WHERE x.dataset_id = d.id AND x.dataset_version = d.current_version) ' +
  'JOIN findings f ON f.scan_id = s.id ' +
  'WHERE (@datasetId IS NULL OR d.id = @datasetId) ' +
  'AND (@entityType IS NULL OR f.entity_type = @entityType) ' +
  "AND (@minRank IS NULL OR CASE f.sensitivity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 " +
  "WHEN 'high' THEN 3 ELSE 0 END >= @minRank) " +
  'AND (@includeTest = 1 OR f.matches <> f.test_values) ' +
  'ORDER BY d.namespace, d.name, f.column_name, f.entity_type'

/** LEFT JOINed classification rows as records; no row at all means no such dataset. */
function toClassifications(
  rows: readonly ClassificationRow[],
  datasetId: string,
): Classification[] {
  if (rows.length === 0) throw datasetNotFound(datasetId)
  const out: Classification[] = []
  for (const r of rows) {
    if (r.id === null) continue
    out.push(
      toClassification({
        id: r.id,
        column: r.column_name,
        entityType: r.entity_type,
        confidence: r.confidence,
        sensitivity: r.sensitivity,
        source: r.source,
        datasetVersion: r.dataset_version,
        recordedBy: r.recorded_by,
        recordedAt: new Date(r.recorded_at),
      }),
    )
  }
  return out
}

function groupFileIds(
  links: readonly { version: number; file_id: string }[],
): Map<number, string[]> {
  const byVersion = new Map<number, string[]>()
  for (const l of links) {
    const ids = byVersion.get(l.version)
    if (ids === undefined) byVersion.set(l.version, [l.file_id])
    else ids.push(l.file_id)
  }
  return byVersion
}

function isUniqueViolation(e: unknown): boolean {
  return isSqliteUniqueViolation(sqliteErrorCode(e))
}

/**
 * Maps a better-sqlite3 error to a Strongroom code. Constraint failures in a write mean
 * the input broke an invariant (a duplicate object key, a dangling file); the message
 * names the operation only, since SQLite's own text may quote values.
 */
function mapSqliteError(e: unknown, operation: string): StrongroomError {
  if (e instanceof StrongroomError) return e
  const code = sqliteErrorCode(e)
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return constraintViolated(operation, e, { operation, sqliteCode: code })
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return new StrongroomError('ERR_CATALOG_CORRUPT', 'The SQLite catalog file is damaged.', {
      cause: e,
      details: { operation, sqliteCode: code },
    })
  }
  if (isSqliteLocked(code)) {
    return new StrongroomError('ERR_CATALOG_UNAVAILABLE', 'The SQLite catalog is locked.', {
      cause: e,
      hint: 'Another process holds the catalog write lock; retry later.',
      details: { operation, sqliteCode: code },
    })
  }
  if (isSqliteUnavailable(code)) {
    // Open, I/O, disk-full and permission failures: the catalog cannot be used right now.
    return new StrongroomError('ERR_CATALOG_UNAVAILABLE', 'The SQLite catalog is unavailable.', {
      cause: e,
      details: { operation, ...(code === '' ? {} : { errorCode: code }) },
    })
  }
  return failedUnexpectedly(operation, e, { operation })
}

interface PrincipalRow {
  id: string
  clearance: number
  region: string
  mfa: number
  attributes_json: string
  created_at: number
  created_by: string
  updated_at: number
}

interface RoleGrantRow {
  principal_id: string
  role: string
  granted_at: number
  granted_by: string
}

interface PolicyVersionRow {
  version: number
  sources_json: string
  sha256: string
  created_at: number
  created_by: string
  comment: string
  based_on: number | null
}

function principalRecord(r: PrincipalRow, grants: readonly RoleGrantRow[]): PrincipalRecord {
  return {
    id: r.id,
    clearance: r.clearance,
    region: r.region,
    mfa: r.mfa === 1,
    attributes: parseAttributes(r.attributes_json),
    roles: grants.map((g) => ({
      role: g.role,
      grantedAt: new Date(g.granted_at),
      grantedBy: g.granted_by,
    })),
    createdAt: new Date(r.created_at),
    createdBy: r.created_by,
    updatedAt: new Date(r.updated_at),
  }
}

function policyVersionRecord(r: PolicyVersionRow): PolicyVersionRecord {
  return {
    version: r.version,
    sources: parsePolicySources(r.sources_json),
    sha256: r.sha256,
    createdAt: new Date(r.created_at),
    createdBy: r.created_by,
    comment: r.comment,
    basedOn: r.based_on,
  }
}

// ---- Token vault (migration 0007_token_vault) ----

interface VaultKeyRow {
  key_id: string
  subject_ref: Uint8Array
  wrapped_key: Uint8Array
}

/** A token LEFT JOINed with its key: the key columns are null once shredded. */
interface VaultEntryRow {
  token: string
  key_id: string | null
  ciphertext: Uint8Array | null
  shredded_at: number | null
  subject_ref: Uint8Array | null
  wrapped_key: Uint8Array | null
}

function toVaultKey(domain: string, r: VaultKeyRow): VaultKeyRecord {
  return {
    keyId: r.key_id,
    domain,
    subjectRef: toBytes(r.subject_ref),
    wrappedKey: toBytes(r.wrapped_key),
  }
}

function toVaultEntry(domain: string, r: VaultEntryRow): VaultEntryRecord {
  if (r.shredded_at !== null)
    return { token: r.token, state: 'shredded', shreddedAt: new Date(r.shredded_at) }
  if (
    r.key_id === null ||
    r.ciphertext === null ||
    r.subject_ref === null ||
    r.wrapped_key === null
  )
    throw new StrongroomError('ERR_CATALOG_CORRUPT', 'A vault entry has no key.', {
      details: { operation: 'getVaultEntries' },
    })
  return {
    token: r.token,
    state: 'live',
    ciphertext: toBytes(r.ciphertext),
    key: toVaultKey(domain, {
      key_id: r.key_id,
      subject_ref: r.subject_ref,
      wrapped_key: r.wrapped_key,
    }),
  }
}
