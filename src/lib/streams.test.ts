import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { collect, once, prefetch, sha256, tap } from './streams.js'

async function* numbers(n: number, failAt = -1, log: string[] = []): AsyncIterable<number> {
  try {
    for (let i = 0; i < n; i++) {
      await new Promise((r) => setImmediate(r))
      if (i === failAt) throw new Error(`fail at ${i}`)
      log.push(`produce ${i}`)
      yield i
    }
  } finally {
    log.push('closed')
  }
}

describe('prefetch', () => {
  it('yields every item in order for any depth (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        async (n, depth) => {
          const out: number[] = []
          for await (const v of prefetch(numbers(n), depth)) out.push(v)
          expect(out).toEqual(Array.from({ length: n }, (_, i) => i))
        },
      ),
      { numRuns: 50 },
    )
  })

  it('runs the producer ahead of the consumer', async () => {
    const log: string[] = []
    for await (const v of prefetch(numbers(3, -1, log), 1)) {
      // Give the producer event-loop turns rather than wall time (a timer could fire first on
      // a loaded machine): a prefetching source needs one turn to produce the next item, a
      // source pulled only on demand never produces it while the consumer waits here.
      for (let turn = 0; turn < 20 && !log.includes(`produce ${v + 1}`); turn++)
        await new Promise((r) => setImmediate(r))
      log.push(`consume ${v}`)
    }
    // Item 1 is produced before item 0 has been consumed.
    expect(log.indexOf('produce 1')).toBeLessThan(log.indexOf('consume 0'))
  })

  it('surfaces a producer error after the items before it', async () => {
    const out: number[] = []
    await expect(
      (async () => {
        for await (const v of prefetch(numbers(5, 3), 2)) out.push(v)
      })(),
    ).rejects.toThrow('fail at 3')
    expect(out).toEqual([0, 1, 2])
  })

  it('closes the producer when the consumer stops early', async () => {
    const log: string[] = []
    for await (const v of prefetch(numbers(10, -1, log), 1)) if (v === 2) break
    expect(log.at(-1)).toBe('closed')
  })
})

describe('tap and collect', () => {
  it('hashes and counts what passes through, unchanged', async () => {
    const hash = sha256()
    const counter = { bytes: 0 }
    const out = await collect(tap(once(Buffer.from('hello world')), hash, counter))
    expect(out.toString()).toBe('hello world')
    expect(counter.bytes).toBe(11)
    expect(hash.digest('hex')).toBe(
      'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9',
    )
  })
})
