import { randomBytes, randomUUID } from 'node:crypto'
import { inspect } from 'node:util'

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { createSoftHsmToken, softHsmSkipReason } from '../../../test/helpers/softhsm.js'
import type { SoftHsmToken } from '../../../test/helpers/softhsm.js'
import { StrongroomError } from '../../errors.js'
import type { ErrorCode } from '../../errors.js'
import { createPkcs11KeyProvider, PKCS11_WRAP_ALGORITHM } from './pkcs11-key-provider.js'
import type { Pkcs11KeyProvider, Pkcs11KeyProviderOptions } from './pkcs11-key-provider.js'

const skip = softHsmSkipReason()
const ctx = (s: string): Uint8Array => new TextEncoder().encode(s)

async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<StrongroomError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(StrongroomError)
  expect((e as StrongroomError).code).toBe(code)
  return e as StrongroomError
}

describe.skipIf(skip !== false)('Pkcs11KeyProvider (SoftHSM2)', () => {
  let token: SoftHsmToken
  const opened: Pkcs11KeyProvider[] = []

  beforeAll(async () => {
    token = await createSoftHsmToken({ label: 'strongroom-unit' })
  })
  afterEach(async () => {
    // Close every provider so the module is finalized between tests.
    await Promise.all(opened.splice(0).map((p) => p.close()))
  })
  afterAll(async () => {
    await token.cleanup()
  })

  function provider(overrides: Partial<Pkcs11KeyProviderOptions> = {}): Pkcs11KeyProvider {
    const p = createPkcs11KeyProvider({
      modulePath: token.modulePath,
      tokenLabel: token.tokenLabel,
      pin: token.pin,
      keyLabel: `root-${randomUUID()}`,
      ...overrides,
    })
    opened.push(p)
    return p
  }

  it('keeps the root key in the token across close and open', async () => {
    const keyLabel = `root-${randomUUID()}`
    const first = provider({ keyLabel, createIfMissing: true })
    await first.open()
    const kek = randomBytes(32)
    const wrapped = await first.wrap(kek, ctx('kek:ds:1'))
    await first.close()

    // A fresh provider without createIfMissing must find the same key, not make one.
    const second = provider({ keyLabel })
    await second.open()
    expect(await second.currentRootKeyId()).toBe(`pkcs11:${keyLabel}`)
    expect(Buffer.from(await second.unwrap(wrapped, ctx('kek:ds:1')))).toEqual(kek)

    // And the same instance can be reopened after close.
    await second.close()
    await second.open()
    expect(Buffer.from(await second.unwrap(wrapped, ctx('kek:ds:1')))).toEqual(kek)
  })

  it('reports the wrap format and the root key id', async () => {
    const p = provider({ keyLabel: 'format-root', createIfMissing: true })
    await p.open()
    const wrapped = await p.wrap(randomBytes(16), ctx('c'))
    expect(wrapped.rootKeyId).toBe('pkcs11:format-root')
    expect(wrapped.algorithm).toBe(PKCS11_WRAP_ALGORITHM)
    // KWP(16-byte nonce || 16-byte key) = 40 bytes, plus a 32-byte HMAC.
    expect(wrapped.ciphertext.length).toBe(40 + 32)
  })

  it('fails a wrong PIN with ERR_KEYS_BAD_PASSPHRASE and leaves the module usable', async () => {
    const keyLabel = `root-${randomUUID()}`
    await expectCode(
      provider({ keyLabel, pin: '9999', createIfMissing: true }).open(),
      'ERR_KEYS_BAD_PASSPHRASE',
    )
    // The failed open released everything: a correct PIN works right after.
    const good = provider({ keyLabel, createIfMissing: true })
    await good.open()
    const key = randomBytes(32)
    expect(Buffer.from(await good.unwrap(await good.wrap(key, ctx('x')), ctx('x')))).toEqual(key)
  })

  it('checks the PIN of a second provider while the token is already logged in', async () => {
    const keyLabel = `root-${randomUUID()}`
    const first = provider({ keyLabel, createIfMissing: true })
    await first.open()
    // PKCS#11 login is per process: C_Login would answer ALREADY_LOGGED_IN unchecked.
    const e = await expectCode(
      provider({ keyLabel, pin: '0000' }).open(),
      'ERR_KEYS_BAD_PASSPHRASE',
    )
    expect(JSON.stringify(e.toJSON())).not.toContain('0000')
    expect(String(e.stack)).not.toContain('0000')
  })

  it('fails a missing key without createIfMissing with ERR_KEYS_KEY_NOT_FOUND', async () => {
    await expectCode(
      provider({ keyLabel: `absent-${randomUUID()}` }).open(),
      'ERR_KEYS_KEY_NOT_FOUND',
    )
  })

  it('fails an unknown token or module with ERR_KEYS_PROVIDER_UNAVAILABLE', async () => {
    await expectCode(
      provider({ tokenLabel: 'no-such-token', createIfMissing: true }).open(),
      'ERR_KEYS_PROVIDER_UNAVAILABLE',
    )
    await expectCode(
      provider({ modulePath: '/nonexistent/libpkcs11.so', createIfMissing: true }).open(),
      'ERR_KEYS_PROVIDER_UNAVAILABLE',
    )
  })

  it('generates a root key that cannot be read or wrapped out of the token', async () => {
    const keyLabel = `root-${randomUUID()}`
    const p = provider({ keyLabel, createIfMissing: true })
    await p.open()
    await p.close()

    // Talk to the token directly, as an attacker holding the PIN would.
    // pkcs11js is CommonJS: under ESM its exports arrive on `default`.
    const mod = await import('pkcs11js')
    const pkcs11js = (mod as { default?: typeof mod }).default ?? mod
    const lib = new pkcs11js.PKCS11()
    lib.load(token.modulePath)
    lib.C_Initialize()
    try {
      const slot = lib
        .C_GetSlotList(true)
        .find((s) => lib.C_GetTokenInfo(s).label.trimEnd() === token.tokenLabel)
      expect(slot).toBeDefined()
      if (slot === undefined) return
      const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION)
      lib.C_Login(session, pkcs11js.CKU_USER, token.pin)
      lib.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_LABEL, value: keyLabel }])
      const [root] = lib.C_FindObjects(session, 1)
      lib.C_FindObjectsFinal(session)
      expect(root).toBeDefined()
      if (root === undefined) return

      expect(() => lib.C_GetAttributeValue(session, root, [{ type: pkcs11js.CKA_VALUE }])).toThrow(
        /CKR_ATTRIBUTE_SENSITIVE/,
      )
      const attrs = lib.C_GetAttributeValue(session, root, [
        { type: pkcs11js.CKA_EXTRACTABLE },
        { type: pkcs11js.CKA_SENSITIVE },
        { type: pkcs11js.CKA_TOKEN },
      ])
      expect(attrs.map((a) => a.value[0])).toEqual([0, 1, 1])

      // Nor can it be wrapped out under a key the attacker controls.
      const attackerKey = lib.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_TOKEN, value: false },
        { type: pkcs11js.CKA_WRAP, value: true },
        { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      ])
      expect(() =>
        lib.C_WrapKey(
          session,
          { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD },
          attackerKey,
          root,
          Buffer.alloc(64),
        ),
      ).toThrow(/CKR_KEY_UNEXTRACTABLE/)
      lib.C_Logout(session)
      lib.C_CloseSession(session)
    } finally {
      lib.C_Finalize()
      lib.close()
    }
  })

  it('does not unwrap under another root key, even with a forged root key id', async () => {
    const a = provider({ createIfMissing: true })
    const b = provider({ createIfMissing: true })
    await a.open()
    await b.open()
    const wrapped = await a.wrap(randomBytes(32), ctx('kek:ds:1'))
    await expectCode(b.unwrap(wrapped, ctx('kek:ds:1')), 'ERR_KEYS_UNWRAP_FAILED')
    const forged = { ...wrapped, rootKeyId: await b.currentRootKeyId() }
    await expectCode(b.unwrap(forged, ctx('kek:ds:1')), 'ERR_KEYS_UNWRAP_FAILED')
  })

  it('fails truncated or reframed ciphertexts with a bare ERR_KEYS_UNWRAP_FAILED', async () => {
    const p = provider({ createIfMissing: true })
    await p.open()
    const wrapped = await p.wrap(randomBytes(32), ctx('c'))
    const bad = [
      wrapped.ciphertext.subarray(0, wrapped.ciphertext.length - 1),
      wrapped.ciphertext.subarray(8),
      new Uint8Array(0),
      Buffer.concat([wrapped.ciphertext, Buffer.alloc(8)]),
    ]
    for (const ciphertext of bad) {
      const e = await expectCode(
        p.unwrap({ ...wrapped, ciphertext }, ctx('c')),
        'ERR_KEYS_UNWRAP_FAILED',
      )
      // Indistinguishable failures: no cause, no details.
      expect(e.cause).toBeUndefined()
      expect(e.details).toEqual({})
    }
    await expectCode(
      p.unwrap({ ...wrapped, algorithm: 'A256GCM' }, ctx('c')),
      'ERR_KEYS_UNWRAP_FAILED',
    )
  })

  it('serializes concurrent calls on its one session', async () => {
    const p = provider({ createIfMissing: true })
    await p.open()
    const keys = Array.from({ length: 24 }, () => randomBytes(32))
    const wrapped = await Promise.all(keys.map((k, i) => p.wrap(k, ctx(`kek:${i}`))))
    const back = await Promise.all(wrapped.map((w, i) => p.unwrap(w, ctx(`kek:${i}`))))
    expect(back.map((k) => Buffer.from(k))).toEqual(keys)
  })

  it('keeps a second provider on the token working when the first closes', async () => {
    const keyLabel = `root-${randomUUID()}`
    const a = provider({ keyLabel, createIfMissing: true })
    const b = provider({ keyLabel })
    await a.open()
    await b.open()
    const key = randomBytes(16)
    const wrapped = await a.wrap(key, ctx('c'))
    // a's close must neither log the token out nor finalize the module under b.
    await a.close()
    expect(Buffer.from(await b.unwrap(wrapped, ctx('c')))).toEqual(key)
  })

  it('rejects calls after close with ERR_KEYS_PROVIDER_UNAVAILABLE', async () => {
    const p = provider({ createIfMissing: true })
    await p.open()
    const wrapped = await p.wrap(randomBytes(32), ctx('c'))
    await p.close()
    await expectCode(p.unwrap(wrapped, ctx('c')), 'ERR_KEYS_PROVIDER_UNAVAILABLE')
    await expectCode(p.wrap(randomBytes(32), ctx('c')), 'ERR_KEYS_PROVIDER_UNAVAILABLE')
    await expectCode(p.currentRootKeyId(), 'ERR_KEYS_PROVIDER_UNAVAILABLE')
  })

  it('never shows the PIN when the provider is printed', () => {
    const p = provider({ pin: 'pin-that-must-not-leak' })
    expect(inspect(p, { depth: 5, showHidden: true })).not.toContain('pin-that-must-not-leak')
    expect(JSON.stringify(p)).not.toContain('pin-that-must-not-leak')
  })
})

describe('createPkcs11KeyProvider', () => {
  it('lists every problem with the options as ERR_CONFIG_INVALID issues', () => {
    let caught: unknown
    try {
      createPkcs11KeyProvider({ modulePath: '', pin: '', keyLabel: '', slot: -1 })
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(StrongroomError)
    const e = caught as StrongroomError
    expect(e.code).toBe('ERR_CONFIG_INVALID')
    expect(e.issues.map((i) => i.path).sort()).toEqual(['keyLabel', 'modulePath', 'pin', 'slot'])
  })

  it('needs a token label or a slot', () => {
    expect(() => createPkcs11KeyProvider({ modulePath: '/x.so', pin: '1', keyLabel: 'k' })).toThrow(
      StrongroomError,
    )
  })

  it('fails calls before open with ERR_KEYS_PROVIDER_UNAVAILABLE without loading anything', async () => {
    const p = createPkcs11KeyProvider({
      modulePath: '/nonexistent.so',
      tokenLabel: 't',
      pin: '1',
      keyLabel: 'k',
    })
    await expectCode(p.currentRootKeyId(), 'ERR_KEYS_PROVIDER_UNAVAILABLE')
    await expectCode(p.wrap(randomBytes(32), ctx('c')), 'ERR_KEYS_PROVIDER_UNAVAILABLE')
    await expectCode(
      p.unwrap(
        { rootKeyId: 'pkcs11:k', algorithm: PKCS11_WRAP_ALGORITHM, ciphertext: new Uint8Array(72) },
        ctx('c'),
      ),
      'ERR_KEYS_PROVIDER_UNAVAILABLE',
    )
  })
})
