/**
 * Threat: path traversal out of the fs object store root, by key (`../x`) or by a
 * symlink planted inside the root (a folder or an object pointing elsewhere). The store
 * must neither read nor write nor delete anything outside its root.
 */

import { execFileSync } from 'node:child_process'
import * as fsp from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { StrongroomError } from '../../src/errors.js'
import type { ErrorCode } from '../../src/errors.js'
import { createFsObjectStore } from '../../src/storage/fs/fs-object-store.js'
import type { FsObjectStore } from '../../src/storage/fs/fs-object-store.js'
import { INVALID_KEYS } from '../contract/object-store.contract.js'

let base: string
let root: string
let outside: string
let store: FsObjectStore

const SECRET = 'outside-secret-content'

beforeEach(async () => {
  base = await fsp.mkdtemp(join(tmpdir(), 'strongroom-traversal-'))
  root = join(base, 'root')
  outside = join(base, 'outside')
  await fsp.mkdir(outside)
  await fsp.writeFile(join(outside, 'secret'), SECRET)
  store = createFsObjectStore({ root })
  await store.open()
})
afterEach(async () => {
  await store.close()
  await fsp.rm(base, { recursive: true, force: true })
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

async function readAll(source: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = []
  for await (const c of source) parts.push(c)
  return Buffer.concat(parts).toString()
}

async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = []
  for await (const o of store.list(prefix)) keys.push(o.key)
  return keys
}

/** Outside is untouched: only the secret, with its content. */
async function expectOutsideUntouched(): Promise<void> {
  expect(await fsp.readdir(outside)).toEqual(['secret'])
  expect(await fsp.readFile(join(outside, 'secret'), 'utf8')).toBe(SECRET)
}

describe('traversal keys', () => {
  for (const [label, key] of INVALID_KEYS) {
    it(`refuses a key with ${label} and writes nothing`, async () => {
      await rejection(store.put(key, Buffer.from('evil')), 'ERR_STORAGE_INVALID_KEY')
      await rejection(store.get(key), 'ERR_STORAGE_INVALID_KEY')
      await rejection(store.delete(key), 'ERR_STORAGE_INVALID_KEY')
      await expectOutsideUntouched()
    })
  }

  it('refuses the keys that would reach the outside folder from the root', async () => {
    for (const key of [
      '../outside/secret',
      '../outside/new',
      '..\\outside\\secret',
      join(outside, 'secret'),
    ]) {
      await rejection(store.get(key), 'ERR_STORAGE_INVALID_KEY')
      await rejection(store.put(key, Buffer.from('evil')), 'ERR_STORAGE_INVALID_KEY')
      await rejection(store.delete(key), 'ERR_STORAGE_INVALID_KEY')
    }
    await expectOutsideUntouched()
  })

  it('refuses a traversal list prefix', async () => {
    await rejection(listKeys('../'), 'ERR_STORAGE_INVALID_KEY')
    await rejection(listKeys('../outside/'), 'ERR_STORAGE_INVALID_KEY')
  })
})

describe('a folder symlink pointing out of the root', () => {
  beforeEach(async () => {
    await fsp.symlink(outside, join(root, 'ds'))
  })

  it('is not written through', async () => {
    const e = await rejection(store.put('ds/new', Buffer.from('evil')), 'ERR_STORAGE_WRITE_FAILED')
    expect(e.message).toContain('symlink')
    await rejection(store.put('ds/sub/new', Buffer.from('evil')), 'ERR_STORAGE_WRITE_FAILED')
    await expectOutsideUntouched()
    expect(await fsp.readdir(join(root, '.tmp'))).toEqual([])
  })

  it('is not read through', async () => {
    const e = await rejection(store.get('ds/secret'), 'ERR_STORAGE_READ_FAILED')
    expect(e.message).not.toContain(SECRET)
    await rejection(store.head('ds/secret'), 'ERR_STORAGE_READ_FAILED')
  })

  it('is not listed through', async () => {
    expect(await listKeys('')).toEqual([])
    await rejection(listKeys('ds/'), 'ERR_STORAGE_READ_FAILED')
  })

  it('is not deleted through', async () => {
    await rejection(store.delete('ds/secret'), 'ERR_STORAGE_WRITE_FAILED')
    await expectOutsideUntouched()
  })

  it('is refused when nested deeper', async () => {
    await fsp.mkdir(join(root, 'a/b'), { recursive: true })
    await fsp.symlink(outside, join(root, 'a/b/c'))
    await rejection(store.put('a/b/c/d/new', Buffer.from('evil')), 'ERR_STORAGE_WRITE_FAILED')
    await rejection(store.get('a/b/c/secret'), 'ERR_STORAGE_READ_FAILED')
    await expectOutsideUntouched()
  })
})

describe('a symlink in the place of an object', () => {
  beforeEach(async () => {
    await fsp.symlink(join(outside, 'secret'), join(root, 'leak'))
  })

  it('is not followed by get or head', async () => {
    const e = await rejection(store.get('leak'), 'ERR_STORAGE_READ_FAILED')
    expect(e.message).not.toContain(SECRET)
    await rejection(store.head('leak'), 'ERR_STORAGE_READ_FAILED')
    await rejection(store.get('leak', { range: { start: 0, end: 5 } }), 'ERR_STORAGE_READ_FAILED')
  })

  it('is not listed', async () => {
    expect(await listKeys('')).toEqual([])
  })

  it('blocks a put onto its name instead of writing through it', async () => {
    await rejection(store.put('leak', Buffer.from('evil')), 'ERR_STORAGE_WRITE_FAILED')
    await expectOutsideUntouched()
  })

  it('is removed by delete without touching its target', async () => {
    await store.delete('leak')
    await expect(fsp.lstat(join(root, 'leak'))).rejects.toThrow()
    await expectOutsideUntouched()
  })

  it('is refused even when it points inside the root', async () => {
    await store.put('real', Buffer.from('inside'))
    await fsp.symlink(join(root, 'real'), join(root, 'alias'))
    await rejection(store.get('alias'), 'ERR_STORAGE_READ_FAILED')
  })
})

describe('symlinks that stay inside the root', () => {
  it('a folder symlink to another folder of the root is followed', async () => {
    await store.put('real/x', Buffer.from('inside'))
    await fsp.symlink(join(root, 'real'), join(root, 'alias'))
    expect(await readAll(await store.get('alias/x'))).toBe('inside')
    await store.put('alias/y', Buffer.from('via alias'))
    expect(await readAll(await store.get('real/y'))).toBe('via alias')
  })

  it('a folder symlink into .tmp/ is refused', async () => {
    await fsp.writeFile(join(root, '.tmp', 'inflight.part'), 'partial')
    await fsp.symlink(join(root, '.tmp'), join(root, 'ds'))
    await rejection(store.get('ds/inflight.part'), 'ERR_STORAGE_READ_FAILED')
    await rejection(store.put('ds/x', Buffer.from('x')), 'ERR_STORAGE_WRITE_FAILED')
    await rejection(listKeys('ds/'), 'ERR_STORAGE_READ_FAILED')
  })
})

describe('a poisoned root', () => {
  it('refuses to open when .tmp is a symlink out of the root', async () => {
    const other = join(base, 'other-root')
    await fsp.mkdir(other)
    await fsp.symlink(outside, join(other, '.tmp'))
    await rejection(createFsObjectStore({ root: other }).open(), 'ERR_STORAGE_UNAVAILABLE')
  })

  it('does not hang on a FIFO in the place of an object', async () => {
    try {
      execFileSync('mkfifo', [join(root, 'pipe')])
    } catch {
      return // no mkfifo on this platform: nothing to test
    }
    await rejection(store.get('pipe'), 'ERR_STORAGE_NOT_FOUND')
    expect(await store.head('pipe')).toBeUndefined()
    expect(await listKeys('')).toEqual([])
  })
})
