/**
 * The lineage emitter port: where OpenLineage RunEvents go. Backends: an HTTP consumer
 * (Marquez's `POST /api/v1/lineage`, or any OpenLineage HTTP endpoint) and a no-op for
 * lakes with lineage export switched off.
 */
import { StrongroomError } from '../errors.js'
import { abortedError, throwIfAborted } from '../lib/abort.js'
import type { OpenLineageRunEvent } from './openlineage.js'

/** Options for {@link LineageEmitter.emit}. */
export interface EmitOptions {
  /** Stops retrying and aborts the request in flight (`ERR_OPERATION_ABORTED`). */
  readonly signal?: AbortSignal
}

/**
 * Sends OpenLineage events somewhere. `emit` resolves once the consumer accepted the
 * event; `close` waits for emits in flight, after which `emit` fails.
 */
export interface LineageEmitter {
  emit(event: OpenLineageRunEvent, options?: EmitOptions): Promise<void>
  close(): Promise<void>
}

/** The few `fetch` response members we use. */
export interface FetchResponseLike {
  readonly status: number
  readonly headers: { get(name: string): string | null }
  readonly body?: { cancel(): Promise<void> } | null
}

/** A `fetch`-compatible function (the global `fetch` by default). */
export type FetchLike = (
  url: string,
  init: {
    method: string
    headers: Record<string, string>
    body: string
    signal: AbortSignal
    redirect: 'manual'
  },
) => Promise<FetchResponseLike>

/** Options for {@link createHttpLineageEmitter}. */
export interface HttpLineageEmitterOptions {
  /** The consumer endpoint, e.g. `http://marquez:5000/api/v1/lineage`. */
  readonly url: string
  /** Extra request headers, e.g. `{ Authorization: 'Bearer …' }`. */
  readonly headers?: Readonly<Record<string, string>>
  /** Retries after the first attempt, on network errors, timeouts, 429 and 5xx. Default 5. */
  readonly retries?: number
  /** Backoff base: attempt n waits a random time in [0, baseDelayMs * 2^n). Default 200. */
  readonly baseDelayMs?: number
  /** Longest single backoff wait, in ms, also capping `Retry-After`. Default 30000. */
  readonly maxDelayMs?: number
  /** Per-attempt timeout in ms. Default 5000. */
  readonly timeoutMs?: number
  /** Replaces the global `fetch` (tests, proxies). */
  readonly fetchImpl?: FetchLike
}

/**
 * An emitter that POSTs each event as JSON to an OpenLineage HTTP consumer.
 *
 * Retries with exponential backoff and full jitter (AWS Architecture Blog, "Exponential
 * Backoff and Jitter"): many Strongroom processes failing against one restarting consumer
 * spread their retries instead of hitting it in lockstep. Network errors, timeouts, 429 and
 * 5xx are retried (transient); other statuses are not (the request itself is wrong, and
 * resending it cannot help). Redirects are not followed, so headers such as an
 * `Authorization` token never go to a host the operator did not configure.
 *
 * Failures are `ERR_STORAGE_UNAVAILABLE` with `status` (0 when no response arrived),
 * `attempts` and `retryable` in `details`; the message never holds the event or the URL
 * (it may carry credentials).
 *
 * @example
 * ```ts
 * const emitter = createHttpLineageEmitter({ url: 'http://localhost:5000/api/v1/lineage' })
 * await emitter.emit(buildRunEvent({ eventType: 'START', runId: newRunId(), job: { name: 'ingest.crm.customers' } }))
 * await emitter.close()
 * ```
 */
export function createHttpLineageEmitter(options: HttpLineageEmitterOptions): LineageEmitter {
  const retries = nonNegativeInt(options.retries ?? 5, 'retries')
  const baseDelayMs = nonNegativeInt(options.baseDelayMs ?? 200, 'baseDelayMs')
  const maxDelayMs = nonNegativeInt(options.maxDelayMs ?? 30_000, 'maxDelayMs')
  const timeoutMs = nonNegativeInt(options.timeoutMs ?? 5000, 'timeoutMs')
  let url: URL
  try {
    url = new URL(options.url)
  } catch (cause) {
    throw new StrongroomError('ERR_CONFIG_INVALID', 'The lineage URL is not a valid URL.', {
      cause,
    })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StrongroomError('ERR_CONFIG_INVALID', 'The lineage URL must be http or https.', {
      details: { protocol: url.protocol },
    })
  }
  const target = url.href
  const fetchImpl: FetchLike = options.fetchImpl ?? globalThis.fetch
  // A caller's own Content-Type (any case) is dropped, not merged: fetch would join both
  // values into one header, and the body is JSON whatever the caller says.
  const headers: Record<string, string> = {
    ...Object.fromEntries(
      Object.entries(options.headers ?? {}).filter(([k]) => k.toLowerCase() !== 'content-type'),
    ),
    'Content-Type': 'application/json',
  }
  const inFlight = new Set<Promise<unknown>>()
  let closed = false

  async function send(event: OpenLineageRunEvent, signal: AbortSignal | undefined): Promise<void> {
    const body = JSON.stringify(event)
    let lastStatus = 0
    let lastCause: unknown
    let retryAfterMs: number | undefined
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        const backoff = Math.random() * baseDelayMs * 2 ** (attempt - 1)
        await sleep(Math.min(maxDelayMs, Math.max(backoff, retryAfterMs ?? 0)), signal)
      }
      throwIfAborted(signal, ABORTED)
      const timeout = AbortSignal.timeout(timeoutMs)
      const attemptSignal = signal === undefined ? timeout : AbortSignal.any([signal, timeout])
      let res: FetchResponseLike
      try {
        res = await fetchImpl(target, {
          method: 'POST',
          headers,
          body,
          signal: attemptSignal,
          redirect: 'manual',
        })
      } catch (e) {
        throwIfAborted(signal, ABORTED)
        // Network error or per-attempt timeout: transient, retry.
        lastStatus = 0
        lastCause = e
        retryAfterMs = undefined
        continue
      }
      // Free the connection for reuse; the consumer's reply body is of no interest.
      await res.body?.cancel().catch(() => undefined)
      if (res.status >= 200 && res.status < 300) return
      lastStatus = res.status
      lastCause = undefined
      if (res.status !== 429 && res.status < 500) {
        throw failure(res.status, attempt + 1, false, undefined)
      }
      retryAfterMs = parseRetryAfter(res.headers.get('retry-after'))
    }
    throw failure(lastStatus, retries + 1, true, lastCause)
  }

  return {
    async emit(event: OpenLineageRunEvent, emitOptions: EmitOptions = {}): Promise<void> {
      if (closed) {
        throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'The lineage emitter is closed.')
      }
      const p = send(event, emitOptions.signal)
      inFlight.add(p)
      try {
        await p
      } finally {
        inFlight.delete(p)
      }
    },
    async close(): Promise<void> {
      closed = true
      // Let emits in flight finish (their callers see the outcome), so a CLI that closes
      // before exiting does not drop the last COMPLETE event.
      await Promise.allSettled([...inFlight])
    },
  }
}

/**
 * An emitter that drops every event: the default when no lineage consumer is configured,
 * so callers emit unconditionally.
 */
export function createNoopLineageEmitter(): LineageEmitter {
  return {
    emit: () => Promise.resolve(),
    close: () => Promise.resolve(),
  }
}

// ---------------------------------------------------------------------------------------

const ABORTED = 'Lineage emit aborted.'

function nonNegativeInt(n: number, option: string): number {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new StrongroomError(
      'ERR_CONFIG_INVALID',
      `Lineage option ${option} must be a whole number >= 0.`,
      { details: { option } },
    )
  }
  return n
}

function failure(
  status: number,
  attempts: number,
  retryable: boolean,
  cause: unknown,
): StrongroomError {
  const hint = !retryable
    ? status >= 300 && status < 400
      ? 'The lineage URL redirects; configure the final URL.'
      : status === 401 || status === 403
        ? 'Check the credentials in the lineage headers.'
        : 'The lineage consumer rejected the event; check the URL points at an OpenLineage endpoint.'
    : 'Check that the lineage consumer (e.g. Marquez) is running and reachable.'
  return new StrongroomError(
    'ERR_STORAGE_UNAVAILABLE',
    status === 0
      ? `The lineage consumer did not answer after ${String(attempts)} attempt(s).`
      : `The lineage consumer answered HTTP ${String(status)} after ${String(attempts)} attempt(s).`,
    { cause, hint, details: { status, attempts, retryable } },
  )
}

/** `Retry-After` in ms (delta-seconds or an HTTP date, RFC 9110 §10.2.3), if present. */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortedError(signal, ABORTED))
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      if (signal !== undefined) reject(abortedError(signal, ABORTED))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
