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
  Classification,
  ClassificationInput,
  ClassificationSource,
  ColumnTransformation,
  CommitVersionInput,
  CreateDatasetInput,
  DatasetDescriptions,
  DatasetRecord,
  DatasetSearchQuery,
  DatasetTags,
  FileRecord,
  Finding,
  FindingInput,
  FindingsQuery,
  KekRecord,
  LineageColumnMapping,
  LineageEdgeInput,
  LineageEventType,
  LineageNodeKind,
  RecordFindingsInput,
  Sensitivity,
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

/*
 * Metadata: descriptions, tags and classifications (migration 0003_metadata).
 *
 * Validation happens here, before any write, and collects every problem into `issues`
 * whose paths name the argument or field (`tags[2]`, `entries[0].confidence`), never its
 * value: a rejected tag or description may well be the personal data it should not hold.
 */

/** `column_name` of the rows about the dataset itself (a primary key cannot be NULL). */
export const DATASET_TARGET = ''

/** Longest description, in characters (code points). */
export const MAX_DESCRIPTION_LENGTH = 4000

/** Most tags on one target (the dataset or one column), as AWS allows per resource. */
export const MAX_TAGS = 50

/** Longest `recordedBy`, in characters. */
const MAX_PRINCIPAL_LENGTH = 256

/** Longest search text, in characters: the longest thing it can match is a description. */
const MAX_SEARCH_TEXT_LENGTH = MAX_DESCRIPTION_LENGTH

/** LF-tag style key. */
const TAG_KEY = /^[a-z][a-z0-9_.-]{0,62}$/
const MAX_TAG_VALUE_LENGTH = 128
/**
 * Not printable in a tag value: control (Cc) and format (Cf, e.g. bidi overrides that make
 * a value display as another) characters, lone surrogates (Cs, not storable as UTF-8) and
 * line or paragraph separators.
 */
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u
/** Any control character or lone surrogate (principals, owners, search text). */
const CONTROL_OR_SURROGATE = /[\p{Cc}\p{Cs}]/u
/** UPPER_SNAKE entity types such as `EMAIL_ADDRESS`; at most 64 characters. */
const ENTITY_TYPE = /^(?=.{1,64}$)[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/

const SENSITIVITIES: ReadonlySet<string> = new Set<Sensitivity>(['none', 'low', 'medium', 'high'])
const SOURCES: ReadonlySet<string> = new Set<ClassificationSource>(['detected', 'manual'])

/** The rank `current_classifications.sensitivity_rank` gives each sensitivity. */
const SENSITIVITY_RANK: Readonly<Record<Sensitivity, number>> = {
  none: 0,
  low: 1,
  medium: 2,
  high: 3,
}

/** The `classifications` columns in {@link Classification} order, for `INSERT`. */
export const CLASSIFICATION_COLUMNS =
  'id, column_name, entity_type, confidence, sensitivity, source, dataset_version, ' +
  'recorded_by, recorded_at'

/** {@link CLASSIFICATION_COLUMNS} of the alias `c`, for `SELECT`s that join `datasets d`. */
export const CLASSIFICATION_COLUMNS_OF_C =
  'c.id, c.column_name, c.entity_type, c.confidence, c.sensitivity, c.source, ' +
  'c.dataset_version, c.recorded_by, c.recorded_at'

/** Length in code points, as SQLite `length()` and PostgreSQL `char_length()` count. */
function codePoints(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

function invalid(what: string, problems: readonly ErrorIssueDraft[], datasetId: string): never {
  throw new StrongroomError(
    'ERR_USAGE_INVALID_ARGUMENT',
    `${String(problems.length)} problem(s) in the ${what}.`,
    {
      issues: problems.map((p) => ({ code: 'ERR_USAGE_INVALID_ARGUMENT', ...p })),
      details: { datasetId },
    },
  )
}

/** An issue before its code is filled in. */
interface ErrorIssueDraft {
  readonly path: string
  readonly message: string
}

/** The problem with a `column` argument (null = the dataset), if any. */
function columnArgumentProblem(column: unknown, path: string): ErrorIssueDraft | undefined {
  if (column === null) return undefined
  if (typeof column !== 'string' || column === DATASET_TARGET || column.includes('\u0000')) {
    return { path, message: 'A column must be a non-empty name, or null for the dataset.' }
  }
  return undefined
}

/**
 * Checks a `setDescription` call and returns the text to store, or `null` to clear.
 * Fails with `ERR_USAGE_INVALID_ARGUMENT` listing every problem.
 */
export function checkDescription(
  datasetId: string,
  column: string | null,
  text: string | null,
): string | null {
  const problems: ErrorIssueDraft[] = []
  const bad = columnArgumentProblem(column, 'column')
  if (bad !== undefined) problems.push(bad)
  if (text !== null && typeof text !== 'string') {
    problems.push({ path: 'text', message: 'A description must be a string, or null to clear.' })
  } else if (text !== null) {
    if (codePoints(text) > MAX_DESCRIPTION_LENGTH) {
      problems.push({
        path: 'text',
        message: `A description has at most ${String(MAX_DESCRIPTION_LENGTH)} characters.`,
      })
    }
    // Of the control characters only \n and \t are allowed.
    if (CONTROL_OR_SURROGATE.test(text.replace(/[\n\t]/g, ''))) {
      problems.push({
        path: 'text',
        message: 'A description may not contain control characters other than \\n and \\t.',
      })
    }
  }
  if (problems.length > 0) invalid('description', problems, datasetId)
  return text === null || text === '' ? null : text
}

/** The folded copy of a description the text search matches against. */
export function foldForSearch(text: string): string {
  return text.toLowerCase()
}

/** One parsed tag: `value` is null for a plain `key` tag. */
export interface ParsedTag {
  readonly key: string
  readonly value: string | null
}

/** The problem with one tag string, if any. */
function tagProblem(tag: unknown): string | undefined {
  if (typeof tag !== 'string') return 'A tag must be a string.'
  const eq = tag.indexOf('=')
  const key = eq === -1 ? tag : tag.slice(0, eq)
  if (!TAG_KEY.test(key)) {
    return 'A tag key is a lowercase letter, then up to 62 of a-z 0-9 _ . -'
  }
  if (eq === -1) return undefined
  const value = tag.slice(eq + 1)
  const length = codePoints(value)
  if (length < 1 || length > MAX_TAG_VALUE_LENGTH) {
    return `A tag value has 1 to ${String(MAX_TAG_VALUE_LENGTH)} characters.`
  }
  if (NOT_PRINTABLE.test(value)) return 'A tag value may contain printable characters only.'
  if (value.trim() !== value) return 'A tag value may not start or end with white space.'
  return undefined
}

function splitTag(tag: string): ParsedTag {
  const eq = tag.indexOf('=')
  return eq === -1 ? { key: tag, value: null } : { key: tag.slice(0, eq), value: tag.slice(eq + 1) }
}

/**
 * Checks a `setTags` call and parses its tags. Fails with `ERR_USAGE_INVALID_ARGUMENT`
 * listing every problem: a malformed tag, a key given twice, more than {@link MAX_TAGS}.
 */
export function parseTags(
  datasetId: string,
  column: string | null,
  tags: readonly string[],
): ParsedTag[] {
  const problems: ErrorIssueDraft[] = []
  const bad = columnArgumentProblem(column, 'column')
  if (bad !== undefined) problems.push(bad)
  // The port is typed, but JavaScript callers are not: check the shape, then use `list`.
  const list: unknown = tags
  if (!Array.isArray(list)) {
    invalid('tags', [...problems, { path: 'tags', message: 'Tags must be an array.' }], datasetId)
  }
  if (list.length > MAX_TAGS) {
    problems.push({ path: 'tags', message: `At most ${String(MAX_TAGS)} tags per target.` })
  }
  const parsed: ParsedTag[] = []
  const keys = new Set<string>()
  list.forEach((tag: unknown, i) => {
    const path = `tags[${String(i)}]`
    const problem = tagProblem(tag)
    if (problem !== undefined || typeof tag !== 'string') {
      problems.push({ path, message: problem ?? 'A tag must be a string.' })
      return
    }
    const t = splitTag(tag)
    if (keys.has(t.key)) {
      problems.push({ path, message: 'A tag key may appear once per target.' })
      return
    }
    keys.add(t.key)
    parsed.push(t)
  })
  if (problems.length > 0) invalid('tags', problems, datasetId)
  return parsed
}

/** `key` or `key=value`, as the port shows a tag. */
export function formatTag(key: string, value: string | null): string {
  return value === null ? key : `${key}=${value}`
}

/** Stored tag rows (`column_name` '' = the dataset) as {@link DatasetTags}, sorted. */
export function tagsFromRows(
  rows: readonly { column: string; key: string; value: string | null }[],
): DatasetTags {
  const dataset: string[] = []
  const byColumn = new Map<string, string[]>()
  for (const r of rows) {
    const tag = formatTag(r.key, r.value)
    if (r.column === DATASET_TARGET) {
      dataset.push(tag)
      continue
    }
    const list = byColumn.get(r.column)
    if (list === undefined) byColumn.set(r.column, [tag])
    else list.push(tag)
  }
  // Sorted here, bytewise, so both backends agree whatever their collation.
  dataset.sort(compareStrings)
  const columns = [...byColumn.keys()].sort(compareStrings)
  // Object.fromEntries defines own properties, so a column named `__proto__` is safe.
  return {
    dataset,
    columns: Object.fromEntries(
      columns.map((c) => [c, (byColumn.get(c) ?? []).sort(compareStrings)]),
    ),
  }
}

/** Stored description rows (`column_name` '' = the dataset) as {@link DatasetDescriptions}. */
export function descriptionsFromRows(
  rows: readonly { column: string; text: string }[],
): DatasetDescriptions {
  let dataset: string | null = null
  const columns: [string, string][] = []
  for (const r of rows) {
    if (r.column === DATASET_TARGET) dataset = r.text
    else columns.push([r.column, r.text])
  }
  columns.sort((a, b) => compareStrings(a[0], b[0]))
  return { dataset, columns: Object.fromEntries(columns) }
}

/** Bytewise UTF-8 (= code point) order, the order SQLite and PostgreSQL `COLLATE "C"` use. */
function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/**
 * Checks a `recordClassifications` batch before any write. Fails with
 * `ERR_USAGE_INVALID_ARGUMENT` listing every problem (paths like `entries[1].confidence`).
 */
export function checkClassifications(
  datasetId: string,
  entries: readonly ClassificationInput[],
): void {
  // The port is typed, but JavaScript callers are not: check every field's type too.
  const list: unknown = entries
  if (!Array.isArray(list)) {
    invalid(
      'classifications',
      [{ path: 'entries', message: 'Entries must be an array.' }],
      datasetId,
    )
  }
  const problems: ErrorIssueDraft[] = []
  const columns = new Set<string>()
  list.forEach((entry: unknown, i) => {
    const p = `entries[${String(i)}]`
    if (typeof entry !== 'object' || entry === null) {
      problems.push({ path: p, message: 'An entry must be an object.' })
      return
    }
    const e = entry as Record<keyof ClassificationInput, unknown>
    const column = e.column
    if (typeof column !== 'string' || column === '' || column.includes('\u0000')) {
      problems.push({ path: `${p}.column`, message: 'A column must be a non-empty name.' })
    } else if (columns.has(column)) {
      problems.push({ path: `${p}.column`, message: 'A column may appear once per call.' })
    } else {
      columns.add(column)
    }
    if (typeof e.entityType !== 'string' || !ENTITY_TYPE.test(e.entityType)) {
      problems.push({
        path: `${p}.entityType`,
        message: 'An entity type is UPPER_SNAKE (e.g. EMAIL_ADDRESS, or NONE), at most 64.',
      })
    }
    const confidence: unknown = e.confidence
    if (
      typeof confidence !== 'number' ||
      !Number.isFinite(confidence) ||
      confidence < 0 ||
      confidence > 1
    ) {
      problems.push({ path: `${p}.confidence`, message: 'Confidence is a number from 0 to 1.' })
    }
    if (typeof e.sensitivity !== 'string' || !SENSITIVITIES.has(e.sensitivity)) {
      problems.push({
        path: `${p}.sensitivity`,
        message: 'Sensitivity is none, low, medium or high.',
      })
    }
    if (typeof e.source !== 'string' || !SOURCES.has(e.source)) {
      problems.push({ path: `${p}.source`, message: 'Source is detected or manual.' })
    }
    const v: unknown = e.datasetVersion
    if (
      v !== null &&
      (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > 2 ** 31 - 1)
    ) {
      problems.push({
        path: `${p}.datasetVersion`,
        message: 'A dataset version is a committed version number (>= 1), or null.',
      })
    }
    const by: unknown = e.recordedBy
    if (
      typeof by !== 'string' ||
      by === '' ||
      codePoints(by) > MAX_PRINCIPAL_LENGTH ||
      CONTROL_OR_SURROGATE.test(by)
    ) {
      problems.push({
        path: `${p}.recordedBy`,
        message: `recordedBy names a principal: 1 to ${String(MAX_PRINCIPAL_LENGTH)} characters, no control characters.`,
      })
    }
  })
  if (problems.length > 0) invalid('classifications', problems, datasetId)
}

/** A column a metadata write names, with the argument path to report it under. */
export interface NamedColumn {
  readonly path: string
  readonly column: string
}

/** The column names of `schema`. */
export function columnNames(schema: DatasetSchema): Set<string> {
  return new Set(schema.columns.map((c) => c.name))
}

/** The named columns not in `known` (the schema the write refers to). */
export function missingColumns(
  named: readonly NamedColumn[],
  known: ReadonlySet<string>,
): NamedColumn[] {
  return named.filter((n) => !known.has(n.column))
}

/**
 * Fails with `ERR_COLUMN_NOT_FOUND`, one issue per column, when `missing` is not empty.
 * Column names may appear in messages (they are schema, not data).
 */
export function throwIfColumnsMissing(datasetId: string, missing: readonly NamedColumn[]): void {
  const first = missing[0]
  if (first === undefined) return
  const one = missing.length === 1
  throw new StrongroomError(
    'ERR_COLUMN_NOT_FOUND',
    one
      ? `Column ${first.column} is not in dataset ${datasetId}.`
      : `${String(missing.length)} columns are not in dataset ${datasetId}.`,
    {
      hint: 'Name a column of the dataset version the metadata is about.',
      issues: missing.map((m) => ({
        code: 'ERR_COLUMN_NOT_FOUND',
        path: m.path,
        message: `Column ${m.column} is not in the dataset.`,
      })),
      details: { datasetId, ...(one ? { column: first.column } : {}) },
    },
  )
}

/** `ERR_VERSION_NOT_FOUND`: a classification names a version the dataset does not have. */
export function versionNotFound(datasetId: string, version: number): StrongroomError {
  return new StrongroomError(
    'ERR_VERSION_NOT_FOUND',
    `Dataset ${datasetId} has no version ${String(version)}.`,
    { details: { datasetId, version } },
  )
}

/**
 * The `recordedAt` of a new batch: now, or the newest recorded time of the dataset if the
 * clock went back, so history order (`seq`) and time order never disagree.
 */
export function nextRecordedAt(now: Date, newestMs: number | null): Date {
  return newestMs !== null && newestMs > now.getTime() ? new Date(newestMs) : now
}

/** The versions a batch refers to, and which entries name a column of which version. */
export function columnsByVersion(
  entries: readonly ClassificationInput[],
): Map<number | null, NamedColumn[]> {
  const byVersion = new Map<number | null, NamedColumn[]>()
  entries.forEach((e, i) => {
    const named = { path: `entries[${String(i)}].column`, column: e.column }
    const list = byVersion.get(e.datasetVersion)
    if (list === undefined) byVersion.set(e.datasetVersion, [named])
    else list.push(named)
  })
  return byVersion
}

/** The primitive fields of a stored classification row, decoded by the backend. */
export interface StoredClassification {
  readonly id: string
  readonly column: string
  readonly entityType: string
  readonly confidence: number
  readonly sensitivity: string
  readonly source: string
  readonly datasetVersion: number | null
  readonly recordedBy: string
  readonly recordedAt: Date
}

/**
 * A stored classification as the port returns it; fails with `ERR_CATALOG_CORRUPT` when an
 * enum column holds a value this build does not know (the CHECKs should prevent it).
 */
export function toClassification(r: StoredClassification): Classification {
  if (!SENSITIVITIES.has(r.sensitivity) || !SOURCES.has(r.source)) {
    throw new StrongroomError(
      'ERR_CATALOG_CORRUPT',
      `Classification ${r.id} has a bad sensitivity or source.`,
      { details: { classificationId: r.id } },
    )
  }
  return {
    id: r.id,
    column: r.column,
    entityType: r.entityType,
    confidence: r.confidence,
    sensitivity: r.sensitivity as Sensitivity,
    source: r.source as ClassificationSource,
    datasetVersion: r.datasetVersion,
    recordedBy: r.recordedBy,
    recordedAt: r.recordedAt,
  }
}

/** A `searchDatasets` query as bind parameters; `null` means "no such filter". */
export interface SearchParams {
  /** `%…%` LIKE pattern over folded text, wildcards escaped with `\`. */
  readonly textPattern: string | null
  readonly owner: string | null
  readonly tagKey: string | null
  /** With `tagKey`: `null` matches any value (a plain `key` query). */
  readonly tagValue: string | null
  readonly entityType: string | null
  /** Minimum `sensitivity_rank`. */
  readonly minSensitivityRank: number | null
}

/**
 * Escapes `s` for a LIKE pattern with `ESCAPE '\'`: the escape character itself first, then
 * the wildcards, so user text can never widen a match.
 */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/**
 * Checks a `searchDatasets` query and turns it into bind parameters. Fails with
 * `ERR_USAGE_INVALID_ARGUMENT` listing every problem.
 */
export function searchParams(query: DatasetSearchQuery): SearchParams {
  const problems: ErrorIssueDraft[] = []
  const q = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>
  const text = q['text']
  const owner = q['owner']
  const tag = q['tag']
  const entityType = q['entityType']
  const sensitivity = q['sensitivity']
  if (
    text !== undefined &&
    (typeof text !== 'string' ||
      codePoints(text) > MAX_SEARCH_TEXT_LENGTH ||
      CONTROL_OR_SURROGATE.test(text.replace(/[\n\t]/g, '')))
  ) {
    problems.push({
      path: 'text',
      message: 'Search text has at most 4000 characters and no control characters but \\n, \\t.',
    })
  }
  if (owner !== undefined && (typeof owner !== 'string' || CONTROL_OR_SURROGATE.test(owner))) {
    problems.push({ path: 'owner', message: 'An owner is a string without control characters.' })
  }
  const tagBad = tag === undefined ? undefined : tagProblem(tag)
  if (tagBad !== undefined) problems.push({ path: 'tag', message: tagBad })
  if (
    entityType !== undefined &&
    (typeof entityType !== 'string' || !ENTITY_TYPE.test(entityType))
  ) {
    problems.push({ path: 'entityType', message: 'An entity type is UPPER_SNAKE.' })
  }
  if (
    sensitivity !== undefined &&
    (sensitivity === 'none' || typeof sensitivity !== 'string' || !SENSITIVITIES.has(sensitivity))
  ) {
    problems.push({ path: 'sensitivity', message: 'Sensitivity is low, medium or high.' })
  }
  if (problems.length > 0) {
    throw new StrongroomError(
      'ERR_USAGE_INVALID_ARGUMENT',
      `${String(problems.length)} problem(s) in the search query.`,
      { issues: problems.map((p) => ({ code: 'ERR_USAGE_INVALID_ARGUMENT', ...p })) },
    )
  }
  const parsedTag = typeof tag === 'string' ? splitTag(tag) : undefined
  return {
    textPattern: typeof text === 'string' ? `%${escapeLike(foldForSearch(text))}%` : null,
    owner: typeof owner === 'string' ? owner : null,
    tagKey: parsedTag?.key ?? null,
    tagValue: parsedTag?.value ?? null,
    entityType: typeof entityType === 'string' ? entityType : null,
    minSensitivityRank:
      typeof sensitivity === 'string' ? SENSITIVITY_RANK[sensitivity as Sensitivity] : null,
  }
}

/*
 * Discovery findings (migration 0004_findings). As for the metadata above, every problem
 * becomes an issue whose path names the field (`entries[2].rows[4]`), never its value: a
 * rejected preview may be a value the scanner failed to redact.
 */

/** Most row numbers one finding lists. */
export const MAX_FINDING_ROWS = 20

/** Most redacted previews one finding carries. */
export const MAX_FINDING_PREVIEWS = 5

/** Longest redacted preview, in characters (code points). */
export const MAX_PREVIEW_LENGTH = 64

/** The `findings` columns in {@link FindingInput} order after `scan_id`, for `INSERT`. */
export const FINDING_COLUMNS =
  'scan_id, column_name, entity_type, matches, sampled, test_values, confidence, ' +
  'sensitivity, row_numbers, previews'

/** A UTF-16 surrogate without its pair (not representable in UTF-8). */
const LONE_SURROGATE = /\p{Cs}/u

/** A count: a safe integer >= 0. */
function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

/** A dataset id argument: non-empty, without NUL (PostgreSQL TEXT cannot hold NUL). */
function isDatasetIdArgument(v: unknown): v is string {
  return typeof v === 'string' && v !== '' && !v.includes('\u0000')
}

/** A principal (`recordedBy`): 1 to 256 characters, no control characters or lone surrogates. */
function isPrincipal(v: unknown): v is string {
  return (
    typeof v === 'string' &&
    v !== '' &&
    codePoints(v) <= MAX_PRINCIPAL_LENGTH &&
    !CONTROL_OR_SURROGATE.test(v)
  )
}

/** The problems of a finding's `rows` (under `path`); `matches` when it is a valid count. */
function findingRowsProblems(
  rows: unknown,
  matches: number | undefined,
  path: string,
): ErrorIssueDraft[] {
  const problems: ErrorIssueDraft[] = []
  if (!Array.isArray(rows)) {
    return [{ path, message: 'Rows must be an array of row numbers.' }]
  }
  const list: unknown[] = rows
  if (list.length > MAX_FINDING_ROWS) {
    problems.push({ path, message: `At most ${String(MAX_FINDING_ROWS)} row numbers.` })
  } else if (matches !== undefined && list.length > matches) {
    problems.push({ path, message: 'A finding lists more rows than it has matches.' })
  }
  list.forEach((r, j) => {
    if (!isCount(r)) {
      problems.push({ path: `${path}[${String(j)}]`, message: 'A row number is an integer >= 0.' })
    }
  })
  return problems
}

/** The problems of a finding's `previews` (under `path`). */
function findingPreviewsProblems(
  previews: unknown,
  matches: number | undefined,
  path: string,
): ErrorIssueDraft[] {
  const problems: ErrorIssueDraft[] = []
  if (!Array.isArray(previews)) {
    return [{ path, message: 'Previews must be an array of strings.' }]
  }
  const list: unknown[] = previews
  if (list.length > MAX_FINDING_PREVIEWS) {
    problems.push({ path, message: `At most ${String(MAX_FINDING_PREVIEWS)} previews.` })
  } else if (matches !== undefined && list.length > matches) {
    problems.push({ path, message: 'A finding has more previews than matches.' })
  }
  list.forEach((v, j) => {
    // Only what no backend can store as written: jsonb refuses NUL, UTF-8 lone surrogates.
    // Other content is the scanner's business (a preview keeps the value's separators).
    if (
      typeof v !== 'string' ||
      codePoints(v) > MAX_PREVIEW_LENGTH ||
      v.includes('\u0000') ||
      LONE_SURROGATE.test(v)
    ) {
      problems.push({
        path: `${path}[${String(j)}]`,
        message: `A preview is a string of at most ${String(MAX_PREVIEW_LENGTH)} characters, without NUL.`,
      })
    }
  })
  return problems
}

/**
 * The problems of one finding entry (under `p`). `pairs` collects `column` × `entityType`
 * keys to report a pair listed twice; `rowsSampled` is the scan's, when valid.
 */
function findingEntryProblems(
  entry: unknown,
  p: string,
  pairs: Set<string>,
  rowsSampled: number | undefined,
): ErrorIssueDraft[] {
  if (typeof entry !== 'object' || entry === null) {
    return [{ path: p, message: 'An entry must be an object.' }]
  }
  const e = entry as Record<keyof FindingInput, unknown>
  const problems: ErrorIssueDraft[] = []
  const column = e.column
  const columnOk = typeof column === 'string' && column !== '' && !column.includes('\u0000')
  if (!columnOk) {
    problems.push({ path: `${p}.column`, message: 'A column must be a non-empty name.' })
  }
  const entityType = e.entityType
  if (typeof entityType !== 'string' || !ENTITY_TYPE.test(entityType)) {
    problems.push({
      path: `${p}.entityType`,
      message: 'An entity type is UPPER_SNAKE (e.g. EMAIL_ADDRESS), at most 64 characters.',
    })
  } else if (columnOk) {
    // JSON of the pair: no separator character could make two different pairs collide.
    const key = JSON.stringify([column, entityType])
    if (pairs.has(key)) {
      problems.push({
        path: `${p}.entityType`,
        message: 'A column and entity type pair may appear once per scan.',
      })
    }
    pairs.add(key)
  }
  const matches = isCount(e.matches) ? e.matches : undefined
  if (matches === undefined) {
    problems.push({ path: `${p}.matches`, message: 'Matches is an integer >= 0.' })
  }
  const sampled: unknown = e.sampled
  if (
    !isCount(sampled) ||
    (matches !== undefined && sampled < matches) ||
    (rowsSampled !== undefined && sampled > rowsSampled)
  ) {
    problems.push({
      path: `${p}.sampled`,
      message: 'Sampled is an integer from matches to the rows the scan sampled.',
    })
  }
  const testValues: unknown = e.testValues
  if (!isCount(testValues) || (matches !== undefined && testValues > matches)) {
    problems.push({
      path: `${p}.testValues`,
      message: 'Test values is an integer from 0 to matches.',
    })
  }
  const confidence: unknown = e.confidence
  if (
    typeof confidence !== 'number' ||
    !Number.isFinite(confidence) ||
    confidence < 0 ||
    confidence > 1
  ) {
    problems.push({ path: `${p}.confidence`, message: 'Confidence is a number from 0 to 1.' })
  }
  if (typeof e.sensitivity !== 'string' || !SENSITIVITIES.has(e.sensitivity)) {
    problems.push({
      path: `${p}.sensitivity`,
      message: 'Sensitivity is none, low, medium or high.',
    })
  }
  problems.push(...findingRowsProblems(e.rows, matches, `${p}.rows`))
  problems.push(...findingPreviewsProblems(e.previews, matches, `${p}.previews`))
  return problems
}

/**
 * Checks a `recordFindings` call before any read or write. Fails with
 * `ERR_USAGE_INVALID_ARGUMENT` listing every problem (paths such as `rowsSampled`,
 * `entries[2].rows`, `entries[0].previews[1]`).
 */
export function checkFindings(input: RecordFindingsInput): void {
  // The port is typed, but JavaScript callers are not: check every field's type too.
  const raw: unknown = input
  if (typeof raw !== 'object' || raw === null) {
    invalid('findings', [{ path: 'input', message: 'The input must be an object.' }], '')
  }
  const i = raw as Record<keyof RecordFindingsInput, unknown>
  const problems: ErrorIssueDraft[] = []
  if (!isDatasetIdArgument(i.datasetId)) {
    problems.push({ path: 'datasetId', message: 'A dataset id is a non-empty string.' })
  }
  const v = i.datasetVersion
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > 2 ** 31 - 1) {
    problems.push({
      path: 'datasetVersion',
      message: 'A dataset version is a committed version number (>= 1).',
    })
  }
  const rowsSampled = isCount(i.rowsSampled) ? i.rowsSampled : undefined
  if (rowsSampled === undefined) {
    problems.push({ path: 'rowsSampled', message: 'Rows sampled is an integer >= 0.' })
  }
  if (!isPrincipal(i.recordedBy)) {
    problems.push({
      path: 'recordedBy',
      message: `recordedBy names a principal: 1 to ${String(MAX_PRINCIPAL_LENGTH)} characters, no control characters.`,
    })
  }
  const entries: unknown = i.entries
  if (!Array.isArray(entries)) {
    problems.push({ path: 'entries', message: 'Entries must be an array.' })
  } else {
    const pairs = new Set<string>()
    const list: unknown[] = entries
    list.forEach((entry, n) => {
      problems.push(...findingEntryProblems(entry, `entries[${String(n)}]`, pairs, rowsSampled))
    })
  }
  if (problems.length > 0) {
    invalid('findings', problems, typeof i.datasetId === 'string' ? i.datasetId : '')
  }
}

/** The columns a (checked) `recordFindings` call names, with their issue paths. */
export function findingColumns(entries: readonly FindingInput[]): NamedColumn[] {
  return entries.map((e, n) => ({ path: `entries[${String(n)}].column`, column: e.column }))
}

/** A finding's `rows` and `previews` as the JSON text both backends store. */
export function encodeFindingLists(e: FindingInput): { rows: string; previews: string } {
  return { rows: JSON.stringify([...e.rows]), previews: JSON.stringify([...e.previews]) }
}

/** A `listFindings` query as bind parameters; `null` means "no such filter". */
export interface FindingsParams {
  readonly datasetId: string | null
  readonly entityType: string | null
  /** Minimum sensitivity rank (`low` 1 … `high` 3). */
  readonly minSensitivityRank: number | null
  /** 1 to include findings whose every match is a test value, 0 to leave them out. */
  readonly includeTestValues: 0 | 1
}

/**
 * Checks a `listFindings` query and turns it into bind parameters. Fails with
 * `ERR_USAGE_INVALID_ARGUMENT` listing every problem.
 */
export function findingsParams(query: FindingsQuery | undefined): FindingsParams {
  const problems: ErrorIssueDraft[] = []
  const raw: unknown = query ?? {}
  if (typeof raw !== 'object' || raw === null) {
    problems.push({ path: 'query', message: 'A findings query is an object.' })
  }
  const q = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
  const datasetId = q['datasetId']
  const minSensitivity = q['minSensitivity']
  const entityType = q['entityType']
  const includeTestValues = q['includeTestValues']
  if (datasetId !== undefined && !isDatasetIdArgument(datasetId)) {
    problems.push({ path: 'datasetId', message: 'A dataset id is a non-empty string.' })
  }
  if (
    minSensitivity !== undefined &&
    (minSensitivity === 'none' ||
      typeof minSensitivity !== 'string' ||
      !SENSITIVITIES.has(minSensitivity))
  ) {
    problems.push({ path: 'minSensitivity', message: 'Sensitivity is low, medium or high.' })
  }
  if (
    entityType !== undefined &&
    (typeof entityType !== 'string' || !ENTITY_TYPE.test(entityType))
  ) {
    problems.push({ path: 'entityType', message: 'An entity type is UPPER_SNAKE.' })
  }
  if (includeTestValues !== undefined && typeof includeTestValues !== 'boolean') {
    problems.push({ path: 'includeTestValues', message: 'includeTestValues is true or false.' })
  }
  if (problems.length > 0) {
    throw new StrongroomError(
      'ERR_USAGE_INVALID_ARGUMENT',
      `${String(problems.length)} problem(s) in the findings query.`,
      { issues: problems.map((p) => ({ code: 'ERR_USAGE_INVALID_ARGUMENT', ...p })) },
    )
  }
  return {
    datasetId: typeof datasetId === 'string' ? datasetId : null,
    entityType: typeof entityType === 'string' ? entityType : null,
    minSensitivityRank:
      typeof minSensitivity === 'string' ? SENSITIVITY_RANK[minSensitivity as Sensitivity] : null,
    includeTestValues: includeTestValues === false ? 0 : 1,
  }
}

/**
 * The primitive fields of a stored finding, decoded by the backend; `rows` and `previews`
 * are the parsed JSON arrays (not yet checked).
 */
export interface StoredFinding {
  readonly scanId: string
  readonly datasetId: string
  readonly datasetVersion: number
  readonly scannedAt: Date
  readonly column: string
  readonly entityType: string
  readonly matches: number
  readonly sampled: number
  readonly testValues: number
  readonly confidence: number
  readonly sensitivity: string
  readonly rows: unknown
  readonly previews: unknown
}

/**
 * A stored finding as the port returns it; fails with `ERR_CATALOG_CORRUPT` when the
 * sensitivity is unknown or the row numbers or previews are not what was written.
 */
export function toFinding(r: StoredFinding): Finding {
  const rows: unknown = r.rows
  const previews: unknown = r.previews
  const listsOk =
    Array.isArray(rows) &&
    rows.length <= MAX_FINDING_ROWS &&
    rows.every(isCount) &&
    Array.isArray(previews) &&
    previews.length <= MAX_FINDING_PREVIEWS &&
    previews.every((p) => typeof p === 'string')
  if (!SENSITIVITIES.has(r.sensitivity) || !listsOk) {
    throw new StrongroomError(
      'ERR_CATALOG_CORRUPT',
      `A finding of scan ${r.scanId} has a bad sensitivity, row list or preview list.`,
      { details: { scanId: r.scanId, column: r.column } },
    )
  }
  return {
    scanId: r.scanId,
    datasetId: r.datasetId,
    datasetVersion: r.datasetVersion,
    scannedAt: r.scannedAt,
    column: r.column,
    entityType: r.entityType,
    matches: r.matches,
    sampled: r.sampled,
    testValues: r.testValues,
    confidence: r.confidence,
    sensitivity: r.sensitivity as Sensitivity,
    rows,
    previews,
  }
}

/** Parses stored JSON text (SQLite) of a finding's list; `undefined` when not JSON. */
export function parseFindingList(json: string): unknown {
  try {
    return JSON.parse(json) as unknown
  } catch {
    return undefined
  }
}
