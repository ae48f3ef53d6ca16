/**
 * AbortSignal helpers. Internal helper (`src/lib/`).
 *
 * Every helper reports an abort as `ERR_OPERATION_ABORTED`, with the signal's `reason` as
 * the cause and `message` saying what was aborted.
 */
import { StrongroomError } from '../errors.js'

/** The `ERR_OPERATION_ABORTED` error for a fired `signal`. */
export function abortedError(signal: AbortSignal, message: string): StrongroomError {
  return new StrongroomError('ERR_OPERATION_ABORTED', message, { cause: signal.reason })
}

/** Throws {@link abortedError} when `signal` has fired; does nothing without a signal. */
export function throwIfAborted(signal: AbortSignal | undefined, message: string): void {
  if (signal?.aborted === true) throw abortedError(signal, message)
}

/**
 * `promise`, or a rejection with {@link abortedError} as soon as `signal` fires, whichever
 * comes first. The listener is removed once either settles.
 */
export function raceAbort<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  message: string,
): Promise<T> {
  let onAbort: () => void = () => undefined
  const aborted = new Promise<never>((_, reject) => {
    onAbort = (): void => reject(abortedError(signal, message))
    signal.addEventListener('abort', onAbort, { once: true })
  })
  // race() also handles a later rejection of `promise`, so none goes unhandled.
  return Promise.race([promise, aborted]).finally(() =>
    signal.removeEventListener('abort', onAbort),
  )
}

/**
 * The items of `source`, stopping with {@link abortedError} as soon as `signal` fires, even
 * while `source` is stalled waiting for its next item.
 *
 * @example
 * ```ts
 * for await (const chunk of abortable(body, signal, 'Upload aborted')) await write(chunk)
 * ```
 */
export async function* abortable<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal | undefined,
  message: string,
): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]()
  let finished = false
  try {
    for (;;) {
      throwIfAborted(signal, message)
      const r = signal === undefined ? await it.next() : await raceAbort(it.next(), signal, message)
      if (r.done === true) {
        finished = true
        return
      }
      yield r.value
    }
  } finally {
    // Let the producer release its resources; not awaited, it may be stalled mid-next().
    if (!finished) {
      try {
        void Promise.resolve(it.return?.()).catch(() => undefined)
      } catch {
        // A throwing return() must not mask the error that stopped the iteration.
      }
    }
  }
}
