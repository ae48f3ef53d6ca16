/**
 * Where the transform master key comes from: every keyed transform (tokens, pseudonyms, FPE,
 * date shifts) derives its own key from one 32-byte master with `deriveTransformKey`.
 *
 * - In a lake, the master is generated on first use and stored only wrapped by the lake's
 *   key provider (root key), bound to the context `strongroom/v1/protect-master-key`, as the
 *   object `keys/protect-master-key.json`. It is never written or logged in plaintext.
 * - Without a lake, it is a key file (base64 of 32 random bytes) or `STRONGROOM_PROTECT_KEY`.
 */
import { randomBytes } from 'node:crypto'
import { open, readFile } from 'node:fs/promises'
import { StrongroomError } from '../errors.js'
import type { KeyProvider } from '../keys/key-provider.js'
import { collect } from '../lib/streams.js'
import type { ObjectStore } from '../storage/object-store.js'
import { TRANSFORM_MASTER_KEY_LENGTH } from './keys.js'

/** The environment variable holding a standalone master key (base64). */
export const PROTECT_KEY_ENV = 'STRONGROOM_PROTECT_KEY'
/** The wrap context binding the wrapped master to its purpose. */
export const PROTECT_MASTER_KEY_CONTEXT = 'strongroom/v1/protect-master-key'
/** Object key of the wrapped master key in the lake's store. */
export const PROTECT_MASTER_KEY_OBJECT = 'keys/protect-master-key.json'

const B64_RE = /^[A-Za-z0-9+/]+={0,2}$/

function keyMissing(message: string, hint?: string): StrongroomError {
  return new StrongroomError('ERR_PROTECT_KEY_MISSING', message, hint === undefined ? {} : { hint })
}

/** Decodes a base64 master key; `ERR_PROTECT_KEY_MISSING` (never echoing it) if malformed. */
export function decodeMasterKey(text: string, source: string): Buffer {
  const t = text.trim()
  const key = B64_RE.test(t) ? Buffer.from(t, 'base64') : Buffer.alloc(0)
  if (key.byteLength !== TRANSFORM_MASTER_KEY_LENGTH) {
    key.fill(0)
    throw keyMissing(
      `The ${source} does not hold a ${TRANSFORM_MASTER_KEY_LENGTH}-byte base64 key`,
      'Create one with `strongroom protect keygen --out FILE`.',
    )
  }
  return key
}

/**
 * The standalone master key: `keyFile` if given, else `STRONGROOM_PROTECT_KEY`.
 *
 * @throws StrongroomError `ERR_PROTECT_KEY_MISSING` when neither is set or the key is malformed.
 */
export async function resolveStandaloneKey(
  options: { readonly keyFile?: string; readonly env?: NodeJS.ProcessEnv } = {},
): Promise<Buffer> {
  if (options.keyFile !== undefined) {
    let text: string
    try {
      text = await readFile(options.keyFile, 'utf8')
    } catch {
      throw keyMissing('The key file cannot be read', 'Check --key-file.')
    }
    return decodeMasterKey(text, 'key file')
  }
  const env = (options.env ?? process.env)[PROTECT_KEY_ENV]
  if (env === undefined || env.trim() === '') {
    throw keyMissing(
      'No transform key: pass --key-file FILE or set STRONGROOM_PROTECT_KEY',
      'Create one with `strongroom protect keygen --out FILE` and keep it as safe as the data.',
    )
  }
  return decodeMasterKey(env, `${PROTECT_KEY_ENV} variable`)
}

/**
 * Writes a new random master key (base64, one line) to `path` with mode 0600. Refuses to
 * overwrite: losing a key makes every token and pseudonym made with it unreproducible.
 *
 * @throws StrongroomError `ERR_USAGE_INVALID_ARGUMENT` when `path` exists or is not writable.
 */
export async function writeNewKeyFile(path: string): Promise<void> {
  const key = randomBytes(TRANSFORM_MASTER_KEY_LENGTH)
  let fh
  try {
    fh = await open(path, 'wx', 0o600)
  } catch (e) {
    const exists = (e as NodeJS.ErrnoException).code === 'EEXIST'
    throw new StrongroomError(
      'ERR_USAGE_INVALID_ARGUMENT',
      exists
        ? 'The key file already exists; it is never overwritten'
        : 'The key file cannot be created',
      { details: { option: 'out' } },
    )
  }
  try {
    await fh.writeFile(key.toString('base64') + '\n')
    await fh.sync()
  } finally {
    key.fill(0)
    await fh.close()
  }
}

interface WrappedJson {
  readonly rootKeyId: string
  readonly algorithm: string
  readonly ciphertext: string
}

function context(): Uint8Array {
  return new TextEncoder().encode(PROTECT_MASTER_KEY_CONTEXT)
}

async function unwrapStored(store: ObjectStore, provider: KeyProvider): Promise<Buffer> {
  const text = (await collect(await store.get(PROTECT_MASTER_KEY_OBJECT))).toString('utf8')
  let o: Partial<Record<keyof WrappedJson, unknown>> | null
  try {
    o = JSON.parse(text) as Partial<Record<keyof WrappedJson, unknown>> | null
  } catch {
    o = null
  }
  if (
    o === null ||
    typeof o.rootKeyId !== 'string' ||
    typeof o.algorithm !== 'string' ||
    typeof o.ciphertext !== 'string'
  ) {
    throw new StrongroomError('ERR_KEYS_KEYRING_CORRUPT', 'The stored transform key is malformed')
  }
  const key = await provider.unwrap(
    {
      rootKeyId: o.rootKeyId,
      algorithm: o.algorithm,
      ciphertext: Buffer.from(o.ciphertext, 'base64'),
    },
    context(),
  )
  if (key.byteLength !== TRANSFORM_MASTER_KEY_LENGTH) {
    throw new StrongroomError('ERR_KEYS_KEYRING_CORRUPT', 'The stored transform key is malformed')
  }
  return Buffer.from(key)
}

/**
 * The lake's transform master key: unwrapped from the store, or generated, wrapped and stored
 * on first use. Two processes racing to create it converge on the one stored first (the store
 * never replaces an object). The caller should zero the returned buffer when done.
 */
export async function loadOrCreateLakeTransformKey(
  store: ObjectStore,
  provider: KeyProvider,
): Promise<Buffer> {
  if ((await store.head(PROTECT_MASTER_KEY_OBJECT)) !== undefined)
    return unwrapStored(store, provider)
  const key = randomBytes(TRANSFORM_MASTER_KEY_LENGTH)
  const wrapped = await provider.wrap(key, context())
  const body: WrappedJson = {
    rootKeyId: wrapped.rootKeyId,
    algorithm: wrapped.algorithm,
    ciphertext: Buffer.from(wrapped.ciphertext).toString('base64'),
  }
  try {
    await store.put(PROTECT_MASTER_KEY_OBJECT, Buffer.from(JSON.stringify(body), 'utf8'))
  } catch (e) {
    key.fill(0)
    // Lost a creation race: use the key that won.
    if ((await store.head(PROTECT_MASTER_KEY_OBJECT)) !== undefined)
      return unwrapStored(store, provider)
    throw e
  }
  return key
}
