/**
 * Lineage for lake operations: OpenLineage START/COMPLETE/FAIL events to the configured
 * consumer (best effort: a consumer being down never fails a data operation) and lineage
 * edges in the catalog once a run completed (so the graph only shows data that exists).
 */
import { newId } from '../core/ids.js'
import { parseDatasetName } from '../core/names.js'
import type { DatasetSchema } from '../core/schema.js'
import { isStrongroomError, type ErrorCode } from '../errors.js'
import type { LineageEmitter } from '../lineage/emitter.js'
import {
  buildRunEvent,
  jobName,
  lineageEdgesOf,
  newRunId,
  type LineageDatasetRef,
  type LineageInput,
  type LineageOutput,
  type OpenLineageRunEvent,
  type OutputColumnLineage,
} from '../lineage/openlineage.js'
import type { LakeContext } from './context.js'

/** Where lineage goes; part of the lake context. */
export interface LineageSink {
  readonly lakeId: string
  readonly emitter: LineageEmitter
}

/** A dataset reference in this lake. */
export function datasetRef(
  lakeId: string,
  qualified: string,
  schema?: DatasetSchema,
  version?: { datasetId: string; version: number },
): LineageDatasetRef {
  const { namespace, name } = parseDatasetName(qualified)
  return {
    kind: 'dataset',
    lakeId,
    namespace,
    name,
    ...(schema === undefined ? {} : { schema }),
    ...(version === undefined ? {} : { version }),
  }
}

/** Every column carried over unchanged (ingest and plain export). */
export function identityColumns(schema: DatasetSchema): readonly OutputColumnLineage[] {
  return schema.columns.map((c) => ({
    target: c.name,
    sources: [{ field: c.name }],
    transformation: 'identity' as const,
  }))
}

async function emitQuietly(sink: LineageSink, event: OpenLineageRunEvent): Promise<void> {
  // The consumer is outside the trust boundary and outside the transaction: its failure
  // is not the operation's failure.
  await sink.emitter.emit(event).catch(() => undefined)
}

/** A run being traced: START now, then COMPLETE (with edges) or FAIL. */
export interface TracedRun {
  complete(inputs: readonly LineageInput[], outputs: readonly LineageOutput[]): Promise<void>
  fail(error: unknown): Promise<void>
}

/** Starts tracing a run of `operation` on `dataset`. */
export async function traceRun(
  ctx: LakeContext,
  operation: string,
  dataset: string,
  inputs: readonly LineageInput[],
): Promise<TracedRun> {
  const sink = ctx.lineage
  const runId = newRunId()
  const job = { name: jobName(operation, parseDatasetName(dataset)) }
  await emitQuietly(sink, buildRunEvent({ eventType: 'START', runId, job, inputs: [...inputs] }))
  return {
    async complete(ins, outs) {
      const options = {
        eventType: 'COMPLETE' as const,
        runId,
        job,
        inputs: [...ins],
        outputs: [...outs],
      }
      await ctx.catalog.recordLineage(lineageEdgesOf(options, () => newId('lin')))
      await emitQuietly(sink, buildRunEvent(options))
    },
    async fail(error) {
      const code: ErrorCode = isStrongroomError(error) ? error.code : 'ERR_INTERNAL'
      await emitQuietly(
        sink,
        buildRunEvent({ eventType: 'FAIL', runId, job, inputs: [...inputs], errorCode: code }),
      )
    },
  }
}
