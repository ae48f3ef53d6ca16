/**
 * The token vault: reversible pseudonyms with per-subject keys (crypto-shredding).
 *
 * `tokenize` replaces each value with a random token (`tok_` + 26 base32 characters, 128
 * random bits) and stores the value encrypted under a key of its data subject; the same
 * value of the same subject in the same domain always gets the same token back (a blind
 * index finds it). `detokenize` is the way back, and `forgetSubject` destroys one subject's
 * key so every value of that person becomes unrecoverable, while the tokens in datasets and
 * exports stay as they are and reveal nothing: they are random, not derived from the value.
 *
 * Work is batch-oriented: a column batch costs at most two store calls (keys, then entries),
 * never one per row. Keys live in memory only unwrapped for the lifetime of one vault
 * object; {@link TokenVault.close} zeroes them.
 */
import { newId } from '../../core/ids.js'
import type {
  Catalog,
  VaultEntryInput,
  VaultForgetResult,
  VaultKeyRecord,
} from '../../catalog/catalog.js'
import { StrongroomError } from '../../errors.js'
import {
  VAULT_SEAL_OVERHEAD,
  VaultKeyring,
  blindIndex,
  destroySubjectKey,
  openValue,
  sealValue,
  vaultIntegrityError,
  vaultRandom,
  type SubjectKey,
} from './vault-keys.js'

/** The catalog methods the vault stores its keys and entries with. */
export type VaultStore = Pick<
  Catalog,
  'getVaultKeys' | 'putVaultEntries' | 'getVaultEntries' | 'forgetVaultSubject'
>

/** A data subject's id as it appears in a subject column; numbers count as their text. */
export type VaultSubject = string | number | bigint
/** A value the vault can tokenize; numbers are stored as their decimal text. */
export type VaultValue = string | number | bigint

/** What every vault token looks like: the prefix, then 128 random bits in base32. */
export const VAULT_TOKEN_PATTERN = /^tok_[a-z2-7]{26}$/
/** The prefix that makes vault tokens recognisable in data. */
export const VAULT_TOKEN_PREFIX = 'tok_'
/** Longest domain name, as in protection specs. */
export const VAULT_MAX_DOMAIN = 200
/** Largest value (UTF-8 bytes) the vault stores: the catalog's ciphertext bound less overhead. */
export const VAULT_MAX_VALUE_BYTES = 1_048_576 - VAULT_SEAL_OVERHEAD

/** One token's outcome of {@link TokenVault.detokenize}. */
export type DetokenizedToken =
  | { readonly token: string; readonly status: 'ok'; readonly value: string }
  | {
      readonly token: string
      /** `shredded`: the subject was forgotten; `unknown`: no such token in the domain. */
      readonly status: 'shredded' | 'unknown'
      readonly code: 'ERR_PROTECT_TOKEN_NOT_FOUND'
    }

/** Options for {@link TokenVault}. */
export interface TokenVaultOptions {
  /** Unwrapped subject keys kept in memory at most (default 100,000; then the cache restarts). */
  readonly maxCachedKeys?: number
  /** Attempts when another writer creates or destroys a subject key meanwhile (default 3). */
  readonly attempts?: number
  /**
   * Distinct (subject, value) pairs stored per transaction at most (default 100,000): a
   * larger batch goes in slices, so one transaction and its parameter arrays stay bounded.
   */
  readonly sliceSize?: number
}

// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udfff]/u

/**
 * A lone surrogate: UTF-8 cannot encode it, so two different strings would store (and
 * index) alike; such text is refused rather than silently changed.
 */
const LONE_SURROGATE = /\p{Cs}/u

/** Whether `s` has the shape of a vault token (it may still be unknown to the vault). */
export function isVaultToken(s: string): boolean {
  return VAULT_TOKEN_PATTERN.test(s)
}

function checkDomain(domain: string): void {
  if (
    typeof domain !== 'string' ||
    domain.length === 0 ||
    domain.length > VAULT_MAX_DOMAIN ||
    CONTROL.test(domain)
  )
    throw new StrongroomError(
      'ERR_USAGE_INVALID_ARGUMENT',
      `A vault domain is 1 to ${VAULT_MAX_DOMAIN} printable characters`,
      { details: { option: 'domain' } },
    )
}

function invalidValue(row: number, message: string): StrongroomError {
  return new StrongroomError('ERR_PROTECT_INVALID_VALUE', `vault: ${message} (row ${row})`, {
    details: { row, transform: 'vault' },
  })
}

/** The text of a subject or value; `undefined` for what cannot be one. */
function textOf(v: VaultSubject): string | undefined {
  if (typeof v === 'string') return v
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return undefined
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/** A new token: the prefix and 128 random bits in lowercase base32 (26 characters). */
function newToken(): string {
  const bytes = vaultRandom(16)
  let out = VAULT_TOKEN_PREFIX
  let acc = 0
  let bits = 0
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xfff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += BASE32[(acc >>> bits) & 31]
    }
  }
  // 128 = 25·5 + 3: the last character carries 3 bits, padded with zeros (RFC 4648).
  return out + BASE32[(acc << (5 - bits)) & 31]
}

function refHex(ref: Uint8Array): string {
  return Buffer.from(ref.buffer, ref.byteOffset, ref.byteLength).toString('hex')
}

interface Resolved {
  readonly key: SubjectKey
  /** Set when the key is new in this attempt: it is stored with the entries. */
  readonly record?: VaultKeyRecord
  readonly cacheKey: string
}

/**
 * A token vault over a store (the lake's catalog) and the transform master key.
 *
 * @example
 * ```ts
 * const vault = new TokenVault(master, lake.catalog)
 * const tokens = await vault.tokenizeColumn('customers', ['c1', 'c1', 'c2'], ['ann@x.org', 'ann@x.org', 'bo@y.org'])
 * // tokens[0] === tokens[1]; tokens[2] differs
 * await vault.detokenize('customers', [tokens[0]!]) // [{ token, status: 'ok', value: 'ann@x.org' }]
 * await vault.forgetSubject('customers', 'c1')      // { keyDestroyed: true, entriesShredded: 1 }
 * vault.close()
 * ```
 */
export class TokenVault {
  readonly #keyring: VaultKeyring
  readonly #store: VaultStore
  readonly #cache = new Map<string, SubjectKey>()
  readonly #maxCached: number
  readonly #attempts: number
  readonly #slice: number
  #closed = false

  /** @throws StrongroomError `ERR_PROTECT_KEY_MISSING` unless `master` is 32 bytes. */
  constructor(master: Uint8Array, store: VaultStore, options: TokenVaultOptions = {}) {
    this.#keyring = new VaultKeyring(master)
    this.#store = store
    this.#maxCached = options.maxCachedKeys ?? 100_000
    this.#attempts = options.attempts ?? 3
    this.#slice = Math.max(1, options.sliceSize ?? 100_000)
  }

  /**
   * Tokens for a column: row `i`'s value of subject `subjects[i]`. Null values stay null.
   * At most two store calls per slice of `sliceSize` distinct (subject, value) pairs, never
   * one per row.
   *
   * @throws StrongroomError `ERR_PROTECT_INVALID_VALUE` (with the row) for a value without a
   *   subject, or a value or subject that is not text or a finite number, or a value over
   *   1 MiB; `ERR_CATALOG_CONFLICT` when other writers keep changing the same subject keys.
   */
  async tokenizeColumn(
    domain: string,
    subjects: readonly (VaultSubject | null | undefined)[],
    values: readonly (VaultValue | null | undefined)[],
  ): Promise<(string | null)[]> {
    checkDomain(domain)
    this.#trimCache()
    if (subjects.length !== values.length)
      throw new StrongroomError('ERR_INTERNAL', 'vault: subjects and values differ in length')
    const out = new Array<string | null>(values.length).fill(null)
    // Distinct (subject, value) pairs, each with the rows it fills.
    const pairs = new Map<string, { subject: string; value: string; rows: number[] }>()
    for (let i = 0; i < values.length; i++) {
      const v = values[i]
      if (v === null || v === undefined) continue
      const s = subjects[i]
      if (s === null || s === undefined || s === '')
        throw invalidValue(i, 'a value without a subject')
      const value = textOf(v)
      const subject = textOf(s)
      if (value === undefined || subject === undefined)
        throw invalidValue(i, 'subject and value must be text or finite numbers')
      if (LONE_SURROGATE.test(value) || LONE_SURROGATE.test(subject))
        throw invalidValue(i, 'subject or value is not valid Unicode text')
      if (Buffer.byteLength(value, 'utf8') > VAULT_MAX_VALUE_BYTES)
        throw invalidValue(i, 'value larger than 1 MiB')
      // Length-prefixed, so no two (subject, value) pairs share a map key.
      const k = `${subject.length}:${subject}${value}`
      const p = pairs.get(k)
      if (p === undefined) pairs.set(k, { subject, value, rows: [i] })
      else p.rows.push(i)
    }
    const all = [...pairs.values()]
    // A slice costs at most two store calls.
    for (let at = 0; at < all.length; at += this.#slice)
      await this.#tokenizeSlice(domain, all.slice(at, at + this.#slice), out)
    return out
  }

  /** Stores one slice of distinct (subject, value) pairs and fills their rows of `out`. */
  async #tokenizeSlice(
    domain: string,
    list: readonly { subject: string; value: string; rows: number[] }[],
    out: (string | null)[],
  ): Promise<void> {
    const subjectsOf = [...new Set(list.map((p) => p.subject))]
    for (let attempt = 0; attempt < this.#attempts; attempt++) {
      const keys = await this.#resolve(domain, subjectsOf)
      const entries: VaultEntryInput[] = list.map((p) => {
        const { key } = keys.get(p.subject)!
        const token = newToken()
        return {
          keyId: key.keyId,
          blindIndex: blindIndex(key, p.value),
          token,
          ciphertext: sealValue(key, domain, token, p.value),
        }
      })
      const created = [...keys.values()].filter((r) => r.record !== undefined)
      const r = await this.#store.putVaultEntries({
        domain,
        newKeys: created.map((c) => c.record!),
        entries,
      })
      if (r.status === 'ok') {
        for (const c of created) this.#remember(c.cacheKey, c.key)
        list.forEach((p, i) => {
          const token = r.tokens[i]!
          for (const row of p.rows) out[row] = token
        })
        return
      }
      // Another writer created or destroyed one of these keys: forget what we assumed.
      for (const c of keys.values()) {
        if (c.record !== undefined) destroySubjectKey(c.key)
        else this.#evict(c.cacheKey)
      }
    }
    throw new StrongroomError(
      'ERR_CATALOG_CONFLICT',
      'The token vault kept changing under this tokenization',
      { hint: 'Another process is creating or forgetting the same subjects; retry.' },
    )
  }

  /** Tokens for values of one subject: {@link tokenizeColumn} with a constant subject. */
  tokenize(
    domain: string,
    subject: VaultSubject,
    values: readonly (VaultValue | null | undefined)[],
  ): Promise<(string | null)[]> {
    return this.tokenizeColumn(
      domain,
      values.map(() => subject),
      values,
    )
  }

  /**
   * The original values of tokens, one outcome per token in order: `ok` with the value,
   * `shredded` (the subject was forgotten) or `unknown` (not a token of this domain), the
   * last two with code `ERR_PROTECT_TOKEN_NOT_FOUND`. One store call.
   *
   * @throws StrongroomError `ERR_CRYPTO_INTEGRITY` when an entry does not decrypt (wrong
   *   transform key, a modified or swapped vault row): nothing is returned then.
   */
  async detokenize(domain: string, tokens: readonly string[]): Promise<DetokenizedToken[]> {
    checkDomain(domain)
    this.#trimCache()
    const asked = [...new Set(tokens.filter((t) => typeof t === 'string' && isVaultToken(t)))]
    const records = asked.length === 0 ? [] : await this.#store.getVaultEntries(domain, asked)
    const found = new Map(records.map((r) => [r.token, r]))
    const values = new Map<string, string>()
    for (const r of records) {
      if (r.state !== 'live') continue
      const key = this.#open(domain, r.key)
      const value = openValue(key, domain, r.token, r.ciphertext)
      if (value === undefined) throw vaultIntegrityError()
      values.set(r.token, value)
    }
    return tokens.map((token): DetokenizedToken => {
      const value = values.get(token)
      if (value !== undefined) return { token, status: 'ok', value }
      const status = found.get(token)?.state === 'shredded' ? 'shredded' : 'unknown'
      return { token, status, code: 'ERR_PROTECT_TOKEN_NOT_FOUND' }
    })
  }

  /**
   * Crypto-shreds one subject of a domain: its key is deleted, so every value stored under
   * it is unrecoverable; later tokenization of the subject starts a new key (old tokens
   * never come back). Returns what was destroyed (counts only).
   */
  async forgetSubject(domain: string, subject: VaultSubject): Promise<VaultForgetResult> {
    checkDomain(domain)
    this.#trimCache()
    const text = textOf(subject)
    if (text === undefined || text === '')
      throw new StrongroomError(
        'ERR_USAGE_INVALID_ARGUMENT',
        'A subject is non-empty text or a finite number',
        { details: { option: 'subject' } },
      )
    const ref = this.#keyring.subjectRef(domain, text)
    this.#evict(`${domain}\u0000${refHex(ref)}`)
    return this.#store.forgetVaultSubject(domain, ref)
  }

  /** Zeroes every key this vault holds; it cannot be used afterwards. */
  close(): void {
    this.#closed = true
    for (const k of this.#cache.values()) destroySubjectKey(k)
    this.#cache.clear()
    this.#keyring.close()
  }

  /** Each subject's key: cached, else stored (one store call for all), else new. */
  async #resolve(domain: string, subjects: readonly string[]): Promise<Map<string, Resolved>> {
    const out = new Map<string, Resolved>()
    const missing: { subject: string; ref: Buffer; cacheKey: string }[] = []
    for (const subject of subjects) {
      const ref = this.#keyring.subjectRef(domain, subject)
      const cacheKey = `${domain}\u0000${ref.toString('hex')}`
      const cached = this.#cache.get(cacheKey)
      if (cached !== undefined) out.set(subject, { key: cached, cacheKey })
      else missing.push({ subject, ref, cacheKey })
    }
    if (missing.length === 0) return out
    const stored = await this.#store.getVaultKeys(
      domain,
      missing.map((m) => m.ref),
    )
    const byRef = new Map(stored.map((k) => [refHex(k.subjectRef), k]))
    for (const m of missing) {
      const record = byRef.get(m.ref.toString('hex'))
      if (record !== undefined) {
        out.set(m.subject, { key: this.#open(domain, record), cacheKey: m.cacheKey })
        continue
      }
      const keyId = newId('vk')
      const { key, wrapped } = this.#keyring.newSubjectKey(domain, m.ref, keyId)
      out.set(m.subject, {
        key,
        cacheKey: m.cacheKey,
        record: { keyId, domain, subjectRef: m.ref, wrappedKey: wrapped },
      })
    }
    return out
  }

  /** Unwraps (or takes from the cache) a stored subject key. */
  #open(domain: string, record: VaultKeyRecord): SubjectKey {
    const cacheKey = `${domain}\u0000${refHex(record.subjectRef)}`
    const cached = this.#cache.get(cacheKey)
    if (cached !== undefined && cached.keyId === record.keyId) return cached
    const key = this.#keyring.openSubjectKey(
      domain,
      record.subjectRef,
      record.keyId,
      record.wrappedKey,
    )
    this.#remember(cacheKey, key)
    return key
  }

  #remember(cacheKey: string, key: SubjectKey): void {
    const old = this.#cache.get(cacheKey)
    if (old !== undefined && old !== key) destroySubjectKey(old)
    this.#cache.set(cacheKey, key)
  }

  /**
   * Bounds the cache between calls, never during one (a key in use must not be zeroed):
   * a simple restart rather than tracking recency, since keys are cheap to unwrap again.
   */
  #trimCache(): void {
    // Zeroed keys would still compute: refuse rather than derive garbage silently.
    if (this.#closed) throw new StrongroomError('ERR_INTERNAL', 'The token vault is closed')
    if (this.#cache.size < this.#maxCached) return
    for (const k of this.#cache.values()) destroySubjectKey(k)
    this.#cache.clear()
  }

  #evict(cacheKey: string): void {
    const k = this.#cache.get(cacheKey)
    if (k !== undefined) destroySubjectKey(k)
    this.#cache.delete(cacheKey)
  }
}

/**
 * A {@link TokenVault} over `store` keyed by `master` (the lake's transform master key).
 *
 * @example
 * ```ts
 * const vault = createTokenVault(master, catalog)
 * try {
 *   const tokens = await vault.tokenize('customers', 'c-42', ['ann@example.com'])
 * } finally {
 *   vault.close()
 * }
 * ```
 */
export function createTokenVault(
  master: Uint8Array,
  store: VaultStore,
  options: TokenVaultOptions = {},
): TokenVault {
  return new TokenVault(master, store, options)
}
