/**
 * The PKCS#11 key provider: the root key is an AES-256 key inside an HSM token and never
 * leaves it. Tested against SoftHSM2 (`scripts/setup-softhsm.sh`).
 *
 * Wrapped key format (`AES-KWP+HMAC-SHA256`):
 *
 *   ciphertext = KWP(root, nonce[16] || key) || HMAC-SHA256(mac, M)
 *   M          = lp("strongroom.pkcs11.wrap.v1") || lp(rootKeyId) || lp(algorithm)
 *                || lp(context) || lp(wrapped)          lp(x) = u32be(len(x)) || x
 *
 * Why not AES-GCM: SoftHSM2 (and many HSMs) cannot wrap with GCM, and AES key wrap with
 * padding (RFC 5649) has no associated data. The context is therefore bound by an HMAC
 * computed in the token with a second non-extractable key (`<keyLabel>.mac`), and the
 * MAC is verified before the wrapped bytes ever reach C_UnwrapKey.
 * Why the nonce: KWP is deterministic, so two wraps of one key would be byte-identical
 * and linkable. A random 16-byte prefix inside the wrapped plaintext randomizes every
 * block of the KWP output (each of its 6 rounds mixes all blocks).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

import { StrongroomError } from '../../errors.js'
import type { KeyProvider, WrappedKey } from '../key-provider.js'

/** Options for {@link createPkcs11KeyProvider}. */
export interface Pkcs11KeyProviderOptions {
  /** Path of the vendor's PKCS#11 module, e.g. `/usr/lib/softhsm/libsofthsm2.so`. */
  readonly modulePath: string
  /** PKCS#11 slot id. With `tokenLabel` too, both must match. */
  readonly slot?: number
  /** Label of the token holding the root key (the usual way to pick it). */
  readonly tokenLabel?: string
  /** The token's user PIN. Never logged, never put in an error. */
  readonly pin: string
  /** `CKA_LABEL` of the AES-256 root key; the HMAC key is `<keyLabel>.mac`. */
  readonly keyLabel: string
  /** Generate the root and HMAC keys in the token when absent. Default false. */
  readonly createIfMissing?: boolean
}

/** The `algorithm` of every {@link WrappedKey} this provider makes. */
export const PKCS11_WRAP_ALGORITHM = 'AES-KWP+HMAC-SHA256'

/** Prefix of the root key id: `pkcs11:<keyLabel>`. */
const ROOT_KEY_ID_PREFIX = 'pkcs11:'
/** Domain separation for the MAC input, versioned so the format can change. */
const MAC_DOMAIN = Buffer.from('strongroom.pkcs11.wrap.v1', 'utf8')
/** HMAC-SHA256 output length (FIPS 198-1 with SHA-256). */
const MAC_LENGTH = 32
/** Random prefix inside the wrapped plaintext; 128 bits makes collisions negligible. */
const NONCE_LENGTH = 16
/** AES-256: 32-byte key (CKA_VALUE_LEN is in bytes for AES, PKCS#11 v2.40 §2.8). */
const ROOT_KEY_LENGTH = 32
/** HMAC key as long as the SHA-256 block's security level (RFC 2104 §3). */
const MAC_KEY_LENGTH = 32
/** Upper bound on a wrapped key: KEKs and DEKs are 16–64 bytes; refuse anything huge. */
const MAX_KEY_LENGTH = 512
/** RFC 5649: output is the padded input plus one 8-byte integrity block. */
const KWP_BLOCK = 8
/** Smallest possible KWP output for a nonce plus a 1-byte key. */
const MIN_WRAPPED_LENGTH = Math.ceil((NONCE_LENGTH + 1) / KWP_BLOCK) * KWP_BLOCK + KWP_BLOCK

// ─── pkcs11js, typed structurally by the few members we use ─────────────────────────

type Handle = Buffer

interface Attribute {
  type: number
  value?: number | boolean | string | Buffer
}

interface Mechanism {
  mechanism: number
}

interface Pkcs11Api {
  load(path: string): void
  close(): void
  C_Initialize(options?: { flags?: number }): void
  C_Finalize(): void
  C_GetSlotList(tokenPresent?: boolean): Handle[]
  C_GetTokenInfo(slot: Handle): { label: string }
  C_OpenSession(slot: Handle, flags: number): Handle
  C_CloseSession(session: Handle): void
  C_Login(session: Handle, userType: number, pin?: string): void
  C_Logout(session: Handle): void
  C_CreateObject(session: Handle, template: Attribute[]): Handle
  C_DestroyObject(session: Handle, object: Handle): void
  C_FindObjectsInit(session: Handle, template: Attribute[]): void
  C_FindObjects(session: Handle, maxObjectCount: number): Handle[]
  C_FindObjectsFinal(session: Handle): void
  C_GetAttributeValue(
    session: Handle,
    object: Handle,
    template: Attribute[],
  ): { type: number; value: Buffer }[]
  C_GenerateKey(session: Handle, mechanism: Mechanism, template: Attribute[]): Handle
  C_WrapKeyAsync(
    session: Handle,
    mechanism: Mechanism,
    wrappingKey: Handle,
    key: Handle,
    wrappedKey: Buffer,
  ): Promise<Buffer>
  C_UnwrapKeyAsync(
    session: Handle,
    mechanism: Mechanism,
    unwrappingKey: Handle,
    wrappedKey: Buffer,
    template: Attribute[],
  ): Promise<Handle>
  C_SignInit(session: Handle, mechanism: Mechanism, key: Handle): void
  C_SignAsync(session: Handle, inData: Buffer, outData: Buffer): Promise<Buffer>
  C_VerifyInit(session: Handle, mechanism: Mechanism, key: Handle): void
  C_VerifyAsync(session: Handle, inData: Buffer, signature: Buffer): Promise<boolean>
}

/** The PKCS#11 constants we use, read from pkcs11js rather than retyped by hand. */
const CONSTANT_NAMES = [
  'CKF_OS_LOCKING_OK',
  'CKF_SERIAL_SESSION',
  'CKF_RW_SESSION',
  'CKU_USER',
  'CKO_SECRET_KEY',
  'CKK_AES',
  'CKK_GENERIC_SECRET',
  'CKA_CLASS',
  'CKA_KEY_TYPE',
  'CKA_LABEL',
  'CKA_TOKEN',
  'CKA_PRIVATE',
  'CKA_SENSITIVE',
  'CKA_EXTRACTABLE',
  'CKA_MODIFIABLE',
  'CKA_WRAP',
  'CKA_UNWRAP',
  'CKA_ENCRYPT',
  'CKA_DECRYPT',
  'CKA_SIGN',
  'CKA_VERIFY',
  'CKA_VALUE',
  'CKA_VALUE_LEN',
  'CKM_AES_KEY_GEN',
  'CKM_GENERIC_SECRET_KEY_GEN',
  'CKM_AES_KEY_WRAP_PAD',
  'CKM_SHA256_HMAC',
  'CKR_CRYPTOKI_ALREADY_INITIALIZED',
  'CKR_USER_ALREADY_LOGGED_IN',
  'CKR_PIN_INCORRECT',
  'CKR_PIN_LEN_RANGE',
  'CKR_PIN_LOCKED',
] as const

type Pkcs11Constants = Readonly<Record<(typeof CONSTANT_NAMES)[number], number>>

interface Pkcs11Module {
  readonly api: Pkcs11Api
  readonly k: Pkcs11Constants
}

/** The PKCS#11 return value of a pkcs11js error, if it carries one. */
function ckr(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined
  const code = (e as { code?: unknown }).code
  return typeof code === 'number' ? code : undefined
}

// ─── Process-wide module state ──────────────────────────────────────────────────────
//
// C_Initialize/C_Finalize and the login state are per process and per token, not per
// session (PKCS#11 v2.40 §5.4, §5.6): two providers on one module must share one
// initialization, and the first C_Finalize or C_Logout would pull the ground from under
// the other. So modules and logins are reference-counted here.

interface Login {
  count: number
  /** HMAC of the PIN under a per-process random key: lets a second provider prove it
   *  knows the PIN without a C_Login (which would return CKR_USER_ALREADY_LOGGED_IN
   *  without checking it), and keeps the PIN itself out of the shared state. */
  readonly pinTag: Buffer
}

interface LoadedModule extends Pkcs11Module {
  refs: number
  /** False when someone else in this process initialized the module: not ours to finalize. */
  readonly ownsInit: boolean
  readonly logins: Map<string, Login>
}

const loadedModules = new Map<string, LoadedModule>()
let pkcs11jsPromise: Promise<{ PKCS11: new () => Pkcs11Api } & Record<string, unknown>> | undefined
let pinTagKey: Buffer | undefined

function tagPin(pin: string): Buffer {
  pinTagKey ??= randomBytes(32)
  return createHmac('sha256', pinTagKey).update(pin, 'utf8').digest()
}

function loadPkcs11js(): Promise<{ PKCS11: new () => Pkcs11Api } & Record<string, unknown>> {
  // Loaded only when a PKCS#11 provider opens, so the default build never pays for the
  // native addon. pkcs11js is CommonJS: its exports arrive on `default`.
  pkcs11jsPromise ??= import('pkcs11js').then((m) => {
    const mod = ((m as { default?: unknown }).default ?? m) as {
      PKCS11: new () => Pkcs11Api
    } & Record<string, unknown>
    return mod
  })
  return pkcs11jsPromise
}

async function acquireModule(modulePath: string): Promise<LoadedModule> {
  let lib: Awaited<ReturnType<typeof loadPkcs11js>>
  try {
    lib = await loadPkcs11js()
  } catch (e) {
    pkcs11jsPromise = undefined
    throw unavailable('the pkcs11js addon could not be loaded', e)
  }
  // No await from here on: the lookup and the insert are atomic for concurrent opens.
  const existing = loadedModules.get(modulePath)
  if (existing !== undefined) {
    existing.refs += 1
    return existing
  }
  const k = {} as Record<string, number>
  for (const name of CONSTANT_NAMES) {
    const value = lib[name]
    if (typeof value !== 'number') {
      throw unavailable('the pkcs11js addon lacks a required constant', undefined, { name })
    }
    k[name] = value
  }
  const constants = k as Pkcs11Constants
  const api = new lib.PKCS11()
  try {
    api.load(modulePath)
  } catch (e) {
    throw unavailable('the PKCS#11 module could not be loaded', e)
  }
  let ownsInit = true
  try {
    // OS locking: sessions of different providers run on libuv worker threads.
    api.C_Initialize({ flags: constants.CKF_OS_LOCKING_OK })
  } catch (e) {
    if (ckr(e) === constants.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      ownsInit = false
    } else {
      safely(() => api.close())
      throw unavailable('the PKCS#11 module failed to initialize', e)
    }
  }
  const loaded: LoadedModule = { api, k: constants, refs: 1, ownsInit, logins: new Map() }
  loadedModules.set(modulePath, loaded)
  return loaded
}

function releaseModule(modulePath: string, loaded: LoadedModule): void {
  loaded.refs -= 1
  if (loaded.refs > 0) return
  if (loadedModules.get(modulePath) === loaded) loadedModules.delete(modulePath)
  if (loaded.ownsInit) safely(() => loaded.api.C_Finalize())
  safely(() => loaded.api.close())
}

/** Runs cleanup that must not mask the error or result already in flight. */
function safely(fn: () => void): void {
  try {
    fn()
  } catch {
    // Best effort: the token may already be gone; there is nothing more to release.
  }
}

function unavailable(
  message: string,
  cause?: unknown,
  details?: Record<string, string | number | boolean>,
): StrongroomError {
  return new StrongroomError('ERR_KEYS_PROVIDER_UNAVAILABLE', message, {
    ...(cause === undefined ? {} : { cause }),
    ...(details === undefined ? {} : { details }),
    hint: 'check the PKCS#11 module path, the token label or slot, and that the token is present',
  })
}

function notOpen(): StrongroomError {
  return new StrongroomError(
    'ERR_KEYS_PROVIDER_UNAVAILABLE',
    'the PKCS#11 key provider is not open',
    {
      hint: 'call open() first; a closed provider cannot be used',
    },
  )
}

/** One message for every unwrap failure: a caller must not learn which check failed. */
function unwrapFailed(): StrongroomError {
  return new StrongroomError('ERR_KEYS_UNWRAP_FAILED', 'the key could not be unwrapped')
}

function slotId(slot: Handle): bigint {
  // CK_SLOT_ID is a CK_ULONG: 8 bytes on LP64, 4 on Windows and 32-bit builds.
  return slot.length >= 8 ? slot.readBigUInt64LE(0) : BigInt(slot.readUInt32LE(0))
}

/** `lp(x) = u32be(len(x)) || x`: unambiguous concatenation, so fields cannot slide. */
function lengthPrefixed(parts: readonly Uint8Array[]): Buffer {
  const chunks: Buffer[] = []
  for (const part of parts) {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(part.length, 0)
    chunks.push(len, Buffer.from(part.buffer, part.byteOffset, part.byteLength))
  }
  return Buffer.concat(chunks)
}

function isTrue(value: Buffer | undefined): boolean {
  return value !== undefined && value.length > 0 && value[0] === 1
}

function readUlong(value: Buffer | undefined): number | undefined {
  if (value === undefined || value.length === 0) return undefined
  // Values we read (key lengths) are small; 6 bytes is the most readUIntLE takes.
  return value.readUIntLE(0, Math.min(value.length, 6))
}

// ─── The provider ──────────────────────────────────────────────────────────────────

interface OpenState {
  readonly module: LoadedModule
  readonly slotKey: string
  readonly session: Handle
  readonly rootKey: Handle
  readonly macKey: Handle
}

/**
 * A {@link KeyProvider} whose root key is a non-extractable AES-256 key in a PKCS#11
 * token. Wraps with AES key wrap with padding (RFC 5649) in the token and binds the
 * context with an HMAC-SHA256 also computed in the token.
 *
 * One PKCS#11 session per provider; calls are serialized on it because a session is not
 * safe for concurrent use (PKCS#11 v2.40 §5.6: one active operation per session).
 *
 * @example
 * ```ts
 * const provider = createPkcs11KeyProvider({
 *   modulePath: '/usr/lib/softhsm/libsofthsm2.so',
 *   tokenLabel: 'strongroom',
 *   pin: process.env.STRONGROOM_HSM_PIN ?? '',
 *   keyLabel: 'strongroom-root',
 * })
 * await provider.open()
 * const wrapped = await provider.wrap(kek, new TextEncoder().encode('kek:crm.customers:1'))
 * ```
 */
export class Pkcs11KeyProvider implements KeyProvider {
  /** Backend name for reports. */
  readonly kind = 'pkcs11'

  readonly #modulePath: string
  readonly #slot: number | undefined
  readonly #tokenLabel: string | undefined
  // A private field, so the PIN shows in neither util.inspect nor JSON.stringify.
  readonly #pin: string
  readonly #keyLabel: string
  readonly #createIfMissing: boolean
  #state: OpenState | undefined
  #queue: Promise<void> = Promise.resolve()

  /** Prefer {@link createPkcs11KeyProvider}, which validates the options first. */
  constructor(options: Pkcs11KeyProviderOptions) {
    this.#modulePath = options.modulePath
    this.#slot = options.slot
    this.#tokenLabel = options.tokenLabel
    this.#pin = options.pin
    this.#keyLabel = options.keyLabel
    this.#createIfMissing = options.createIfMissing ?? false
  }

  /** The root key id, `pkcs11:<keyLabel>`. */
  get rootKeyId(): string {
    return ROOT_KEY_ID_PREFIX + this.#keyLabel
  }

  /**
   * Loads the module, logs in to the token and finds (or, with `createIfMissing`,
   * generates) the root and HMAC keys. Opening an open provider does nothing.
   *
   * @throws `ERR_KEYS_PROVIDER_UNAVAILABLE` when the module, token or login fails,
   *   `ERR_KEYS_BAD_PASSPHRASE` for a wrong PIN, `ERR_KEYS_KEY_NOT_FOUND` when the keys
   *   are absent, `ERR_CONFIG_INVALID` when a key exists but is unfit to be a root key.
   */
  open(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#state !== undefined) return
      const module = await acquireModule(this.#modulePath)
      try {
        this.#state = this.#openSession(module)
      } catch (e) {
        releaseModule(this.#modulePath, module)
        throw e
      }
    })
  }

  /** Logs out (when last on this token), closes the session and finalizes the module. */
  close(): Promise<void> {
    return this.#enqueue(() => {
      const state = this.#state
      if (state === undefined) return
      this.#state = undefined
      this.#releaseSession(state)
      releaseModule(this.#modulePath, state.module)
    })
  }

  /** @returns `pkcs11:<keyLabel>` once open. */
  currentRootKeyId(): Promise<string> {
    if (this.#state === undefined) return Promise.reject(notOpen())
    return Promise.resolve(this.rootKeyId)
  }

  /**
   * Wraps `key` under the root key and binds `context` with an in-token HMAC.
   *
   * @throws `ERR_USAGE_INVALID_ARGUMENT` for an empty or oversized key,
   *   `ERR_KEYS_PROVIDER_UNAVAILABLE` when not open or the token fails.
   */
  wrap(key: Uint8Array, context: Uint8Array): Promise<WrappedKey> {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      return Promise.reject(
        new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'key length out of range', {
          details: { length: key.length, max: MAX_KEY_LENGTH },
        }),
      )
    }
    return this.#enqueue(async () => {
      const state = this.#state
      if (state === undefined) throw notOpen()
      const { api, k } = state.module
      const plain = Buffer.concat([randomBytes(NONCE_LENGTH), key])
      let temp: Handle | undefined
      try {
        // Import as a short-lived session object: C_WrapKey only takes object handles.
        temp = api.C_CreateObject(state.session, [
          { type: k.CKA_CLASS, value: k.CKO_SECRET_KEY },
          { type: k.CKA_KEY_TYPE, value: k.CKK_GENERIC_SECRET },
          { type: k.CKA_TOKEN, value: false },
          { type: k.CKA_PRIVATE, value: true },
          { type: k.CKA_SENSITIVE, value: false },
          { type: k.CKA_EXTRACTABLE, value: true },
          { type: k.CKA_VALUE, value: plain },
        ])
        const wrapped = await api.C_WrapKeyAsync(
          state.session,
          { mechanism: k.CKM_AES_KEY_WRAP_PAD },
          state.rootKey,
          temp,
          Buffer.alloc(plain.length + 2 * KWP_BLOCK),
        )
        const macInput = this.#macInput(context, wrapped)
        api.C_SignInit(state.session, { mechanism: k.CKM_SHA256_HMAC }, state.macKey)
        const mac = await api.C_SignAsync(state.session, macInput, Buffer.alloc(MAC_LENGTH))
        if (mac.length !== MAC_LENGTH) throw new Error('unexpected HMAC length')
        return {
          rootKeyId: this.rootKeyId,
          algorithm: PKCS11_WRAP_ALGORITHM,
          ciphertext: new Uint8Array(Buffer.concat([wrapped, mac])),
        }
      } catch (e) {
        throw unavailable('the PKCS#11 token failed to wrap the key', e)
      } finally {
        if (temp !== undefined) {
          const handle = temp
          safely(() => api.C_DestroyObject(state.session, handle))
        }
        plain.fill(0)
      }
    })
  }

  /**
   * Verifies the context MAC in the token, then unwraps. Every failure (wrong context,
   * altered bytes, another root key, a token error) is the same
   * `ERR_KEYS_UNWRAP_FAILED` with no detail, so a caller learns nothing about which.
   *
   * @throws `ERR_KEYS_PROVIDER_UNAVAILABLE` when not open.
   */
  unwrap(wrapped: WrappedKey, context: Uint8Array): Promise<Uint8Array> {
    return this.#enqueue(async () => {
      const state = this.#state
      if (state === undefined) throw notOpen()
      if (wrapped.rootKeyId !== this.rootKeyId || wrapped.algorithm !== PKCS11_WRAP_ALGORITHM) {
        throw unwrapFailed()
      }
      const bytes = wrapped.ciphertext
      const wrappedLength = bytes.length - MAC_LENGTH
      if (wrappedLength < MIN_WRAPPED_LENGTH || wrappedLength % KWP_BLOCK !== 0) {
        throw unwrapFailed()
      }
      const { api, k } = state.module
      const body = Buffer.from(bytes.subarray(0, wrappedLength))
      const mac = Buffer.from(bytes.subarray(wrappedLength))
      let temp: Handle | undefined
      let value: Buffer | undefined
      try {
        // MAC first: unauthenticated bytes never reach the unwrap (no padding oracle).
        api.C_VerifyInit(state.session, { mechanism: k.CKM_SHA256_HMAC }, state.macKey)
        const ok = await api.C_VerifyAsync(state.session, this.#macInput(context, body), mac)
        // pkcs11js throws on CKR_SIGNATURE_INVALID; a false return is handled the same.
        if (!ok) throw unwrapFailed()
        temp = await api.C_UnwrapKeyAsync(
          state.session,
          { mechanism: k.CKM_AES_KEY_WRAP_PAD },
          state.rootKey,
          body,
          [
            { type: k.CKA_CLASS, value: k.CKO_SECRET_KEY },
            { type: k.CKA_KEY_TYPE, value: k.CKK_GENERIC_SECRET },
            // No CKA_VALUE_LEN: SoftHSM2 rejects it on unwrap (the length comes from KWP).
            { type: k.CKA_TOKEN, value: false },
            { type: k.CKA_PRIVATE, value: true },
            { type: k.CKA_SENSITIVE, value: false },
            { type: k.CKA_EXTRACTABLE, value: true },
          ],
        )
        value = api.C_GetAttributeValue(state.session, temp, [{ type: k.CKA_VALUE }])[0]?.value
        if (value === undefined || value.length <= NONCE_LENGTH) throw unwrapFailed()
        return new Uint8Array(value.subarray(NONCE_LENGTH))
      } catch {
        // Deliberately no cause: the PKCS#11 return value would tell MAC from unwrap failure.
        throw unwrapFailed()
      } finally {
        if (temp !== undefined) {
          const handle = temp
          safely(() => api.C_DestroyObject(state.session, handle))
        }
        value?.fill(0)
      }
    })
  }

  /** Runs `op` after every earlier call on this provider has settled. */
  #enqueue<T>(op: () => T | Promise<T>): Promise<T> {
    const run = this.#queue.then(op)
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  #macInput(context: Uint8Array, wrapped: Uint8Array): Buffer {
    return lengthPrefixed([
      MAC_DOMAIN,
      Buffer.from(this.rootKeyId, 'utf8'),
      Buffer.from(PKCS11_WRAP_ALGORITHM, 'utf8'),
      context,
      wrapped,
    ])
  }

  #findSlot(module: LoadedModule): Handle {
    const { api } = module
    let slots: Handle[]
    try {
      slots = api.C_GetSlotList(true)
    } catch (e) {
      throw unavailable('the PKCS#11 module could not list its slots', e)
    }
    for (const slot of slots) {
      if (this.#slot !== undefined && slotId(slot) !== BigInt(this.#slot)) continue
      if (this.#tokenLabel !== undefined) {
        let label: string
        try {
          // CK_TOKEN_INFO.label is blank-padded to 32 bytes.
          label = api.C_GetTokenInfo(slot).label.trimEnd()
        } catch {
          continue
        }
        if (label !== this.#tokenLabel) continue
      }
      return slot
    }
    throw unavailable('no PKCS#11 token matches the configured slot and label', undefined, {
      ...(this.#tokenLabel === undefined ? {} : { tokenLabel: this.#tokenLabel }),
      ...(this.#slot === undefined ? {} : { slot: this.#slot }),
    })
  }

  #openSession(module: LoadedModule): OpenState {
    const { api, k } = module
    const slot = this.#findSlot(module)
    const slotKey = slotId(slot).toString(16)
    let session: Handle
    try {
      session = api.C_OpenSession(slot, k.CKF_SERIAL_SESSION | k.CKF_RW_SESSION)
    } catch (e) {
      throw unavailable('could not open a PKCS#11 session', e)
    }
    let loggedIn = false
    try {
      this.#login(module, session, slotKey)
      loggedIn = true
      const { rootKey, macKey } = this.#findKeys(module, session)
      return { module, slotKey, session, rootKey, macKey }
    } catch (e) {
      if (loggedIn) this.#logout(module, session, slotKey)
      safely(() => api.C_CloseSession(session))
      throw e
    }
  }

  #releaseSession(state: OpenState): void {
    this.#logout(state.module, state.session, state.slotKey)
    safely(() => state.module.api.C_CloseSession(state.session))
  }

  #login(module: LoadedModule, session: Handle, slotKey: string): void {
    const { api, k } = module
    const tag = tagPin(this.#pin)
    const existing = module.logins.get(slotKey)
    if (existing !== undefined) {
      // The token is already logged in for this process; C_Login would not check the PIN.
      if (!timingSafeEqual(existing.pinTag, tag)) throw badPin()
      existing.count += 1
      return
    }
    try {
      api.C_Login(session, k.CKU_USER, this.#pin)
    } catch (e) {
      const rv = ckr(e)
      if (rv === k.CKR_PIN_INCORRECT || rv === k.CKR_PIN_LEN_RANGE) throw badPin()
      if (rv === k.CKR_PIN_LOCKED) {
        throw new StrongroomError(
          'ERR_KEYS_PROVIDER_UNAVAILABLE',
          'the PKCS#11 user PIN is locked',
          {
            hint: 'the security officer must reset the user PIN',
          },
        )
      }
      // Logged in by code outside this provider: we cannot verify the PIN, so refuse
      // rather than ride on someone else's login.
      if (rv === k.CKR_USER_ALREADY_LOGGED_IN) {
        throw unavailable('the PKCS#11 token is already logged in by other code in this process')
      }
      // No cause: some modules echo call arguments in their errors.
      throw unavailable('PKCS#11 login failed', undefined, { ckr: rv ?? -1 })
    }
    module.logins.set(slotKey, { count: 1, pinTag: tag })
  }

  #logout(module: LoadedModule, session: Handle, slotKey: string): void {
    const login = module.logins.get(slotKey)
    if (login === undefined) return
    login.count -= 1
    if (login.count > 0) return
    module.logins.delete(slotKey)
    safely(() => module.api.C_Logout(session))
  }

  #findKeys(module: LoadedModule, session: Handle): { rootKey: Handle; macKey: Handle } {
    const { k } = module
    const macLabel = `${this.#keyLabel}.mac`
    let rootKey = this.#findKey(module, session, this.#keyLabel, k.CKK_AES)
    let macKey = this.#findKey(module, session, macLabel, k.CKK_GENERIC_SECRET)
    if ((rootKey === undefined || macKey === undefined) && !this.#createIfMissing) {
      throw new StrongroomError(
        'ERR_KEYS_KEY_NOT_FOUND',
        'the PKCS#11 root key is not in the token',
        {
          details: { keyLabel: this.#keyLabel },
          hint: 'check the key label, or open once with createIfMissing to generate it',
        },
      )
    }
    // Generating only the missing half is safe: no wrap could have been made, or
    // verified, without both keys, so nothing existing is orphaned.
    rootKey ??= this.#generateKey(module, session, 'root')
    macKey ??= this.#generateKey(module, session, 'mac')
    this.#checkKeyPolicy(module, session, rootKey, ROOT_KEY_LENGTH, [k.CKA_WRAP, k.CKA_UNWRAP])
    this.#checkKeyPolicy(module, session, macKey, undefined, [k.CKA_SIGN, k.CKA_VERIFY])
    return { rootKey, macKey }
  }

  #findKey(
    module: LoadedModule,
    session: Handle,
    label: string,
    keyType: number,
  ): Handle | undefined {
    const { api, k } = module
    let found: Handle[]
    try {
      api.C_FindObjectsInit(session, [
        { type: k.CKA_CLASS, value: k.CKO_SECRET_KEY },
        { type: k.CKA_KEY_TYPE, value: keyType },
        { type: k.CKA_TOKEN, value: true },
        { type: k.CKA_LABEL, value: label },
      ])
      try {
        found = api.C_FindObjects(session, 2)
      } finally {
        safely(() => api.C_FindObjectsFinal(session))
      }
    } catch (e) {
      throw unavailable('could not search the PKCS#11 token', e)
    }
    if (found.length > 1) {
      // Two keys under one label: picking either would silently split the key hierarchy.
      throw new StrongroomError('ERR_CONFIG_INVALID', 'several PKCS#11 keys share the label', {
        details: { keyLabel: label },
        hint: 'give the root key a unique CKA_LABEL in the token',
      })
    }
    return found[0]
  }

  #generateKey(module: LoadedModule, session: Handle, which: 'root' | 'mac'): Handle {
    const { api, k } = module
    const common: Attribute[] = [
      { type: k.CKA_CLASS, value: k.CKO_SECRET_KEY },
      { type: k.CKA_TOKEN, value: true },
      { type: k.CKA_PRIVATE, value: true },
      // Sensitive and non-extractable: the value can never be read or wrapped out.
      { type: k.CKA_SENSITIVE, value: true },
      { type: k.CKA_EXTRACTABLE, value: false },
    ]
    // Key separation: each key does one job only, so neither can serve as an oracle
    // for the other's operation (root never encrypts raw data, MAC key never wraps).
    const template: Attribute[] =
      which === 'root'
        ? [
            ...common,
            { type: k.CKA_KEY_TYPE, value: k.CKK_AES },
            { type: k.CKA_LABEL, value: this.#keyLabel },
            { type: k.CKA_VALUE_LEN, value: ROOT_KEY_LENGTH },
            { type: k.CKA_WRAP, value: true },
            { type: k.CKA_UNWRAP, value: true },
            { type: k.CKA_ENCRYPT, value: false },
            { type: k.CKA_DECRYPT, value: false },
            { type: k.CKA_SIGN, value: false },
            { type: k.CKA_VERIFY, value: false },
          ]
        : [
            ...common,
            { type: k.CKA_KEY_TYPE, value: k.CKK_GENERIC_SECRET },
            { type: k.CKA_LABEL, value: `${this.#keyLabel}.mac` },
            { type: k.CKA_VALUE_LEN, value: MAC_KEY_LENGTH },
            { type: k.CKA_SIGN, value: true },
            { type: k.CKA_VERIFY, value: true },
            { type: k.CKA_WRAP, value: false },
            { type: k.CKA_UNWRAP, value: false },
            { type: k.CKA_ENCRYPT, value: false },
            { type: k.CKA_DECRYPT, value: false },
          ]
    const mechanism = which === 'root' ? k.CKM_AES_KEY_GEN : k.CKM_GENERIC_SECRET_KEY_GEN
    try {
      return api.C_GenerateKey(session, { mechanism }, template)
    } catch (e) {
      throw unavailable('the PKCS#11 token could not generate the key', e, {
        keyLabel: this.#keyLabel,
        which,
      })
    }
  }

  /** Refuses a pre-provisioned key that could leak or cannot do its job. */
  #checkKeyPolicy(
    module: LoadedModule,
    session: Handle,
    key: Handle,
    length: number | undefined,
    usages: readonly number[],
  ): void {
    const { api, k } = module
    const wanted = [k.CKA_SENSITIVE, k.CKA_EXTRACTABLE, k.CKA_VALUE_LEN, ...usages]
    let attrs: Map<number, Buffer>
    try {
      const result = api.C_GetAttributeValue(
        session,
        key,
        wanted.map((type) => ({ type })),
      )
      attrs = new Map(result.map((a) => [a.type, a.value]))
    } catch (e) {
      throw unavailable('could not read the PKCS#11 key attributes', e)
    }
    const fit =
      isTrue(attrs.get(k.CKA_SENSITIVE)) &&
      !isTrue(attrs.get(k.CKA_EXTRACTABLE)) &&
      (length === undefined || readUlong(attrs.get(k.CKA_VALUE_LEN)) === length) &&
      usages.every((usage) => isTrue(attrs.get(usage)))
    if (!fit) {
      throw new StrongroomError('ERR_CONFIG_INVALID', 'the PKCS#11 key is unfit to be a root key', {
        details: { keyLabel: this.#keyLabel },
        hint: 'the key must be sensitive, non-extractable, of the right size and usages',
      })
    }
  }
}

function badPin(): StrongroomError {
  return new StrongroomError('ERR_KEYS_BAD_PASSPHRASE', 'the PKCS#11 user PIN was rejected', {
    hint: 'check the PIN; repeated failures may lock the token',
  })
}

/**
 * Creates a {@link Pkcs11KeyProvider} after checking the options. Nothing is loaded until
 * `open()`: pkcs11js is imported there, so configurations without an HSM never load it.
 *
 * @throws `ERR_CONFIG_INVALID` listing every problem with the options.
 * @example
 * ```ts
 * const provider = createPkcs11KeyProvider({
 *   modulePath: '/usr/lib/softhsm/libsofthsm2.so',
 *   tokenLabel: 'strongroom',
 *   pin,
 *   keyLabel: 'strongroom-root',
 *   createIfMissing: true,
 * })
 * await provider.open()
 * ```
 */
export function createPkcs11KeyProvider(options: Pkcs11KeyProviderOptions): Pkcs11KeyProvider {
  const issues: { code: 'ERR_CONFIG_INVALID'; path: string; message: string }[] = []
  const issue = (path: string, message: string): void => {
    issues.push({ code: 'ERR_CONFIG_INVALID', path, message })
  }
  if (options.modulePath.length === 0) issue('modulePath', 'must name the PKCS#11 module')
  if (options.pin.length === 0) issue('pin', 'must not be empty')
  if (options.keyLabel.length === 0) issue('keyLabel', 'must not be empty')
  if (options.slot === undefined && options.tokenLabel === undefined) {
    issue('tokenLabel', 'give a token label or a slot')
  }
  if (options.slot !== undefined && (!Number.isSafeInteger(options.slot) || options.slot < 0)) {
    issue('slot', 'must be a non-negative integer')
  }
  if (options.tokenLabel !== undefined && Buffer.byteLength(options.tokenLabel) > 32) {
    issue('tokenLabel', 'must be at most 32 bytes (CK_TOKEN_INFO.label)')
  }
  if (issues.length > 0) {
    throw new StrongroomError('ERR_CONFIG_INVALID', 'invalid PKCS#11 key provider options', {
      issues,
    })
  }
  return new Pkcs11KeyProvider(options)
}
