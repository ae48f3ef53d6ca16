import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import fc from 'fast-check'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import type { Catalog } from '../../catalog/catalog.js'
import { createSqliteCatalog } from '../../catalog/sqlite/sqlite-catalog.js'
import { isStrongroomError } from '../../errors.js'
import { openSqlite } from '../../lib/sqlite.js'
import { TokenVault, VAULT_TOKEN_PATTERN, type VaultStore } from './token-vault.js'
import { VaultKeyring, blindIndex } from './vault-keys.js'

const dir = mkdtempSync(join(tmpdir(), 'sr-vault-'))
const dbPath = join(dir, 'catalog.db')
let catalog: Catalog
const master = randomBytes(32)
const vaults: TokenVault[] = []

function vault(key: Uint8Array = master, store: VaultStore = catalog): TokenVault {
  const v = new TokenVault(key, store)
  vaults.push(v)
  return v
}

/** A store that counts the calls made on it, to prove batch round trips. */
function counting(store: VaultStore): { store: VaultStore; calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    store: {
      getVaultKeys: (d, r) => (calls.push('getVaultKeys'), store.getVaultKeys(d, r)),
      putVaultEntries: (i) => (calls.push('putVaultEntries'), store.putVaultEntries(i)),
      getVaultEntries: (d, t) => (calls.push('getVaultEntries'), store.getVaultEntries(d, t)),
      forgetVaultSubject: (d, r) => (
        calls.push('forgetVaultSubject'),
        store.forgetVaultSubject(d, r)
      ),
    },
  }
}

/** Runs SQL on the catalog file directly, as an attacker with file access could. */
async function raw(sql: string, ...params: unknown[]): Promise<void> {
  const db = await openSqlite({
    path: dbPath,
    busyTimeoutMs: 5000,
    pragmas: [],
    unavailableCode: 'ERR_CATALOG_UNAVAILABLE',
  })
  try {
    db.prepare(sql).run(...params)
  } finally {
    db.close()
  }
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
    return undefined
  } catch (e) {
    if (!isStrongroomError(e)) throw e
    return e.code
  }
}

beforeAll(async () => {
  catalog = createSqliteCatalog({ path: dbPath })
  await catalog.open()
})
afterEach(() => {
  for (const v of vaults.splice(0)) v.close()
})
afterAll(async () => {
  await catalog.close()
  await rm(dir, { recursive: true, force: true })
})

describe('TokenVault', () => {
  it('round-trips a column; nulls stay null', async () => {
    const v = vault()
    const values = ['ann@example.com', null, 'bo@example.org', '', 'é日本😀', 42, 7n]
    const subjects = ['c1', 'c1', 'c2', 'c3', 'c3', 'c4', 5]
    const tokens = await v.tokenizeColumn('rt', subjects, values)
    expect(tokens[1]).toBeNull()
    const back = await v.detokenize(
      'rt',
      tokens.filter((t): t is string => t !== null),
    )
    expect(back.map((b) => (b.status === 'ok' ? b.value : b.status))).toEqual([
      'ann@example.com',
      'bo@example.org',
      '',
      'é日本😀',
      '42',
      '7',
    ])
  })

  it('converges within (domain, subject, value), also across vault objects', async () => {
    const a = vault()
    const [t1, t2] = await a.tokenizeColumn('conv', ['s', 's'], ['x@y.z', 'x@y.z'])
    expect(t1).toBe(t2)
    // A new object (no cache) with the same master key and store finds the same entry.
    const [t3] = await vault().tokenize('conv', 's', ['x@y.z'])
    expect(t3).toBe(t1)
    // Numbers count as their text, for subjects and values.
    const [n1] = await a.tokenize('conv', 12, [3.5])
    const [n2] = await a.tokenize('conv', '12', ['3.5'])
    expect(n1).toBe(n2)
  })

  it('gives different tokens to different subjects, values and domains', async () => {
    const v = vault()
    const [a, b] = await v.tokenizeColumn('diff', ['alice', 'bob'], ['same', 'same'])
    const [c] = await v.tokenize('diff', 'alice', ['other'])
    const [d] = await v.tokenize('diff-2', 'alice', ['same'])
    expect(new Set([a, b, c, d]).size).toBe(4)
  })

  it('makes random, recognisable tokens that carry nothing of the value', async () => {
    const v = vault()
    const values = Array.from({ length: 200 }, (_, i) => `user${i}@example.com`)
    const tokens = await v.tokenize('fmt', 'subject', values)
    for (const t of tokens) {
      expect(t).toMatch(VAULT_TOKEN_PATTERN)
      expect(t).toHaveLength(30)
      expect(t).not.toContain('user')
    }
    expect(new Set(tokens).size).toBe(200)
  })

  it('costs two store calls per batch, one once keys are cached, one to detokenize', async () => {
    const { store, calls } = counting(catalog)
    const v = vault(master, store)
    const subjects = Array.from({ length: 5000 }, (_, i) => `s${i % 500}`)
    const values = Array.from({ length: 5000 }, (_, i) => `v${i % 1200}`)
    const tokens = await v.tokenizeColumn('calls', subjects, values)
    expect(calls).toEqual(['getVaultKeys', 'putVaultEntries'])
    calls.length = 0
    expect(await v.tokenizeColumn('calls', subjects, values)).toEqual(tokens)
    expect(calls).toEqual(['putVaultEntries'])
    calls.length = 0
    const back = await v.detokenize('calls', tokens as string[])
    expect(calls).toEqual(['getVaultEntries'])
    expect(back.map((b) => (b.status === 'ok' ? b.value : ''))).toEqual(values)
  })

  it('slices a large batch: two store calls per slice, tokens still converge', async () => {
    const { store, calls } = counting(catalog)
    const v = new TokenVault(master, store, { sliceSize: 100 })
    vaults.push(v)
    const subjects = Array.from({ length: 500 }, (_, i) => `s${i % 50}`)
    const values = Array.from({ length: 500 }, (_, i) => `v${i % 250}`)
    const tokens = await v.tokenizeColumn('slices', subjects, values)
    // 250 distinct pairs: three slices; keys are cached after the first sight of a subject.
    expect(calls.filter((c) => c === 'putVaultEntries')).toHaveLength(3)
    expect(calls.filter((c) => c === 'getVaultKeys').length).toBeLessThanOrEqual(3)
    expect(tokens[0]).toBe(tokens[250])
    const back = await v.detokenize('slices', tokens as string[])
    expect(back.map((b) => (b.status === 'ok' ? b.value : ''))).toEqual(values)
  })

  it('reports unknown and foreign tokens per token, with the not-found code', async () => {
    const v = vault()
    const [t] = await v.tokenize('known', 's', ['value'])
    const out = await v.detokenize('known', ['tok_' + 'a'.repeat(26), 'garbage', t!])
    expect(out.map((o) => o.status)).toEqual(['unknown', 'unknown', 'ok'])
    expect(out[0]).toMatchObject({ code: 'ERR_PROTECT_TOKEN_NOT_FOUND' })
    expect((await v.detokenize('other-domain', [t!]))[0]?.status).toBe('unknown')
  })

  it('forgets a subject: its values are shredded, other subjects still detokenize', async () => {
    const v = vault()
    const gone = await v.tokenize('fg', 'alice', ['a1', 'a2', 'a3'])
    const kept = await v.tokenize('fg', 'bob', ['a1'])
    expect(await vault().forgetSubject('fg', 'alice')).toEqual({
      keyDestroyed: true,
      entriesShredded: 3,
    })
    const after = await v.detokenize('fg', [...(gone as string[]), kept[0]!])
    expect(after.map((a) => a.status)).toEqual(['shredded', 'shredded', 'shredded', 'ok'])
    expect(after[0]).toMatchObject({ code: 'ERR_PROTECT_TOKEN_NOT_FOUND' })
    // `v` had alice's key cached: its next tokenization notices the key is gone, starts a
    // new key, and the old tokens never come back.
    const again = await v.tokenize('fg', 'alice', ['a1'])
    expect(again[0]).not.toBe(gone[0])
    expect((await v.detokenize('fg', [gone[0]!]))[0]?.status).toBe('shredded')
    expect((await v.detokenize('fg', [again[0]!]))[0]).toMatchObject({ status: 'ok', value: 'a1' })
    // Idempotent.
    expect(await v.forgetSubject('fg', 'nobody')).toEqual({
      keyDestroyed: false,
      entriesShredded: 0,
    })
  })

  it('leaves nothing that decrypts after forget, even with the master key and the old row', async () => {
    const v = vault()
    const [t] = await v.tokenize('shred', 'carol', ['secret-value'])
    await v.forgetSubject('shred', 'carol')
    // Put the entry back "live" under a new key for carol: still not the old value.
    await v.tokenize('shred', 'carol', ['other'])
    expect((await vault().detokenize('shred', [t!]))[0]?.status).toBe('shredded')
  })

  it('leaves no copy of the destroyed key or ciphertexts in the SQLite files', async () => {
    const v = vault()
    const tokens = (await v.tokenize('wipe', 'gina', ['w1', 'w2'])) as string[]
    const k = new VaultKeyring(master)
    const ref = k.subjectRef('wipe', 'gina')
    k.close()
    const [key] = await catalog.getVaultKeys('wipe', [ref])
    const entries = await catalog.getVaultEntries('wipe', tokens)
    const secrets = [
      key!.wrappedKey,
      ...entries.map((e) => (e.state === 'live' ? e.ciphertext : new Uint8Array(0))),
    ].map((b) => Buffer.from(b))
    expect(secrets.every((b) => b.byteLength > 16)).toBe(true)
    const files = async () =>
      Promise.all([dbPath, `${dbPath}-wal`].map((f) => readFile(f).catch(() => Buffer.alloc(0))))
    // Present before (so the search below can fail), gone after.
    expect((await files()).some((f) => f.includes(secrets[0]!))).toBe(true)
    await v.forgetSubject('wipe', 'gina')
    for (const f of await files()) for (const b of secrets) expect(f.includes(b)).toBe(false)
  })

  it('fails closed on a modified ciphertext or a swapped wrapped key', async () => {
    const v = vault()
    const [t1, t2] = await v.tokenize('tamper', 'dave', ['value-one', 'value-two'])
    const [t3] = await v.tokenize('tamper', 'erin', ['value-three'])
    // Flip one ciphertext byte.
    await raw(
      "UPDATE vault_tokens SET ciphertext = CAST(substr(ciphertext, 1, 20) || CASE WHEN substr(ciphertext, 21, 1) = x'00' THEN x'01' ELSE x'00' END || substr(ciphertext, 22) AS BLOB) WHERE token = ?",
      t1,
    )
    const fresh = () => vault().detokenize('tamper', [t1!])
    expect(await codeOf(fresh())).toBe('ERR_CRYPTO_INTEGRITY')
    // Swap two entries' ciphertexts of one subject: the token is bound into each.
    await raw(
      'UPDATE vault_tokens SET ciphertext = (SELECT ciphertext FROM vault_tokens WHERE token = ?) WHERE token = ?',
      t2,
      t1,
    )
    expect(await codeOf(fresh())).toBe('ERR_CRYPTO_INTEGRITY')
    // Give dave's key erin's wrapped key: the subject reference and key id are bound in.
    await raw(
      'UPDATE vault_keys SET wrapped_key = (SELECT k.wrapped_key FROM vault_keys k JOIN vault_tokens t ON t.key_id = k.key_id WHERE t.token = ?) WHERE key_id = (SELECT key_id FROM vault_tokens WHERE token = ?)',
      t3,
      t2,
    )
    let err: unknown
    try {
      await vault().detokenize('tamper', [t2!])
    } catch (e) {
      err = e
    }
    expect(isStrongroomError(err) && err.code).toBe('ERR_CRYPTO_INTEGRITY')
    expect(JSON.stringify(isStrongroomError(err) ? err.toJSON() : '')).not.toContain('value-')
    // Erin is untouched.
    expect((await vault().detokenize('tamper', [t3!]))[0]).toMatchObject({ value: 'value-three' })
  })

  it('fails closed with the wrong master key', async () => {
    const [t] = await vault().tokenize('wrong', 'frank', ['v'])
    expect(await codeOf(vault(randomBytes(32)).detokenize('wrong', [t!]))).toBe(
      'ERR_CRYPTO_INTEGRITY',
    )
    expect(await codeOf(Promise.resolve().then(() => vault(randomBytes(16))))).toBe(
      'ERR_PROTECT_KEY_MISSING',
    )
  })

  it('refuses a value without a subject, naming the row only', async () => {
    const v = vault()
    let err: unknown
    try {
      await v.tokenizeColumn('bad', ['s', null], ['ok', 'private-value'])
    } catch (e) {
      err = e
    }
    expect(isStrongroomError(err) && err.code).toBe('ERR_PROTECT_INVALID_VALUE')
    expect(isStrongroomError(err) && err.details['row']).toBe(1)
    expect(String(isStrongroomError(err) && err.message)).not.toContain('private-value')
    expect(await codeOf(v.tokenize('', 's', ['x']))).toBe('ERR_USAGE_INVALID_ARGUMENT')
    // Lone surrogates would be changed by UTF-8 encoding: refused, not stored altered.
    expect(await codeOf(v.tokenize('bad', 's', ['a\ud800b']))).toBe('ERR_PROTECT_INVALID_VALUE')
    expect(await codeOf(v.tokenize('bad', '\udc00', ['x']))).toBe('ERR_PROTECT_INVALID_VALUE')
    expect(await codeOf(v.forgetSubject('bad', ''))).toBe('ERR_USAGE_INVALID_ARGUMENT')
  })

  it('property: detokenize(tokenize(x)) = x; tokens equal exactly when (subject, value) are', async () => {
    const v = vault()
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom('s1', 's2', 's3'),
            fc.string({ unit: 'grapheme', maxLength: 12 }),
          ),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        async (rows) => {
          const domain = `prop-${run++}`
          const tokens = (await v.tokenizeColumn(
            domain,
            rows.map((r) => r[0]),
            rows.map((r) => r[1]),
          )) as string[]
          const back = await v.detokenize(domain, tokens)
          expect(back.map((b) => (b.status === 'ok' ? b.value : null))).toEqual(
            rows.map((r) => r[1]),
          )
          for (let i = 0; i < rows.length; i++)
            for (let j = 0; j < rows.length; j++)
              expect(tokens[i] === tokens[j]).toBe(
                rows[i]![0] === rows[j]![0] && rows[i]![1] === rows[j]![1],
              )
        },
      ),
      { numRuns: 60 },
    )
  })
})

describe('VaultKeyring', () => {
  it('derives subject references per domain and frames its inputs injectively', () => {
    const k = new VaultKeyring(master)
    try {
      expect(k.subjectRef('d', 'alice')).toEqual(k.subjectRef('d', 'alice'))
      expect(k.subjectRef('d', 'alice')).toHaveLength(32)
      expect(k.subjectRef('d', 'alice')).not.toEqual(k.subjectRef('e', 'alice'))
      expect(k.subjectRef('ab', 'c')).not.toEqual(k.subjectRef('a', 'bc'))
      expect(new VaultKeyring(randomBytes(32)).subjectRef('d', 'alice')).not.toEqual(
        k.subjectRef('d', 'alice'),
      )
    } finally {
      k.close()
    }
  })

  it('binds a wrapped subject key to its domain, subject and key id', () => {
    const k = new VaultKeyring(master)
    try {
      const ref = k.subjectRef('d', 's')
      const { key, wrapped } = k.newSubjectKey('d', ref, 'vk_a')
      const opened = k.openSubjectKey('d', ref, 'vk_a', wrapped)
      expect(blindIndex(opened, 'v')).toEqual(blindIndex(key, 'v'))
      const fails = (f: () => unknown) => {
        try {
          f()
          return undefined
        } catch (e) {
          return isStrongroomError(e) ? e.code : 'other'
        }
      }
      expect(fails(() => k.openSubjectKey('e', ref, 'vk_a', wrapped))).toBe('ERR_CRYPTO_INTEGRITY')
      expect(fails(() => k.openSubjectKey('d', k.subjectRef('d', 't'), 'vk_a', wrapped))).toBe(
        'ERR_CRYPTO_INTEGRITY',
      )
      expect(fails(() => k.openSubjectKey('d', ref, 'vk_b', wrapped))).toBe('ERR_CRYPTO_INTEGRITY')
      expect(fails(() => k.openSubjectKey('d', ref, 'vk_a', wrapped.subarray(0, 20)))).toBe(
        'ERR_CRYPTO_INTEGRITY',
      )
    } finally {
      k.close()
    }
  })
})
