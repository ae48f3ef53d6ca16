import { createHash, type Hash } from 'node:crypto'

/** A single buffer as an iterable source. */
export function once(bytes: Uint8Array): Iterable<Uint8Array> {
  return [bytes]
}

/** Passes chunks through while feeding a hash and counting bytes. */
export async function* tap(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  hash: Hash,
  counter: { bytes: number },
): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    hash.update(chunk)
    counter.bytes += chunk.byteLength
    yield chunk
  }
}

/** Collects an async iterable of chunks into one Buffer. */
export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  let n = 0
  for await (const c of source) {
    parts.push(c)
    n += c.byteLength
  }
  return Buffer.concat(parts, n)
}

/** A fresh SHA-256 hash. */
export function sha256(): Hash {
  return createHash('sha256')
}

/**
 * Runs a producer up to `depth` items ahead of its consumer, so a CPU-bound producer
 * (DuckDB converting the next chunk) overlaps with the consumer (encrypting and uploading
 * the previous one). Errors surface in order; stopping early stops the producer.
 */
export async function* prefetch<T>(source: AsyncIterable<T>, depth = 1): AsyncIterable<T> {
  const it = source[Symbol.asyncIterator]()
  const queue: Promise<IteratorResult<T>>[] = []
  const pull = (): void => {
    const p = it.next()
    // Mark as handled: the rejection is re-raised when the consumer reaches it.
    p.catch(() => undefined)
    queue.push(p)
  }
  let done = false
  try {
    pull()
    while (queue.length > 0) {
      const head = queue.shift() as Promise<IteratorResult<T>>
      const r = await head
      if (r.done === true) {
        done = true
        return
      }
      while (queue.length < depth) pull()
      yield r.value
    }
  } finally {
    if (!done) {
      // Let in-flight pulls settle before closing the source.
      await Promise.allSettled(queue)
      await it.return?.()
    }
  }
}
