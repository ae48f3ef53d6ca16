/**
 * The object store contract (see `src/storage/object-store.ts`), run against every
 * backend by a few lines in `<backend>-object-store.test.ts`.
 */

import { randomBytes } from 'node:crypto'

import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'

import { StrongroomError } from '../../src/errors.js'
import type { ErrorCode } from '../../src/errors.js'
import type { ObjectInfo, ObjectStore } from '../../src/storage/object-store.js'

/** How a backend plugs into {@link runObjectStoreContract}. */
export interface ObjectStoreContractOptions {
  /** A fresh, empty, not yet opened store; called once per test. */
  readonly create: () => Promise<ObjectStore>
  /** Runs once after the whole suite (stop servers, remove folders). */
  readonly cleanup?: () => Promise<void>
  /** A reason to skip the suite (shown in its title), or `false` to run it. */
  readonly skip?: string | false
}

/** Keys every backend must refuse with `ERR_STORAGE_INVALID_KEY`, before any I/O. */
export const INVALID_KEYS: readonly (readonly [string, string])[] = [
  ['parent traversal', '../x'],
  ['nested traversal', 'a/../../x'],
  ['absolute', '/abs'],
  ['empty segment', 'a//b'],
  ['dot segment', 'a/./b'],
  ['lone dot-dot', '..'],
  ['trailing slash', 'a/'],
  ['NUL byte', 'a\u0000b'],
  ['backslash', 'a\\b'],
  ['backslash traversal', '..\\x'],
  ['empty', ''],
  ['600 characters', 'a'.repeat(600)],
  ['space', 'a b'],
  ['non-ASCII', 'caf\u00e9'],
]

/** Reads an object's bytes into one buffer. */
export async function readAll(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const c of source) parts.push(c)
  return Buffer.concat(parts)
}

/** The error a promise rejects with, asserted to be a StrongroomError with `code`. */
export async function rejection(p: Promise<unknown>, code: ErrorCode): Promise<StrongroomError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e, `expected a rejection with ${code}`).toBeInstanceOf(StrongroomError)
  expect((e as StrongroomError).code).toBe(code)
  return e as StrongroomError
}

async function keysOf(source: AsyncIterable<ObjectInfo>): Promise<string[]> {
  const keys: string[] = []
  for await (const o of source) keys.push(o.key)
  return keys
}

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) {
    // A yield per chunk, as a real encrypting producer would do.
    await Promise.resolve()
    yield bytes.subarray(i, Math.min(i + size, bytes.byteLength))
  }
}

/**
 * Registers the object store contract suite for one backend.
 *
 * @example
 * ```ts
 * runObjectStoreContract('fs', { create: async () => createFsObjectStore({ root: await tmp() }) })
 * ```
 */
export function runObjectStoreContract(name: string, opts: ObjectStoreContractOptions): void {
  const title = `object store contract: ${name}`
  if (typeof opts.skip === 'string') {
    describe.skip(`${title} (skipped: ${opts.skip})`, () => {
      it('is skipped', () => undefined)
    })
    return
  }

  describe(title, () => {
    let store: ObjectStore

    beforeEach(async () => {
      store = await opts.create()
      await store.open()
    })
    afterEach(async () => {
      await store.close()
    })
    if (opts.cleanup !== undefined) afterAll(opts.cleanup)

    describe('put and get', () => {
      it('round-trips a Uint8Array body and reports its size', async () => {
        const body = randomBytes(1000)
        const info = await store.put('ds/1/v1/a.sre', body)
        expect(info.key).toBe('ds/1/v1/a.sre')
        expect(info.size).toBe(1000)
        expect(info.lastModified).toBeInstanceOf(Date)
        expect(await readAll(await store.get('ds/1/v1/a.sre'))).toEqual(body)
      })

      it('round-trips an AsyncIterable body of many chunks', async () => {
        const body = randomBytes(300_000)
        const info = await store.put('ds/1/v1/b.sre', chunked(body, 7_777))
        expect(info.size).toBe(body.byteLength)
        expect(await readAll(await store.get('ds/1/v1/b.sre'))).toEqual(body)
      })

      it('keeps the bytes even when the producer reuses its buffer', async () => {
        const expected = Buffer.concat([Buffer.alloc(64, 1), Buffer.alloc(64, 2)])
        async function* reusing(): AsyncGenerator<Uint8Array> {
          await Promise.resolve() // a real producer awaits its own source
          const buf = new Uint8Array(64)
          buf.fill(1)
          yield buf
          buf.fill(2)
          yield buf
        }
        await store.put('reuse', reusing())
        expect(await readAll(await store.get('reuse'))).toEqual(expected)
      })

      it('stores an empty object', async () => {
        const info = await store.put('empty', new Uint8Array(0))
        expect(info.size).toBe(0)
        expect((await store.head('empty'))?.size).toBe(0)
        expect((await readAll(await store.get('empty'))).byteLength).toBe(0)
        const emptyStream = (async function* () {})()
        await store.put('empty-stream', emptyStream)
        expect((await store.head('empty-stream'))?.size).toBe(0)
      })

      it('round-trips a 5 MiB object', async () => {
        const body = randomBytes(5 * 1024 * 1024)
        await store.put('big/5mib.sre', chunked(body, 1024 * 1024))
        expect((await store.head('big/5mib.sre'))?.size).toBe(body.byteLength)
        const back = await readAll(await store.get('big/5mib.sre'))
        expect(back.byteLength).toBe(body.byteLength)
        expect(back.equals(body)).toBe(true)
      })

      it('gets a missing key with ERR_STORAGE_NOT_FOUND', async () => {
        const e = await rejection(store.get('ds/none/x.sre'), 'ERR_STORAGE_NOT_FOUND')
        expect(e.message).toContain('ds/none/x.sre')
        await rejection(store.get('nope', { range: { start: 0, end: 0 } }), 'ERR_STORAGE_NOT_FOUND')
      })
    })

    describe('range get', () => {
      const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251))

      it('returns exactly the bytes in [start, end)', async () => {
        await store.put('r', body)
        const slice = async (start: number, end: number): Promise<Buffer> =>
          readAll(await store.get('r', { range: { start, end } }))
        expect(await slice(0, 1)).toEqual(body.subarray(0, 1))
        expect(await slice(10, 20)).toEqual(body.subarray(10, 20))
        expect(await slice(999, 1000)).toEqual(body.subarray(999))
        expect(await slice(0, 1000)).toEqual(body)
        expect((await slice(5, 5)).byteLength).toBe(0)
      })

      it('clamps a range that runs past the end', async () => {
        await store.put('r', body)
        expect(await readAll(await store.get('r', { range: { start: 990, end: 5000 } }))).toEqual(
          body.subarray(990),
        )
        expect(
          (await readAll(await store.get('r', { range: { start: 2000, end: 3000 } }))).byteLength,
        ).toBe(0)
      })

      it('rejects a malformed range', async () => {
        await store.put('r', body)
        await rejection(
          store.get('r', { range: { start: 10, end: 5 } }),
          'ERR_USAGE_INVALID_ARGUMENT',
        )
        await rejection(
          store.get('r', { range: { start: -1, end: 5 } }),
          'ERR_USAGE_INVALID_ARGUMENT',
        )
        await rejection(
          store.get('r', { range: { start: 0.5, end: 5 } }),
          'ERR_USAGE_INVALID_ARGUMENT',
        )
      })
    })

    describe('head', () => {
      it('reports size and time of a present key, undefined for an absent one', async () => {
        const before = Date.now()
        await store.put('h/x', randomBytes(123))
        const info = await store.head('h/x')
        expect(info?.key).toBe('h/x')
        expect(info?.size).toBe(123)
        // Servers keep second precision and their clock may drift a little.
        expect(Math.abs((info?.lastModified.getTime() ?? 0) - before)).toBeLessThan(60_000)
        expect(await store.head('h/y')).toBeUndefined()
        expect(await store.head('h')).toBeUndefined()
      })
    })

    describe('immutability', () => {
      it('refuses a put onto an existing key and keeps the original', async () => {
        const original = randomBytes(100)
        await store.put('imm/a', original)
        await rejection(store.put('imm/a', randomBytes(50)), 'ERR_STORAGE_WRITE_FAILED')
        await rejection(
          store.put('imm/a', chunked(randomBytes(50), 10)),
          'ERR_STORAGE_WRITE_FAILED',
        )
        expect(await readAll(await store.get('imm/a'))).toEqual(original)
        expect((await store.head('imm/a'))?.size).toBe(100)
      })
    })

    describe('delete', () => {
      it('removes an object and is idempotent', async () => {
        await store.put('d/a', randomBytes(10))
        await store.put('d/b', randomBytes(10))
        await store.delete('d/a')
        expect(await store.head('d/a')).toBeUndefined()
        await rejection(store.get('d/a'), 'ERR_STORAGE_NOT_FOUND')
        await store.delete('d/a')
        await store.delete('never/existed')
        expect(await keysOf(store.list(''))).toEqual(['d/b'])
      })

      it('lets a deleted key be written again', async () => {
        await store.put('d/re', Buffer.from('one'))
        await store.delete('d/re')
        await store.put('d/re', Buffer.from('two'))
        expect((await readAll(await store.get('d/re'))).toString()).toBe('two')
      })
    })

    describe('key validation', () => {
      for (const [label, key] of INVALID_KEYS) {
        it(`rejects a key with ${label}`, async () => {
          await rejection(store.put(key, new Uint8Array(1)), 'ERR_STORAGE_INVALID_KEY')
          await rejection(store.get(key), 'ERR_STORAGE_INVALID_KEY')
          await rejection(store.head(key), 'ERR_STORAGE_INVALID_KEY')
          await rejection(store.delete(key), 'ERR_STORAGE_INVALID_KEY')
        })
      }

      it('rejects an invalid list prefix', async () => {
        for (const prefix of ['../', '/abs/', 'a//', 'a/./', '..', 'a\\']) {
          await rejection(keysOf(store.list(prefix)), 'ERR_STORAGE_INVALID_KEY')
        }
      })

      it('accepts the longest valid key', async () => {
        // Three segments, so no single file name nears the 255-byte limit of most
        // filesystems (s3rver stores objects as files with a suffix).
        const key = ['k', 'v', 'w'].map((c) => c.repeat(170)).join('/')
        expect(key.length).toBe(512)
        await store.put(key, Buffer.from('x'))
        expect((await store.head(key))?.size).toBe(1)
      })

      it('does not echo an invalid key in the message', async () => {
        const e = await rejection(store.get('../secret-path'), 'ERR_STORAGE_INVALID_KEY')
        expect(e.message).not.toContain('secret-path')
      })
    })

    describe('list', () => {
      // Chosen so that a naive per-folder sort gets the order wrong: '-' and '.' sort
      // before '/', which sorts before digits, upper case, '_' and lower case.
      const keys = [
        'ds/1-x/c',
        'ds/1.5',
        'ds/1/a',
        'ds/1/b/c',
        'ds/10/b',
        'ds/2/z',
        'ds/A',
        'ds/_u',
        'ds/a',
        'top',
      ]

      beforeEach(async () => {
        // Written in a scrambled order so creation order cannot pass for sorted order.
        for (const i of [4, 9, 0, 7, 2, 5, 1, 8, 3, 6]) {
          const key = keys[i] as string
          await store.put(key, Buffer.from(key))
        }
      })

      it('yields every object in lexicographic key order with sizes', async () => {
        const all: ObjectInfo[] = []
        for await (const o of store.list('')) all.push(o)
        expect(all.map((o) => o.key)).toEqual(keys)
        for (const o of all) {
          expect(o.size).toBe(o.key.length)
          expect(o.lastModified).toBeInstanceOf(Date)
        }
      })

      it('filters by plain string prefix', async () => {
        expect(await keysOf(store.list('ds/1'))).toEqual([
          'ds/1-x/c',
          'ds/1.5',
          'ds/1/a',
          'ds/1/b/c',
          'ds/10/b',
        ])
        expect(await keysOf(store.list('ds/1/b'))).toEqual(['ds/1/b/c'])
        expect(await keysOf(store.list('to'))).toEqual(['top'])
        expect(await keysOf(store.list('ds/1/a'))).toEqual(['ds/1/a'])
      })

      it('keeps a folder prefix from matching a longer sibling (ds/1/ vs ds/10/)', async () => {
        expect(await keysOf(store.list('ds/1/'))).toEqual(['ds/1/a', 'ds/1/b/c'])
        expect(await keysOf(store.list('ds/10/'))).toEqual(['ds/10/b'])
      })

      it('yields nothing for an unknown prefix', async () => {
        expect(await keysOf(store.list('nothing/'))).toEqual([])
        expect(await keysOf(store.list('ds/3'))).toEqual([])
        expect(await keysOf(store.list('top/'))).toEqual([])
      })

      it('reflects deletes', async () => {
        await store.delete('ds/1/a')
        expect(await keysOf(store.list('ds/1/'))).toEqual(['ds/1/b/c'])
      })
    })

    describe('failed and aborted puts leave no object', () => {
      async function expectAbsent(key: string): Promise<void> {
        expect(await store.head(key)).toBeUndefined()
        await rejection(store.get(key), 'ERR_STORAGE_NOT_FOUND')
        expect(await keysOf(store.list(''))).toEqual([])
        // And the key is still free for a later, successful put.
        await store.put(key, Buffer.from('ok'))
        expect((await readAll(await store.get(key))).toString()).toBe('ok')
      }

      it('when the body iterable throws mid-stream', async () => {
        async function* failing(): AsyncGenerator<Uint8Array> {
          await Promise.resolve() // a real producer awaits its own source
          yield randomBytes(100_000)
          throw new Error('producer failed')
        }
        await expect(store.put('ab/throw', failing())).rejects.toBeInstanceOf(Error)
        await expectAbsent('ab/throw')
      })

      it('when the signal fires between chunks', async () => {
        const controller = new AbortController()
        async function* body(): AsyncGenerator<Uint8Array> {
          await Promise.resolve() // a real producer awaits its own source
          yield randomBytes(100_000)
          controller.abort(new Error('user cancelled'))
          yield randomBytes(100_000)
          yield randomBytes(100_000)
        }
        await rejection(
          store.put('ab/signal', body(), { signal: controller.signal }),
          'ERR_OPERATION_ABORTED',
        )
        await expectAbsent('ab/signal')
      })

      it('when the signal fires while the body is stalled', async () => {
        const controller = new AbortController()
        let returned = false
        async function* stalled(): AsyncGenerator<Uint8Array> {
          try {
            yield randomBytes(1000)
            // Never resolves: the store must give up on the signal, not wait for us.
            await new Promise<never>(() => undefined)
          } finally {
            returned = true
          }
        }
        setTimeout(() => controller.abort(), 20)
        await rejection(
          store.put('ab/stalled', stalled(), { signal: controller.signal }),
          'ERR_OPERATION_ABORTED',
        )
        expect(returned).toBe(false) // still stalled; the put did not wait for it
        await expectAbsent('ab/stalled')
      })

      it('when the signal is already aborted', async () => {
        const controller = new AbortController()
        controller.abort()
        await rejection(
          store.put('ab/pre', Buffer.from('x'), { signal: controller.signal }),
          'ERR_OPERATION_ABORTED',
        )
        await expectAbsent('ab/pre')
      })
    })

    describe('concurrency', () => {
      it('runs concurrent puts of different keys', async () => {
        const bodies = Array.from({ length: 16 }, (_, i) => randomBytes(10_000 + i * 997))
        const keys = bodies.map((_, i) => `c/${String(i).padStart(2, '0')}/part.sre`)
        await Promise.all(bodies.map((b, i) => store.put(keys[i] as string, chunked(b, 4096))))
        expect(await keysOf(store.list('c/'))).toEqual(keys)
        for (const [i, key] of keys.entries()) {
          expect(await readAll(await store.get(key))).toEqual(bodies[i])
        }
      })
    })

    describe('lifecycle', () => {
      it('refuses calls after close', async () => {
        await store.close()
        await rejection(store.put('x', Buffer.from('x')), 'ERR_STORAGE_UNAVAILABLE')
        await rejection(store.get('x'), 'ERR_STORAGE_UNAVAILABLE')
        await store.open() // afterEach closes it again
      })
    })
  })
}
