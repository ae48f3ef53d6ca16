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

/**
 * A catalog backend. Contract (`test/contract/catalog.contract.ts`):
 * - every mutating call is one transaction: all of it or none of it;
 * - `createDataset` fails with `ERR_DATASET_EXISTS` on a duplicate `namespace.name`;
 * - `commitVersion` fails with `ERR_CATALOG_CONFLICT` when `expectedCurrentVersion` is not
 *   the current version, and commits nothing; on success the new version is
 *   `expectedCurrentVersion + 1` and becomes current atomically;
 * - `rotateKek` adds KEK version n+1 as active, retires the others, and replaces the
 *   wrapped DEK and `kekVersion` of every listed file, atomically; it fails with
 *   `ERR_CATALOG_CONFLICT` if the active KEK is no longer `expectedActiveVersion`.
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
}
