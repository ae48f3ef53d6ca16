/**
 * The shared catalog: PostgreSQL via `pg`, for lakes that several hosts write to.
 *
 * Concurrency: `commitVersion` and `rotateKek` lock the dataset row (`SELECT … FOR UPDATE`)
 * before checking the expected version, so concurrent writers of one dataset serialize on
 * that row and the later one sees the new version and fails with `ERR_CATALOG_CONFLICT`.
 * Writers of different datasets do not block each other.
 */
import { newId } from '../../core/ids.js'
import { StrongroomError } from '../../errors.js'
import type { WrappedKey } from '../../keys/key-provider.js'
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
import type {
  VaultEntryRecord,
  VaultForgetResult,
  VaultKeyRecord,
  VaultPutInput,
  VaultPutResult,
} from '../catalog.js'
import { checkVaultPut, checkVaultRefs, checkVaultTokens, vaultEntryKey } from '../vault-rules.js'

/** Options for {@link createPostgresCatalog}. */
export interface PostgresCatalogOptions {
  /** A libpq-style URL, e.g. `postgres://strongroom@db.internal:5432/lake`. */
  readonly connectionString: string
  /**
   * The schema holding the catalog tables; created if missing and put first on every
   * connection's `search_path`. Must match `/^[a-z_][a-z0-9_]*$/`. Default: the server's
   * default `search_path` (usually `public`).
   */
  readonly schema?: string
  /** Most connections the pool opens. Default 10. */
  readonly maxConnections?: number
  /** How long to wait for a connection before failing, in ms. Default 10000. */
  readonly connectTimeoutMs?: number
}

/**
 * A {@link Catalog} stored in PostgreSQL.
 *
 * Every mutating method runs in one transaction on one pooled connection; all SQL is
 * parameterized, and the only identifier spliced into SQL is the validated schema name.
 */
export class PostgresCatalog implements Catalog {
  readonly kind = 'postgres'
  readonly #options: PostgresCatalogOptions
  #db: PostgresDatabase | undefined

  /** Prefer {@link createPostgresCatalog}; fails with `ERR_CONFIG_INVALID` on a bad schema. */
  constructor(options: PostgresCatalogOptions) {
    checkSchemaName(options.schema, 'catalog')
    this.#options = options
  }

  async open(): Promise<void> {
    if (this.#db !== undefined) return
    const db = await createPostgresDatabase({
      ...this.#options,
      defaultMaxConnections: 10,
      role: ROLE,
    })
    this.#db = db
    try {
      await db.migrate('strongroom.catalog.migrate', async (c) => {
        await c.query(SCHEMA_MIGRATIONS_DDL.postgres)
        const applied = await c.query('SELECT id FROM schema_migrations')
        for (const m of pendingMigrations(new Set(applied.rows.map((r) => String(r['id']))))) {
          await c.query(m.postgres)
          await c.query('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [
            m.id,
            new Date(),
          ])
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

  async createDataset(input: CreateDatasetInput): Promise<DatasetRecord> {
    const createdAt = new Date()
    try {
      await this.#transaction(async (c) => {
        await c.query(
          'INSERT INTO datasets (id, namespace, name, owner, created_at, subject_column, ' +
            'current_version) VALUES ($1, $2, $3, $4, $5, $6, 0)',
          [input.id, input.namespace, input.name, input.owner, createdAt, input.subjectColumn],
        )
        await c.query(
          'INSERT INTO keks (dataset_id, version, root_key_id, algorithm, wrapped, state, ' +
            "created_at) VALUES ($1, 1, $2, $3, $4, 'active', $5)",
          [
            input.id,
            input.kek.rootKeyId,
            input.kek.algorithm,
            toBuffer(input.kek.ciphertext),
            createdAt,
          ],
        )
      }, 'createDataset')
    } catch (e) {
      if (pgErrorCode(causeOf(e)) === '23505') throw datasetExists(input.namespace, input.name, e)
      throw e
    }
    return createdDatasetRecord(input, createdAt)
  }

  async getDataset(namespace: string, name: string): Promise<DatasetRecord | undefined> {
    const r = await this.#query(
      'SELECT * FROM datasets WHERE namespace = $1 AND name = $2',
      [namespace, name],
      'getDataset',
    )
    const row = r.rows[0]
    return row === undefined ? undefined : toDataset(row)
  }

  async getDatasetById(id: string): Promise<DatasetRecord | undefined> {
    const r = await this.#query('SELECT * FROM datasets WHERE id = $1', [id], 'getDatasetById')
    const row = r.rows[0]
    return row === undefined ? undefined : toDataset(row)
  }

  async listDatasets(): Promise<DatasetRecord[]> {
    // COLLATE "C" so the order is bytewise, as in SQLite, whatever the database collation.
    const r = await this.#query(
      'SELECT * FROM datasets ORDER BY namespace COLLATE "C", name COLLATE "C"',
      [],
      'listDatasets',
    )
    return r.rows.map(toDataset)
  }

  async commitVersion(input: CommitVersionInput): Promise<VersionRecord> {
    const plan = planCommit(input)
    const { version, fileIds } = plan
    const createdAt = new Date()
    await this.#transaction(async (c) => {
      const ds = await c.query('SELECT current_version FROM datasets WHERE id = $1 FOR UPDATE', [
        input.datasetId,
      ])
      const row = ds.rows[0]
      if (row === undefined) throw datasetNotFound(input.datasetId)
      const current = toInt(row['current_version'], 'current_version')
      if (current !== input.expectedCurrentVersion) {
        throw commitConflict(input.datasetId, input.expectedCurrentVersion, current)
      }
      checkNewFileKeks(input, await activeKekVersion(c, input.datasetId))
      if (input.keptFileIds.length > 0) {
        const found = await c.query(
          'SELECT count(*) AS n FROM files WHERE dataset_id = $1 AND id = ANY($2::text[])',
          [input.datasetId, input.keptFileIds],
        )
        if (toInt(found.rows[0]?.['n'], 'count') !== input.keptFileIds.length) {
          throw keptFilesMissing(input.datasetId)
        }
      }
      await c.query(
        'INSERT INTO versions (dataset_id, version, parent_version, created_at, operation, ' +
          'schema_json, row_count) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [
          input.datasetId,
          version,
          input.expectedCurrentVersion,
          createdAt,
          input.operation,
          JSON.stringify(input.schema),
          input.rowCount,
        ],
      )
      if (input.newFiles.length > 0) {
        // One statement for all files (unnest of column arrays) instead of a round trip
        // per file: a commit can carry hundreds.
        const f = input.newFiles
        await c.query(
          `INSERT INTO files (${FILE_COLUMNS}) SELECT u.*, $11::timestamptz FROM unnest(` +
            '$1::text[], $2::text[], $3::int[], $4::text[], $5::bigint[], $6::bigint[], ' +
            '$7::bigint[], $8::text[], $9::bytea[], $10::int[]) AS u',
          [
            f.map((x) => x.id),
            f.map((x) => x.datasetId),
            f.map((x) => x.createdVersion),
            f.map((x) => x.objectKey),
            f.map((x) => x.rowCount),
            f.map((x) => x.ciphertextBytes),
            f.map((x) => x.plaintextBytes),
            f.map((x) => x.ciphertextSha256),
            f.map((x) => toBuffer(x.wrappedDek)),
            f.map((x) => x.kekVersion),
            createdAt,
          ],
        )
      }
      if (fileIds.length > 0) {
        await c.query(
          'INSERT INTO version_files (dataset_id, version, file_id, ordinal) ' +
            'SELECT $1, $2, u.file_id, u.ordinal - 1 ' +
            'FROM unnest($3::text[]) WITH ORDINALITY AS u(file_id, ordinal)',
          [input.datasetId, version, fileIds],
        )
      }
      await c.query('UPDATE datasets SET current_version = $1 WHERE id = $2', [
        version,
        input.datasetId,
      ])
    }, 'commitVersion')
    return committedVersionRecord(input, plan, createdAt)
  }

  async getVersion(datasetId: string, version?: number): Promise<VersionRecord | undefined> {
    let v = version
    if (v === undefined) {
      const ds = await this.#query(
        'SELECT current_version FROM datasets WHERE id = $1',
        [datasetId],
        'getVersion',
      )
      const row = ds.rows[0]
      if (row === undefined) return undefined
      v = toInt(row['current_version'], 'current_version')
      // Version 0 means "nothing committed yet": there is no row to return.
      if (v === 0) return undefined
    }
    // One round trip, and one snapshot: the version and its file list come from the same
    // statement, so they cannot disagree.
    const r = await this.#query(
      'SELECT v.*, ARRAY(SELECT vf.file_id FROM version_files vf ' +
        'WHERE vf.dataset_id = v.dataset_id AND vf.version = v.version ORDER BY vf.ordinal) ' +
        'AS file_ids FROM versions v WHERE v.dataset_id = $1 AND v.version = $2',
      [datasetId, v],
      'getVersion',
    )
    const row = r.rows[0]
    return row === undefined ? undefined : toVersion(row)
  }

  async listVersions(datasetId: string): Promise<VersionRecord[]> {
    const r = await this.#query(
      'SELECT v.*, ARRAY(SELECT vf.file_id FROM version_files vf ' +
        'WHERE vf.dataset_id = v.dataset_id AND vf.version = v.version ORDER BY vf.ordinal) ' +
        'AS file_ids FROM versions v WHERE v.dataset_id = $1 ORDER BY v.version',
      [datasetId],
      'listVersions',
    )
    return r.rows.map(toVersion)
  }

  async getFiles(fileIds: readonly string[]): Promise<FileRecord[]> {
    if (fileIds.length === 0) return []
    const r = await this.#query(
      `SELECT ${FILE_COLUMNS} FROM files WHERE id = ANY($1::text[])`,
      [fileIds],
      'getFiles',
    )
    return inRequestedOrder(fileIds, r.rows.map(toFile))
  }

  async listFilesOfDataset(datasetId: string): Promise<FileRecord[]> {
    const r = await this.#query(
      `SELECT ${FILE_COLUMNS} FROM files WHERE dataset_id = $1 ORDER BY created_version, id COLLATE "C"`,
      [datasetId],
      'listFilesOfDataset',
    )
    return r.rows.map(toFile)
  }

  async listAllObjectKeys(): Promise<Set<string>> {
    const r = await this.#query('SELECT object_key FROM files', [], 'listAllObjectKeys')
    return new Set(r.rows.map((row) => String(row['object_key'])))
  }

  async getActiveKek(datasetId: string): Promise<KekRecord> {
    const r = await this.#query(
      'SELECT d.id AS ds, k.* FROM datasets d ' +
        "LEFT JOIN keks k ON k.dataset_id = d.id AND k.state = 'active' WHERE d.id = $1",
      [datasetId],
      'getActiveKek',
    )
    const row = r.rows[0]
    if (row === undefined) throw datasetNotFound(datasetId)
    if (row['version'] === null || row['version'] === undefined) throw noActiveKek(datasetId)
    return toKek(row)
  }

  async getKek(datasetId: string, version: number): Promise<KekRecord | undefined> {
    const r = await this.#query(
      'SELECT * FROM keks WHERE dataset_id = $1 AND version = $2',
      [datasetId, version],
      'getKek',
    )
    const row = r.rows[0]
    return row === undefined ? undefined : toKek(row)
  }

  async listKeks(datasetId: string): Promise<KekRecord[]> {
    const r = await this.#query(
      'SELECT * FROM keks WHERE dataset_id = $1 ORDER BY version',
      [datasetId],
      'listKeks',
    )
    return r.rows.map(toKek)
  }

  async rotateKek(
    datasetId: string,
    expectedActiveVersion: number,
    newKek: WrappedKey,
    rewrapped: readonly RewrappedDek[],
  ): Promise<KekRecord> {
    checkDistinct(
      rewrapped.map((r) => r.fileId),
      datasetId,
    )
    const version = expectedActiveVersion + 1
    const createdAt = new Date()
    await this.#transaction(async (c) => {
      // The same row lock as commitVersion: a rotation and a commit of one dataset never
      // interleave, so a commit cannot add files under a KEK being retired.
      const ds = await c.query('SELECT id FROM datasets WHERE id = $1 FOR UPDATE', [datasetId])
      if (ds.rows.length === 0) throw datasetNotFound(datasetId)
      const active = await activeKekVersion(c, datasetId)
      if (active !== expectedActiveVersion) {
        throw rotateConflict(datasetId, expectedActiveVersion, active)
      }
      // Retire first: the partial unique index allows one active KEK per dataset.
      await c.query(
        "UPDATE keks SET state = 'retired' WHERE dataset_id = $1 AND state = 'active'",
        [datasetId],
      )
      await c.query(
        'INSERT INTO keks (dataset_id, version, root_key_id, algorithm, wrapped, state, ' +
          "created_at) VALUES ($1, $2, $3, $4, $5, 'active', $6)",
        [
          datasetId,
          version,
          newKek.rootKeyId,
          newKek.algorithm,
          toBuffer(newKek.ciphertext),
          createdAt,
        ],
      )
      if (rewrapped.length > 0) {
        const res = await c.query(
          'UPDATE files f SET wrapped_dek = u.dek, kek_version = $3 ' +
            'FROM unnest($1::text[], $2::bytea[]) AS u(id, dek) ' +
            'WHERE f.id = u.id AND f.dataset_id = $4 RETURNING f.id',
          [
            rewrapped.map((r) => r.fileId),
            rewrapped.map((r) => toBuffer(r.wrappedDek)),
            version,
            datasetId,
          ],
        )
        if (res.rows.length !== rewrapped.length) {
          const updated = new Set(res.rows.map((row) => String(row['id'])))
          const missing = rewrapped.find((r) => !updated.has(r.fileId))
          throw rewrappedFileMissing(datasetId, missing?.fileId ?? '')
        }
      }
    }, 'rotateKek')
    return rotatedKekRecord(datasetId, version, newKek, createdAt)
  }

  async getSetting(key: string): Promise<string | undefined> {
    const r = await this.#query('SELECT value FROM settings WHERE key = $1', [key], 'getSetting')
    const row = r.rows[0]
    return row === undefined ? undefined : String(row['value'])
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.#transaction(async (c) => {
      await c.query(
        'INSERT INTO settings (key, value) VALUES ($1, $2) ' +
          'ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        [key, value],
      )
    }, 'setSetting')
  }

  async recordLineage(edges: readonly LineageEdgeInput[]): Promise<void> {
    checkLineageEdges(edges)
    if (edges.length === 0) return
    try {
      await this.#transaction(async (c) => {
        // One statement for the batch (unnest of column arrays), as for files in a commit.
        await c.query(
          `INSERT INTO lineage_edges (${LINEAGE_COLUMNS}) SELECT * FROM unnest(` +
            '$1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], ' +
            '$7::text[], $8::int[], $9::text[], $10::text[], $11::int[], $12::text[])',
          [
            edges.map((e) => e.id),
            edges.map((e) => e.runId),
            edges.map((e) => e.job),
            edges.map((e) => e.eventType),
            edges.map((e) => e.eventTime),
            edges.map((e) => e.sourceKind),
            edges.map((e) => e.sourceName),
            edges.map((e) => e.sourceVersion),
            edges.map((e) => e.targetKind),
            edges.map((e) => e.targetName),
            edges.map((e) => e.targetVersion),
            edges.map((e) => encodeColumnMap(e.columnMap)),
          ],
        )
      }, 'recordLineage')
    } catch (e) {
      if (pgErrorCode(causeOf(e)) === '23505') throw lineageEdgeExists(e)
      throw e
    }
  }

  async listLineage(filter: LineageFilter): Promise<LineageEdge[]> {
    // Two fixed SQL texts, chosen by direction: the column name is never spliced from input.
    // COLLATE "C" on id so ties order bytewise, as in SQLite.
    const sql =
      filter.direction === 'upstream'
        ? `SELECT ${LINEAGE_COLUMNS} FROM lineage_edges WHERE target_name = $1 ` +
          'AND ($2::text IS NULL OR target_kind = $2) ORDER BY event_time, id COLLATE "C"'
        : `SELECT ${LINEAGE_COLUMNS} FROM lineage_edges WHERE source_name = $1 ` +
          'AND ($2::text IS NULL OR source_kind = $2) ORDER BY event_time, id COLLATE "C"'
    const r = await this.#query(sql, [filter.name, filter.kind ?? null], 'listLineage')
    return r.rows.map(toLineageEdge)
  }

  async setDescription(
    datasetId: string,
    column: string | null,
    text: string | null,
  ): Promise<void> {
    const stored = checkDescription(datasetId, column, text)
    const target = column ?? DATASET_TARGET
    await this.#transaction(async (c) => {
      const current = await lockDataset(c, datasetId)
      if (stored === null) {
        // Clearing checks no schema: a column a later version dropped can still be cleared.
        await c.query(
          'DELETE FROM metadata_descriptions WHERE dataset_id = $1 AND column_name = $2',
          [datasetId, target],
        )
        return
      }
      if (column !== null) {
        const known = (await columnsAt(c, datasetId, current)) ?? new Set<string>()
        throwIfColumnsMissing(datasetId, missingColumns([{ path: 'column', column }], known))
      }
      await c.query(
        'INSERT INTO metadata_descriptions (dataset_id, column_name, description, ' +
          'description_folded, updated_at) VALUES ($1, $2, $3, $4, $5) ' +
          'ON CONFLICT (dataset_id, column_name) DO UPDATE SET ' +
          'description = excluded.description, ' +
          'description_folded = excluded.description_folded, updated_at = excluded.updated_at',
        [datasetId, target, stored, foldForSearch(stored), new Date()],
      )
    }, 'setDescription')
  }

  async getDescriptions(datasetId: string): Promise<DatasetDescriptions> {
    // One statement: the dataset's existence and its descriptions from one snapshot.
    const r = await this.#query(
      'SELECT d.id, m.column_name, m.description FROM datasets d ' +
        'LEFT JOIN metadata_descriptions m ON m.dataset_id = d.id WHERE d.id = $1',
      [datasetId],
      'getDescriptions',
    )
    if (r.rows.length === 0) throw datasetNotFound(datasetId)
    const found: { column: string; text: string }[] = []
    for (const row of r.rows) {
      if (row['column_name'] === null) continue
      found.push({
        column: toStr(row['column_name'], 'column_name'),
        text: toStr(row['description'], 'description'),
      })
    }
    return descriptionsFromRows(found)
  }

  async setTags(datasetId: string, column: string | null, tags: readonly string[]): Promise<void> {
    const parsed = parseTags(datasetId, column, tags)
    const target = column ?? DATASET_TARGET
    await this.#transaction(async (c) => {
      const current = await lockDataset(c, datasetId)
      // Clearing checks no schema: a column a later version dropped can still be cleared.
      if (column !== null && parsed.length > 0) {
        const known = (await columnsAt(c, datasetId, current)) ?? new Set<string>()
        throwIfColumnsMissing(datasetId, missingColumns([{ path: 'column', column }], known))
      }
      await c.query('DELETE FROM metadata_tags WHERE dataset_id = $1 AND column_name = $2', [
        datasetId,
        target,
      ])
      if (parsed.length > 0) {
        await c.query(
          'INSERT INTO metadata_tags (dataset_id, column_name, tag_key, tag_value) ' +
            'SELECT $1, $2, u.k, u.v FROM unnest($3::text[], $4::text[]) AS u(k, v)',
          [datasetId, target, parsed.map((t) => t.key), parsed.map((t) => t.value)],
        )
      }
    }, 'setTags')
  }

  async getTags(datasetId: string): Promise<DatasetTags> {
    const r = await this.#query(
      'SELECT d.id, t.column_name, t.tag_key, t.tag_value FROM datasets d ' +
        'LEFT JOIN metadata_tags t ON t.dataset_id = d.id WHERE d.id = $1',
      [datasetId],
      'getTags',
    )
    if (r.rows.length === 0) throw datasetNotFound(datasetId)
    const found: { column: string; key: string; value: string | null }[] = []
    for (const row of r.rows) {
      if (row['column_name'] === null) continue
      const value = row['tag_value']
      found.push({
        column: toStr(row['column_name'], 'column_name'),
        key: toStr(row['tag_key'], 'tag_key'),
        value: value === null ? null : toStr(value, 'tag_value'),
      })
    }
    return tagsFromRows(found)
  }

  async recordClassifications(
    datasetId: string,
    entries: readonly ClassificationInput[],
  ): Promise<void> {
    checkClassifications(datasetId, entries)
    await this.#transaction(async (c) => {
      // The row lock serializes classification writers of one dataset, so the identity
      // `seq` (history order) is also commit order, and recordedAt never goes back.
      const current = await lockDataset(c, datasetId)
      const missing: NamedColumn[] = []
      for (const [version, named] of columnsByVersion(entries)) {
        const v = version ?? current
        const known = await columnsAt(c, datasetId, v)
        if (known === undefined) throw versionNotFound(datasetId, v)
        missing.push(...missingColumns(named, known))
      }
      throwIfColumnsMissing(datasetId, missing)
      if (entries.length === 0) return
      const newest = await c.query(
        'SELECT max(recorded_at) AS newest FROM classifications WHERE dataset_id = $1',
        [datasetId],
      )
      const last = newest.rows[0]?.['newest']
      const recordedAt = nextRecordedAt(
        new Date(),
        last === null || last === undefined ? null : toDate(last, 'recorded_at').getTime(),
      )
      // One INSERT per entry, in order: the identity values, and so the history order,
      // follow the caller's order (an INSERT … SELECT does not promise that).
      for (const e of entries) {
        await c.query(
          `INSERT INTO classifications (dataset_id, ${CLASSIFICATION_COLUMNS}) ` +
            'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
          [
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
          ],
        )
      }
    }, 'recordClassifications')
  }

  async currentClassifications(datasetId: string): Promise<Classification[]> {
    const r = await this.#query(
      `SELECT d.id AS dataset, ${CLASSIFICATION_COLUMNS_OF_C} FROM datasets d ` +
        'LEFT JOIN current_classifications c ON c.dataset_id = d.id WHERE d.id = $1 ' +
        'ORDER BY c.column_name COLLATE "C"',
      [datasetId],
      'currentClassifications',
    )
    return toClassifications(r.rows, datasetId)
  }

  async classificationHistory(datasetId: string, column?: string): Promise<Classification[]> {
    const r = await this.#query(
      `SELECT d.id AS dataset, ${CLASSIFICATION_COLUMNS_OF_C} FROM datasets d ` +
        'LEFT JOIN classifications c ON c.dataset_id = d.id ' +
        'AND ($2::text IS NULL OR c.column_name = $2) WHERE d.id = $1 ORDER BY c.seq',
      [datasetId, column ?? null],
      'classificationHistory',
    )
    return toClassifications(r.rows, datasetId)
  }

  async searchDatasets(query: DatasetSearchQuery): Promise<DatasetRecord[]> {
    const p = searchParams(query)
    // One fixed SQL text; an absent filter is a NULL parameter that makes its clause true.
    // The LIKE pattern is a parameter with its wildcards escaped (ESCAPE E'\\', which means
    // one backslash whatever standard_conforming_strings says).
    const r = await this.#query(
      PG_SEARCH_SQL,
      [p.textPattern, p.owner, p.tagKey, p.tagValue, p.entityType, p.minSensitivityRank],
      'searchDatasets',
    )
    return r.rows.map(toDataset)
  }

  async recordFindings(input: RecordFindingsInput): Promise<FindingsScan> {
    checkFindings(input)
    const { datasetId, datasetVersion, entries } = input
    const id = newId('scan')
    const scannedAt = await this.#transaction(async (c) => {
      // The row lock serializes scan writers of one dataset, so the identity `seq` (which
      // scan is newest) is also commit order, and scannedAt never goes back.
      await lockDataset(c, datasetId)
      const known = await columnsAt(c, datasetId, datasetVersion)
      if (known === undefined) throw versionNotFound(datasetId, datasetVersion)
      throwIfColumnsMissing(datasetId, missingColumns(findingColumns(entries), known))
      const newest = await c.query(
        'SELECT max(scanned_at) AS newest FROM finding_scans WHERE dataset_id = $1',
        [datasetId],
      )
      const last = newest.rows[0]?.['newest']
      const at = nextRecordedAt(
        new Date(),
        last === null || last === undefined ? null : toDate(last, 'scanned_at').getTime(),
      )
      await c.query(
        'INSERT INTO finding_scans (id, dataset_id, dataset_version, scanned_at, recorded_by, ' +
          'rows_sampled) VALUES ($1, $2, $3, $4, $5, $6)',
        [id, datasetId, datasetVersion, at, input.recordedBy, input.rowsSampled],
      )
      if (entries.length > 0) {
        // One statement for all entries (unnest of column arrays); the lists travel as JSON
        // text and are cast to jsonb by the server.
        const lists = entries.map(encodeFindingLists)
        await c.query(
          `INSERT INTO findings (${FINDING_COLUMNS}) ` +
            'SELECT $1::text, u.col, u.et, u.m, u.s, u.t, u.c, u.sens, u.r::jsonb, u.p::jsonb ' +
            'FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], ' +
            '$7::float8[], $8::text[], $9::text[], $10::text[]) ' +
            'AS u(col, et, m, s, t, c, sens, r, p)',
          [
            id,
            entries.map((e) => e.column),
            entries.map((e) => e.entityType),
            entries.map((e) => e.matches),
            entries.map((e) => e.sampled),
            entries.map((e) => e.testValues),
            entries.map((e) => e.confidence),
            entries.map((e) => e.sensitivity),
            lists.map((l) => l.rows),
            lists.map((l) => l.previews),
          ],
        )
      }
      return at
    }, 'recordFindings')
    return {
      id,
      datasetId,
      datasetVersion,
      scannedAt,
      recordedBy: input.recordedBy,
      rowsSampled: input.rowsSampled,
    }
  }

  async listFindings(query?: FindingsQuery): Promise<Finding[]> {
    const p = findingsParams(query)
    if (p.datasetId !== null) {
      const ds = await this.#query(
        'SELECT 1 AS x FROM datasets WHERE id = $1',
        [p.datasetId],
        'listFindings',
      )
      if (ds.rows.length === 0) throw datasetNotFound(p.datasetId)
    }
    const r = await this.#query(
      PG_FINDINGS_SQL,
      [p.datasetId, p.entityType, p.minSensitivityRank, p.includeTestValues],
      'listFindings',
    )
    return r.rows.map((row) => {
      const confidence = row['confidence']
      if (typeof confidence !== 'number') throw corrupt('confidence')
      return toFinding({
        scanId: toStr(row['scan_id'], 'scan_id'),
        datasetId: toStr(row['dataset_id'], 'dataset_id'),
        datasetVersion: toInt(row['dataset_version'], 'dataset_version'),
        scannedAt: toDate(row['scanned_at'], 'scanned_at'),
        column: toStr(row['column_name'], 'column_name'),
        entityType: toStr(row['entity_type'], 'entity_type'),
        matches: toInt(row['matches'], 'matches'),
        sampled: toInt(row['sampled'], 'sampled'),
        testValues: toInt(row['test_values'], 'test_values'),
        confidence,
        sensitivity: toStr(row['sensitivity'], 'sensitivity'),
        rows: row['row_numbers'],
        previews: row['previews'],
      })
    })
  }

  async listFindingScans(datasetId: string): Promise<FindingsScan[]> {
    // One statement: the dataset's existence and its scans from one snapshot.
    const r = await this.#query(
      'SELECT d.id AS dataset, s.id, s.dataset_id, s.dataset_version, s.scanned_at, ' +
        's.recorded_by, s.rows_sampled FROM datasets d ' +
        'LEFT JOIN finding_scans s ON s.dataset_id = d.id WHERE d.id = $1 ORDER BY s.seq',
      [datasetId],
      'listFindingScans',
    )
    if (r.rows.length === 0) throw datasetNotFound(datasetId)
    const out: FindingsScan[] = []
    for (const row of r.rows) {
      if (row['id'] === null) continue
      out.push({
        id: toStr(row['id'], 'id'),
        datasetId: toStr(row['dataset_id'], 'dataset_id'),
        datasetVersion: toInt(row['dataset_version'], 'dataset_version'),
        scannedAt: toDate(row['scanned_at'], 'scanned_at'),
        recordedBy: toStr(row['recorded_by'], 'recorded_by'),
        rowsSampled: toInt(row['rows_sampled'], 'rows_sampled'),
      })
    }
    return out
  }

  async getPrivacyBudget(datasetId: string): Promise<PrivacyBudgetRecord | undefined> {
    checkPrivacyDatasetId(datasetId)
    // One statement: the dataset's existence and its budget from one snapshot.
    const r = await this.#query(
      'SELECT d.id AS dataset, b.version, b.epsilon_total, b.delta_total, b.epsilon_pure, ' +
        'b.delta_approx, b.rho, b.releases, b.updated_at FROM datasets d ' +
        'LEFT JOIN privacy_budgets b ON b.dataset_id = d.id WHERE d.id = $1',
      [datasetId],
      'getPrivacyBudget',
    )
    const row = r.rows[0]
    if (row === undefined) throw datasetNotFound(datasetId)
    if (row['version'] === null) return undefined
    return {
      datasetId,
      version: toInt(row['version'], 'version'),
      state: {
        epsilonTotal: toStr(row['epsilon_total'], 'epsilon_total'),
        deltaTotal: toStr(row['delta_total'], 'delta_total'),
        epsilonPure: toStr(row['epsilon_pure'], 'epsilon_pure'),
        deltaApprox: toStr(row['delta_approx'], 'delta_approx'),
        rho: toStr(row['rho'], 'rho'),
        releases: toInt(row['releases'], 'releases'),
      },
      updatedAt: toDate(row['updated_at'], 'updated_at'),
    }
  }

  async casPrivacyBudget(
    datasetId: string,
    expectedVersion: number,
    next: PrivacyBudgetState,
    release?: PrivacyReleaseInput,
  ): Promise<boolean> {
    checkPrivacyCas(datasetId, expectedVersion, next, release)
    return this.#transaction(async (c) => {
      const ds = await c.query('SELECT 1 AS x FROM datasets WHERE id = $1', [datasetId])
      if (ds.rows.length === 0) throw datasetNotFound(datasetId)
      const now = new Date()
      const values = [
        next.epsilonTotal,
        next.deltaTotal,
        next.epsilonPure,
        next.deltaApprox,
        next.rho,
        next.releases,
        now,
      ]
      // The UPDATE's row lock (or the primary key, for a first INSERT racing another) makes
      // the version test and the write one step; the loser sees no row changed.
      const written =
        expectedVersion === 0
          ? await c.query(
              'INSERT INTO privacy_budgets (dataset_id, version, epsilon_total, delta_total, ' +
                'epsilon_pure, delta_approx, rho, releases, updated_at) ' +
                'VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dataset_id) DO NOTHING',
              [datasetId, ...values],
            )
          : await c.query(
              'UPDATE privacy_budgets SET version = version + 1, epsilon_total = $3, ' +
                'delta_total = $4, epsilon_pure = $5, delta_approx = $6, rho = $7, ' +
                'releases = $8, updated_at = $9 WHERE dataset_id = $1 AND version = $2',
              [datasetId, expectedVersion, ...values],
            )
      if (written.rowCount !== 1) return false
      if (release !== undefined) {
        // The budget row is locked by this transaction now, so seq is assigned in commit order.
        const last = await c.query(
          'SELECT max(seq) AS seq, max(released_at) AS at FROM privacy_releases ' +
            'WHERE dataset_id = $1',
          [datasetId],
        )
        const seq = last.rows[0]?.['seq']
        const at = last.rows[0]?.['at']
        await c.query(
          'INSERT INTO privacy_releases (dataset_id, seq, released_at, principal, aggregate, ' +
            'mechanism, epsilon, delta, rho) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
          [
            datasetId,
            (seq === null || seq === undefined ? 0 : toInt(seq, 'seq')) + 1,
            nextRecordedAt(
              now,
              at === null || at === undefined ? null : toDate(at, 'released_at').getTime(),
            ),
            release.principal,
            release.aggregate,
            release.mechanism,
            release.epsilon,
            release.delta,
            release.rho,
          ],
        )
      }
      return true
    }, 'casPrivacyBudget')
  }

  async listPrivacyReleases(datasetId: string): Promise<PrivacyRelease[]> {
    checkPrivacyDatasetId(datasetId)
    const r = await this.#query(
      'SELECT d.id AS dataset, r.seq, r.released_at, r.principal, r.aggregate, r.mechanism, ' +
        'r.epsilon, r.delta, r.rho FROM datasets d ' +
        'LEFT JOIN privacy_releases r ON r.dataset_id = d.id WHERE d.id = $1 ORDER BY r.seq',
      [datasetId],
      'listPrivacyReleases',
    )
    if (r.rows.length === 0) throw datasetNotFound(datasetId)
    return r.rows
      .filter((row) => row['seq'] !== null)
      .map((row) => ({
        datasetId,
        seq: toInt(row['seq'], 'seq'),
        releasedAt: toDate(row['released_at'], 'released_at'),
        principal: toStr(row['principal'], 'principal'),
        aggregate: toStr(row['aggregate'], 'aggregate'),
        mechanism: toStr(row['mechanism'], 'mechanism'),
        epsilon: toStr(row['epsilon'], 'epsilon'),
        delta: toStr(row['delta'], 'delta'),
        rho: toStr(row['rho'], 'rho'),
      }))
  }

  async putPrincipal(input: PrincipalInput, create: boolean): Promise<PrincipalRecord> {
    checkPrincipalInput(input)
    return this.#transaction(async (c) => {
      const now = new Date()
      const attributes = JSON.stringify(input.attributes)
      if (create) {
        const r = await c.query(
          'INSERT INTO principals (id, clearance, region, mfa, attributes_json, created_at, ' +
            'created_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $6) ' +
            'ON CONFLICT (id) DO NOTHING',
          [input.id, input.clearance, input.region, input.mfa, attributes, now, input.by],
        )
        if (r.rowCount !== 1) throw principalExists(input.id)
      } else {
        const r = await c.query(
          'UPDATE principals SET clearance = $2, region = $3, mfa = $4, attributes_json = $5, ' +
            'updated_at = $6 WHERE id = $1',
          [input.id, input.clearance, input.region, input.mfa, attributes, now],
        )
        if (r.rowCount !== 1) throw unknownPrincipal(input.id)
      }
      return (await principalOf(c, input.id)) as PrincipalRecord
    }, 'putPrincipal')
  }

  async getPrincipal(id: string): Promise<PrincipalRecord | undefined> {
    checkPrincipalId(id)
    return this.#transaction((c) => principalOf(c, id), 'getPrincipal')
  }

  async listPrincipals(): Promise<PrincipalRecord[]> {
    return this.#transaction(async (c) => {
      const rows = await c.query('SELECT * FROM principals ORDER BY id', [])
      const grants = await c.query('SELECT * FROM role_grants ORDER BY principal_id, role', [])
      return rows.rows.map((r) =>
        pgPrincipalRecord(
          r,
          grants.rows.filter((g) => g['principal_id'] === r['id']),
        ),
      )
    }, 'listPrincipals')
  }

  async removePrincipal(id: string): Promise<boolean> {
    checkPrincipalId(id)
    return this.#transaction(async (c) => {
      await c.query('DELETE FROM role_grants WHERE principal_id = $1', [id])
      const r = await c.query('DELETE FROM principals WHERE id = $1', [id])
      return r.rowCount === 1
    }, 'removePrincipal')
  }

  async grantRole(principalId: string, role: string, by: string): Promise<boolean> {
    checkPrincipalId(principalId, 'principalId')
    checkRoleId(role)
    checkPrincipalId(by, 'by')
    return this.#transaction(async (c) => {
      // FOR SHARE keeps the principal from being removed before the grant commits.
      const p = await c.query('SELECT 1 AS x FROM principals WHERE id = $1 FOR SHARE', [
        principalId,
      ])
      if (p.rows.length === 0) throw unknownPrincipal(principalId)
      const r = await c.query(
        'INSERT INTO role_grants (principal_id, role, granted_at, granted_by) ' +
          'VALUES ($1, $2, $3, $4) ON CONFLICT (principal_id, role) DO NOTHING',
        [principalId, role, new Date(), by],
      )
      return r.rowCount === 1
    }, 'grantRole')
  }

  async revokeRole(principalId: string, role: string): Promise<boolean> {
    checkPrincipalId(principalId, 'principalId')
    checkRoleId(role)
    const r = await this.#query(
      'DELETE FROM role_grants WHERE principal_id = $1 AND role = $2',
      [principalId, role],
      'revokeRole',
    )
    return r.rowCount === 1
  }

  async appendPolicyVersion(input: PolicyVersionInput): Promise<PolicyVersionRecord | undefined> {
    checkPolicyVersionInput(input)
    return this.#transaction(async (c) => {
      // Version numbers are the primary key: of two writers expecting the same version, the
      // second insert conflicts and changes nothing.
      const last = await c.query('SELECT max(version) AS v FROM policy_versions', [])
      const v = last.rows[0]?.['v']
      const current = v === null || v === undefined ? 0 : toInt(v, 'version')
      if (current !== input.expectedVersion) return undefined
      const r = await c.query(
        'INSERT INTO policy_versions (version, sources_json, sha256, created_at, created_by, ' +
          'comment, based_on) VALUES ($1, $2, $3, $4, $5, $6, $7) ' +
          'ON CONFLICT (version) DO NOTHING RETURNING *',
        [
          current + 1,
          JSON.stringify(input.sources),
          input.sha256,
          new Date(),
          input.createdBy,
          input.comment,
          input.basedOn,
        ],
      )
      const row = r.rows[0]
      return row === undefined ? undefined : pgPolicyVersionRecord(row)
    }, 'appendPolicyVersion')
  }

  async getPolicyVersion(version?: number): Promise<PolicyVersionRecord | undefined> {
    if (version !== undefined && (!Number.isInteger(version) || version < 1)) return undefined
    const r =
      version === undefined
        ? await this.#query(
            'SELECT * FROM policy_versions ORDER BY version DESC LIMIT 1',
            [],
            'getPolicyVersion',
          )
        : await this.#query(
            'SELECT * FROM policy_versions WHERE version = $1',
            [version],
            'getPolicyVersion',
          )
    const row = r.rows[0]
    return row === undefined ? undefined : pgPolicyVersionRecord(row)
  }

  async listPolicyVersions(): Promise<PolicyVersionRecord[]> {
    const r = await this.#query(
      'SELECT * FROM policy_versions ORDER BY version',
      [],
      'listPolicyVersions',
    )
    return r.rows.map(pgPolicyVersionRecord)
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

  // ---- Token vault (migration 0007_token_vault) ----

  async getVaultKeys(
    domain: string,
    subjectRefs: readonly Uint8Array[],
  ): Promise<VaultKeyRecord[]> {
    checkVaultRefs(domain, subjectRefs, 'getVaultKeys')
    if (subjectRefs.length === 0) return []
    // One statement for the whole batch: the refs travel as one bytea[] parameter.
    const r = await this.#query(
      'SELECT key_id, subject_ref, wrapped_key FROM vault_keys ' +
        'WHERE domain = $1 AND subject_ref = ANY($2::bytea[])',
      [domain, subjectRefs.map(toBuffer)],
      'getVaultKeys',
    )
    return r.rows.map((row) => toVaultKey(domain, row))
  }

  async putVaultEntries(input: VaultPutInput): Promise<VaultPutResult> {
    checkVaultPut(input)
    const conflict = new Error('vault key conflict')
    try {
      return await this.#transaction(async (c): Promise<VaultPutResult> => {
        const now = new Date()
        if (input.newKeys.length > 0) {
          const keys = await c.query(
            'INSERT INTO vault_keys (key_id, domain, subject_ref, wrapped_key, created_at) ' +
              'SELECT k.id, $1, k.ref, k.wrapped, $5 ' +
              'FROM unnest($2::text[], $3::bytea[], $4::bytea[]) AS k (id, ref, wrapped) ' +
              'ON CONFLICT DO NOTHING',
            [
              input.domain,
              input.newKeys.map((k) => k.keyId),
              input.newKeys.map((k) => toBuffer(k.subjectRef)),
              input.newKeys.map((k) => toBuffer(k.wrappedKey)),
              now,
            ],
          )
          // Another writer created a key for one of these subjects first.
          if (keys.rowCount !== input.newKeys.length) throw conflict
        }
        if (input.entries.length === 0) return { status: 'ok', tokens: [] }
        const keyIds = [...new Set(input.entries.map((e) => e.keyId))]
        // FOR SHARE: a concurrent forget of one of these keys waits for this commit (and
        // then shreds the new entries too), or has already deleted it and it is missing here.
        const live = await c.query(
          'SELECT key_id FROM vault_keys WHERE domain = $1 AND key_id = ANY($2::text[]) FOR SHARE',
          [input.domain, keyIds],
        )
        if (live.rows.length !== keyIds.length) throw conflict
        const ids = input.entries.map((e) => e.keyId)
        const indexes = input.entries.map((e) => toBuffer(e.blindIndex))
        await c.query(
          'INSERT INTO vault_tokens (token, domain, key_id, blind_index, ciphertext, created_at) ' +
            'SELECT e.token, $1, e.key_id, e.blind_index, e.ciphertext, $6 ' +
            'FROM unnest($2::text[], $3::text[], $4::bytea[], $5::bytea[]) ' +
            'AS e (token, key_id, blind_index, ciphertext) ' +
            'ON CONFLICT (key_id, blind_index) DO NOTHING',
          [
            input.domain,
            input.entries.map((e) => e.token),
            ids,
            indexes,
            input.entries.map((e) => toBuffer(e.ciphertext)),
            now,
          ],
        )
        const stored = await c.query(
          'SELECT t.key_id, t.blind_index, t.token FROM vault_tokens t ' +
            'JOIN unnest($1::text[], $2::bytea[]) AS e (key_id, blind_index) ' +
            'ON t.key_id = e.key_id AND t.blind_index = e.blind_index',
          [ids, indexes],
        )
        const byEntry = new Map<string, string>()
        for (const row of stored.rows)
          byEntry.set(
            vaultEntryKey(
              toStr(row['key_id'], 'key_id'),
              toBytes(row['blind_index'], 'blind_index'),
            ),
            toStr(row['token'], 'token'),
          )
        const tokens = input.entries.map((e) => {
          const t = byEntry.get(vaultEntryKey(e.keyId, e.blindIndex))
          if (t === undefined) throw corrupt('vault_tokens.token')
          return t
        })
        return { status: 'ok', tokens }
      }, 'putVaultEntries')
    } catch (e) {
      if (e === conflict || (e instanceof StrongroomError && e.cause === conflict))
        return { status: 'key-conflict' }
      throw e
    }
  }

  async getVaultEntries(domain: string, tokens: readonly string[]): Promise<VaultEntryRecord[]> {
    checkVaultTokens(domain, tokens)
    if (tokens.length === 0) return []
    const r = await this.#query(
      'SELECT t.token, t.key_id, t.ciphertext, t.shredded_at, k.subject_ref, k.wrapped_key ' +
        'FROM vault_tokens t LEFT JOIN vault_keys k ON k.key_id = t.key_id ' +
        'WHERE t.domain = $1 AND t.token = ANY($2::text[])',
      [domain, [...new Set(tokens)]],
      'getVaultEntries',
    )
    return r.rows.map((row): VaultEntryRecord => {
      const token = toStr(row['token'], 'token')
      if (row['shredded_at'] !== null)
        return { token, state: 'shredded', shreddedAt: toDate(row['shredded_at'], 'shredded_at') }
      if (row['key_id'] === null || row['subject_ref'] === null)
        throw corrupt('vault_tokens.key_id')
      return {
        token,
        state: 'live',
        ciphertext: toBytes(row['ciphertext'], 'ciphertext'),
        key: toVaultKey(domain, row),
      }
    })
  }

  async forgetVaultSubject(domain: string, subjectRef: Uint8Array): Promise<VaultForgetResult> {
    checkVaultRefs(domain, [subjectRef], 'forgetVaultSubject', 'subjectRef')
    return this.#transaction(async (c): Promise<VaultForgetResult> => {
      // FOR UPDATE: waits for a tokenization holding the key FOR SHARE, so its new entries
      // are committed, and shredded below, before the key goes.
      const key = await c.query(
        'SELECT key_id FROM vault_keys WHERE domain = $1 AND subject_ref = $2 FOR UPDATE',
        [domain, toBuffer(subjectRef)],
      )
      const row = key.rows[0]
      if (row === undefined) return { keyDestroyed: false, entriesShredded: 0 }
      const keyId = toStr(row['key_id'], 'key_id')
      const shredded = await c.query(
        'UPDATE vault_tokens SET key_id = NULL, blind_index = NULL, ciphertext = NULL, ' +
          'shredded_at = $1 WHERE key_id = $2',
        [new Date(), keyId],
      )
      await c.query('DELETE FROM vault_keys WHERE key_id = $1', [keyId])
      return { keyDestroyed: true, entriesShredded: shredded.rowCount ?? 0 }
    }, 'forgetVaultSubject')
  }
}

/**
 * Creates an unopened PostgreSQL catalog; call `open()` before use.
 *
 * @example
 * ```ts
 * const catalog = createPostgresCatalog({
 *   connectionString: 'postgres://strongroom@db.internal:5432/lake',
 *   schema: 'strongroom',
 * })
 * await catalog.open()
 * const datasets = await catalog.listDatasets()
 * await catalog.close()
 * ```
 */
export function createPostgresCatalog(options: PostgresCatalogOptions): PostgresCatalog {
  return new PostgresCatalog(options)
}

async function activeKekVersion(c: PgClient, datasetId: string): Promise<number> {
  const r = await c.query("SELECT version FROM keks WHERE dataset_id = $1 AND state = 'active'", [
    datasetId,
  ])
  const row = r.rows[0]
  if (row === undefined) throw noActiveKek(datasetId)
  return toInt(row['version'], 'version')
}

function toBytes(value: unknown, column: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw corrupt(column)
  // A plain copy: callers get an exact Uint8Array, not a Buffer view of a pooled slab.
  return new Uint8Array(value)
}

function toDate(value: unknown, column: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw corrupt(column)
  return value
}

/**
 * pg returns INTEGER as a number but BIGINT (and count(*)) as a decimal string, since it
 * may exceed 2^53. Counts and sizes here fit comfortably; anything that does not is
 * reported rather than silently rounded.
 */
function toInt(value: unknown, column: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN
  if (!Number.isSafeInteger(n)) throw corrupt(column)
  return n
}

function toStr(value: unknown, column: string): string {
  if (typeof value !== 'string') throw corrupt(column)
  return value
}

function corrupt(column: string): StrongroomError {
  return new StrongroomError('ERR_CATALOG_CORRUPT', `Catalog column ${column} has a bad value.`, {
    details: { column },
  })
}

function toDataset(r: Record<string, unknown>): DatasetRecord {
  const subject = r['subject_column']
  return {
    id: toStr(r['id'], 'id'),
    namespace: toStr(r['namespace'], 'namespace'),
    name: toStr(r['name'], 'name'),
    owner: toStr(r['owner'], 'owner'),
    createdAt: toDate(r['created_at'], 'created_at'),
    subjectColumn: subject === null ? null : toStr(subject, 'subject_column'),
    currentVersion: toInt(r['current_version'], 'current_version'),
  }
}

function toVersion(r: Record<string, unknown>): VersionRecord {
  const datasetId = toStr(r['dataset_id'], 'dataset_id')
  const version = toInt(r['version'], 'version')
  const fileIds = r['file_ids']
  if (!Array.isArray(fileIds)) throw corrupt('file_ids')
  return {
    datasetId,
    version,
    parentVersion: toInt(r['parent_version'], 'parent_version'),
    createdAt: toDate(r['created_at'], 'created_at'),
    operation: toStr(r['operation'], 'operation'),
    schema: parseSchema(toStr(r['schema_json'], 'schema_json'), datasetId, version),
    rowCount: toInt(r['row_count'], 'row_count'),
    fileIds: fileIds.map((id) => toStr(id, 'file_id')),
  }
}

function toFile(r: Record<string, unknown>): FileRecord {
  return {
    id: toStr(r['id'], 'id'),
    datasetId: toStr(r['dataset_id'], 'dataset_id'),
    createdVersion: toInt(r['created_version'], 'created_version'),
    objectKey: toStr(r['object_key'], 'object_key'),
    rowCount: toInt(r['row_count'], 'row_count'),
    ciphertextBytes: toInt(r['ciphertext_bytes'], 'ciphertext_bytes'),
    plaintextBytes: toInt(r['plaintext_bytes'], 'plaintext_bytes'),
    ciphertextSha256: toStr(r['ciphertext_sha256'], 'ciphertext_sha256'),
    wrappedDek: toBytes(r['wrapped_dek'], 'wrapped_dek'),
    kekVersion: toInt(r['kek_version'], 'kek_version'),
    createdAt: toDate(r['created_at'], 'created_at'),
  }
}

function toKek(r: Record<string, unknown>): KekRecord {
  const state = r['state']
  if (state !== 'active' && state !== 'retired') throw corrupt('state')
  return {
    datasetId: toStr(r['dataset_id'], 'dataset_id'),
    version: toInt(r['version'], 'version'),
    wrapped: {
      rootKeyId: toStr(r['root_key_id'], 'root_key_id'),
      algorithm: toStr(r['algorithm'], 'algorithm'),
      ciphertext: toBytes(r['wrapped'], 'wrapped'),
    },
    state,
    createdAt: toDate(r['created_at'], 'created_at'),
  }
}

function toVersionOrNull(value: unknown, column: string): number | null {
  return value === null ? null : toInt(value, column)
}

function toLineageEdge(r: Record<string, unknown>): LineageEdge {
  const id = toStr(r['id'], 'id')
  const kinds = checkStoredEdgeEnums(
    id,
    toStr(r['event_type'], 'event_type'),
    toStr(r['source_kind'], 'source_kind'),
    toStr(r['target_kind'], 'target_kind'),
  )
  return {
    id,
    runId: toStr(r['run_id'], 'run_id'),
    job: toStr(r['job'], 'job'),
    eventType: kinds.eventType,
    eventTime: toDate(r['event_time'], 'event_time'),
    sourceKind: kinds.sourceKind,
    sourceName: toStr(r['source_name'], 'source_name'),
    sourceVersion: toVersionOrNull(r['source_version'], 'source_version'),
    targetKind: kinds.targetKind,
    targetName: toStr(r['target_name'], 'target_name'),
    targetVersion: toVersionOrNull(r['target_version'], 'target_version'),
    columnMap: parseColumnMap(toStr(r['column_map_json'], 'column_map_json'), id),
  }
}

/**
 * Locks the dataset row (as commitVersion and rotateKek do) and returns its current
 * version: metadata writes see a schema no commit can change under them, and
 * classification writers of one dataset serialize. `ERR_DATASET_NOT_FOUND` if absent.
 */
async function lockDataset(c: PgClient, datasetId: string): Promise<number> {
  const r = await c.query('SELECT current_version FROM datasets WHERE id = $1 FOR UPDATE', [
    datasetId,
  ])
  const row = r.rows[0]
  if (row === undefined) throw datasetNotFound(datasetId)
  return toInt(row['current_version'], 'current_version')
}

/** The column names of one version (none for version 0); `undefined` if it does not exist. */
async function columnsAt(
  c: PgClient,
  datasetId: string,
  version: number,
): Promise<Set<string> | undefined> {
  if (version === 0) return new Set()
  const r = await c.query(
    'SELECT schema_json FROM versions WHERE dataset_id = $1 AND version = $2',
    [datasetId, version],
  )
  const row = r.rows[0]
  if (row === undefined) return undefined
  return columnNames(parseSchema(toStr(row['schema_json'], 'schema_json'), datasetId, version))
}

/**
 * `searchDatasets`: committed datasets matching every given filter ($1 LIKE pattern, $2
 * owner, $3 tag key, $4 tag value, $5 entity type, $6 minimum sensitivity rank).
 * `namespace.name` is lower-cased by SQL (dataset names are ASCII); descriptions match
 * their folded copy.
 */
const PG_SEARCH_SQL =
  'SELECT d.* FROM datasets d WHERE d.current_version > 0 ' +
  "AND ($1::text IS NULL OR lower(d.namespace || '.' || d.name) LIKE $1 ESCAPE E'\\\\' " +
  'OR EXISTS (SELECT 1 FROM metadata_descriptions m WHERE m.dataset_id = d.id ' +
  "AND m.description_folded LIKE $1 ESCAPE E'\\\\')) " +
  'AND ($2::text IS NULL OR d.owner = $2) ' +
  'AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM metadata_tags t WHERE t.dataset_id = d.id ' +
  'AND t.tag_key = $3 AND ($4::text IS NULL OR t.tag_value = $4))) ' +
  'AND (($5::text IS NULL AND $6::int IS NULL) OR EXISTS (SELECT 1 ' +
  'FROM current_classifications c WHERE c.dataset_id = d.id ' +
  'AND ($5::text IS NULL OR c.entity_type = $5) ' +
  'AND ($6::int IS NULL OR c.sensitivity_rank >= $6))) ' +
  'ORDER BY d.namespace COLLATE "C", d.name COLLATE "C"'

/**
 * `listFindings`: the findings of the newest scan (highest seq) of each dataset's current
 * version ($1 dataset id, $2 entity type, $3 minimum sensitivity rank, $4 1 to include
 * all-test-value findings); an absent filter is a NULL parameter that makes its clause true.
 */
const PG_FINDINGS_SQL =
  'SELECT s.id AS scan_id, s.dataset_id, s.dataset_version, s.scanned_at, f.column_name, ' +
  'f.entity_type, f.matches, f.sampled, f.test_values, f.confidence, f.sensitivity, ' +
  'f.row_numbers, f.previews FROM datasets d ' +
  'JOIN finding_scans s ON s.seq = (SELECT max(x.seq) FROM finding_scans x ' +
  'WHERE x.dataset_id = d.id AND x.dataset_version = d.current_version) ' +
  'JOIN findings f ON f.scan_id = s.id ' +
  'WHERE ($1::text IS NULL OR d.id = $1) ' +
  'AND ($2::text IS NULL OR f.entity_type = $2) ' +
  "AND ($3::int IS NULL OR CASE f.sensitivity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 " +
  "WHEN 'high' THEN 3 ELSE 0 END >= $3) " +
  'AND ($4::int = 1 OR f.matches <> f.test_values) ' +
  'ORDER BY d.namespace COLLATE "C", d.name COLLATE "C", f.column_name COLLATE "C", ' +
  'f.entity_type COLLATE "C"'

/** LEFT JOINed classification rows as records; no row at all means no such dataset. */
function toClassifications(
  rows: readonly Record<string, unknown>[],
  datasetId: string,
): Classification[] {
  if (rows.length === 0) throw datasetNotFound(datasetId)
  const out: Classification[] = []
  for (const r of rows) {
    if (r['id'] === null) continue
    const confidence = r['confidence']
    if (typeof confidence !== 'number') throw corrupt('confidence')
    out.push(
      toClassification({
        id: toStr(r['id'], 'id'),
        column: toStr(r['column_name'], 'column_name'),
        entityType: toStr(r['entity_type'], 'entity_type'),
        confidence,
        sensitivity: toStr(r['sensitivity'], 'sensitivity'),
        source: toStr(r['source'], 'source'),
        datasetVersion: toVersionOrNull(r['dataset_version'], 'dataset_version'),
        recordedBy: toStr(r['recorded_by'], 'recorded_by'),
        recordedAt: toDate(r['recorded_at'], 'recorded_at'),
      }),
    )
  }
  return out
}

function causeOf(e: unknown): unknown {
  return e instanceof StrongroomError ? e.cause : e
}

/** How the shared PostgreSQL plumbing names and codes this catalog's failures. */
const ROLE: PostgresRole = {
  area: 'catalog',
  name: 'PostgreSQL catalog',
  unavailableCode: 'ERR_CATALOG_UNAVAILABLE',
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
  if (isPgRace(code)) {
    return new StrongroomError('ERR_CATALOG_CONFLICT', `Catalog ${operation} lost a race.`, {
      cause: e,
      hint: 'Another writer changed the catalog at the same time; retry.',
      details,
    })
  }
  if (isPgBadData(code)) return constraintViolated(operation, e, details)
  if (isPgUnreachable(code, e)) {
    return new StrongroomError(
      'ERR_CATALOG_UNAVAILABLE',
      'The PostgreSQL catalog is unavailable.',
      {
        cause: e,
        hint: 'Check that PostgreSQL is running and the connection string is right.',
        details,
      },
    )
  }
  return failedUnexpectedly(operation, e, details)
}

// ---- Token vault (migration 0007_token_vault) ----

function toVaultKey(domain: string, r: Record<string, unknown>): VaultKeyRecord {
  return {
    keyId: toStr(r['key_id'], 'key_id'),
    domain,
    subjectRef: toBytes(r['subject_ref'], 'subject_ref'),
    wrappedKey: toBytes(r['wrapped_key'], 'wrapped_key'),
  }
}

type PgRow = Record<string, unknown>

async function principalOf(c: PgClient, id: string): Promise<PrincipalRecord | undefined> {
  const r = await c.query('SELECT * FROM principals WHERE id = $1', [id])
  const row = r.rows[0]
  if (row === undefined) return undefined
  const grants = await c.query('SELECT * FROM role_grants WHERE principal_id = $1 ORDER BY role', [
    id,
  ])
  return pgPrincipalRecord(row, grants.rows)
}

function pgPrincipalRecord(r: PgRow, grants: readonly PgRow[]): PrincipalRecord {
  const mfa = r['mfa']
  if (typeof mfa !== 'boolean') throw corrupt('mfa')
  return {
    id: toStr(r['id'], 'id'),
    clearance: toInt(r['clearance'], 'clearance'),
    region: toText(r['region'], 'region'),
    mfa,
    attributes: parseAttributes(toStr(r['attributes_json'], 'attributes_json')),
    roles: grants.map((g) => ({
      role: toStr(g['role'], 'role'),
      grantedAt: toDate(g['granted_at'], 'granted_at'),
      grantedBy: toStr(g['granted_by'], 'granted_by'),
    })),
    createdAt: toDate(r['created_at'], 'created_at'),
    createdBy: toStr(r['created_by'], 'created_by'),
    updatedAt: toDate(r['updated_at'], 'updated_at'),
  }
}

function pgPolicyVersionRecord(r: PgRow): PolicyVersionRecord {
  const basedOn = r['based_on']
  return {
    version: toInt(r['version'], 'version'),
    sources: parsePolicySources(toStr(r['sources_json'], 'sources_json')),
    sha256: toStr(r['sha256'], 'sha256'),
    createdAt: toDate(r['created_at'], 'created_at'),
    createdBy: toStr(r['created_by'], 'created_by'),
    comment: toText(r['comment'], 'comment'),
    basedOn: basedOn === null || basedOn === undefined ? null : toInt(basedOn, 'based_on'),
  }
}

/** A TEXT column that may legitimately be empty. */
function toText(value: unknown, column: string): string {
  if (typeof value !== 'string') throw corrupt(column)
  return value
}
