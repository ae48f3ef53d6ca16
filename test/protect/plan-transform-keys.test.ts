import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { KeyProvider, WrappedKey } from '../../src/keys/key-provider.js'
import {
  createLocalKeyProvider,
  initLocalKeyring,
} from '../../src/keys/local/local-key-provider.js'
import { createFsObjectStore, type FsObjectStore } from '../../src/storage/fs/fs-object-store.js'
import {
  PROTECT_KEY_ENV,
  PROTECT_MASTER_KEY_CONTEXT,
  PROTECT_MASTER_KEY_OBJECT,
  decodeMasterKey,
  loadOrCreateLakeTransformKey,
  resolveStandaloneKey,
  writeNewKeyFile,
} from '../../src/protect/transform-keys.js'

async function walkBytes(dir: string): Promise<Buffer[]> {
  const out: Buffer[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await walkBytes(p)))
    else out.push(await readFile(p))
  }
  return out
}

describe('transform keys', () => {
  let dir: string
  let store: FsObjectStore
  let provider: KeyProvider

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sr-tkeys-'))
    const keyring = join(dir, 'keyring.json')
    await initLocalKeyring({ path: keyring, passphrase: 'test only', kdf: { N: 2 ** 12 } })
    provider = createLocalKeyProvider({ path: keyring, passphrase: 'test only' })
    await provider.open()
    store = createFsObjectStore({ root: join(dir, 'objects') })
    await store.open()
  })
  afterAll(async () => {
    await provider.close()
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('creates the lake key once, stores it only wrapped, and unwraps the same key later', async () => {
    const contexts: string[] = []
    const spy: KeyProvider = {
      kind: provider.kind,
      open: () => provider.open(),
      close: () => provider.close(),
      currentRootKeyId: () => provider.currentRootKeyId(),
      wrap: (k: Uint8Array, c: Uint8Array) => {
        contexts.push(Buffer.from(c).toString())
        return provider.wrap(k, c)
      },
      unwrap: (w: WrappedKey, c: Uint8Array) => {
        contexts.push(Buffer.from(c).toString())
        return provider.unwrap(w, c)
      },
    }
    const first = await loadOrCreateLakeTransformKey(store, spy)
    expect(first).toHaveLength(32)
    const second = await loadOrCreateLakeTransformKey(store, spy)
    expect(second.equals(first)).toBe(true)
    expect(contexts).toEqual([PROTECT_MASTER_KEY_CONTEXT, PROTECT_MASTER_KEY_CONTEXT])
    expect(await store.head(PROTECT_MASTER_KEY_OBJECT)).toBeDefined()
    // Neither the key nor its base64 or hex is anywhere under the store or the keyring.
    for (const bytes of await walkBytes(dir)) {
      for (const form of [
        first,
        Buffer.from(first.toString('base64')),
        Buffer.from(first.toString('hex')),
      ])
        expect(bytes.includes(form)).toBe(false)
    }
  })

  it('uses the stored key when it loses a creation race', async () => {
    const dir2 = await mkdtemp(join(tmpdir(), 'sr-tkeys-race-'))
    const store2 = createFsObjectStore({ root: dir2 })
    await store2.open()
    try {
      const keys = await Promise.all([
        loadOrCreateLakeTransformKey(store2, provider),
        loadOrCreateLakeTransformKey(store2, provider),
        loadOrCreateLakeTransformKey(store2, provider),
      ])
      const stored = await loadOrCreateLakeTransformKey(store2, provider)
      for (const k of keys) expect(k.equals(stored)).toBe(true)
    } finally {
      await store2.close()
      await rm(dir2, { recursive: true, force: true })
    }
  })

  it('reads a standalone key from a file or the environment, never echoing it', async () => {
    const key = randomBytes(32)
    const file = join(dir, 'k.b64')
    await writeFile(file, key.toString('base64') + '\n')
    expect((await resolveStandaloneKey({ keyFile: file, env: {} })).equals(key)).toBe(true)
    const env = { [PROTECT_KEY_ENV]: key.toString('base64') }
    expect((await resolveStandaloneKey({ env })).equals(key)).toBe(true)
    await expect(resolveStandaloneKey({ env: {} })).rejects.toMatchObject({
      code: 'ERR_PROTECT_KEY_MISSING',
    })
    await expect(resolveStandaloneKey({ keyFile: join(dir, 'absent'), env })).rejects.toMatchObject(
      { code: 'ERR_PROTECT_KEY_MISSING' },
    )
    const short = randomBytes(16).toString('base64')
    for (const bad of [short, 'not base64!', '']) {
      let message = ''
      try {
        decodeMasterKey(bad, 'key file')
      } catch (e) {
        expect(e).toMatchObject({ code: 'ERR_PROTECT_KEY_MISSING' })
        message = (e as Error).message
      }
      expect(message).not.toBe('')
      if (bad !== '') expect(message).not.toContain(bad)
    }
  })

  it('writes a new key file with mode 0600 and refuses to overwrite', async () => {
    const file = join(dir, 'new.key')
    await writeNewKeyFile(file)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const text = await readFile(file, 'utf8')
    expect(decodeMasterKey(text, 'key file')).toHaveLength(32)
    await expect(writeNewKeyFile(file)).rejects.toMatchObject({
      code: 'ERR_USAGE_INVALID_ARGUMENT',
    })
    expect(await readFile(file, 'utf8')).toBe(text)
    // Two new files hold different keys.
    await writeNewKeyFile(join(dir, 'other.key'))
    expect(await readFile(join(dir, 'other.key'), 'utf8')).not.toBe(text)
  })
})
