import { createHash, createPublicKey, verify } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createMemoryAuditStore } from '../../test/helpers/memory-audit-store.js'
import { isStrongroomError } from '../errors.js'
import type { KeyProvider } from '../keys/key-provider.js'
import { createLocalKeyProvider, initLocalKeyring } from '../keys/local/local-key-provider.js'
import {
  AUDIT_SIGNING_KEY_CONTEXT,
  PUBLIC_KEY_META,
  SIGNING_KEY_META,
  auditKeyId,
  loadOrCreateSigningKey,
} from './signing-key.js'

let dir = ''
const providers: KeyProvider[] = []

async function provider(name: string): Promise<KeyProvider> {
  const path = join(dir, `${name}.keyring`)
  // Low scrypt cost for tests only (production: 2^17).
  await initLocalKeyring({ path, passphrase: `pass ${name}`, kdf: { N: 2 ** 12 } })
  const p = createLocalKeyProvider({ path, passphrase: `pass ${name}` })
  await p.open()
  providers.push(p)
  return p
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    return isStrongroomError(e) ? e.code : 'other error'
  }
  return 'no error'
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strongroom-audit-key-'))
})

afterAll(async () => {
  for (const p of providers) await p.close()
  await rm(dir, { recursive: true, force: true })
})

describe('loadOrCreateSigningKey', () => {
  it('creates an Ed25519 key, stores it wrapped, and loads the same key again', async () => {
    const store = createMemoryAuditStore()
    await store.open()
    const keys = await provider('a')
    const signer = await loadOrCreateSigningKey(store, keys)

    const stored = JSON.parse((await store.getMeta(SIGNING_KEY_META)) ?? '') as Record<
      string,
      unknown
    >
    expect(Object.keys(stored).sort()).toEqual(['algorithm', 'ciphertext', 'rootKeyId'])
    expect(stored.rootKeyId).toBe(await keys.currentRootKeyId())
    expect(await store.getMeta(PUBLIC_KEY_META)).toBe(signer.publicKeyPem)

    // keyId = first 16 bytes of SHA-256(raw 32-byte public key).
    const jwk = createPublicKey(signer.publicKeyPem).export({ format: 'jwk' })
    const raw = Buffer.from(jwk.x ?? '', 'base64url')
    expect(raw).toHaveLength(32)
    expect(signer.keyId).toBe(createHash('sha256').update(raw).digest('hex').slice(0, 32))
    expect(auditKeyId(signer.publicKeyPem)).toBe(signer.keyId)

    const msg = Buffer.from('checkpoint bytes')
    const sig = signer.sign(msg)
    expect(sig).toHaveLength(64)
    expect(verify(null, msg, signer.publicKeyPem, sig)).toBe(true)

    const again = await loadOrCreateSigningKey(store, keys)
    expect(again.keyId).toBe(signer.keyId)
    expect(verify(null, msg, signer.publicKeyPem, again.sign(msg))).toBe(true)
  })

  it('never stores or exposes the private key in plaintext', async () => {
    const store = createMemoryAuditStore()
    await store.open()
    const keys = await provider('b')
    const signer = await loadOrCreateSigningKey(store, keys)
    const stored = JSON.parse((await store.getMeta(SIGNING_KEY_META)) ?? '') as {
      rootKeyId: string
      algorithm: string
      ciphertext: string
    }
    // Recover the private key the legitimate way, then look for it everywhere.
    const der = Buffer.from(
      await keys.unwrap(
        { ...stored, ciphertext: Buffer.from(stored.ciphertext, 'base64') },
        new TextEncoder().encode(AUDIT_SIGNING_KEY_CONTEXT),
      ),
    )
    const seed = der.subarray(der.length - 32) // PKCS#8 Ed25519: the 32-byte seed is last
    const haystack = [
      (await store.getMeta(SIGNING_KEY_META)) ?? '',
      (await store.getMeta(PUBLIC_KEY_META)) ?? '',
      JSON.stringify(signer),
      inspect(signer, { showHidden: true, depth: 5 }),
    ].join('\n')
    for (const needle of [
      der.toString('base64'),
      der.toString('hex'),
      seed.toString('base64'),
      seed.toString('base64url'),
      seed.toString('hex'),
    ]) {
      expect(haystack.includes(needle)).toBe(false)
    }
    expect(Object.keys(signer).sort()).toEqual(['keyId', 'publicKeyPem', 'sign'])
  })

  it('binds the wrap to the audit context: another keyring cannot unwrap it', async () => {
    const store = createMemoryAuditStore()
    await store.open()
    await loadOrCreateSigningKey(store, await provider('c'))
    expect(await failure(loadOrCreateSigningKey(store, await provider('d')))).toBe(
      'ERR_KEYS_UNWRAP_FAILED',
    )
  })

  it('refuses a stored public key that does not match the signing key', async () => {
    const keys = await provider('e')
    const store = createMemoryAuditStore()
    await store.open()
    await loadOrCreateSigningKey(store, keys)
    const other = createMemoryAuditStore()
    await other.open()
    const otherSigner = await loadOrCreateSigningKey(other, keys)
    await store.setMeta(PUBLIC_KEY_META, otherSigner.publicKeyPem)
    expect(await failure(loadOrCreateSigningKey(store, keys))).toBe('ERR_AUDIT_CHAIN_BROKEN')
  })

  it('refuses malformed stored entries', async () => {
    const keys = await provider('f')
    const store = createMemoryAuditStore()
    await store.open()
    await loadOrCreateSigningKey(store, keys)
    await store.setMeta(SIGNING_KEY_META, '{"rootKeyId":1}')
    expect(await failure(loadOrCreateSigningKey(store, keys))).toBe('ERR_AUDIT_INVALID')
    await store.setMeta(SIGNING_KEY_META, 'not json')
    expect(await failure(loadOrCreateSigningKey(store, keys))).toBe('ERR_AUDIT_INVALID')
  })

  it('a store that cannot write fails creation', async () => {
    const store = createMemoryAuditStore()
    await store.open()
    store.failWrites()
    expect(await failure(loadOrCreateSigningKey(store, await provider('g')))).toBe(
      'ERR_AUDIT_UNAVAILABLE',
    )
  })
})
