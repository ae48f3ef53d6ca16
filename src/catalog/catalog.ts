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

/** How sensitive a column's data is, lowest first. */
export type Sensitivity = 'none' | 'low' | 'medium' | 'high'

/**
 * Who made a classification: a scanner (`detected`) or a person (`manual`). A manual
 * entry is a privacy officer's decision and outranks any later detection.
 */
export type ClassificationSource = 'detected' | 'manual'

/** Input for {@link Catalog.recordClassifications}: one column's classification. */
export interface ClassificationInput {
  /** A column of the dataset (of `datasetVersion`'s schema, or of the current one). */
  readonly column: string
  /**
   * The kind of personal data, UPPER_SNAKE (`EMAIL_ADDRESS`, `PERSON_NAME`), at most 64
   * characters; `NONE` records that the column holds no personal data.
   */
  readonly entityType: string
  /** How sure the source is, from 0 to 1. */
  readonly confidence: number
  readonly sensitivity: Sensitivity
  readonly source: ClassificationSource
  /** The committed version that was classified, or `null` when not tied to one. */
  readonly datasetVersion: number | null
  /** The principal (user or service) that recorded it, for accountability. */
  readonly recordedBy: string
}

/** A recorded classification, as the catalog returns it. */
export interface Classification extends ClassificationInput {
  /** Id chosen by the catalog. */
  readonly id: string
  /** When the catalog recorded it (millisecond precision). */
  readonly recordedAt: Date
}

/** The descriptions of a dataset, as {@link Catalog.getDescriptions} returns them. */
export interface DatasetDescriptions {
  /** The dataset's own description, or `null` when it has none. */
  readonly dataset: string | null
  /** Column name → description, for the columns that have one. */
  readonly columns: Record<string, string>
}

/** The tags of a dataset, as {@link Catalog.getTags} returns them (each list sorted). */
export interface DatasetTags {
  /** Tags of the dataset itself: `key` or `key=value`. */
  readonly dataset: string[]
  /** Column name → its tags, for the columns that have any. */
  readonly columns: Record<string, string[]>
}

/**
 * A query for {@link Catalog.searchDatasets}. Every filter given must match (AND); an empty
 * query matches every committed dataset.
 */
export interface DatasetSearchQuery {
  /**
   * A case-insensitive substring of `namespace.name`, of the dataset's description or of
   * any column description. Taken literally: `%`, `_` and `\` are not wildcards.
   */
  readonly text?: string
  /** The exact owner. */
  readonly owner?: string
  /** `key` (any value, or none) or exact `key=value`, on the dataset or any column. */
  readonly tag?: string
  /** A current classification of some column has this entity type. */
  readonly entityType?: string
  /**
   * A current classification of some column is at least this sensitive (`medium` matches
   * `medium` and `high`). With `entityType`, both must hold for the same column.
   */
  readonly sensitivity?: Exclude<Sensitivity, 'none'>
}

/**
 * One column × entity type result of a discovery scan, as recorded. It holds counts, row
 * numbers and redacted previews only, never a raw value.
 */
export interface FindingInput {
  /** A column of the scanned version's schema. */
  readonly column: string
  /** The kind of personal data found, UPPER_SNAKE (`EMAIL_ADDRESS`), at most 64 characters. */
  readonly entityType: string
  /** Sampled non-empty values of the column in which the type was found (integer >= 0). */
  readonly matches: number
  /** Non-empty values of the column that were sampled (integer, >= `matches`). */
  readonly sampled: number
  /** How many of `matches` are published test values (integer, <= `matches`). */
  readonly testValues: number
  /** How sure the scanner is, from 0 to 1. */
  readonly confidence: number
  readonly sensitivity: Sensitivity
  /** Up to 20 row numbers (integers >= 0) where the type was found; at most `matches`. */
  readonly rows: readonly number[]
  /**
   * Up to 5 redacted previews (`j•••@e•••.com`), each at most 64 characters and at most
   * `matches` of them. Redacting is the scanner's job: the catalog only bounds them (and
   * refuses NUL and lone surrogates, which it cannot store). Escape them for display.
   */
  readonly previews: readonly string[]
}

/** Input for {@link Catalog.recordFindings}: one scan of one committed version. */
export interface RecordFindingsInput {
  readonly datasetId: string
  /** The committed version that was scanned. */
  readonly datasetVersion: number
  /** Rows the scan sampled (integer >= 0); no entry's `sampled` may exceed it. */
  readonly rowsSampled: number
  /** The principal (user or service) that ran the scan, for accountability. */
  readonly recordedBy: string
  /**
   * Every column × entity type found, each pair at most once. Empty means "scanned,
   * nothing found": the scan is recorded and hides older findings of the version.
   */
  readonly entries: readonly FindingInput[]
}

/** A recorded discovery scan of one dataset version. */
export interface FindingsScan {
  /** Id chosen by the catalog. */
  readonly id: string
  readonly datasetId: string
  readonly datasetVersion: number
  /** When the catalog recorded the scan (millisecond precision). */
  readonly scannedAt: Date
  readonly recordedBy: string
  readonly rowsSampled: number
}

/** A recorded finding, with the scan it belongs to. */
export interface Finding extends FindingInput {
  readonly scanId: string
  readonly datasetId: string
  readonly datasetVersion: number
  readonly scannedAt: Date
}

/** Filters for {@link Catalog.listFindings}; every filter given must match. */
export interface FindingsQuery {
  /** Only this dataset's findings. */
  readonly datasetId?: string
  /** Only findings at least this sensitive (`medium` matches `medium` and `high`). */
  readonly minSensitivity?: Exclude<Sensitivity, 'none'>
  /** Only findings of this entity type. */
  readonly entityType?: string
  /**
   * `false` leaves out findings whose every match is a published test value
   * (`matches === testValues`). Default `true`.
   */
  readonly includeTestValues?: boolean
}

/**
 * A dataset's differential-privacy budget as stored. Amounts are exact non-negative
 * rational text (`"3/10"`, `"0.3"`, `"1"`), so storage never rounds a budget; the fields
 * mirror the privacy accountant's `BudgetState`.
 */
export interface PrivacyBudgetState {
  /** Total ε the dataset may spend. */
  readonly epsilonTotal: string
  /** Total δ the dataset may spend. */
  readonly deltaTotal: string
  /** ε of pure and approximate releases so far (basic composition). */
  readonly epsilonPure: string
  /** δ of approximate releases so far. */
  readonly deltaApprox: string
  /** zCDP ρ of releases so far. */
  readonly rho: string
  /** Releases charged so far (integer >= 0). */
  readonly releases: number
}

/** A stored budget with its compare-and-set version. */
export interface PrivacyBudgetRecord {
  readonly datasetId: string
  /** 1 when created; each successful {@link Catalog.casPrivacyBudget} adds one. */
  readonly version: number
  readonly state: PrivacyBudgetState
  /** When the budget last changed (millisecond precision). */
  readonly updatedAt: Date
}

/**
 * One release in the privacy ledger: who spent what on which aggregate. Never a released
 * value. Amounts are exact non-negative rational text.
 */
export interface PrivacyReleaseInput {
  /** The principal that made the release. */
  readonly principal: string
  /** The aggregate released (`count`, `histogram`, …), 1 to 64 characters. */
  readonly aggregate: string
  /** The mechanism used (`discrete-laplace`, …), 1 to 64 characters. */
  readonly mechanism: string
  /** ε charged under basic composition (0 for a zCDP release). */
  readonly epsilon: string
  /** δ charged. */
  readonly delta: string
  /** zCDP ρ charged. */
  readonly rho: string
}

/** A recorded release. */
export interface PrivacyRelease extends PrivacyReleaseInput {
  readonly datasetId: string
  /** 1, 2, 3, … per dataset, in commit order. */
  readonly seq: number
  /** When the catalog recorded it (millisecond precision). */
  readonly releasedAt: Date
}

/**
 * A principal as the catalog stores it (migration 0006_access): authorization attributes
 * only. Roles are granted separately; {@link PrincipalRecord.roles} lists the current ones.
 */
export interface PrincipalRecord {
  readonly id: string
  /** Highest sensitivity rank the principal may see: 0 none, 1 low, 2 medium, 3 high. */
  readonly clearance: number
  readonly region: string
  /** Whether the principal's sessions are multi-factor authenticated (server identities). */
  readonly mfa: boolean
  /** Further attributes row filters may compare to (`principal.<name>`). */
  readonly attributes: Readonly<Record<string, string | number | boolean | null>>
  readonly roles: readonly RoleGrant[]
  readonly createdAt: Date
  readonly createdBy: string
  readonly updatedAt: Date
}

/** One current role grant. */
export interface RoleGrant {
  readonly role: string
  readonly grantedAt: Date
  readonly grantedBy: string
}

/** Input for {@link Catalog.putPrincipal}. */
export interface PrincipalInput {
  readonly id: string
  readonly clearance: number
  readonly region: string
  readonly mfa: boolean
  readonly attributes: Readonly<Record<string, string | number | boolean | null>>
  /** Who makes the change. */
  readonly by: string
}

/** One named policy text of a policy version. */
export interface PolicySourceRecord {
  readonly name: string
  readonly text: string
}

/** One applied policy set (append-only; the newest is in force). */
export interface PolicyVersionRecord {
  readonly version: number
  readonly sources: readonly PolicySourceRecord[]
  /** Hex SHA-256 over the canonical sources. */
  readonly sha256: string
  readonly createdAt: Date
  readonly createdBy: string
  readonly comment: string
  /** For a rollback: the version whose texts this one restores. */
  readonly basedOn: number | null
}

/** Input for {@link Catalog.appendPolicyVersion}. */
export interface PolicyVersionInput {
  /** Optimistic concurrency: the version in force the caller diffed against (0: none). */
  readonly expectedVersion: number
  readonly sources: readonly PolicySourceRecord[]
  readonly sha256: string
  readonly createdBy: string
  readonly comment: string
  readonly basedOn: number | null
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
 *
 * Metadata (descriptions, tags, classifications; migration `0003_metadata`):
 * - every metadata method fails with `ERR_DATASET_NOT_FOUND` for an unknown dataset id, and
 *   a write naming a column fails with `ERR_COLUMN_NOT_FOUND` (one issue per column) unless
 *   the column is in the schema of the dataset's current version (for a classification
 *   with a `datasetVersion`: of that version, else `ERR_VERSION_NOT_FOUND`); before the
 *   first commit a dataset has no columns;
 * - invalid input fails with `ERR_USAGE_INVALID_ARGUMENT` carrying one issue per problem
 *   (paths such as `tags[2]`, `entries[0].confidence`, never the value), before any write;
 * - `setDescription` replaces the description of the dataset (`column` null) or of one
 *   column; `null` or `''` clears it; at most 4000 characters (code points), no control
 *   characters other than `\n` and `\t`, no lone surrogates;
 * - `setTags` replaces the whole tag set of the dataset or of one column (`[]` clears it).
 *   A tag is `key` or `key=value`: key `/^[a-z][a-z0-9_.-]{0,62}$/`, value 1–128 printable
 *   characters (no control characters, no lone surrogates, no leading or trailing white
 *   space); one tag per key per target (as Lake Formation LF-tags), at most 50;
 * - `getDescriptions` / `getTags` return what is stored (also for columns a later version
 *   dropped); tags sorted, and columns in name order;
 * - `recordClassifications` appends all entries or none; the table is append-only (the
 *   backends refuse UPDATE and DELETE on it). Every entry of one call gets the same
 *   `recordedAt`, which never goes back in time within a dataset's history; a column may
 *   appear once per call; an empty list only checks the dataset exists;
 * - `currentClassifications`: per column, the newest `manual` entry if the column has one,
 *   else the newest `detected` one, so a later scan never silently undoes a privacy
 *   officer's decision (only a newer manual entry replaces it); ordered by column;
 * - `classificationHistory`: every entry (of one column when given), oldest first, in the
 *   order recorded;
 * - `searchDatasets` returns committed datasets only (`currentVersion > 0`), ordered by
 *   `namespace`, `name` (bytewise); text matching lower-cases with
 *   `String.prototype.toLowerCase` and treats LIKE wildcards literally.
 *
 * Discovery findings (migration `0004_findings`):
 * - `recordFindings` records one scan and all its entries, or nothing. Invalid input fails
 *   with `ERR_USAGE_INVALID_ARGUMENT`, one issue per problem (paths such as
 *   `entries[2].rows`, never the value), before any read; then an unknown dataset fails with
 *   `ERR_DATASET_NOT_FOUND`, an unknown version with `ERR_VERSION_NOT_FOUND`, and a column
 *   not in that version's schema with `ERR_COLUMN_NOT_FOUND` (one issue per entry). A
 *   column × entity type pair may appear once per scan. `scannedAt` never goes back in
 *   time within a dataset's scans;
 * - scans and findings are append-only (the backends refuse UPDATE and DELETE on both
 *   tables); a newer scan supersedes an older one of the same version, and an empty scan
 *   ("scanned, clean") supersedes it with nothing;
 * - `listFindings` returns the findings of the newest scan (in recording order) of each
 *   dataset's current version only, so a new version hides the findings of older ones
 *   until it is scanned; ordered by `namespace`, `name`, `column`, `entityType` (bytewise);
 * - `listFindingScans` returns every scan of a dataset, oldest first.
 *
 * Privacy budgets (migration `0005_privacy_budgets`):
 * - `casPrivacyBudget` replaces a dataset's budget only if its stored version is
 *   `expectedVersion` (0: only if it has none), storing version `expectedVersion + 1`, and
 *   appends the release (if given) to the dataset's ledger in the same transaction; on a
 *   version mismatch it returns false and changes nothing. Invalid input fails with
 *   `ERR_USAGE_INVALID_ARGUMENT` (one issue per problem) before any read; an unknown dataset
 *   with `ERR_DATASET_NOT_FOUND`;
 * - the ledger is append-only (the backends refuse UPDATE and DELETE); `seq` counts a
 *   dataset's releases from 1 with no gaps; `releasedAt` never goes back in time;
 * - `getPrivacyBudget` returns undefined for a dataset without a budget and fails with
 *   `ERR_DATASET_NOT_FOUND` for an unknown one, as does `listPrivacyReleases`.
 *
 * Token vault (migration `0007_token_vault`):
 * - invalid input fails with `ERR_USAGE_INVALID_ARGUMENT`, one issue per problem (paths such
 *   as `entries[2].blindIndex`, never a value), before any read;
 * - a subject has at most one key per domain; `putVaultEntries` writes all or nothing and
 *   returns `key-conflict` (nothing written) instead of a second key or an entry under a key
 *   that is missing or of another domain; an existing `(keyId, blindIndex)` keeps its first
 *   token and ciphertext;
 * - `forgetVaultSubject` deletes the key and the ciphertext and blind index of each of its
 *   entries in one transaction; the backends refuse a half-shredded entry (CHECK) and
 *   deleting a key that live entries still use (foreign key).
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

  /**
   * Sets (or, with `null` or `''`, clears) the description of the dataset (`column` null)
   * or of one of its columns.
   */
  setDescription(datasetId: string, column: string | null, text: string | null): Promise<void>
  /** The dataset's description and its columns' descriptions. */
  getDescriptions(datasetId: string): Promise<DatasetDescriptions>
  /** Replaces the tag set of the dataset (`column` null) or of one of its columns. */
  setTags(datasetId: string, column: string | null, tags: readonly string[]): Promise<void>
  /** The tags of the dataset and of its columns, each list sorted. */
  getTags(datasetId: string): Promise<DatasetTags>
  /** Appends classifications to the dataset's history, all or none. */
  recordClassifications(datasetId: string, entries: readonly ClassificationInput[]): Promise<void>
  /** The classification in force per column (a manual one outranks later detections). */
  currentClassifications(datasetId: string): Promise<Classification[]>
  /** Every classification recorded (of `column` only, when given), oldest first. */
  classificationHistory(datasetId: string, column?: string): Promise<Classification[]>
  /**
   * Committed datasets matching every filter of `query`, ordered by namespace and name.
   *
   * @example
   * ```ts
   * const risky = await catalog.searchDatasets({ entityType: 'EMAIL_ADDRESS', sensitivity: 'high' })
   * ```
   */
  searchDatasets(query: DatasetSearchQuery): Promise<DatasetRecord[]>

  /**
   * Records one discovery scan of a committed version with every finding it made, all or
   * none; returns the scan.
   *
   * @example
   * ```ts
   * const scan = await catalog.recordFindings({
   *   datasetId: ds.id,
   *   datasetVersion: 3,
   *   rowsSampled: 1000,
   *   recordedBy: 'svc-discovery',
   *   entries: [
   *     { column: 'email', entityType: 'EMAIL_ADDRESS', matches: 812, sampled: 990,
   *       testValues: 0, confidence: 0.97, sensitivity: 'high', rows: [0, 4],
   *       previews: ['j•••@e•••.com'] },
   *   ],
   * })
   * ```
   */
  recordFindings(input: RecordFindingsInput): Promise<FindingsScan>
  /**
   * The findings of the newest scan of each dataset's current version (of `query.datasetId`
   * only, when given), filtered; ordered by dataset namespace, name, column, entity type.
   */
  listFindings(query?: FindingsQuery): Promise<Finding[]>
  /** Every scan recorded for a dataset, oldest first (the findings history). */
  listFindingScans(datasetId: string): Promise<FindingsScan[]>

  /** A dataset's privacy budget, or undefined when none was ever set. */
  getPrivacyBudget(datasetId: string): Promise<PrivacyBudgetRecord | undefined>
  /**
   * Atomically replaces a dataset's privacy budget if its version is still
   * `expectedVersion` (0: it has none yet) and appends `release` to its ledger, all or none.
   * Returns false, changing nothing, when another writer got there first.
   *
   * @example
   * ```ts
   * const ok = await catalog.casPrivacyBudget(ds.id, 3, nextState, {
   *   principal: 'alice', aggregate: 'count', mechanism: 'discrete-laplace',
   *   epsilon: '1/10', delta: '0', rho: '0',
   * })
   * ```
   */
  casPrivacyBudget(
    datasetId: string,
    expectedVersion: number,
    next: PrivacyBudgetState,
    release?: PrivacyReleaseInput,
  ): Promise<boolean>
  /** A dataset's privacy ledger, oldest first. */
  listPrivacyReleases(datasetId: string): Promise<PrivacyRelease[]>

  /**
   * Creates a principal (`create: true`; `ERR_AUTHZ_PRINCIPAL_EXISTS` if it exists) or
   * updates one (`create: false`; `ERR_AUTHZ_UNKNOWN_PRINCIPAL` if it does not).
   */
  putPrincipal(input: PrincipalInput, create: boolean): Promise<PrincipalRecord>
  /** A principal with its current roles, or undefined. */
  getPrincipal(id: string): Promise<PrincipalRecord | undefined>
  /** Every principal with its roles, ordered by id. */
  listPrincipals(): Promise<PrincipalRecord[]>
  /** Removes a principal and its grants; false when there was none. */
  removePrincipal(id: string): Promise<boolean>
  /**
   * Grants a role (`ERR_AUTHZ_UNKNOWN_PRINCIPAL` for an unknown principal); false when the
   * principal already had it (the first grant's time is kept).
   */
  grantRole(principalId: string, role: string, by: string): Promise<boolean>
  /** Revokes a role; false when the principal did not have it. */
  revokeRole(principalId: string, role: string): Promise<boolean>
  /**
   * Appends a policy version if the newest is still `expectedVersion`; returns undefined,
   * changing nothing, when another writer got there first.
   */
  appendPolicyVersion(input: PolicyVersionInput): Promise<PolicyVersionRecord | undefined>
  /** One policy version, or the newest when `version` is omitted; undefined if none. */
  getPolicyVersion(version?: number): Promise<PolicyVersionRecord | undefined>
  /** Every policy version, oldest first. */
  listPolicyVersions(): Promise<PolicyVersionRecord[]>

  // ---- Token vault (migration 0007_token_vault); its types are at the end of this file ----

  /**
   * The wrapped keys of the subjects among `subjectRefs` that have one in `domain` (refs
   * without a key are absent), in no particular order. Fails with
   * `ERR_USAGE_INVALID_ARGUMENT` on a malformed domain or ref.
   */
  getVaultKeys(domain: string, subjectRefs: readonly Uint8Array[]): Promise<VaultKeyRecord[]>
  /**
   * Stores new subject keys and vault entries in one transaction and returns, per entry in
   * input order, the token stored for its `(keyId, blindIndex)`: the entry's own token when
   * it is new, else the one stored earlier (tokens converge). Returns `key-conflict`,
   * writing nothing, when a new key's subject already has a key in the domain or an entry
   * names a key that does not exist (another writer created or destroyed it meanwhile).
   *
   * @example
   * ```ts
   * const r = await catalog.putVaultEntries({ domain: 'customers', newKeys: [key], entries })
   * if (r.status === 'ok') r.tokens // one per entry
   * ```
   */
  putVaultEntries(input: VaultPutInput): Promise<VaultPutResult>
  /**
   * The entries of `domain` among `tokens` (unknown tokens, and tokens of another domain,
   * are absent): live ones with their ciphertext and wrapped subject key, shredded ones
   * with neither.
   */
  getVaultEntries(domain: string, tokens: readonly string[]): Promise<VaultEntryRecord[]>
  /**
   * Crypto-shreds one subject of a domain in one transaction: deletes its wrapped key and
   * the ciphertext and blind index of every entry made under it (the token stays, marked
   * shredded). Idempotent: a subject without a key destroys nothing.
   */
  forgetVaultSubject(domain: string, subjectRef: Uint8Array): Promise<VaultForgetResult>
}

// ---- Token vault (migration 0007_token_vault) ----
// Per (domain, data subject) the vault keeps one random key, wrapped under a key derived
// from the lake's transform master key; per tokenized value, its token, a blind index and
// the value encrypted under the subject key. Subjects are named by a keyed reference (an
// HMAC), never by their id, and values are only stored encrypted.

/** A subject's wrapped key in the token vault. */
export interface VaultKeyRecord {
  /** Random id of this key (`vk_…`); a forgotten subject's next key gets a new one. */
  readonly keyId: string
  /** The token domain, 1 to 200 characters. */
  readonly domain: string
  /** The keyed reference of the subject (32 bytes), never the subject id itself. */
  readonly subjectRef: Uint8Array
  /** The subject key, wrapped (authenticated encryption; 16 to 1024 bytes). */
  readonly wrappedKey: Uint8Array
}

/** One tokenized value for {@link Catalog.putVaultEntries}. */
export interface VaultEntryInput {
  /** The subject key it is encrypted under (a new key of the call, or an existing one). */
  readonly keyId: string
  /** The value's blind index under the subject key (32 bytes): what makes tokens converge. */
  readonly blindIndex: Uint8Array
  /** The token to store when the entry is new (1 to 64 characters of `[A-Za-z0-9_-]`). */
  readonly token: string
  /** The value, encrypted under the subject key (1 to 1,048,576 bytes). */
  readonly ciphertext: Uint8Array
}

/** Input for {@link Catalog.putVaultEntries}. */
export interface VaultPutInput {
  readonly domain: string
  /** Subject keys to create first (each key's domain must be `domain`). */
  readonly newKeys: readonly VaultKeyRecord[]
  readonly entries: readonly VaultEntryInput[]
}

/** What {@link Catalog.putVaultEntries} did. */
export type VaultPutResult =
  | { readonly status: 'ok'; readonly tokens: readonly string[] }
  | { readonly status: 'key-conflict' }

/** A stored vault entry, as {@link Catalog.getVaultEntries} returns it. */
export type VaultEntryRecord =
  | {
      readonly token: string
      readonly state: 'live'
      readonly ciphertext: Uint8Array
      /** The subject key the value is encrypted under. */
      readonly key: VaultKeyRecord
    }
  | {
      readonly token: string
      readonly state: 'shredded'
      /** When the subject's key was destroyed (millisecond precision). */
      readonly shreddedAt: Date
    }

/** What {@link Catalog.forgetVaultSubject} destroyed. */
export interface VaultForgetResult {
  /** Whether the subject had a key (now deleted). */
  readonly keyDestroyed: boolean
  /** Entries made unrecoverable (their ciphertext deleted with the key). */
  readonly entriesShredded: number
}
