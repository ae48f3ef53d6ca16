/**
 * The {@link KeyProvider} contract, shared by every backend (`local`, `pkcs11`, …).
 *
 * A backend test calls {@link runKeyProviderContract} in a few lines. Only the port is
 * used here, so the suite holds for any backend: no file formats, no algorithms.
 */
import { randomBytes } from 'node:crypto'

import { afterEach, describe, expect, it } from 'vitest'

import { isStrongroomError } from '../../src/errors.js'
import type { ErrorCode } from '../../src/errors.js'
import type { KeyProvider, WrappedKey } from '../../src/keys/key-provider.js'

/** Options for {@link runKeyProviderContract}. */
export interface KeyProviderContractOptions {
  /**
   * A fresh provider, not yet opened (the suite calls `open` itself, so it can test
   * calls made before `open`). Each call may share or not share state with earlier ones.
   */
  readonly create: () => Promise<KeyProvider>
  /** Called after each test with the provider it used (already closed, or not). */
  readonly cleanup?: (provider: KeyProvider) => Promise<void>
  /** A reason to skip the whole suite (e.g. no HSM configured), or `false`. */
  readonly skip?: string | false
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  let caught: unknown
  try {
    await promise
  } catch (e) {
    caught = e
  }
  expect(caught, `expected ${code}`).toBeDefined()
  expect(isStrongroomError(caught, code), `expected ${code}, got ${String(caught)}`).toBe(true)
}

function withCiphertext(w: WrappedKey, ciphertext: Uint8Array): WrappedKey {
  return { rootKeyId: w.rootKeyId, algorithm: w.algorithm, ciphertext }
}

const CONTEXT = new TextEncoder().encode('kek:ds_contract:1')

/**
 * Registers the key provider contract suite (`src/keys/key-provider.ts`) for one backend.
 *
 * @example
 * ```ts
 * runKeyProviderContract('local', { create: async () => createLocalKeyProvider(opts) })
 * ```
 */
export function runKeyProviderContract(name: string, options: KeyProviderContractOptions): void {
  const skip = options.skip ?? false
  const suite = skip === false ? describe : describe.skip
  suite(`KeyProvider contract: ${name}${skip === false ? '' : ` (skipped: ${skip})`}`, () => {
    const used: KeyProvider[] = []

    async function opened(): Promise<KeyProvider> {
      const p = await options.create()
      used.push(p)
      await p.open()
      return p
    }

    afterEach(async () => {
      for (const p of used.splice(0)) {
        await p.close().catch(() => undefined)
        await options.cleanup?.(p)
      }
    })

    it('reports a kind and a current root key id', async () => {
      const p = await opened()
      expect(typeof p.kind).toBe('string')
      expect(p.kind.length).toBeGreaterThan(0)
      const id = await p.currentRootKeyId()
      expect(typeof id).toBe('string')
      expect(id.length).toBeGreaterThan(0)
    })

    it.each([16, 32])('round-trips a %i-byte key', async (size) => {
      const p = await opened()
      const key = randomBytes(size)
      const wrapped = await p.wrap(key, CONTEXT)
      expect(wrapped.rootKeyId).toBe(await p.currentRootKeyId())
      expect(wrapped.algorithm.length).toBeGreaterThan(0)
      // The wrapped bytes must not contain the key itself.
      expect(Buffer.from(wrapped.ciphertext).includes(key)).toBe(false)
      const back = await p.unwrap(wrapped, CONTEXT)
      expect(Buffer.from(back).equals(key)).toBe(true)
    })

    it('round-trips with an empty context', async () => {
      const p = await opened()
      const key = randomBytes(32)
      const back = await p.unwrap(await p.wrap(key, new Uint8Array(0)), new Uint8Array(0))
      expect(Buffer.from(back).equals(key)).toBe(true)
    })

    it('binds the context: another context fails with ERR_KEYS_UNWRAP_FAILED', async () => {
      const p = await opened()
      const wrapped = await p.wrap(randomBytes(32), CONTEXT)
      const others = ['kek:ds_contract:2', 'kek:ds_other:1', '', 'kek:ds_contract:1 ']
      for (const other of others) {
        await expectCode(
          p.unwrap(wrapped, new TextEncoder().encode(other)),
          'ERR_KEYS_UNWRAP_FAILED',
        )
      }
    })

    it('rejects every single flipped byte with ERR_KEYS_UNWRAP_FAILED', async () => {
      const p = await opened()
      const wrapped = await p.wrap(randomBytes(32), CONTEXT)
      const bytes = Uint8Array.from(wrapped.ciphertext)
      for (let i = 0; i < bytes.length; i++) {
        const changed = Uint8Array.from(bytes)
        changed[i] = (changed[i] ?? 0) ^ 0x01
        await expectCode(
          p.unwrap(withCiphertext(wrapped, changed), CONTEXT),
          'ERR_KEYS_UNWRAP_FAILED',
        )
      }
    })

    it('rejects truncated, extended and empty ciphertexts', async () => {
      const p = await opened()
      const wrapped = await p.wrap(randomBytes(32), CONTEXT)
      const c = Uint8Array.from(wrapped.ciphertext)
      const variants = [
        c.subarray(0, c.length - 1),
        Buffer.concat([c, Uint8Array.of(0)]),
        new Uint8Array(0),
      ]
      for (const v of variants) {
        await expectCode(p.unwrap(withCiphertext(wrapped, v), CONTEXT), 'ERR_KEYS_UNWRAP_FAILED')
      }
    })

    it('rejects an unknown root key id with ERR_KEYS_UNWRAP_FAILED', async () => {
      const p = await opened()
      const wrapped = await p.wrap(randomBytes(32), CONTEXT)
      await expectCode(
        p.unwrap({ ...wrapped, rootKeyId: `${wrapped.rootKeyId}-unknown` }, CONTEXT),
        'ERR_KEYS_UNWRAP_FAILED',
      )
    })

    it('randomizes wraps: two wraps of one key differ', async () => {
      const p = await opened()
      const key = randomBytes(32)
      const a = await p.wrap(key, CONTEXT)
      const b = await p.wrap(key, CONTEXT)
      expect(Buffer.from(a.ciphertext).equals(Buffer.from(b.ciphertext))).toBe(false)
      expect(Buffer.from(await p.unwrap(a, CONTEXT)).equals(key)).toBe(true)
      expect(Buffer.from(await p.unwrap(b, CONTEXT)).equals(key)).toBe(true)
    })

    it('fails with ERR_KEYS_PROVIDER_UNAVAILABLE before open', async () => {
      const p = await options.create()
      used.push(p)
      const wrapped: WrappedKey = {
        rootKeyId: 'x',
        algorithm: 'A256GCM',
        ciphertext: randomBytes(60),
      }
      await expectCode(p.currentRootKeyId(), 'ERR_KEYS_PROVIDER_UNAVAILABLE')
      await expectCode(p.wrap(randomBytes(32), CONTEXT), 'ERR_KEYS_PROVIDER_UNAVAILABLE')
      await expectCode(p.unwrap(wrapped, CONTEXT), 'ERR_KEYS_PROVIDER_UNAVAILABLE')
    })

    it('fails with ERR_KEYS_PROVIDER_UNAVAILABLE after close', async () => {
      const p = await opened()
      const wrapped = await p.wrap(randomBytes(32), CONTEXT)
      await p.close()
      await expectCode(p.currentRootKeyId(), 'ERR_KEYS_PROVIDER_UNAVAILABLE')
      await expectCode(p.wrap(randomBytes(32), CONTEXT), 'ERR_KEYS_PROVIDER_UNAVAILABLE')
      await expectCode(p.unwrap(wrapped, CONTEXT), 'ERR_KEYS_PROVIDER_UNAVAILABLE')
    })

    it('a wrap made by one instance unwraps in another over the same root key', async () => {
      const a = await opened()
      const key = randomBytes(32)
      const wrapped = await a.wrap(key, CONTEXT)
      await a.close()
      const b = await opened()
      expect(await b.currentRootKeyId()).toBe(wrapped.rootKeyId)
      expect(Buffer.from(await b.unwrap(wrapped, CONTEXT)).equals(key)).toBe(true)
    })
  })
}
