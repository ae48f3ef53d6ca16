/**
 * OpenLineage RunEvents (spec 2-0-2, https://openlineage.io/spec/2-0-2/OpenLineage.json)
 * for what Strongroom does: each operation is a job run whose inputs are files or lake
 * datasets and whose outputs are lake datasets (or exported files).
 *
 * The core spec only says a facet is an object with `_producer` and `_schemaURL`; the
 * shape of each facet is its own published spec, referenced by `_schemaURL`. We build:
 *
 * | facet (key)                  | spec                                       |
 * | ---------------------------- | ------------------------------------------ |
 * | `schema` (dataset)           | facets/1-1-1/SchemaDatasetFacet.json       |
 * | `dataSource` (dataset)       | facets/1-0-1/DatasourceDatasetFacet.json   |
 * | `columnLineage` (output)     | facets/1-2-0/ColumnLineageDatasetFacet.json|
 * | `strongroom_version` (dataset)| {@link STRONGROOM_VERSION_FACET_SCHEMA}   |
 * | `errorMessage` (run, FAIL)   | facets/1-0-1/ErrorMessageRunFacet.json     |
 * | `nominalTime` (run)          | facets/1-0-1/NominalTimeRunFacet.json      |
 *
 * Privacy: an event carries names, types, versions and error codes only. No data value,
 * no error message text (it may quote a value) and no stack trace ever goes into one.
 */
import { randomUUID } from 'node:crypto'
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

import type {
  ColumnTransformation,
  LineageColumnMapping,
  LineageEdge,
  LineageEdgeInput,
  LineageEventType,
} from '../catalog/catalog.js'
import type { DatasetSchema } from '../core/schema.js'
import { StrongroomError } from '../errors.js'
import type { ErrorCode } from '../errors.js'

/** The `producer` / `_producer` URI of everything Strongroom emits. */
export const STRONGROOM_PRODUCER = 'https://github.com/strongroom/strongroom'

/** The job namespace of every Strongroom job. */
export const STRONGROOM_JOB_NAMESPACE = 'strongroom'

/** The event's `schemaURL`: the RunEvent definition of spec 2-0-2. */
export const RUN_EVENT_SCHEMA_URL =
  'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent'

/** The OpenLineage dataset namespace of local files (OpenLineage naming spec: `file`). */
export const FILE_NAMESPACE = 'file'

/**
 * `_schemaURL` of each facet we build. Versions are the published ones whose fields we
 * use: SchemaDatasetFacet 1-1-1 (field `type`), ColumnLineageDatasetFacet 1-2-0 (per-input
 * `transformations` with `masking`; the older column-level `transformationType: MASKED` is
 * deprecated there), the rest unchanged since 1-0-1.
 */
export const FACET_SCHEMA_URLS = {
  schema:
    'https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
  dataSource:
    'https://openlineage.io/spec/facets/1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet',
  columnLineage:
    'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet',
  errorMessage:
    'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
  nominalTime:
    'https://openlineage.io/spec/facets/1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet',
  strongroom_version:
    'https://github.com/strongroom/strongroom/blob/main/spec/facets/1-0-0/StrongroomVersionDatasetFacet.json#/$defs/StrongroomVersionDatasetFacet',
} as const

/**
 * JSON Schema (2020-12) of the custom `strongroom_version` dataset facet, published at
 * {@link FACET_SCHEMA_URLS}`.strongroom_version`. Custom facets carry the producer's
 * prefix (`strongroom_`) so they never collide with a future standard facet.
 */
export const STRONGROOM_VERSION_FACET_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://github.com/strongroom/strongroom/blob/main/spec/facets/1-0-0/StrongroomVersionDatasetFacet.json',
  $defs: {
    StrongroomVersionDatasetFacet: {
      type: 'object',
      properties: {
        _producer: { type: 'string', format: 'uri' },
        _schemaURL: { type: 'string', format: 'uri' },
        version: {
          description: 'The immutable dataset version read or written.',
          type: 'integer',
          minimum: 1,
        },
        datasetId: { description: 'The dataset id in the Strongroom catalog.', type: 'string' },
      },
      required: ['_producer', '_schemaURL', 'version', 'datasetId'],
      additionalProperties: true,
    },
  },
  type: 'object',
  properties: { strongroom_version: { $ref: '#/$defs/StrongroomVersionDatasetFacet' } },
} as const

// ---------------------------------------------------------------------------------------
// OpenLineage shapes (only what we build)

/** Every facet: the producer and the facet's own schema URL (spec 2-0-2 `BaseFacet`). */
export interface OpenLineageBaseFacet {
  readonly _producer: string
  readonly _schemaURL: string
}

/** `schema` dataset facet (SchemaDatasetFacet 1-1-1). */
export interface SchemaDatasetFacet extends OpenLineageBaseFacet {
  readonly fields: readonly { readonly name: string; readonly type?: string }[]
}

/** `dataSource` dataset facet (DatasourceDatasetFacet 1-0-1). */
export interface DatasourceDatasetFacet extends OpenLineageBaseFacet {
  readonly name: string
  readonly uri: string
}

/** One transformation of an input field (ColumnLineageDatasetFacet 1-2-0). */
export interface ColumnLineageTransformation {
  /** `DIRECT`: the value is computed from the input field. */
  readonly type: 'DIRECT' | 'INDIRECT'
  readonly subtype?: 'IDENTITY' | 'TRANSFORMATION' | 'AGGREGATION'
  readonly description?: string
  /** True when the output does not reveal the input value (masked, tokenized). */
  readonly masking?: boolean
}

/** One input field an output column depends on (ColumnLineageDatasetFacet 1-2-0). */
export interface ColumnLineageInputField {
  readonly namespace: string
  readonly name: string
  readonly field: string
  readonly transformations?: readonly ColumnLineageTransformation[]
}

/** `columnLineage` dataset facet (ColumnLineageDatasetFacet 1-2-0). */
export interface ColumnLineageDatasetFacet extends OpenLineageBaseFacet {
  readonly fields: Readonly<
    Record<string, { readonly inputFields: readonly ColumnLineageInputField[] }>
  >
}

/** `strongroom_version` dataset facet: the lake version read or written. */
export interface StrongroomVersionDatasetFacet extends OpenLineageBaseFacet {
  readonly version: number
  readonly datasetId: string
}

/** `errorMessage` run facet (ErrorMessageRunFacet 1-0-1); `message` is the error code. */
export interface ErrorMessageRunFacet extends OpenLineageBaseFacet {
  readonly message: ErrorCode
  readonly programmingLanguage: string
}

/** `nominalTime` run facet (NominalTimeRunFacet 1-0-1). */
export interface NominalTimeRunFacet extends OpenLineageBaseFacet {
  readonly nominalStartTime: string
  readonly nominalEndTime?: string
}

/** The facets a Strongroom dataset may carry. */
export interface OpenLineageDatasetFacets {
  readonly schema?: SchemaDatasetFacet
  readonly dataSource?: DatasourceDatasetFacet
  readonly columnLineage?: ColumnLineageDatasetFacet
  readonly strongroom_version?: StrongroomVersionDatasetFacet
}

/** An input or output dataset of a run event. */
export interface OpenLineageDataset {
  readonly namespace: string
  readonly name: string
  readonly facets?: OpenLineageDatasetFacets
}

/** An OpenLineage 2-0-2 RunEvent, as sent to a consumer. */
export interface OpenLineageRunEvent {
  readonly eventType: LineageEventType
  readonly eventTime: string
  readonly producer: string
  readonly schemaURL: string
  readonly run: {
    readonly runId: string
    readonly facets?: {
      readonly errorMessage?: ErrorMessageRunFacet
      readonly nominalTime?: NominalTimeRunFacet
    }
  }
  readonly job: { readonly namespace: string; readonly name: string }
  readonly inputs: readonly OpenLineageDataset[]
  readonly outputs: readonly OpenLineageDataset[]
}

// ---------------------------------------------------------------------------------------
// What callers describe (Strongroom terms)

/** A file outside the lake, read (ingest) or written (export). */
export interface LineageFileRef {
  readonly kind: 'file'
  /** The file's path; made absolute against the working directory. */
  readonly path: string
  /** Its columns, when known (e.g. from the scan). */
  readonly schema?: DatasetSchema
}

/** A lake dataset. */
export interface LineageDatasetRef {
  readonly kind: 'dataset'
  /** The lake's id: the dataset namespace is `strongroom://<lakeId>`. */
  readonly lakeId: string
  readonly namespace: string
  readonly name: string
  /** Its columns (of the version read or written), when known. */
  readonly schema?: DatasetSchema
  /**
   * The version read or written, once known (a START event of an ingest has none yet);
   * becomes the `strongroom_version` facet.
   */
  readonly version?: { readonly datasetId: string; readonly version: number }
}

/** A run input. */
export type LineageInput = LineageFileRef | LineageDatasetRef

/** One source column of an output column: `field` of the input at index `input` (default 0). */
export interface ColumnSource {
  /** Index into the run's `inputs`; default 0, the usual single input. */
  readonly input?: number
  readonly field: string
}

/** How one output column was made. */
export interface OutputColumnLineage {
  /** The output column. */
  readonly target: string
  readonly sources: readonly ColumnSource[]
  readonly transformation: ColumnTransformation
}

/** A run output, with optional column-level lineage. */
export type LineageOutput = (LineageFileRef | LineageDatasetRef) & {
  readonly columnLineage?: readonly OutputColumnLineage[]
}

/** What {@link buildRunEvent} and {@link lineageEdgesOf} describe: one run of one job. */
interface RunDescriptionBase {
  /** The run id, a UUID (v4 from {@link newRunId}); the same for START and its end event. */
  readonly runId: string
  /** The job; namespace defaults to {@link STRONGROOM_JOB_NAMESPACE}. */
  readonly job: { readonly namespace?: string; readonly name: string }
  readonly inputs?: readonly LineageInput[]
  readonly outputs?: readonly LineageOutput[]
  /** Default: now. */
  readonly eventTime?: Date
  /** Default: {@link STRONGROOM_PRODUCER}. Must be an absolute URI. */
  readonly producer?: string
  /** The scheduled time of the run (`nominalTime` run facet), when scheduled. */
  readonly nominalTime?: { readonly start: Date; readonly end?: Date }
}

/**
 * Options for {@link buildRunEvent}. A FAIL event needs the failure's error code, which is
 * all it reports (`errorMessage` facet): never the message text, which may quote data.
 */
export type BuildRunEventOptions = RunDescriptionBase &
  (
    | { readonly eventType: 'START' | 'COMPLETE'; readonly errorCode?: undefined }
    | { readonly eventType: 'FAIL'; readonly errorCode: ErrorCode }
  )

// ---------------------------------------------------------------------------------------

/** A new run id: a random (v4) UUID, as the spec asks for `runId`. */
export function newRunId(): string {
  return randomUUID()
}

/**
 * The job name of an operation on a dataset: `<operation>.<namespace>.<name>`, e.g.
 * `ingest.crm.customers`.
 */
export function jobName(operation: string, dataset: { namespace: string; name: string }): string {
  return `${operation}.${dataset.namespace}.${dataset.name}`
}

/** RFC 9562 textual UUID (any version; the spec's `format: uuid`). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Builds an OpenLineage 2-0-2 RunEvent.
 *
 * Fails with `ERR_USAGE_INVALID_ARGUMENT` on a run id that is not a UUID, a producer that
 * is not an absolute URI, a bad date, or column lineage naming an input that is not there.
 *
 * @example
 * ```ts
 * const runId = newRunId()
 * const input = { kind: 'file', path: 'customers.csv', schema } as const
 * const output = {
 *   kind: 'dataset', lakeId, namespace: 'crm', name: 'customers', schema,
 *   version: { datasetId: ds.id, version: 1 },
 *   columnLineage: [{ target: 'email', sources: [{ field: 'email' }], transformation: 'tokenized' }],
 * } as const
 * const job = { name: jobName('ingest', output) }
 * await emitter.emit(buildRunEvent({ eventType: 'START', runId, job, inputs: [input] }))
 * await emitter.emit(buildRunEvent({ eventType: 'COMPLETE', runId, job, inputs: [input], outputs: [output] }))
 * ```
 */
export function buildRunEvent(options: BuildRunEventOptions): OpenLineageRunEvent {
  if (!UUID.test(options.runId)) throw invalid('The run id is not a UUID.', 'runId')
  const producer = options.producer ?? STRONGROOM_PRODUCER
  if (!isAbsoluteUri(producer)) throw invalid('The producer is not an absolute URI.', 'producer')
  const eventTime = isoTime(options.eventTime ?? new Date(), 'eventTime')
  const inputs = options.inputs ?? []
  const outputs = options.outputs ?? []
  const inputIds = inputs.map(datasetIdentity)

  const runFacets: {
    errorMessage?: ErrorMessageRunFacet
    nominalTime?: NominalTimeRunFacet
  } = {}
  if (options.eventType === 'FAIL') {
    runFacets.errorMessage = {
      _producer: producer,
      _schemaURL: FACET_SCHEMA_URLS.errorMessage,
      // The code only: StrongroomError messages are value-free by design, but a FAIL may
      // wrap any error, and a lineage consumer is a system outside the trust boundary.
      message: options.errorCode,
      programmingLanguage: 'JavaScript',
    }
  }
  if (options.nominalTime !== undefined) {
    const { start, end } = options.nominalTime
    runFacets.nominalTime = {
      _producer: producer,
      _schemaURL: FACET_SCHEMA_URLS.nominalTime,
      nominalStartTime: isoTime(start, 'nominalTime.start'),
      ...(end === undefined ? {} : { nominalEndTime: isoTime(end, 'nominalTime.end') }),
    }
  }

  return {
    eventType: options.eventType,
    eventTime,
    producer,
    schemaURL: RUN_EVENT_SCHEMA_URL,
    run: {
      runId: options.runId,
      ...(Object.keys(runFacets).length === 0 ? {} : { facets: runFacets }),
    },
    job: {
      namespace: options.job.namespace ?? STRONGROOM_JOB_NAMESPACE,
      name: options.job.name,
    },
    inputs: inputs.map((ref) => toDataset(ref, producer, undefined)),
    outputs: outputs.map((ref, i) =>
      toDataset(ref, producer, columnLineageFacet(ref, inputIds, producer, i)),
    ),
  }
}

/**
 * The catalog lineage edges of a run: one per (input, output) pair, carrying the output
 * columns computed from that input. Record them once the run's commit succeeded
 * (`eventType` `COMPLETE`), so the graph only shows data that exists.
 *
 * @example
 * ```ts
 * await catalog.recordLineage(lineageEdgesOf({ ...run, eventType: 'COMPLETE' }, () => newId('lin')))
 * ```
 */
export function lineageEdgesOf(
  options: BuildRunEventOptions,
  newEdgeId: () => string,
): LineageEdgeInput[] {
  const eventTime = options.eventTime ?? new Date()
  const inputs = options.inputs ?? []
  const edges: LineageEdgeInput[] = []
  ;(options.outputs ?? []).forEach((out, o) => {
    checkColumnSources(out, inputs.length, o)
    inputs.forEach((input, i) => {
      const columnMap: LineageColumnMapping[] = []
      for (const c of out.columnLineage ?? []) {
        const sources = c.sources.filter((s) => (s.input ?? 0) === i).map((s) => s.field)
        if (sources.length > 0) {
          columnMap.push({ target: c.target, sources, transformation: c.transformation })
        }
      }
      edges.push({
        id: newEdgeId(),
        runId: options.runId,
        job: options.job.name,
        eventType: options.eventType,
        eventTime,
        sourceKind: input.kind,
        sourceName: nodeName(input),
        sourceVersion: input.kind === 'dataset' ? (input.version?.version ?? null) : null,
        targetKind: out.kind,
        targetName: nodeName(out),
        targetVersion: out.kind === 'dataset' ? (out.version?.version ?? null) : null,
        columnMap,
      })
    })
  })
  return edges
}

/** Options for {@link runEventsFromEdges}. */
export interface RunEventsFromEdgesOptions {
  /** The lake the edges were recorded in: dataset namespaces are `strongroom://<lakeId>`. */
  readonly lakeId: string
  /** Default: {@link STRONGROOM_PRODUCER}. */
  readonly producer?: string
  /**
   * Dataset ids by `namespace.name`: a dataset endpoint with a version and a known id gets
   * the `strongroom_version` facet (edges do not store the id).
   */
  readonly datasetIds?: ReadonlyMap<string, string>
}

/**
 * Rebuilds COMPLETE RunEvents from recorded catalog edges, one per run, for replaying a
 * lake's lineage into a consumer (`strongroom lineage emit`). Only `COMPLETE` edges are
 * replayed: a FAIL edge lacks its error code, and START is superseded by the completion.
 * Schema facets are absent (the edges hold no schema); column lineage is rebuilt.
 */
export function runEventsFromEdges(
  edges: readonly LineageEdge[],
  options: RunEventsFromEdgesOptions,
): OpenLineageRunEvent[] {
  const runs = new Map<string, LineageEdge[]>()
  for (const e of edges) {
    if (e.eventType !== 'COMPLETE') continue
    const list = runs.get(e.runId)
    if (list === undefined) runs.set(e.runId, [e])
    else list.push(e)
  }
  const events: OpenLineageRunEvent[] = []
  for (const [runId, runEdges] of runs) {
    const inputs: LineageInput[] = []
    const inputIndex = new Map<string, number>()
    const outputs = new Map<string, { ref: LineageInput; columns: OutputColumnLineage[] }>()
    for (const e of runEdges) {
      const source = refOf(e.sourceKind, e.sourceName, e.sourceVersion, options)
      const sourceKey = `${e.sourceKind}:${e.sourceName}:${String(e.sourceVersion)}`
      let i = inputIndex.get(sourceKey)
      if (i === undefined) {
        i = inputs.length
        inputs.push(source)
        inputIndex.set(sourceKey, i)
      }
      const targetKey = `${e.targetKind}:${e.targetName}:${String(e.targetVersion)}`
      let out = outputs.get(targetKey)
      if (out === undefined) {
        out = { ref: refOf(e.targetKind, e.targetName, e.targetVersion, options), columns: [] }
        outputs.set(targetKey, out)
      }
      const input = i
      for (const m of e.columnMap) {
        out.columns.push({
          target: m.target,
          sources: m.sources.map((field) => ({ input, field })),
          transformation: m.transformation,
        })
      }
    }
    const first = runEdges[0]
    if (first === undefined) continue
    const eventTime = new Date(Math.max(...runEdges.map((e) => e.eventTime.getTime())))
    events.push(
      buildRunEvent({
        eventType: 'COMPLETE',
        runId,
        job: { name: first.job },
        inputs,
        outputs: [...outputs.values()].map(({ ref, columns }) => ({
          ...ref,
          ...(columns.length === 0 ? {} : { columnLineage: columns }),
        })),
        eventTime,
        ...(options.producer === undefined ? {} : { producer: options.producer }),
      }),
    )
  }
  return events
}

function refOf(
  kind: 'file' | 'dataset',
  name: string,
  version: number | null,
  options: RunEventsFromEdgesOptions,
): LineageInput {
  if (kind === 'file') return { kind: 'file', path: name }
  const dot = name.indexOf('.')
  const datasetId = options.datasetIds?.get(name)
  return {
    kind: 'dataset',
    lakeId: options.lakeId,
    namespace: dot < 0 ? name : name.slice(0, dot),
    name: dot < 0 ? '' : name.slice(dot + 1),
    ...(version === null || datasetId === undefined ? {} : { version: { datasetId, version } }),
  }
}

/**
 * The name a node has in the catalog's lineage graph: the absolute path of a file,
 * `namespace.name` of a dataset.
 */
export function nodeName(ref: LineageFileRef | LineageDatasetRef): string {
  return ref.kind === 'file' ? absolutePath(ref.path) : `${ref.namespace}.${ref.name}`
}

/** The OpenLineage dataset namespace of a lake: `strongroom://<lakeId>`. */
export function lakeNamespace(lakeId: string): string {
  return `strongroom://${encodeURIComponent(lakeId)}`
}

// ---------------------------------------------------------------------------------------

function invalid(message: string, field: string): StrongroomError {
  return new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', message, { details: { field } })
}

function isAbsoluteUri(s: string): boolean {
  try {
    return new URL(s).protocol.length > 1
  } catch {
    return false
  }
}

function isoTime(d: Date, field: string): string {
  if (!(d instanceof Date) || Number.isNaN(d.getTime()))
    throw invalid('A time is not valid.', field)
  return d.toISOString()
}

function absolutePath(path: string): string {
  return isAbsolute(path) ? path : resolve(path)
}

/** The OpenLineage namespace and name of a file or lake dataset. */
function datasetIdentity(ref: LineageFileRef | LineageDatasetRef): {
  namespace: string
  name: string
} {
  return ref.kind === 'file'
    ? { namespace: FILE_NAMESPACE, name: absolutePath(ref.path) }
    : { namespace: lakeNamespace(ref.lakeId), name: `${ref.namespace}.${ref.name}` }
}

function toDataset(
  ref: LineageFileRef | LineageDatasetRef,
  producer: string,
  columnLineage: ColumnLineageDatasetFacet | undefined,
): OpenLineageDataset {
  const { namespace, name } = datasetIdentity(ref)
  const facets: {
    schema?: SchemaDatasetFacet
    dataSource?: DatasourceDatasetFacet
    columnLineage?: ColumnLineageDatasetFacet
    strongroom_version?: StrongroomVersionDatasetFacet
  } = {
    dataSource: {
      _producer: producer,
      _schemaURL: FACET_SCHEMA_URLS.dataSource,
      name: namespace,
      // A file:// URL percent-encodes what a path may hold (spaces, #, %, non-ASCII).
      uri:
        ref.kind === 'file'
          ? pathToFileURL(name).href
          : `${namespace}/${encodeURIComponent(ref.namespace)}.${encodeURIComponent(ref.name)}`,
    },
  }
  if (ref.schema !== undefined) {
    facets.schema = {
      _producer: producer,
      _schemaURL: FACET_SCHEMA_URLS.schema,
      fields: ref.schema.columns.map((c) => ({ name: c.name, type: c.type })),
    }
  }
  if (columnLineage !== undefined) facets.columnLineage = columnLineage
  if (ref.kind === 'dataset' && ref.version !== undefined) {
    facets.strongroom_version = {
      _producer: producer,
      _schemaURL: FACET_SCHEMA_URLS.strongroom_version,
      version: ref.version.version,
      datasetId: ref.version.datasetId,
    }
  }
  return { namespace, name, facets }
}

/** Fails when column lineage names an input index the run does not have. */
function checkColumnSources(out: LineageOutput, inputCount: number, outputIndex: number): void {
  for (const c of out.columnLineage ?? []) {
    for (const s of c.sources) {
      const i = s.input ?? 0
      if (!Number.isInteger(i) || i < 0 || i >= inputCount) {
        throw invalid(
          'Column lineage names an input the run does not have.',
          `outputs[${String(outputIndex)}].columnLineage`,
        )
      }
    }
  }
}

/**
 * OpenLineage 1-2-0 transformation of a {@link ColumnTransformation}. Masking and
 * tokenization are DIRECT transformations with `masking: true`: the output is computed from
 * the input value but does not reveal it. The description is the kind alone, never a
 * parameter (a key id, a mask pattern could be sensitive).
 */
function transformationOf(t: ColumnTransformation): ColumnLineageTransformation {
  switch (t) {
    case 'identity':
      return { type: 'DIRECT', subtype: 'IDENTITY', description: 'identity', masking: false }
    case 'transformed':
      return {
        type: 'DIRECT',
        subtype: 'TRANSFORMATION',
        description: 'transformed',
        masking: false,
      }
    case 'masked':
      return { type: 'DIRECT', subtype: 'TRANSFORMATION', description: 'masked', masking: true }
    case 'tokenized':
      return { type: 'DIRECT', subtype: 'TRANSFORMATION', description: 'tokenized', masking: true }
  }
}

function columnLineageFacet(
  out: LineageOutput,
  inputIds: readonly { namespace: string; name: string }[],
  producer: string,
  outputIndex: number,
): ColumnLineageDatasetFacet | undefined {
  if (out.columnLineage === undefined || out.columnLineage.length === 0) return undefined
  checkColumnSources(out, inputIds.length, outputIndex)
  // A Map, then fromEntries: a column named `__proto__` stays an ordinary own key.
  const fields = new Map<string, { inputFields: ColumnLineageInputField[] }>()
  for (const c of out.columnLineage) {
    const inputFields = c.sources.map((s): ColumnLineageInputField => {
      // checkColumnSources proved the index is in range.
      const id = inputIds[s.input ?? 0] ?? { namespace: '', name: '' }
      return { ...id, field: s.field, transformations: [transformationOf(c.transformation)] }
    })
    // The same target listed twice merges: a column can draw on several inputs.
    const existing = fields.get(c.target)
    if (existing === undefined) fields.set(c.target, { inputFields })
    else existing.inputFields.push(...inputFields)
  }
  return {
    _producer: producer,
    _schemaURL: FACET_SCHEMA_URLS.columnLineage,
    fields: Object.fromEntries(fields),
  }
}
