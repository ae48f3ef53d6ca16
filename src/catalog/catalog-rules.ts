/**
 * Rules every catalog backend applies the same way, whatever its SQL dialect: the checks
 * `commitVersion` and `rotateKek` make before touching the database, the errors the port
 * contract (`catalog.ts`) promises, and the records a successful write returns.
 *
 * Internal to `catalog/`: the backends import it; it is not part of the public API. What
 * differs per dialect (SQL, driver error codes, decoding of driver values) stays in the
 * backend.
 */
import { StrongroomError } from '../errors.js'
import type { DatasetSchema } from '../core/schema.js'
import type { WrappedKey } from '../keys/key-provider.js'
import type { ErrorIssue } from '../errors.js'
import type {
  ColumnTransformation,
  CommitVersionInput,
  CreateDatasetInput,
  DatasetRecord,
  FileRecord,
  KekRecord,
  LineageColumnMapping,
  LineageEdgeInput,
  LineageEventType,
  LineageNodeKind,
  VersionRecord,
} from './catalog.js'

/** The `files` columns in {@link FileRecord} order, for `SELECT` and `INSERT` lists. */
export const FILE_COLUMNS =
  'id, dataset_id, created_version, object_key, row_count, ciphertext_bytes, plaintext_bytes, ' +
  'ciphertext_sha256, wrapped_dek, kek_version, created_at'

/**
 * `bytes` as a Buffer view (no copy), for binding as a BLOB / bytea: better-sqlite3 rejects
 * other typed arrays, and pg serializes Buffers (also inside arrays) as bytea.
 */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** A copy of `k`, so the record returned never aliases the caller's ciphertext bytes. */
export function copyWrappedKey(k: WrappedKey): WrappedKey {
  return {
    rootKeyId: k.rootKeyId,
    algorithm: k.algorithm,
    ciphertext: new Uint8Array(k.ciphertext),
  }
}

/** The record of a dataset `createDataset` just inserted (nothing committed yet). */
export function createdDatasetRecord(input: CreateDatasetInput, createdAt: Date): DatasetRecord {
  return {
    id: input.id,
    namespace: input.namespace,
    name: input.name,
    owner: input.owner,
    createdAt,
    subjectColumn: input.subjectColumn,
    currentVersion: 0,
  }
}

/** What {@link planCommit} derives from a commit's input. */
export interface CommitPlan {
  /** The version the commit creates: `expectedCurrentVersion + 1`. */
  readonly version: number
  /** Kept files first, then new ones, in input order: the version's file list. */
  readonly fileIds: string[]
}

/**
 * Checks the parts of a commit that need no database, before any lock is taken, and
 * derives the new version number and its file list.
 *
 * Fails with `ERR_USAGE_INVALID_ARGUMENT` when a file id is listed twice or a new file
 * belongs to another dataset or to a version outside `1..version`.
 */
export function planCommit(input: CommitVersionInput): CommitPlan {
  const version = input.expectedCurrentVersion + 1
  const fileIds = [...input.keptFileIds, ...input.newFiles.map((f) => f.id)]
  checkDistinct(fileIds, input.datasetId)
  for (const f of input.newFiles) {
    if (f.datasetId !== input.datasetId || f.createdVersion < 1 || f.createdVersion > version) {
      throw new StrongroomError(
        'ERR_USAGE_INVALID_ARGUMENT',
        `File ${f.id} does not belong to dataset ${input.datasetId} at version ${String(version)}.`,
        { details: { datasetId: input.datasetId, fileId: f.id } },
      )
    }
  }
  return { version, fileIds }
}

/**
 * Checks, inside the commit's transaction, that every new file is wrapped under the
 * `active` KEK version: a file wrapped under a KEK that was rotated away meanwhile would
 * silently stay under the retired key.
 *
 * Fails with `ERR_CATALOG_CONFLICT` for an older KEK version (a rotation won the race) and
 * `ERR_USAGE_INVALID_ARGUMENT` for a newer one (it does not exist).
 */
export function checkNewFileKeks(input: CommitVersionInput, active: number): void {
  for (const f of input.newFiles) {
    if (f.kekVersion === active) continue
    if (f.kekVersion < active) {
      throw new StrongroomError(
        'ERR_CATALOG_CONFLICT',
        `Dataset ${input.datasetId} was re-keyed while the commit was prepared.`,
        {
          hint: 'Re-encrypt the new files under the active KEK and retry.',
          details: { datasetId: input.datasetId, fileId: f.id, activeKekVersion: active },
        },
      )
    }
    throw new StrongroomError(
      'ERR_USAGE_INVALID_ARGUMENT',
      `File ${f.id} names a KEK version that does not exist.`,
      { details: { datasetId: input.datasetId, fileId: f.id } },
    )
  }
}

/** The record `commitVersion` returns once its transaction has committed. */
export function committedVersionRecord(
  input: CommitVersionInput,
  plan: CommitPlan,
  createdAt: Date,
): VersionRecord {
  return {
    datasetId: input.datasetId,
    version: plan.version,
    parentVersion: input.expectedCurrentVersion,
    createdAt,
    operation: input.operation,
    schema: input.schema,
    rowCount: input.rowCount,
    fileIds: plan.fileIds,
  }
}

/** The record `rotateKek` returns for the KEK version it made active. */
export function rotatedKekRecord(
  datasetId: string,
  version: number,
  newKek: WrappedKey,
  createdAt: Date,
): KekRecord {
  return { datasetId, version, wrapped: copyWrappedKey(newKek), state: 'active', createdAt }
}

/**
 * Fails with `ERR_USAGE_INVALID_ARGUMENT` when an id appears twice in `ids` (the files of
 * a commit, or the re-wrapped files of a rotation).
 */
export function checkDistinct(ids: readonly string[], datasetId: string): void {
  if (new Set(ids).size !== ids.length) {
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'A file id is listed twice.', {
      details: { datasetId },
    })
  }
}

/**
 * `files` in the order of `fileIds`, as `getFiles` promises; ids without a record are
 * left out (SQL `IN` / `ANY` returns rows in no particular order).
 */
export function inRequestedOrder(fileIds: readonly string[], files: FileRecord[]): FileRecord[] {
  const byId = new Map(files.map((f) => [f.id, f]))
  const out: FileRecord[] = []
  for (const id of fileIds) {
    const f = byId.get(id)
    if (f !== undefined) out.push(f)
  }
  return out
}

/** Parses a stored `schema_json`; fails with `ERR_CATALOG_CORRUPT` when it is not JSON. */
export function parseSchema(json: string, datasetId: string, version: number): DatasetSchema {
  try {
    return JSON.parse(json) as DatasetSchema
  } catch (cause) {
    throw new StrongroomError(
      'ERR_CATALOG_CORRUPT',
      `Version ${String(version)} has a bad schema.`,
      {
        cause,
        details: { datasetId, version },
      },
    )
  }
}

/** `ERR_DATASET_EXISTS`: `namespace.name` is taken (`cause` is the driver's unique violation). */
export function datasetExists(namespace: string, name: string, cause: unknown): StrongroomError {
  return new StrongroomError('ERR_DATASET_EXISTS', `Dataset ${namespace}.${name} already exists.`, {
    cause,
    details: { namespace, name },
  })
}

/** `ERR_DATASET_NOT_FOUND` for a dataset id. */
export function datasetNotFound(datasetId: string): StrongroomError {
  return new StrongroomError('ERR_DATASET_NOT_FOUND', `Dataset ${datasetId} does not exist.`, {
    details: { datasetId },
  })
}

/** `ERR_CATALOG_CORRUPT`: a dataset exists but none of its KEKs is active. */
export function noActiveKek(datasetId: string): StrongroomError {
  return new StrongroomError('ERR_CATALOG_CORRUPT', `Dataset ${datasetId} has no active KEK.`, {
    details: { datasetId },
  })
}

/**
 * `ERR_CATALOG_CONFLICT`: the dataset is no longer at the version the commit expected.
 * `actual` is omitted from the details when the backend did not read it.
 */
export function commitConflict(
  datasetId: string,
  expected: number,
  actual: number | undefined,
): StrongroomError {
  return new StrongroomError(
    'ERR_CATALOG_CONFLICT',
    `Dataset ${datasetId} is no longer at version ${String(expected)}.`,
    {
      hint: 'Another writer committed first; re-read the dataset and retry.',
      details: {
        datasetId,
        expectedVersion: expected,
        ...(actual === undefined ? {} : { currentVersion: actual }),
      },
    },
  )
}

/** `ERR_CATALOG_CONFLICT`: the active KEK is no longer the one the rotation expected. */
export function rotateConflict(
  datasetId: string,
  expected: number,
  actual: number,
): StrongroomError {
  return new StrongroomError(
    'ERR_CATALOG_CONFLICT',
    `The active KEK of dataset ${datasetId} is no longer version ${String(expected)}.`,
    {
      hint: 'Another rotation finished first; re-read the active KEK and retry.',
      details: { datasetId, expectedKekVersion: expected, activeKekVersion: actual },
    },
  )
}

/** `ERR_USAGE_INVALID_ARGUMENT`: a commit keeps a file the dataset does not have. */
export function keptFilesMissing(datasetId: string): StrongroomError {
  return new StrongroomError(
    'ERR_USAGE_INVALID_ARGUMENT',
    `A kept file is not a file of dataset ${datasetId}.`,
    { details: { datasetId } },
  )
}

/** `ERR_USAGE_INVALID_ARGUMENT`: a rotation re-wraps a file the dataset does not have. */
export function rewrappedFileMissing(datasetId: string, fileId: string): StrongroomError {
  return new StrongroomError(
    'ERR_USAGE_INVALID_ARGUMENT',
    `File ${fileId} is not a file of dataset ${datasetId}.`,
    { details: { datasetId, fileId } },
  )
}

/**
 * `ERR_USAGE_INVALID_ARGUMENT` for a driver's constraint failure: the input broke a
 * catalog invariant. The message names the operation only, since the database's own text
 * may quote values.
 */
export function constraintViolated(
  operation: string,
  cause: unknown,
  details: Readonly<Record<string, string | number | boolean>>,
): StrongroomError {
  return new StrongroomError(
    'ERR_USAGE_INVALID_ARGUMENT',
    `Catalog ${operation} violates a catalog constraint.`,
    { cause, details },
  )
}

/** `ERR_INTERNAL` for a driver failure no rule of the backend recognises. */
export function failedUnexpectedly(
  operation: string,
  cause: unknown,
  details: Readonly<Record<string, string | number | boolean>>,
): StrongroomError {
  return new StrongroomError('ERR_INTERNAL', `Catalog ${operation} failed unexpectedly.`, {
    cause,
    details,
  })
}

/** The `lineage_edges` columns in {@link LineageEdgeInput} order, for `SELECT` and `INSERT`. */
export const LINEAGE_COLUMNS =
  'id, run_id, job, event_type, event_time, source_kind, source_name, source_version, ' +
  'target_kind, target_name, target_version, column_map_json'

const LINEAGE_EVENT_TYPES: ReadonlySet<string> = new Set<LineageEventType>([
  'START',
  'COMPLETE',
  'FAIL',
])
const LINEAGE_NODE_KINDS: ReadonlySet<string> = new Set<LineageNodeKind>(['file', 'dataset'])
const COLUMN_TRANSFORMATIONS: ReadonlySet<string> = new Set<ColumnTransformation>([
  'identity',
  'transformed',
  'masked',
  'tokenized',
])

/** True for a non-empty string without NUL (PostgreSQL TEXT cannot hold NUL). */
function isName(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && !v.includes('\u0000')
}

/** The problems of one column mapping, as issue paths under `path`. */
function columnMappingProblems(m: unknown, path: string): string[] {
  if (typeof m !== 'object' || m === null) return [path]
  const r = m as Record<string, unknown>
  const out: string[] = []
  if (!isName(r['target'])) out.push(`${path}.target`)
  const sources = r['sources']
  if (!Array.isArray(sources) || !sources.every(isName)) out.push(`${path}.sources`)
  const t = r['transformation']
  if (typeof t !== 'string' || !COLUMN_TRANSFORMATIONS.has(t)) out.push(`${path}.transformation`)
  return out
}

/**
 * Checks a `recordLineage` batch before any write, collecting every problem: the backends'
 * CHECK constraints would catch most of them too, but one at a time and with driver text
 * that may quote values. Issue paths name fields (`edges[2].sourceVersion`), never values.
 *
 * Fails with `ERR_USAGE_INVALID_ARGUMENT` carrying the issues.
 */
export function checkLineageEdges(edges: readonly LineageEdgeInput[]): void {
  const problems: string[] = []
  const ids = new Set<string>()
  edges.forEach((e, i) => {
    const p = `edges[${String(i)}]`
    if (!isName(e.id)) problems.push(`${p}.id`)
    else if (ids.has(e.id)) problems.push(`${p}.id (listed twice)`)
    else ids.add(e.id)
    if (!isName(e.runId)) problems.push(`${p}.runId`)
    if (!isName(e.job)) problems.push(`${p}.job`)
    if (!LINEAGE_EVENT_TYPES.has(e.eventType)) problems.push(`${p}.eventType`)
    if (!(e.eventTime instanceof Date) || Number.isNaN(e.eventTime.getTime())) {
      problems.push(`${p}.eventTime`)
    }
    for (const end of ['source', 'target'] as const) {
      const kind = end === 'source' ? e.sourceKind : e.targetKind
      const name = end === 'source' ? e.sourceName : e.targetName
      const version = end === 'source' ? e.sourceVersion : e.targetVersion
      if (!LINEAGE_NODE_KINDS.has(kind)) problems.push(`${p}.${end}Kind`)
      if (!isName(name)) problems.push(`${p}.${end}Name`)
      // A file has no versions; a dataset version is >= 1 (0 means nothing committed).
      const badVersion =
        version !== null &&
        (kind !== 'dataset' ||
          !Number.isSafeInteger(version) ||
          version < 1 ||
          version > 2 ** 31 - 1)
      if (badVersion) problems.push(`${p}.${end}Version`)
    }
    if (!Array.isArray(e.columnMap)) problems.push(`${p}.columnMap`)
    else
      e.columnMap.forEach((m, j) =>
        problems.push(...columnMappingProblems(m, `${p}.columnMap[${String(j)}]`)),
      )
  })
  if (problems.length === 0) return
  const issues: ErrorIssue[] = problems.map((path) => ({
    code: 'ERR_USAGE_INVALID_ARGUMENT',
    path,
    message: 'Invalid lineage edge field.',
  }))
  throw new StrongroomError(
    'ERR_USAGE_INVALID_ARGUMENT',
    `${String(problems.length)} problem(s) in the lineage edges.`,
    { issues, details: { edges: edges.length } },
  )
}

/** The stored `column_map_json` of an edge: only the known keys, in a fixed order. */
export function encodeColumnMap(map: readonly LineageColumnMapping[]): string {
  return JSON.stringify(
    map.map((m) => ({
      target: m.target,
      sources: [...m.sources],
      transformation: m.transformation,
    })),
  )
}

/** Parses a stored `column_map_json`; fails with `ERR_CATALOG_CORRUPT` when malformed. */
export function parseColumnMap(json: string, edgeId: string): LineageColumnMapping[] {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch (cause) {
    throw badColumnMap(edgeId, cause)
  }
  if (!Array.isArray(value)) throw badColumnMap(edgeId, undefined)
  const list: unknown[] = value
  if (list.some((m, i) => columnMappingProblems(m, String(i)).length > 0)) {
    throw badColumnMap(edgeId, undefined)
  }
  return list as LineageColumnMapping[]
}

function badColumnMap(edgeId: string, cause: unknown): StrongroomError {
  return new StrongroomError(
    'ERR_CATALOG_CORRUPT',
    `Lineage edge ${edgeId} has a bad column map.`,
    {
      cause,
      details: { edgeId },
    },
  )
}

/**
 * Checks the enum columns of a stored edge; fails with `ERR_CATALOG_CORRUPT` when one holds
 * a value this build does not know (the CHECK constraints should make that impossible).
 */
export function checkStoredEdgeEnums(
  edgeId: string,
  eventType: string,
  sourceKind: string,
  targetKind: string,
): { eventType: LineageEventType; sourceKind: LineageNodeKind; targetKind: LineageNodeKind } {
  if (
    !LINEAGE_EVENT_TYPES.has(eventType) ||
    !LINEAGE_NODE_KINDS.has(sourceKind) ||
    !LINEAGE_NODE_KINDS.has(targetKind)
  ) {
    throw new StrongroomError('ERR_CATALOG_CORRUPT', `Lineage edge ${edgeId} has a bad kind.`, {
      details: { edgeId },
    })
  }
  return {
    eventType: eventType as LineageEventType,
    sourceKind: sourceKind as LineageNodeKind,
    targetKind: targetKind as LineageNodeKind,
  }
}

/** `ERR_USAGE_INVALID_ARGUMENT`: a lineage edge id is already recorded. */
export function lineageEdgeExists(cause: unknown): StrongroomError {
  return new StrongroomError(
    'ERR_USAGE_INVALID_ARGUMENT',
    'A lineage edge id is already recorded.',
    {
      cause,
      hint: 'Give every lineage edge a fresh id.',
    },
  )
}
