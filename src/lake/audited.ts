/**
 * Wraps lake operations with audit events. An operation that touches data first records a
 * `started` event and fails closed if that cannot be made durable; it then records
 * `success` (with rows and bytes) or `failure` (with the error code). Events carry names,
 * ids and counts only, never a data value.
 */
import { randomUUID } from 'node:crypto'
import type { AuditAction, AuditResource } from '../audit/audit-event.js'
import { isStrongroomError } from '../errors.js'
import type { LakeContext } from './context.js'

/** What an operation's events describe. */
export interface AuditedCall {
  readonly action: AuditAction
  readonly resources: readonly AuditResource[]
  readonly purpose?: string
}

/** Counts and resolved resources an operation reports on success. */
export interface AuditSummary {
  readonly rows?: number
  readonly bytes?: number
  readonly resources?: readonly AuditResource[]
}

function base(ctx: LakeContext, call: AuditedCall, requestId: string) {
  return {
    principal: ctx.principal,
    action: call.action,
    resources: call.resources,
    ...(call.purpose === undefined ? {} : { purpose: call.purpose }),
    decision: 'allow' as const,
    policyIds: [],
    requestId,
    client: ctx.client,
  }
}

function errorCodeOf(e: unknown): string {
  return isStrongroomError(e) ? e.code : 'ERR_INTERNAL'
}

/**
 * Runs `fn` between a durable `started` event and a `success` or `failure` event.
 * The `success` event is durable before the result is returned.
 */
export async function audited<T>(
  ctx: LakeContext,
  call: AuditedCall,
  fn: () => Promise<T>,
  summarize: (result: T) => AuditSummary = () => ({}),
): Promise<T> {
  const requestId = randomUUID()
  await ctx.audit.record({ ...base(ctx, call, requestId), outcome: 'started' })
  let result: T
  try {
    result = await fn()
  } catch (e) {
    // Best effort: the operation's own error is what the caller must see.
    await ctx.audit
      .record({ ...base(ctx, call, requestId), outcome: 'failure', errorCode: errorCodeOf(e) })
      .catch(() => undefined)
    throw e
  }
  const s = summarize(result)
  await ctx.audit.record({
    ...base(ctx, s.resources === undefined ? call : { ...call, resources: s.resources }, requestId),
    outcome: 'success',
    ...(s.rows === undefined ? {} : { rows: s.rows }),
    ...(s.bytes === undefined ? {} : { bytes: s.bytes }),
  })
  return result
}

/** A metadata read: one durable `success` event before the result is returned. */
export async function auditedLookup<T>(
  ctx: LakeContext,
  call: AuditedCall,
  fn: () => Promise<T>,
): Promise<T> {
  const requestId = randomUUID()
  let result: T
  try {
    result = await fn()
  } catch (e) {
    await ctx.audit
      .record({ ...base(ctx, call, requestId), outcome: 'failure', errorCode: errorCodeOf(e) })
      .catch(() => undefined)
    throw e
  }
  await ctx.audit.record({ ...base(ctx, call, requestId), outcome: 'success' })
  return result
}

/**
 * Streams batches between a durable `started` event (before the first batch) and a
 * `success` (rows delivered, also when the consumer stops early) or `failure` event.
 */
export async function* auditedStream<T extends { rowCount: number }>(
  ctx: LakeContext,
  call: AuditedCall,
  source: () => AsyncIterable<T>,
): AsyncIterable<T> {
  const requestId = randomUUID()
  await ctx.audit.record({ ...base(ctx, call, requestId), outcome: 'started' })
  let rows = 0
  let failed = false
  try {
    for await (const batch of source()) {
      rows += batch.rowCount
      yield batch
    }
  } catch (e) {
    failed = true
    await ctx.audit
      .record({
        ...base(ctx, call, requestId),
        outcome: 'failure',
        errorCode: errorCodeOf(e),
        rows,
      })
      .catch(() => undefined)
    throw e
  } finally {
    if (!failed) await ctx.audit.record({ ...base(ctx, call, requestId), outcome: 'success', rows })
  }
}

/** The audit resource naming a dataset (and optionally a version). */
export function datasetResource(name: string, id?: string, version?: number): AuditResource {
  return {
    type: 'dataset',
    name,
    ...(id === undefined ? {} : { id }),
    ...(version === undefined ? {} : { version }),
  }
}
