/**
 * Strongroom's public library API. Named exports only.
 *
 * @example
 * ```ts
 * import { initStrongroom } from 'strongroom'
 * const lake = await initStrongroom({ root: './lake', passphrase: process.env.PASS })
 * await lake.ingest('customers.csv', { dataset: 'crm.customers' })
 * ```
 */
export { createStrongroom, initStrongroom, scanFile, Strongroom } from './strongroom.js'
export type { ScanReport } from './lake/scan.js'
export type {
  DpQueryOptions,
  DpQueryResult,
  NamedPrivacyRelease,
  PrivacyBudgetStatus,
} from './lake/privacy-budget.js'
export type {
  PrivacyBudgetRecord,
  PrivacyBudgetState,
  PrivacyRelease,
  PrivacyReleaseInput,
} from './catalog/catalog.js'
export type { ColumnFinding } from './discovery/classify-columns.js'
export type { StrongroomOptions, InitOptions } from './strongroom.js'
export { StrongroomError, isStrongroomError, ERROR_CODES } from './errors.js'
export type { ErrorCode, ErrorIssue, StrongroomErrorOptions } from './errors.js'
export { parseDatasetName, formatDatasetName } from './core/names.js'
export type { DatasetName } from './core/names.js'
export type { ColumnSchema, ColumnType, DatasetSchema } from './core/schema.js'
export type { CellValue, RecordBatch } from './core/batch.js'
export type {
  LakeConfig,
  CatalogConfig,
  ObjectStoreConfig,
  KeyProviderConfig,
  EngineConfig,
} from './config/config.js'
export type { IngestOptions, IngestResult, IngestFormat, IngestMode } from './lake/ingest.js'
export type {
  ReadOptions,
  ReadToFileResult,
  OutputFormat,
  ProtectExportOptions,
} from './lake/read.js'
export * from './protect/index.js'
export type { DatasetSummary, DatasetDescription, VersionSummary } from './lake/describe.js'
export type { RotateResult, KeyStatus } from './lake/keys.js'
export type { GcOptions, GcResult, DoctorResult, DoctorProblem } from './lake/maintenance.js'
export type {
  DetokenizeOptions,
  DetokenizeResult,
  ForgetSubjectOptions,
  ForgetSubjectResult,
} from './lake/vault.js'
export type { OperationOptions, ProgressEvent } from './lake/context.js'
export type { Catalog } from './catalog/catalog.js'
export type { ObjectStore, ObjectInfo } from './storage/object-store.js'
export type { KeyProvider, WrappedKey } from './keys/key-provider.js'
