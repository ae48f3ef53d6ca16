import { randomBytes, scryptSync } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { isStrongroomError } from '../../src/errors.js'
import { gcmOpen } from '../../src/lib/aes-gcm.js'
import {
  DEFAULT_SCRYPT_PARAMS,
  createLocalKeyProvider,
  initLocalKeyring,
} from '../../src/keys/local/local-key-provider.js'
import { runKeyProviderContract } from './key-provider.contract.js'

// Low scrypt cost keeps the suite fast; production uses N = 2^17 (DEFAULT_SCRYPT_PARAMS).
const PASSPHRASE = 'contract test passphrase'
let dir = ''
let path = ''

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strongroom-local-kp-'))
  path = join(dir, 'keyring.json')
  await initLocalKeyring({ path, passphrase: PASSPHRASE, kdf: { N: 2 ** 10 } })
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

runKeyProviderContract('local', {
  create: () => Promise.resolve(createLocalKeyProvider({ path, passphrase: PASSPHRASE })),
})

function lp(s: string): Buffer {
  const b = Buffer.from(s, 'utf8')
  const len = Buffer.alloc(4)
  len.writeUInt32BE(b.length)
  return Buffer.concat([len, b])
}

// Behaviour specific to the local keyring, beyond the shared contract.
describe('LocalKeyProvider keyring', () => {
  const kdf = { N: 2 ** 10 }
  let n = 0
  const fresh = (): string => join(dir, `keyring-${n++}.json`)

  async function code(promise: Promise<unknown>): Promise<string | undefined> {
    try {
      await promise
    } catch (e) {
      return isStrongroomError(e) ? e.code : `not a StrongroomError: ${String(e)}`
    }
    return undefined
  }

  it('writes the keyring with mode 0600 and no key material in plaintext', async () => {
    const p = fresh()
    const { keyringId, rootKeyId } = await initLocalKeyring({ path: p, passphrase: 'pw', kdf })
    expect((await stat(p)).mode & 0o777).toBe(0o600)
    const json = JSON.parse(await readFile(p, 'utf8')) as Record<string, unknown>
    expect(json['format']).toBe('strongroom-keyring')
    expect(json['id']).toBe(keyringId)
    expect(json['currentRootKeyId']).toBe(rootKeyId)
    expect(json['kdf']).toMatchObject({ name: 'scrypt', N: 1024, r: 8, p: 1, keyLength: 32 })
    expect(await readdir(dir)).not.toContain(expect.stringMatching(/\.tmp$/))
    // Follow docs/formats.md by hand: scrypt → master key → root key; then check that
    // neither key appears in the file, and that the provider wraps with that root key.
    const kdfJson = json['kdf'] as { salt: string }
    const entry = (json['rootKeys'] as { id: string; wrapped: string }[])[0]
    if (entry === undefined) throw new Error('no root key entry')
    const master = scryptSync('pw', Buffer.from(kdfJson.salt, 'base64'), 32, {
      N: 1024,
      r: 8,
      p: 1,
    })
    const aad = Buffer.concat([lp(keyringId), lp(rootKeyId)])
    const sealed = Buffer.from(entry.wrapped, 'base64')
    expect(sealed.length).toBe(12 + 32 + 16)
    const rootKey = gcmOpen(
      master,
      sealed.subarray(0, 12),
      sealed.subarray(12, 44),
      sealed.subarray(44),
      aad,
    )
    if (rootKey === undefined) throw new Error('root key did not open as documented')
    const text = await readFile(p, 'utf8')
    for (const secret of [rootKey, master]) {
      for (const enc of ['hex', 'base64', 'base64url'] as const) {
        expect(text).not.toContain(secret.toString(enc))
      }
    }
    const provider = createLocalKeyProvider({ path: p, passphrase: 'pw' })
    await provider.open()
    const kek = randomBytes(32)
    const ctx = new TextEncoder().encode('kek:ds:1')
    const w = await provider.wrap(kek, ctx)
    expect(w.algorithm).toBe('A256GCM')
    const c = Buffer.from(w.ciphertext)
    const opened = gcmOpen(
      rootKey,
      c.subarray(0, 12),
      c.subarray(12, c.length - 16),
      c.subarray(c.length - 16),
      ctx,
    )
    expect(opened?.equals(kek)).toBe(true)
    await provider.close()
  })

  it('uses N = 2^17, r = 8, p = 1 by default', () => {
    expect(DEFAULT_SCRYPT_PARAMS).toEqual({ N: 2 ** 17, r: 8, p: 1 })
  })

  it('refuses to overwrite an existing keyring', async () => {
    const p = fresh()
    await initLocalKeyring({ path: p, passphrase: 'pw', kdf })
    const before = await readFile(p, 'utf8')
    expect(await code(initLocalKeyring({ path: p, passphrase: 'pw', kdf }))).toBe(
      'ERR_LAKE_ALREADY_INITIALIZED',
    )
    expect(await readFile(p, 'utf8')).toBe(before)
  })

  it('rejects a wrong passphrase with ERR_KEYS_BAD_PASSPHRASE', async () => {
    const p = fresh()
    await initLocalKeyring({ path: p, passphrase: 'right', kdf })
    const provider = createLocalKeyProvider({ path: p, passphrase: 'wrong' })
    expect(await code(provider.open())).toBe('ERR_KEYS_BAD_PASSPHRASE')
    expect(await code(provider.currentRootKeyId())).toBe('ERR_KEYS_PROVIDER_UNAVAILABLE')
  })

  it('rejects a missing or empty passphrase with ERR_KEYS_NO_PASSPHRASE', async () => {
    const p = fresh()
    expect(await code(initLocalKeyring({ path: p, passphrase: '', kdf }))).toBe(
      'ERR_KEYS_NO_PASSPHRASE',
    )
    await initLocalKeyring({ path: p, passphrase: 'pw', kdf })
    expect(await code(createLocalKeyProvider({ path: p, passphrase: '' }).open())).toBe(
      'ERR_KEYS_NO_PASSPHRASE',
    )
    const missing = { path: p } as unknown as { path: string; passphrase: string }
    expect(await code(createLocalKeyProvider(missing).open())).toBe('ERR_KEYS_NO_PASSPHRASE')
  })

  it('rejects malformed keyring files with ERR_KEYS_KEYRING_CORRUPT', async () => {
    const p = fresh()
    await initLocalKeyring({ path: p, passphrase: 'pw', kdf })
    const good = JSON.parse(await readFile(p, 'utf8')) as Record<string, unknown>
    const variants: unknown[] = [
      'not json',
      [],
      { ...good, format: 'other' },
      { ...good, version: 2 },
      { ...good, kdf: { ...(good['kdf'] as object), N: 1000 } },
      { ...good, kdf: { ...(good['kdf'] as object), N: 2 ** 30 } },
      { ...good, kdf: { ...(good['kdf'] as object), salt: '!!' } },
      { ...good, rootKeys: [] },
      { ...good, currentRootKeyId: 'rk_missing' },
      { ...good, rootKeys: [{ id: 'x', createdAt: 'now', wrapped: 'AAAA' }] },
    ]
    for (const v of variants) {
      await writeFile(p, typeof v === 'string' ? v : JSON.stringify(v))
      expect(await code(createLocalKeyProvider({ path: p, passphrase: 'pw' }).open())).toBe(
        'ERR_KEYS_KEYRING_CORRUPT',
      )
    }
  })

  it('binds each wrapped root key to its keyring id and root key id', async () => {
    const p = fresh()
    await initLocalKeyring({ path: p, passphrase: 'pw', kdf })
    const good = JSON.parse(await readFile(p, 'utf8')) as { id: string }
    // Same passphrase-derived master key, but another keyring id: the AAD no longer matches.
    await writeFile(p, JSON.stringify({ ...good, id: 'kr_other' }))
    expect(await code(createLocalKeyProvider({ path: p, passphrase: 'pw' }).open())).toBe(
      'ERR_KEYS_BAD_PASSPHRASE',
    )
  })

  it('rotates the root key: new wraps use it, old wraps still unwrap', async () => {
    const p = fresh()
    await initLocalKeyring({ path: p, passphrase: 'pw', kdf })
    const provider = createLocalKeyProvider({ path: p, passphrase: 'pw' })
    await provider.open()
    const ctx = new TextEncoder().encode('kek:ds:1')
    const key = randomBytes(32)
    const old = await provider.wrap(key, ctx)
    const newId = await provider.rotateRootKey()
    expect(newId).not.toBe(old.rootKeyId)
    expect(await provider.currentRootKeyId()).toBe(newId)
    const fresher = await provider.wrap(key, ctx)
    expect(fresher.rootKeyId).toBe(newId)
    await provider.close()
    // Persisted: a new instance sees both root keys.
    const reopened = createLocalKeyProvider({ path: p, passphrase: 'pw' })
    await reopened.open()
    expect(await reopened.currentRootKeyId()).toBe(newId)
    expect(Buffer.from(await reopened.unwrap(old, ctx)).equals(key)).toBe(true)
    expect(Buffer.from(await reopened.unwrap(fresher, ctx)).equals(key)).toBe(true)
    // A wrap under one root key does not open under another id.
    expect(await code(reopened.unwrap({ ...old, rootKeyId: newId }, ctx))).toBe(
      'ERR_KEYS_UNWRAP_FAILED',
    )
    await reopened.close()
  })

  it('changes the passphrase without changing root keys', async () => {
    const p = fresh()
    await initLocalKeyring({ path: p, passphrase: 'old', kdf })
    const provider = createLocalKeyProvider({ path: p, passphrase: 'old' })
    await provider.open()
    const ctx = new TextEncoder().encode('kek:ds:1')
    const key = randomBytes(32)
    const wrapped = await provider.wrap(key, ctx)
    expect(await code(provider.changePassphrase(''))).toBe('ERR_KEYS_NO_PASSPHRASE')
    await provider.changePassphrase('new')
    await provider.rotateRootKey() // uses the new master key
    await provider.close()
    expect((await stat(p)).mode & 0o777).toBe(0o600)
    expect(await code(createLocalKeyProvider({ path: p, passphrase: 'old' }).open())).toBe(
      'ERR_KEYS_BAD_PASSPHRASE',
    )
    const reopened = createLocalKeyProvider({ path: p, passphrase: 'new' })
    await reopened.open()
    expect(Buffer.from(await reopened.unwrap(wrapped, ctx)).equals(key)).toBe(true)
    await reopened.close()
  })

  it('rejects rotate and changePassphrase when not open', async () => {
    const p = fresh()
    await initLocalKeyring({ path: p, passphrase: 'pw', kdf })
    const provider = createLocalKeyProvider({ path: p, passphrase: 'pw' })
    expect(await code(provider.rotateRootKey())).toBe('ERR_KEYS_PROVIDER_UNAVAILABLE')
    await provider.open()
    await provider.close()
    expect(await code(provider.changePassphrase('x'))).toBe('ERR_KEYS_PROVIDER_UNAVAILABLE')
    expect(await code(provider.open())).toBe('ERR_KEYS_PROVIDER_UNAVAILABLE')
  })

  it('reports a missing keyring file as ERR_LAKE_NOT_INITIALIZED', async () => {
    const provider = createLocalKeyProvider({ path: fresh(), passphrase: 'pw' })
    expect(await code(provider.open())).toBe('ERR_LAKE_NOT_INITIALIZED')
  })
})
