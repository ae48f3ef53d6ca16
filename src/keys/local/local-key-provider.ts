/**
 * The local key provider: root keys kept in a passphrase-protected keyring file.
 *
 * passphrase ──scrypt──► master key ──AES-256-GCM──► root keys ──AES-256-GCM──► KEKs
 *
 * The master key and root keys exist in plaintext only in this process's memory while
 * the provider is open; the file holds them wrapped. Whoever holds the passphrase and the
 * file holds every key (DESIGN.md "Identity is honest": local mode is one trust boundary).
 * File format: `docs/formats.md` "Local keyring".
 */
import { randomBytes, randomUUID, scrypt as scryptCallback } from 'node:crypto'
import type { ScryptOptions } from 'node:crypto'
import { link, open as openFile, readFile, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

import { StrongroomError } from '../../errors.js'
import { GCM_IV_LENGTH, GCM_TAG_LENGTH, gcmOpen, gcmSeal } from '../../lib/aes-gcm.js'
import type { KeyProvider, WrappedKey } from '../key-provider.js'

/** The `format` marker of a keyring file. */
export const KEYRING_FORMAT = 'strongroom-keyring'
/** The keyring file version this module reads and writes. */
export const KEYRING_VERSION = 1
/** The wrapping algorithm of KEKs wrapped by this provider. */
export const LOCAL_WRAP_ALGORITHM = 'A256GCM'

/** scrypt cost parameters. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. Default 2^17 (RFC 7914 §2 guidance, ~128 MiB). */
  readonly N: number
  /** Block size. Default 8. */
  readonly r: number
  /** Parallelism. Default 1. */
  readonly p: number
}

/** Production scrypt parameters: N = 2^17, r = 8, p = 1 (128 MiB, a few hundred ms). */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 2 ** 17, r: 8, p: 1 }

// Bounds on parameters read from a file, so a corrupt or hostile keyring cannot make open
// allocate gigabytes or spin for minutes. The low end exists only so tests can run fast.
const MIN_N = 2 ** 4
const MAX_N = 2 ** 22
const MAX_R = 32
const MAX_P = 16
const KEY_LENGTH = 32
const SALT_LENGTH = 32

/** Options for {@link initLocalKeyring}. */
export interface InitLocalKeyringOptions {
  /** Where to create the keyring file; it must not exist. */
  readonly path: string
  readonly passphrase: string
  /** scrypt parameters; lower `N` only in tests. Default {@link DEFAULT_SCRYPT_PARAMS}. */
  readonly kdf?: Partial<ScryptParams>
}

/** Result of {@link initLocalKeyring}: public identifiers only. */
export interface InitLocalKeyringResult {
  readonly keyringId: string
  readonly rootKeyId: string
}

/** Options for {@link createLocalKeyProvider}. */
export interface LocalKeyProviderOptions {
  /** Path of a keyring created by {@link initLocalKeyring}. */
  readonly path: string
  readonly passphrase: string
}

/** The JSON shape of a root key entry. Binary values are base64. */
interface RootKeyEntryJson {
  readonly id: string
  readonly createdAt: string
  /** nonce(12) ‖ ciphertext(32) ‖ tag(16) under the master key. */
  readonly wrapped: string
}

/** The JSON shape of the keyring file. */
interface KeyringJson {
  readonly format: typeof KEYRING_FORMAT
  readonly version: typeof KEYRING_VERSION
  readonly id: string
  readonly kdf: {
    readonly name: 'scrypt'
    readonly N: number
    readonly r: number
    readonly p: number
    readonly salt: string
    readonly keyLength: number
  }
  readonly currentRootKeyId: string
  readonly rootKeys: readonly RootKeyEntryJson[]
}

function corrupt(reason: string, cause?: unknown): StrongroomError {
  return new StrongroomError('ERR_KEYS_KEYRING_CORRUPT', `keyring file is malformed: ${reason}`, {
    ...(cause === undefined ? {} : { cause }),
    hint: 'restore the keyring file from a backup',
  })
}

function unavailable(): StrongroomError {
  return new StrongroomError('ERR_KEYS_PROVIDER_UNAVAILABLE', 'key provider is not open', {
    hint: 'call open() first; a closed provider cannot be reopened',
  })
}

function unwrapFailed(): StrongroomError {
  return new StrongroomError('ERR_KEYS_UNWRAP_FAILED', 'key unwrap failed')
}

function checkPassphrase(passphrase: unknown): string {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new StrongroomError('ERR_KEYS_NO_PASSPHRASE', 'no keyring passphrase given', {
      hint: 'set STRONGROOM_PASSPHRASE or pass --passphrase-file',
    })
  }
  return passphrase
}

function resolveParams(kdf: Partial<ScryptParams> | undefined): ScryptParams {
  const params = { ...DEFAULT_SCRYPT_PARAMS, ...kdf }
  if (!validParams(params)) {
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'invalid scrypt parameters', {
      hint: `N a power of two in [2^4, 2^22], r in [1, ${MAX_R}], p in [1, ${MAX_P}]`,
    })
  }
  return params
}

function validParams(p: { N: unknown; r: unknown; p: unknown }): p is ScryptParams {
  return (
    Number.isInteger(p.N) &&
    (p.N as number) >= MIN_N &&
    (p.N as number) <= MAX_N &&
    ((p.N as number) & ((p.N as number) - 1)) === 0 &&
    Number.isInteger(p.r) &&
    (p.r as number) >= 1 &&
    (p.r as number) <= MAX_R &&
    Number.isInteger(p.p) &&
    (p.p as number) >= 1 &&
    (p.p as number) <= MAX_P
  )
}

/** Derives the master key. Async scrypt runs on the libuv pool, not the event loop. */
function deriveMasterKey(
  passphrase: string,
  salt: Uint8Array,
  params: ScryptParams,
): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; double it so Node's default 32 MiB cap never refuses
  // legitimate parameters.
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 2 * 128 * params.N * params.r + 1024 * 1024,
  }
  // NFC so the same passphrase typed on different systems derives the same key.
  const secret = Buffer.from(passphrase.normalize('NFC'), 'utf8')
  return new Promise((resolve, reject) => {
    scryptCallback(secret, salt, KEY_LENGTH, options, (err, key) => {
      secret.fill(0)
      if (err === null) resolve(key)
      else reject(new StrongroomError('ERR_INTERNAL', 'key derivation failed', { cause: err }))
    })
  })
}

/**
 * AAD of a wrapped root key: u32be(len) ‖ keyring id ‖ u32be(len) ‖ root key id. Binds
 * each wrapped root key to its slot, so entries cannot be swapped between ids or copied
 * into another keyring. Length prefixes keep the concatenation unambiguous.
 */
function rootKeyAad(keyringId: string, rootKeyId: string): Buffer {
  const a = Buffer.from(keyringId, 'utf8')
  const b = Buffer.from(rootKeyId, 'utf8')
  const out = Buffer.alloc(8 + a.length + b.length)
  out.writeUInt32BE(a.length, 0)
  a.copy(out, 4)
  out.writeUInt32BE(b.length, 4 + a.length)
  b.copy(out, 8 + a.length)
  return out
}

function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const nonce = randomBytes(GCM_IV_LENGTH)
  const { ciphertext, tag } = gcmSeal(key, nonce, plaintext, aad)
  return Buffer.concat([nonce, ciphertext, tag])
}

function unseal(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer | undefined {
  if (sealed.byteLength < GCM_IV_LENGTH + GCM_TAG_LENGTH + 1) return undefined
  const b = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength)
  return gcmOpen(
    key,
    b.subarray(0, GCM_IV_LENGTH),
    b.subarray(GCM_IV_LENGTH, b.length - GCM_TAG_LENGTH),
    b.subarray(b.length - GCM_TAG_LENGTH),
    aad,
  )
}

function newRootKeyId(): string {
  return `rk_${randomUUID().replaceAll('-', '')}`
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

function decodeBase64(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || !BASE64.test(value)) throw corrupt(`${what} is not base64`)
  return Buffer.from(value, 'base64')
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Parses and validates the keyring JSON; binary fields decoded. */
function parseKeyring(text: string): {
  json: KeyringJson
  salt: Buffer
  params: ScryptParams
  wrapped: Map<string, Buffer>
} {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw corrupt('not JSON', e)
  }
  if (!isRecord(raw)) throw corrupt('not an object')
  if (raw['format'] !== KEYRING_FORMAT) throw corrupt('unknown format')
  if (raw['version'] !== KEYRING_VERSION) throw corrupt('unsupported version')
  const id = raw['id']
  if (typeof id !== 'string' || id.length === 0) throw corrupt('missing id')
  const kdf = raw['kdf']
  if (!isRecord(kdf) || kdf['name'] !== 'scrypt' || kdf['keyLength'] !== KEY_LENGTH) {
    throw corrupt('unsupported kdf')
  }
  const params = { N: kdf['N'], r: kdf['r'], p: kdf['p'] }
  if (!validParams(params)) throw corrupt('kdf parameters out of range')
  const salt = decodeBase64(kdf['salt'], 'kdf salt')
  if (salt.length !== SALT_LENGTH) throw corrupt('kdf salt length')
  const current = raw['currentRootKeyId']
  const list = raw['rootKeys']
  if (typeof current !== 'string' || !Array.isArray(list) || list.length === 0) {
    throw corrupt('missing root keys')
  }
  const wrapped = new Map<string, Buffer>()
  const entries: RootKeyEntryJson[] = []
  for (const entry of list as unknown[]) {
    if (!isRecord(entry)) throw corrupt('root key entry')
    const rid = entry['id']
    const createdAt = entry['createdAt']
    if (typeof rid !== 'string' || rid.length === 0 || wrapped.has(rid)) {
      throw corrupt('root key id')
    }
    if (typeof createdAt !== 'string') throw corrupt('root key createdAt')
    const w = decodeBase64(entry['wrapped'], 'wrapped root key')
    if (w.length !== GCM_IV_LENGTH + KEY_LENGTH + GCM_TAG_LENGTH) {
      throw corrupt('wrapped root key length')
    }
    wrapped.set(rid, w)
    entries.push({ id: rid, createdAt, wrapped: entry['wrapped'] as string })
  }
  if (!wrapped.has(current)) throw corrupt('current root key missing')
  const json: KeyringJson = {
    format: KEYRING_FORMAT,
    version: KEYRING_VERSION,
    id,
    kdf: { name: 'scrypt', ...params, salt: salt.toString('base64'), keyLength: KEY_LENGTH },
    currentRootKeyId: current,
    rootKeys: entries,
  }
  return { json, salt, params, wrapped }
}

/**
 * Writes `data` to `path` atomically: a temp file in the same directory (mode 0600),
 * fsync, rename over the target, fsync the directory. A crash leaves the old keyring or
 * the new one, never a torn file, which would lose every key.
 */
async function writeAtomic(path: string, data: string, exclusive: boolean): Promise<void> {
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${randomUUID()}.tmp`)
  const handle = await openFile(tmp, 'wx', 0o600)
  try {
    await handle.writeFile(data, 'utf8')
    await handle.sync()
  } catch (e) {
    await handle.close()
    await unlink(tmp).catch(() => undefined)
    throw e
  }
  await handle.close()
  try {
    if (exclusive) {
      // link() fails with EEXIST instead of replacing: creation is atomic and never
      // overwrites a keyring created concurrently (which would destroy its keys).
      try {
        await link(tmp, path)
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyInitialized()
        throw e
      }
      await unlink(tmp)
    } else {
      await rename(tmp, path)
    }
  } catch (e) {
    await unlink(tmp).catch(() => undefined)
    throw e
  }
  // Persist the rename itself. Not supported on every platform/filesystem: best effort.
  try {
    const d = await openFile(dir, 'r')
    try {
      await d.sync()
    } finally {
      await d.close()
    }
  } catch {
    // Directory fsync unsupported (e.g. Windows); the rename is still atomic.
  }
}

function alreadyInitialized(): StrongroomError {
  return new StrongroomError('ERR_LAKE_ALREADY_INITIALIZED', 'a keyring already exists', {
    hint: 'use the existing keyring, or move it away first',
  })
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw e
  }
}

function serialize(json: KeyringJson): string {
  return `${JSON.stringify(json, null, 2)}\n`
}

/**
 * Creates a new keyring file with one random root key.
 *
 * Fails with `ERR_LAKE_ALREADY_INITIALIZED` when `path` exists, `ERR_KEYS_NO_PASSPHRASE`
 * for a missing or empty passphrase.
 *
 * @example
 * ```ts
 * await initLocalKeyring({ path: '.strongroom/keyring.json', passphrase })
 * ```
 */
export async function initLocalKeyring(
  options: InitLocalKeyringOptions,
): Promise<InitLocalKeyringResult> {
  const passphrase = checkPassphrase(options.passphrase)
  const params = resolveParams(options.kdf)
  // Checked early to skip a slow scrypt; writeAtomic re-checks atomically.
  if (await exists(options.path)) throw alreadyInitialized()
  const keyringId = `kr_${randomUUID().replaceAll('-', '')}`
  const rootKeyId = newRootKeyId()
  const salt = randomBytes(SALT_LENGTH)
  const master = await deriveMasterKey(passphrase, salt, params)
  const rootKey = randomBytes(KEY_LENGTH)
  try {
    const json: KeyringJson = {
      format: KEYRING_FORMAT,
      version: KEYRING_VERSION,
      id: keyringId,
      kdf: { name: 'scrypt', ...params, salt: salt.toString('base64'), keyLength: KEY_LENGTH },
      currentRootKeyId: rootKeyId,
      rootKeys: [
        {
          id: rootKeyId,
          createdAt: new Date().toISOString(),
          wrapped: seal(master, rootKey, rootKeyAad(keyringId, rootKeyId)).toString('base64'),
        },
      ],
    }
    await writeAtomic(options.path, serialize(json), true)
  } finally {
    master.fill(0)
    rootKey.fill(0)
  }
  return { keyringId, rootKeyId }
}

type State = 'new' | 'open' | 'closed'

/** Runs synchronous work behind the async port, turning a throw into a rejection. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)))
  }
}

/**
 * {@link KeyProvider} over a local passphrase-protected keyring file.
 *
 * `open()` derives the master key with scrypt and unwraps every root key; a wrong
 * passphrase fails there with `ERR_KEYS_BAD_PASSPHRASE`. `close()` wipes the keys and is
 * final: a closed provider cannot be reopened (the passphrase is not kept).
 *
 * @example
 * ```ts
 * const keys = createLocalKeyProvider({ path, passphrase })
 * await keys.open()
 * const wrapped = await keys.wrap(kek, context)
 * ```
 */
export class LocalKeyProvider implements KeyProvider {
  readonly kind = 'local'
  readonly #path: string
  #passphrase: string | undefined
  #state: State = 'new'
  #json: KeyringJson | undefined
  #params: ScryptParams | undefined
  #master: Buffer | undefined
  readonly #rootKeys = new Map<string, Buffer>()
  // Serializes file updates (rotate, change passphrase) within this process.
  #queue: Promise<unknown> = Promise.resolve()

  /** Prefer {@link createLocalKeyProvider}. */
  constructor(options: LocalKeyProviderOptions) {
    this.#path = options.path
    this.#passphrase = options.passphrase
  }

  /** Reads the keyring, derives the master key and unwraps the root keys. */
  async open(): Promise<void> {
    if (this.#state === 'open') return
    if (this.#state === 'closed') throw unavailable()
    const passphrase = checkPassphrase(this.#passphrase)
    let text: string
    try {
      text = await readFile(this.#path, 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new StrongroomError('ERR_LAKE_NOT_INITIALIZED', 'no keyring file found', {
          hint: 'run `strongroom init` first',
        })
      }
      throw new StrongroomError('ERR_KEYS_PROVIDER_UNAVAILABLE', 'keyring file unreadable', {
        cause: e,
      })
    }
    const { json, salt, params, wrapped } = parseKeyring(text)
    const master = await deriveMasterKey(passphrase, salt, params)
    const keys = new Map<string, Buffer>()
    let first = true
    for (const [id, w] of wrapped) {
      const key = unseal(master, w, rootKeyAad(json.id, id))
      if (key === undefined) {
        master.fill(0)
        for (const k of keys.values()) k.fill(0)
        // The first root key failing means the master key is wrong (the passphrase); a
        // later one failing after earlier ones opened means the file was altered.
        if (first) {
          throw new StrongroomError('ERR_KEYS_BAD_PASSPHRASE', 'wrong keyring passphrase')
        }
        throw corrupt('a root key failed authentication')
      }
      first = false
      keys.set(id, key)
    }
    this.#json = json
    this.#params = params
    this.#master = master
    for (const [id, k] of keys) this.#rootKeys.set(id, k)
    this.#passphrase = undefined
    this.#state = 'open'
  }

  /**
   * Wipes the master key and root keys and makes the provider unusable.
   *
   * Best effort: the JS-visible buffers are zeroed, but OpenSSL contexts and V8 may have
   * held transient copies that only the garbage collector reclaims.
   */
  async close(): Promise<void> {
    await this.#queue.catch(() => undefined)
    this.#master?.fill(0)
    for (const k of this.#rootKeys.values()) k.fill(0)
    this.#rootKeys.clear()
    this.#master = undefined
    this.#json = undefined
    this.#passphrase = undefined
    this.#state = 'closed'
  }

  /** The id of the root key new wraps use. */
  currentRootKeyId(): Promise<string> {
    return settle(() => this.#opened().json.currentRootKeyId)
  }

  /** Wraps `key` (16 to 64 bytes) under the current root key with AAD = `context`. */
  wrap(key: Uint8Array, context: Uint8Array): Promise<WrappedKey> {
    return settle(() => this.#wrap(key, context))
  }

  #wrap(key: Uint8Array, context: Uint8Array): WrappedKey {
    const { json } = this.#opened()
    if (!(key instanceof Uint8Array) || key.byteLength < 16 || key.byteLength > 64) {
      throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'key must be 16 to 64 bytes')
    }
    const rootKeyId = json.currentRootKeyId
    const root = this.#rootKeys.get(rootKeyId)
    if (root === undefined) throw unavailable()
    return { rootKeyId, algorithm: LOCAL_WRAP_ALGORITHM, ciphertext: seal(root, key, context) }
  }

  /**
   * Unwraps a key wrapped by {@link LocalKeyProvider.wrap} with the same `context`. An
   * unknown root key id, another algorithm, a changed byte or another context all fail
   * with `ERR_KEYS_UNWRAP_FAILED`, indistinguishably.
   */
  unwrap(wrapped: WrappedKey, context: Uint8Array): Promise<Uint8Array> {
    return settle(() => this.#unwrap(wrapped, context))
  }

  #unwrap(wrapped: WrappedKey, context: Uint8Array): Uint8Array {
    this.#opened()
    if (wrapped.algorithm !== LOCAL_WRAP_ALGORITHM) throw unwrapFailed()
    const root = this.#rootKeys.get(wrapped.rootKeyId)
    if (root === undefined || !(wrapped.ciphertext instanceof Uint8Array)) throw unwrapFailed()
    const key = unseal(root, wrapped.ciphertext, context)
    if (key === undefined) throw unwrapFailed()
    return key
  }

  /**
   * Adds a new random root key and makes it current; older root keys stay so existing
   * wraps still open. Re-wrapping KEKs under the new key is the caller's job.
   *
   * @returns the new root key id.
   */
  async rotateRootKey(): Promise<string> {
    return this.#exclusive(async () => {
      const { json, master } = this.#opened()
      const id = newRootKeyId()
      const rootKey = randomBytes(KEY_LENGTH)
      const next: KeyringJson = {
        ...json,
        currentRootKeyId: id,
        rootKeys: [
          ...json.rootKeys,
          {
            id,
            createdAt: new Date().toISOString(),
            wrapped: seal(master, rootKey, rootKeyAad(json.id, id)).toString('base64'),
          },
        ],
      }
      try {
        await writeAtomic(this.#path, serialize(next), false)
      } catch (e) {
        rootKey.fill(0)
        throw e
      }
      this.#rootKeys.set(id, rootKey)
      this.#json = next
      return id
    })
  }

  /**
   * Re-derives the master key from `newPassphrase` (fresh salt, same scrypt cost) and
   * re-wraps every root key under it. Root keys do not change, so no KEK is re-wrapped.
   */
  async changePassphrase(newPassphrase: string): Promise<void> {
    const passphrase = checkPassphrase(newPassphrase)
    await this.#exclusive(async () => {
      const { json } = this.#opened()
      const params = this.#params ?? DEFAULT_SCRYPT_PARAMS
      const salt = randomBytes(SALT_LENGTH)
      const master = await deriveMasterKey(passphrase, salt, params)
      const next: KeyringJson = {
        ...json,
        kdf: { ...json.kdf, salt: salt.toString('base64') },
        rootKeys: json.rootKeys.map((entry) => {
          const key = this.#rootKeys.get(entry.id)
          if (key === undefined) throw unavailable()
          return {
            ...entry,
            wrapped: seal(master, key, rootKeyAad(json.id, entry.id)).toString('base64'),
          }
        }),
      }
      try {
        await writeAtomic(this.#path, serialize(next), false)
      } catch (e) {
        master.fill(0)
        throw e
      }
      this.#master?.fill(0)
      this.#master = master
      this.#json = next
    })
  }

  #opened(): { json: KeyringJson; master: Buffer } {
    if (this.#state !== 'open' || this.#json === undefined || this.#master === undefined) {
      throw unavailable()
    }
    return { json: this.#json, master: this.#master }
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => undefined)
    return run
  }
}

/**
 * Creates a local key provider for the keyring at `path`. Call `open()` before use.
 *
 * @example
 * ```ts
 * const keys = createLocalKeyProvider({ path: '.strongroom/keyring.json', passphrase })
 * await keys.open()
 * ```
 */
export function createLocalKeyProvider(options: LocalKeyProviderOptions): LocalKeyProvider {
  return new LocalKeyProvider(options)
}
