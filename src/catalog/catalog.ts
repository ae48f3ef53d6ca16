/**
 * The catalog port: datasets, their immutable versions, the data files each version is
 * made of, and the wrapped keys that protect them. No plaintext data and no plaintext key
 * ever enters the catalog: it holds ids, schemas, counts, hashes of ciphertext and
 * wrapped keys only.
 *
 * Backends: `sqlite/` (embedded default) and `postgres/`.
 */
import type { DatasetSchema } from '../core/schema.js'
import type { WrappedKey } from '../keys/key-provider.js'

/** A dataset row. */
export interface DatasetRecord {
  readonly id: string
  readonly namespace: string
  readonly name: string
  readonly owner: string
  readonly createdAt: Date
  /** The column that names the person a row is about, if declared. */
  readonly subjectColumn: string | null
  /** The committed version readers see; 0 before the first commit. */
  readonly currentVersion: number
}

/** One immutable snapshot of a dataset. */
export interface VersionRecord {
  readonly datasetId: string
  readonly version: number
  readonly parentVersion: number
  readonly createdAt: Date
  /** What made it: `ingest`, `append`, `overwrite`, … */
  readonly operation: string
  readonly schema: DatasetSchema
  readonly rowCount: number
  readonly fileIds: readonly string[]
}

/** One encrypted data file. */
export interface FileRecord {
  readonly id: string
  readonly datasetId: string
  /** The version the file was written in (part of its AAD). */
  readonly createdVersion: number
  readonly objectKey: string
  readonly rowCount: number
  /** Size of the stored ciphertext object. */
  readonly ciphertextBytes: number
  /** Size of the plaintext Parquet inside. */
  readonly plaintextBytes: number
  /** Hex SHA-256 of the stored ciphertext object. */
  readonly ciphertextSha256: string
  /** The file's data key, wrapped by the dataset KEK of `kekVersion`. */
  readonly wrappedDek: Uint8Array
  readonly kekVersion: number
  readonly createdAt: Date
}

/** A dataset key-encryption key version, wrapped by the provider's root key. */
export interface KekRecord {
  readonly datasetId: string
  readonly version: number
  readonly wrapped: WrappedKey
  readonly state: 'active' | 'retired'
  readonly createdAt: Date
}

/** Input for {@link Catalog.createDataset}. */
export interface CreateDatasetInput {
  readonly id: string
  readonly namespace: string
  readonly name: string
  readonly owner: string
  readonly subjectColumn: string | null
  /** The first KEK (version 1), created with the dataset in one transaction. */
  readonly kek: WrappedKey
}

/** Input for {@link Catalog.commitVersion}. */
export interface CommitVersionInput {
  readonly datasetId: string
  /** Optimistic concurrency: the commit fails if the current version moved on. */
  readonly expectedCurrentVersion: number
  readonly operation: string
  readonly schema: DatasetSchema
  /** Files new in this version (already durable in the object store). */
  readonly newFiles: readonly Omit<FileRecord, 'createdAt'>[]
  /** Ids of existing files the new version keeps (e.g. on append). */
  readonly keptFileIds: readonly string[]
  readonly rowCount: number
}

/** One re-wrapped data key, for {@link Catalog.rotateKek}. */
export interface RewrappedDek {
  readonly fileId: string
  readonly wrappedDek: Uint8Array
}

/** What a lineage edge endpoint is: a file outside the lake, or a lake dataset. */
export type LineageNodeKind = 'file' | 'dataset'

/** The OpenLineage run state an edge was recorded at (`COMPLETE` for committed work). */
export type LineageEventType = 'START' | 'COMPLETE' | 'FAIL'

/**
 * How an output column was made from its source columns. `masked` and `tokenized` mean
 * the plaintext values did not reach the output (OpenLineage `masking: true`).
 */
export type ColumnTransformation = 'identity' | 'transformed' | 'masked' | 'tokenized'

/** One column-level edge: the output column `target` and the source columns it came from. */
export interface LineageColumnMapping {
  /** The column of the edge's target. */
  readonly target: string
  /** Columns of the edge's source that `target` was computed from. */
  readonly sources: readonly string[]
  readonly transformation: ColumnTransformation
}

/**
 * Input for {@link Catalog.recordLineage}: one directed edge `source → target` of the
 * lineage graph, written by one run of one job. Names only, never data: a file is named
 * by its absolute path, a dataset by `namespace.name`.
 */
export interface LineageEdgeInput {
  /** Unique edge id chosen by the caller (e.g. `newId('lin')`). */
  readonly id: string
  /** The OpenLineage run id (a UUID) the edge was observed in. */
  readonly runId: string
  /** The OpenLineage job name, e.g. `ingest.crm.customers`. */
  readonly job: string
  readonly eventType: LineageEventType
  readonly eventTime: Date
  readonly sourceKind: LineageNodeKind
  /** Absolute path for a file, `namespace.name` for a dataset. */
  readonly sourceName: string
  /** The dataset version read; `null` for a file or when unknown. */
  readonly sourceVersion: number | null
  readonly targetKind: LineageNodeKind
  /** Absolute path for a file, `namespace.name` for a dataset. */
  readonly targetName: string
  /** The dataset version written; `null` for a file or when unknown. */
  readonly targetVersion: number | null
  /** Column-level lineage of this edge; empty when not known. */
  readonly columnMap: readonly LineageColumnMapping[]
}

/** A recorded lineage edge, as {@link Catalog.listLineage} returns it. */
export type LineageEdge = LineageEdgeInput

/** Filter for {@link Catalog.listLineage}. */
export interface LineageFilter {
  /** The node: an absolute file path or a dataset's `namespace.name`. */
  readonly name: string
  /**
   * `upstream`: the edges whose target is `name` (where it came from); `downstream`: the
   * edges whose source is `name` (what was made from it).
   */
  readonly direction: 'upstream' | 'downstream'
  /** Only nodes of this kind; both when omitted. */
  readonly kind?: LineageNodeKind
}

/**
 * A catalog backend. Contract (`test/contract/catalog.contract.ts`):
 * - every mutating call is one transaction: all of it or none of it;
 * - `createDataset` fails with `ERR_DATASET_EXISTS` on a duplicate `namespace.name`;
 * - `commitVersion` fails with `ERR_CATALOG_CONFLICT` when `expectedCurrentVersion` is not
 *   the current version, and commits nothing; on success the new version is
 *   `expectedCurrentVersion + 1` and becomes current atomically;
 * - `rotateKek` adds KEK version n+1 as active, retires the others, and replaces the
 *   wrapped DEK and `kekVersion` of every listed file, atomically; it fails with
 *   `ERR_CATALOG_CONFLICT` if the active KEK is no longer `expectedActiveVersion`;
 * - `recordLineage` stores all of its edges or none, and fails with
 *   `ERR_USAGE_INVALID_ARGUMENT` on a malformed edge or an id that is already recorded;
 * - `listLineage` returns one hop only, ordered by `eventTime` then `id`.
 */
export interface Catalog {
  /** A short backend name for reports: `sqlite`, `postgres`. */
  readonly kind: string
  /** Opens the connection and applies pending migrations. */
  open(): Promise<void>
  close(): Promise<void>

  createDataset(input: CreateDatasetInput): Promise<DatasetRecord>
  getDataset(namespace: string, name: string): Promise<DatasetRecord | undefined>
  getDatasetById(id: string): Promise<DatasetRecord | undefined>
  listDatasets(): Promise<DatasetRecord[]>

  commitVersion(input: CommitVersionInput): Promise<VersionRecord>
  /** A version, or the current one when `version` is omitted; `undefined` if absent. */
  getVersion(datasetId: string, version?: number): Promise<VersionRecord | undefined>
  listVersions(datasetId: string): Promise<VersionRecord[]>

  getFiles(fileIds: readonly string[]): Promise<FileRecord[]>
  listFilesOfDataset(datasetId: string): Promise<FileRecord[]>
  /** Every object key any file record refers to (for garbage collection). */
  listAllObjectKeys(): Promise<Set<string>>

  getActiveKek(datasetId: string): Promise<KekRecord>
  getKek(datasetId: string, version: number): Promise<KekRecord | undefined>
  listKeks(datasetId: string): Promise<KekRecord[]>
  rotateKek(
    datasetId: string,
    expectedActiveVersion: number,
    newKek: WrappedKey,
    rewrapped: readonly RewrappedDek[],
  ): Promise<KekRecord>

  /** A small key/value store for lake settings (e.g. the keyring's fingerprint). */
  getSetting(key: string): Promise<string | undefined>
  setSetting(key: string, value: string): Promise<void>

  /**
   * Records lineage edges in one transaction. An empty list is a no-op. Fails with
   * `ERR_USAGE_INVALID_ARGUMENT` when an edge is malformed (a file with a version, a
   * version below 1, an unknown kind) or its id is taken; nothing is recorded then.
   */
  recordLineage(edges: readonly LineageEdgeInput[]): Promise<void>
  /**
   * The edges one hop from `filter.name` in `filter.direction`, oldest first. Walking the
   * graph further (recursively, cycle-safe) is `lineage/graph.ts`'s job.
   */
  listLineage(filter: LineageFilter): Promise<LineageEdge[]>
}
