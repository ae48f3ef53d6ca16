import { randomBytes } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import * as fsp from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { StrongroomError } from '../../errors.js'
import type { ErrorCode } from '../../errors.js'
import { createFsObjectStore } from './fs-object-store.js'
import type { FsObjectStore, FsObjectStoreFs } from './fs-object-store.js'

let dir: string
let root: string

beforeEach(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'strongroom-fs-store-'))
  root = join(dir, 'objects')
})
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true })
})

async function rejection(p: Promise<unknown>, code: ErrorCode): Promise<StrongroomError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(StrongroomError)
  expect((e as StrongroomError).code).toBe(code)
  return e as StrongroomError
}

async function opened(fs?: FsObjectStoreFs): Promise<FsObjectStore> {
  const store = createFsObjectStore(fs === undefined ? { root } : { root, fs })
  await store.open()
  return store
}

async function tmpEntries(): Promise<string[]> {
  return fsp.readdir(join(root, '.tmp'))
}

async function readAll(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const c of source) parts.push(c)
  return Buffer.concat(parts)
}

function errno(code: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: simulated`)
  e.code = code
  return e
}

/** An fs whose file handles run `hooks` around write() and sync(). */
function hookedFs(hooks: {
  onOpen?: (path: string, flags: unknown, mode: unknown) => void
  onWrite?: (path: string) => void
  onSync?: (path: string) => void
  onLink?: (from: string, to: string) => void
}): FsObjectStoreFs {
  const wrap = (handle: FileHandle, path: string): FileHandle =>
    new Proxy(handle, {
      get(target, prop, receiver) {
        if (prop === 'write') {
          return (...args: unknown[]) => {
            hooks.onWrite?.(path)
            return (target.write as (...a: unknown[]) => unknown).apply(target, args)
          }
        }
        if (prop === 'sync') {
          return () => {
            hooks.onSync?.(path)
            return target.sync()
          }
        }
        const value: unknown = Reflect.get(target, prop, receiver)
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value
      },
    })
  const open = (async (path: string, flags?: unknown, mode?: unknown) => {
    hooks.onOpen?.(path, flags, mode)
    const handle = await fsp.open(path, flags as number, mode as number)
    return wrap(handle, path)
  }) as FsObjectStoreFs['open']
  const link = (async (from: string, to: string) => {
    hooks.onLink?.(from, to)
    return fsp.link(from, to)
  }) as FsObjectStoreFs['link']
  return { ...fsp, open, link }
}

describe('FsObjectStore temp files', () => {
  it('leaves no temp file after a put, stored with mode 0600', async () => {
    const store = await opened()
    await store.put('ds/1/a.sre', randomBytes(100))
    expect(await tmpEntries()).toEqual([])
    const st = await fsp.stat(join(root, 'ds/1/a.sre'))
    expect(st.mode & 0o777).toBe(0o600)
    expect(st.nlink).toBe(1) // the temp name was unlinked
  })

  it('creates the temp file exclusively, without following symlinks, mode 0600, in .tmp/', async () => {
    const opens: { path: string; flags: unknown; mode: unknown }[] = []
    const store = await opened(
      hookedFs({ onOpen: (path, flags, mode) => opens.push({ path, flags, mode }) }),
    )
    await store.put('k', Buffer.from('x'))
    const tmpOpen = opens.find((o) => o.path.includes('/.tmp/'))
    expect(tmpOpen).toBeDefined()
    const flags = tmpOpen?.flags as number
    expect(flags & fsConstants.O_EXCL).toBe(fsConstants.O_EXCL)
    expect(flags & fsConstants.O_CREAT).toBe(fsConstants.O_CREAT)
    expect(flags & fsConstants.O_NOFOLLOW).toBe(fsConstants.O_NOFOLLOW)
    expect(tmpOpen?.mode).toBe(0o600)
    // 128 random bits, hex: not guessable by another local user.
    expect(tmpOpen?.path).toMatch(/\/\.tmp\/[0-9a-f]{32}\.part$/)
  })

  it('removes the temp file when the body fails', async () => {
    const store = await opened()
    async function* failing(): AsyncGenerator<Uint8Array> {
      await Promise.resolve() // a real producer awaits its own source
      yield randomBytes(1000)
      throw new Error('boom')
    }
    await expect(store.put('f', failing())).rejects.toThrow()
    expect(await tmpEntries()).toEqual([])
    expect(await store.head('f')).toBeUndefined()
  })

  it('lists and cleans only stale temp files', async () => {
    const store = await opened()
    const old = join(root, '.tmp', 'aaaa.part')
    const fresh = join(root, '.tmp', 'bbbb.part')
    await fsp.writeFile(old, 'left by a crash')
    await fsp.writeFile(fresh, 'a put in flight')
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000)
    await fsp.utimes(old, twoHoursAgo, twoHoursAgo)

    const stale = await store.listStaleTemp(3600_000)
    expect(stale.map((t) => t.name)).toEqual(['aaaa.part'])
    expect(stale[0]?.size).toBe('left by a crash'.length)
    // Crash leftovers are never visible as objects.
    const keys: string[] = []
    for await (const o of store.list('')) keys.push(o.key)
    expect(keys).toEqual([])

    expect(await store.cleanTemp(3600_000)).toBe(1)
    expect(await tmpEntries()).toEqual(['bbbb.part'])
    expect(await store.cleanTemp(0)).toBe(1)
    expect(await tmpEntries()).toEqual([])
  })

  it('rejects a negative or non-finite age', async () => {
    const store = await opened()
    await rejection(store.listStaleTemp(-1), 'ERR_USAGE_INVALID_ARGUMENT')
    await rejection(store.cleanTemp(Number.NaN), 'ERR_USAGE_INVALID_ARGUMENT')
  })

  it('reserves the .tmp key segment', async () => {
    const store = await opened()
    await rejection(store.put('.tmp/x', Buffer.from('x')), 'ERR_STORAGE_INVALID_KEY')
    await rejection(store.get('.tmp'), 'ERR_STORAGE_INVALID_KEY')
    // Only as the first segment: elsewhere it is an ordinary name.
    await store.put('ds/.tmp', Buffer.from('x'))
    expect((await store.head('ds/.tmp'))?.size).toBe(1)
  })
})

describe('FsObjectStore durability', () => {
  it('fsyncs the file before linking it and the folder after', async () => {
    const events: string[] = []
    await fsp.mkdir(root, { recursive: true })
    // The store works on the resolved root (the temp folder may sit behind a symlink).
    const realRoot = await fsp.realpath(root)
    const rel = (p: string): string => p.slice(realRoot.length) || '/'
    const store = await opened(
      hookedFs({
        onSync: (p) => events.push(`sync ${p.includes('/.tmp/') ? 'tmp' : rel(p)}`),
        onLink: () => events.push('link'),
      }),
    )
    await store.put('ds/7/part.sre', randomBytes(10))
    // The new folders' parents are synced too, so their entries survive a crash.
    expect(events).toEqual(['sync tmp', 'link', 'sync /ds/7', 'sync /', 'sync /ds'])
  })

  it('withdraws the object when the folder fsync fails', async () => {
    const fs = hookedFs({
      onSync: (p) => {
        if (!p.includes('/.tmp/')) throw errno('EIO')
      },
    })
    const store = await opened(fs)
    await rejection(store.put('a', Buffer.from('x')), 'ERR_STORAGE_WRITE_FAILED')
    expect(await store.head('a')).toBeUndefined()
    expect(await tmpEntries()).toEqual([])
  })
})

describe('FsObjectStore error mapping', () => {
  it('maps ENOSPC to ERR_STORAGE_NO_SPACE and cleans up', async () => {
    const store = await opened(
      hookedFs({
        onWrite: () => {
          throw errno('ENOSPC')
        },
      }),
    )
    const e = await rejection(store.put('ds/full', randomBytes(100)), 'ERR_STORAGE_NO_SPACE')
    expect(e.message).toContain('ds/full')
    expect(await store.head('ds/full')).toBeUndefined()
    expect(await tmpEntries()).toEqual([])
  })

  it('maps EDQUOT to ERR_STORAGE_NO_SPACE and EIO to ERR_STORAGE_WRITE_FAILED', async () => {
    let code = 'EDQUOT'
    const store = await opened(
      hookedFs({
        onWrite: () => {
          throw errno(code)
        },
      }),
    )
    await rejection(store.put('q', Buffer.from('x')), 'ERR_STORAGE_NO_SPACE')
    code = 'EIO'
    const e = await rejection(store.put('q', Buffer.from('x')), 'ERR_STORAGE_WRITE_FAILED')
    expect((e.cause as NodeJS.ErrnoException).code).toBe('EIO')
  })

  it('never puts object bytes in an error message', async () => {
    const secret = Buffer.from('SECRET-PAYLOAD-BYTES')
    const store = await opened()
    await store.put('s', secret)
    const e = await rejection(store.put('s', secret), 'ERR_STORAGE_WRITE_FAILED')
    expect(JSON.stringify(e.toJSON())).not.toContain('SECRET')
  })

  it('does no I/O for an invalid key', async () => {
    let calls = 0
    const counting = Object.fromEntries(
      Object.entries({ ...fsp }).map(([name, fn]) => [
        name,
        typeof fn === 'function'
          ? (...args: unknown[]) => {
              calls += 1
              return (fn as (...a: unknown[]) => unknown)(...args)
            }
          : fn,
      ]),
    ) as unknown as FsObjectStoreFs
    const store = await opened(counting)
    calls = 0
    for (const key of ['../x', '/etc/passwd', 'a//b', 'a/./b', 'a\u0000b', 'a\\b', '']) {
      await rejection(store.put(key, Buffer.from('x')), 'ERR_STORAGE_INVALID_KEY')
      await rejection(store.get(key), 'ERR_STORAGE_INVALID_KEY')
      await rejection(store.head(key), 'ERR_STORAGE_INVALID_KEY')
      await rejection(store.delete(key), 'ERR_STORAGE_INVALID_KEY')
    }
    expect(calls).toBe(0)
  })

  it('fails open() with ERR_STORAGE_UNAVAILABLE when the root is a file', async () => {
    await fsp.mkdir(dir, { recursive: true })
    await fsp.writeFile(root, 'not a folder')
    await rejection(createFsObjectStore({ root }).open(), 'ERR_STORAGE_UNAVAILABLE')
  })

  it('refuses calls before open', async () => {
    await rejection(createFsObjectStore({ root }).head('x'), 'ERR_STORAGE_UNAVAILABLE')
  })
})

describe('FsObjectStore layout', () => {
  it('lets exactly one of many racing puts of one key win', async () => {
    const store = await opened()
    const bodies = Array.from({ length: 12 }, () => randomBytes(50_000))
    const results = await Promise.allSettled(bodies.map((b) => store.put('race', b)))
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []))
    expect(winners).toHaveLength(1)
    for (const r of results) {
      if (r.status === 'rejected')
        expect((r.reason as StrongroomError).code).toBe('ERR_STORAGE_WRITE_FAILED')
    }
    expect(await readAll(await store.get('race'))).toEqual(bodies[winners[0] as number])
    expect(await tmpEntries()).toEqual([])
  })

  it('cannot hold both a/b and a/b/c', async () => {
    const store = await opened()
    await store.put('a/b', Buffer.from('x'))
    await rejection(store.put('a/b/c', Buffer.from('y')), 'ERR_STORAGE_WRITE_FAILED')
    await store.put('p/q/r', Buffer.from('y'))
    await rejection(store.put('p/q', Buffer.from('x')), 'ERR_STORAGE_WRITE_FAILED')
    // A folder is not an object.
    await rejection(store.get('p/q'), 'ERR_STORAGE_NOT_FOUND')
    expect(await store.head('p/q')).toBeUndefined()
    await store.delete('p/q')
    expect((await store.head('p/q/r'))?.size).toBe(1)
  })

  it('skips entries that are not valid keys', async () => {
    const store = await opened()
    await store.put('ok', Buffer.from('x'))
    await fsp.writeFile(join(root, 'bad name'), 'x')
    await fsp.writeFile(join(root, 'caf\u00e9'), 'x')
    const keys: string[] = []
    for await (const o of store.list('')) keys.push(o.key)
    expect(keys).toEqual(['ok'])
  })

  it('stops a listing when the signal fires', async () => {
    const store = await opened()
    for (const k of ['a', 'b', 'c']) await store.put(k, Buffer.from(k))
    const controller = new AbortController()
    const seen: string[] = []
    const run = async (): Promise<void> => {
      for await (const o of store.list('', { signal: controller.signal })) {
        seen.push(o.key)
        controller.abort()
      }
    }
    await rejection(run(), 'ERR_OPERATION_ABORTED')
    expect(seen).toEqual(['a'])
  })
})
