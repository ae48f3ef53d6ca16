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
import { collectDecisions } from './decisions.js'

/** What an operation's events describe. */
export interface AuditedCall {
  readonly action: AuditAction
  readonly resources: readonly AuditResource[]
  readonly purpose?: string
  /** The policies that allowed the operation, when decided before it starts. */
  readonly policyIds?: readonly string[]
}

/** Counts and resolved resources an operation reports on success. */
export interface AuditSummary {
  readonly rows?: number
  readonly bytes?: number
  readonly resources?: readonly AuditResource[]
  /** The policies that allowed the operation, when decided inside it. */
  readonly policyIds?: readonly string[]
}

function base(ctx: LakeContext, call: AuditedCall, requestId: string) {
  return {
    principal: ctx.principal,
    action: call.action,
    resources: call.resources,
    ...(call.purpose === undefined ? {} : { purpose: call.purpose }),
    decision: 'allow' as const,
    policyIds: call.policyIds ?? [],
    requestId,
    client: ctx.client,
  }
}

/** The failure event of `e`: a denial is recorded as one, with the policies that denied. */
function failure(ctx: LakeContext, call: AuditedCall, requestId: string, e: unknown) {
  const denied =
    isStrongroomError(e) &&
    (e.code === 'ERR_AUTHZ_DENIED' || e.code === 'ERR_AUTHZ_UNKNOWN_PRINCIPAL')
  const policies = denied ? e.details?.['policies'] : undefined
  return {
    ...base(ctx, call, requestId),
    ...(denied
      ? {
          decision: 'deny' as const,
          policyIds: typeof policies === 'string' && policies !== '' ? policies.split(',') : [],
        }
      : {}),
    outcome: 'failure' as const,
    errorCode: errorCodeOf(e),
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
  let decided: string[]
  try {
    ;({ result, policyIds: decided } = await collectDecisions(fn))
  } catch (e) {
    // Best effort: the operation's own error is what the caller must see.
    await ctx.audit.record(failure(ctx, call, requestId, e)).catch(() => undefined)
    throw e
  }
  const s = summarize(result)
  const policyIds = [...new Set([...(call.policyIds ?? []), ...(s.policyIds ?? []), ...decided])]
  const done: AuditedCall = {
    ...call,
    ...(s.resources === undefined ? {} : { resources: s.resources }),
    policyIds: policyIds.sort(),
  }
  await ctx.audit.record({
    ...base(ctx, done, requestId),
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
  let policyIds: string[]
  try {
    ;({ result, policyIds } = await collectDecisions(fn))
  } catch (e) {
    await ctx.audit.record(failure(ctx, call, requestId, e)).catch(() => undefined)
    throw e
  }
  await ctx.audit.record({
    ...base(ctx, { ...call, policyIds: [...(call.policyIds ?? []), ...policyIds] }, requestId),
    outcome: 'success',
  })
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
    await ctx.audit.record({ ...failure(ctx, call, requestId, e), rows }).catch(() => undefined)
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

/**
 * Decides first, then streams: a refused decision is one `failure` event (a denial with its
 * policies); an allowed one streams through {@link auditedStream} with the policies that
 * allowed it.
 */
export async function* decidedStream<D, T extends { rowCount: number }>(
  ctx: LakeContext,
  call: AuditedCall,
  decide: () => Promise<D>,
  policyIdsOf: (decision: D) => readonly string[],
  source: (decision: D) => AsyncIterable<T>,
): AsyncIterable<T> {
  let decision: D
  try {
    decision = await decide()
  } catch (e) {
    await ctx.audit.record(failure(ctx, call, randomUUID(), e)).catch(() => undefined)
    throw e
  }
  yield* auditedStream(ctx, { ...call, policyIds: policyIdsOf(decision) }, () => source(decision))
}

/**
 * Runs a decision ahead of an operation that audits itself later: a refusal is recorded as
 * the operation's `failure` event (a denial, with its policies) and rethrown; an allowed
 * decision records nothing of its own.
 */
export async function guarded<D>(
  ctx: LakeContext,
  call: AuditedCall,
  decide: () => Promise<D>,
): Promise<D> {
  try {
    return await decide()
  } catch (e) {
    await ctx.audit.record(failure(ctx, call, randomUUID(), e)).catch(() => undefined)
    throw e
  }
}
