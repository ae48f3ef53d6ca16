/**
 * The `s3` object store: encrypted data files in any S3-compatible bucket (AWS S3, MinIO,
 * Ceph, R2, s3rver in tests).
 *
 * The AWS SDK is loaded with a dynamic `import()` in `open()`, so an embedded lake on the
 * `fs` backend never pays for it. Only types are imported statically (erased at build).
 *
 * No-replace puts: the store first HEADs the key (fails fast, and is the only guard on
 * servers that ignore conditional writes, such as s3rver), then sends PutObject with
 * `If-None-Match: *`. Servers that honour it (AWS S3 since 2024, MinIO, recent Ceph) make
 * the put atomic against a racing writer; on servers that ignore it a narrow
 * head-then-put race remains, in which the later put wins. Set `conditionalWrites: false`
 * for servers that reject the header outright.
 *
 * Bodies are collected into one buffer and sent with a `Content-Length`: Strongroom
 * objects are bounded (tens of MiB), and a single PutObject is atomic where a multipart
 * upload would need its own cleanup of abandoned parts.
 */

import type * as S3Sdk from '@aws-sdk/client-s3'

import { StrongroomError } from '../../errors.js'
import { isValidObjectKey } from '../object-store.js'
import type { ByteRange, ObjectInfo, ObjectStore, ObjectStoreCallOptions } from '../object-store.js'
import {
  alreadyExists,
  bodyChunks,
  checkKey,
  checkPrefix,
  checkRange,
  notFound,
  readFailed,
  throwIfAborted,
  writeFailed,
} from '../object-store-rules.js'

type S3Module = typeof S3Sdk

/** Static credentials; omit them to use the SDK's default chain (env, profile, IMDS). */
export interface S3ObjectStoreCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

/** Options for {@link createS3ObjectStore}. */
export interface S3ObjectStoreOptions {
  readonly bucket: string
  /** A key prefix inside the bucket (`lakes/prod/`); a missing trailing `/` is added. */
  readonly prefix?: string
  /** The server URL for S3-compatible stores (`http://127.0.0.1:9000`). */
  readonly endpoint?: string
  /** Defaults to `us-east-1`, which S3-compatible servers accept. */
  readonly region?: string
  readonly credentials?: S3ObjectStoreCredentials
  /** Path-style URLs (`/bucket/key`). Defaults to `true` when `endpoint` is set. */
  readonly forcePathStyle?: boolean
  /** Send `If-None-Match: *` on PutObject (default `true`); see the module comment. */
  readonly conditionalWrites?: boolean
  /**
   * Collect a whole listing and sort it before yielding. S3 and MinIO return keys in
   * UTF-8 binary order, so the store can stream page by page; some emulators (s3rver)
   * return filesystem order. Defaults to `true` when `endpoint` is set, `false` for AWS.
   * When `false`, a listing that arrives out of order fails with `ERR_STORAGE_READ_FAILED`
   * rather than silently breaking the contract.
   */
  readonly sortListings?: boolean
  /** Keys per ListObjectsV2 page (server default 1000). */
  readonly listPageSize?: number
  /** SDK attempts per request including retries (SDK default 3). */
  readonly maxAttempts?: number
}

/**
 * An {@link ObjectStore} over an S3 bucket. See the module comment for the put protocol.
 *
 * `get` returns the HTTP response body as the iterable: iterate it to the end or break out
 * of the loop, which releases the connection.
 */
export class S3ObjectStore implements ObjectStore {
  /** Always `s3`. */
  readonly kind = 's3'
  readonly #options: S3ObjectStoreOptions
  readonly #prefix: string
  #sdk: S3Module | undefined
  #client: S3Sdk.S3Client | undefined

  /** Prefer {@link createS3ObjectStore}. */
  constructor(options: S3ObjectStoreOptions) {
    if (typeof options.bucket !== 'string' || options.bucket.length === 0) {
      throw new StrongroomError('ERR_CONFIG_INVALID', 'The S3 bucket name is missing', {
        details: { backend: 's3' },
      })
    }
    const raw = options.prefix ?? ''
    const prefix = raw === '' || raw.endsWith('/') ? raw : `${raw}/`
    if (prefix !== '' && !isValidObjectKey(prefix.slice(0, -1))) {
      throw new StrongroomError('ERR_CONFIG_INVALID', 'The S3 key prefix is not valid', {
        hint: 'Use /-separated segments of A-Z a-z 0-9 _ . - such as lakes/prod/.',
        details: { backend: 's3' },
      })
    }
    this.#options = options
    this.#prefix = prefix
  }

  /** Loads the SDK, creates the client and checks that the bucket is reachable. */
  async open(): Promise<void> {
    if (this.#client !== undefined) return
    let sdk: S3Module
    try {
      sdk = await import('@aws-sdk/client-s3')
    } catch (e) {
      throw new StrongroomError('ERR_STORAGE_UNAVAILABLE', 'The AWS SDK could not be loaded', {
        cause: e,
        hint: 'Install @aws-sdk/client-s3 to use the s3 object store.',
        details: { backend: 's3' },
      })
    }
    const o = this.#options
    const client = new sdk.S3Client({
      region: o.region ?? 'us-east-1',
      ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
      forcePathStyle: o.forcePathStyle ?? o.endpoint !== undefined,
      ...(o.credentials === undefined ? {} : { credentials: { ...o.credentials } }),
      ...(o.maxAttempts === undefined ? {} : { maxAttempts: o.maxAttempts }),
      // Since SDK 3.729 the client adds CRC32 trailers with aws-chunked encoding by
      // default; servers that do not decode them (s3rver, older MinIO/Ceph) store the
      // framing bytes as part of the object. Checksums only where the API requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
    try {
      await client.send(new sdk.HeadBucketCommand({ Bucket: o.bucket }))
    } catch (e) {
      client.destroy()
      throw new StrongroomError('ERR_STORAGE_UNAVAILABLE', 'The S3 bucket is not reachable', {
        cause: e,
        hint: 'Check the endpoint, the credentials and that the bucket exists.',
        details: { backend: 's3', status: statusOf(e) ?? 0 },
      })
    }
    this.#sdk = sdk
    this.#client = client
  }

  /** Releases the client's sockets. */
  close(): Promise<void> {
    this.#client?.destroy()
    this.#client = undefined
    return Promise.resolve()
  }

  /** Stores `body` under `key` with one PutObject; fails if the key exists. */
  async put(
    key: string,
    body: Uint8Array | AsyncIterable<Uint8Array>,
    options: ObjectStoreCallOptions = {},
  ): Promise<ObjectInfo> {
    checkKey(key)
    const { sdk, client } = this.#opened()
    const { signal } = options
    throwIfAborted(signal)
    let bytes: Uint8Array
    try {
      bytes = await collect(body, signal)
    } catch (e) {
      throw e instanceof StrongroomError ? e : writeFailed(key, e)
    }
    // Checked after buffering, to keep the window to a racing writer short.
    if ((await this.head(key, options)) !== undefined) throw alreadyExists(key)
    throwIfAborted(signal)
    try {
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: this.#options.bucket,
          Key: this.#prefix + key,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: 'application/octet-stream',
          ...(this.#options.conditionalWrites === false ? {} : { IfNoneMatch: '*' }),
        }),
        sendOptions(signal),
      )
    } catch (e) {
      const status = statusOf(e)
      // 412: the key appeared since our HEAD; 409: a concurrent conditional put is in flight.
      if (status === 412 || status === 409) throw alreadyExists(key)
      throw mapError(sdk, e, key, 'write')
    }
    // PutObject returns no timestamp; the server's clock may differ by a little.
    return { key, size: bytes.byteLength, lastModified: new Date() }
  }

  /** Streams the object's bytes (or `range` of them, clamped to its size). */
  async get(
    key: string,
    options: ObjectStoreCallOptions & { readonly range?: ByteRange } = {},
  ): Promise<AsyncIterable<Uint8Array>> {
    checkKey(key)
    checkRange(options.range)
    const { sdk, client } = this.#opened()
    const { signal, range } = options
    throwIfAborted(signal)
    // An empty range cannot be expressed as an HTTP Range header.
    if (range !== undefined && range.start === range.end) {
      if ((await this.head(key, options)) === undefined) throw notFound(key)
      return empty()
    }
    let response: S3Sdk.GetObjectCommandOutput
    try {
      response = await client.send(
        new sdk.GetObjectCommand({
          Bucket: this.#options.bucket,
          Key: this.#prefix + key,
          // HTTP ranges are inclusive at both ends; ours is end-exclusive.
          ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end - 1}` }),
        }),
        sendOptions(signal),
      )
    } catch (e) {
      // 416: the range starts at or past the end of an existing object (or it is empty);
      // clamped, that is no bytes, as in the fs store.
      if (statusOf(e) === 416) return empty()
      throw mapError(sdk, e, key, 'read')
    }
    const stream = response.Body
    if (stream === undefined) return empty()
    if (range === undefined) return readBody(sdk, stream, key, signal)
    // Never trust the server to honour the range exactly: s3rver answers `bytes=0-0` with
    // the whole object, and a server may ignore Range and send 200 with every byte. Skip
    // to `start` using where the server says its bytes begin, and stop at `end`.
    const served = /^bytes (\d+)-/.exec(response.ContentRange ?? '')
    const servedFrom = served?.[1] === undefined ? 0 : Number(served[1])
    if (servedFrom > range.start) {
      await destroyBody(stream)
      throw new StrongroomError('ERR_STORAGE_READ_FAILED', `Server sent the wrong range: ${key}`, {
        details: { backend: 's3', key },
      })
    }
    return window(
      readBody(sdk, stream, key, signal),
      range.start - servedFrom,
      range.end - range.start,
    )
  }

  /** The object's size and modification time, or `undefined` when absent. */
  async head(key: string, options: ObjectStoreCallOptions = {}): Promise<ObjectInfo | undefined> {
    checkKey(key)
    const { sdk, client } = this.#opened()
    throwIfAborted(options.signal)
    try {
      const r = await client.send(
        new sdk.HeadObjectCommand({ Bucket: this.#options.bucket, Key: this.#prefix + key }),
        sendOptions(options.signal),
      )
      return { key, size: r.ContentLength ?? 0, lastModified: r.LastModified ?? new Date(0) }
    } catch (e) {
      if (statusOf(e) === 404) return undefined
      throw mapError(sdk, e, key, 'read')
    }
  }

  /** Removes the object; S3 treats a missing key as success. */
  async delete(key: string, options: ObjectStoreCallOptions = {}): Promise<void> {
    checkKey(key)
    const { sdk, client } = this.#opened()
    throwIfAborted(options.signal)
    try {
      await client.send(
        new sdk.DeleteObjectCommand({ Bucket: this.#options.bucket, Key: this.#prefix + key }),
        sendOptions(options.signal),
      )
    } catch (e) {
      if (statusOf(e) === 404) return
      throw mapError(sdk, e, key, 'write')
    }
  }

  /**
   * Every object whose key starts with `prefix` (a plain string prefix: `ds/1` also
   * matches `ds/10/x`; `ds/1/` does not), in lexicographic key order, page by page.
   */
  async *list(prefix: string, options: ObjectStoreCallOptions = {}): AsyncIterable<ObjectInfo> {
    checkPrefix(prefix)
    const { sdk, client } = this.#opened()
    const { signal } = options
    const sort = this.#options.sortListings ?? this.#options.endpoint !== undefined
    const collected: ObjectInfo[] = []
    let previous: string | undefined
    let token: string | undefined
    do {
      throwIfAborted(signal)
      let page: S3Sdk.ListObjectsV2CommandOutput
      try {
        page = await client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.#options.bucket,
            Prefix: this.#prefix + prefix,
            ...(token === undefined ? {} : { ContinuationToken: token }),
            ...(this.#options.listPageSize === undefined
              ? {}
              : { MaxKeys: this.#options.listPageSize }),
          }),
          sendOptions(signal),
        )
      } catch (e) {
        throw mapError(sdk, e, undefined, 'read')
      }
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined || !o.Key.startsWith(this.#prefix)) continue
        const key = o.Key.slice(this.#prefix.length)
        // Folder markers (`a/`) and objects other tools wrote are not ours to report.
        if (!isValidObjectKey(key)) continue
        const info: ObjectInfo = {
          key,
          size: o.Size ?? 0,
          lastModified: o.LastModified ?? new Date(0),
        }
        if (sort) {
          collected.push(info)
          continue
        }
        if (previous !== undefined && key <= previous) {
          throw new StrongroomError(
            'ERR_STORAGE_READ_FAILED',
            'The S3 server listed keys out of order',
            { hint: 'Set sortListings: true for this server.', details: { backend: 's3' } },
          )
        }
        previous = key
        yield info
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined
    } while (token !== undefined)
    if (sort) {
      // Plain code-unit comparison: keys are ASCII, so it equals S3's UTF-8 binary order.
      collected.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      for (const info of collected) {
        throwIfAborted(signal)
        yield info
      }
    }
  }

  #opened(): { sdk: S3Module; client: S3Sdk.S3Client } {
    if (this.#sdk === undefined || this.#client === undefined) {
      throw new StrongroomError('ERR_STORAGE_UNAVAILABLE', 'The object store is not open', {
        hint: 'Call open() first.',
        details: { backend: 's3' },
      })
    }
    return { sdk: this.#sdk, client: this.#client }
  }
}

/**
 * Creates an S3 object store. Nothing is loaded or contacted until `open()`.
 *
 * @example
 * ```ts
 * const store = createS3ObjectStore({
 *   bucket: 'strongroom',
 *   prefix: 'lakes/prod/',
 *   endpoint: 'http://127.0.0.1:9000',
 * })
 * await store.open()
 * await store.put('ds/1/v1/part-0.sre', encryptedBytes)
 * await store.close()
 * ```
 */
export function createS3ObjectStore(options: S3ObjectStoreOptions): S3ObjectStore {
  return new S3ObjectStore(options)
}

function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal === undefined ? {} : { abortSignal: signal }
}

function statusOf(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null || !('$metadata' in e)) return undefined
  const meta = e.$metadata
  if (typeof meta !== 'object' || meta === null || !('httpStatusCode' in meta)) return undefined
  return typeof meta.httpStatusCode === 'number' ? meta.httpStatusCode : undefined
}

function nameOf(e: unknown): string | undefined {
  return e instanceof Error ? e.name : undefined
}

/**
 * Maps an SDK failure to a Strongroom code. A failure that is not a service response (no
 * HTTP status: refused, reset, DNS, timeout, credentials) means the store is unavailable;
 * so do throttling and 5xx answers, which retrying later may cure.
 */
function mapError(
  sdk: S3Module,
  e: unknown,
  key: string | undefined,
  op: 'read' | 'write',
): StrongroomError {
  if (e instanceof StrongroomError) return e
  const details = key === undefined ? { backend: 's3' } : { backend: 's3', key }
  const name = nameOf(e)
  if (name === 'AbortError') {
    return new StrongroomError('ERR_OPERATION_ABORTED', 'Object store operation aborted', {
      cause: e,
      details,
    })
  }
  const status = statusOf(e)
  if (
    op === 'read' &&
    key !== undefined &&
    (name === 'NoSuchKey' || status === 404) &&
    name !== 'NoSuchBucket'
  ) {
    return notFound(key)
  }
  const isService = e instanceof sdk.S3ServiceException
  if (
    !isService ||
    status === undefined ||
    status >= 500 ||
    status === 429 ||
    name === 'NoSuchBucket'
  ) {
    return new StrongroomError('ERR_STORAGE_UNAVAILABLE', 'The S3 server is not available', {
      cause: e,
      hint: 'Check the endpoint and network, then retry.',
      details: { ...details, status: status ?? 0 },
    })
  }
  const what = key === undefined ? 'objects' : `object: ${key}`
  return op === 'write'
    ? new StrongroomError('ERR_STORAGE_WRITE_FAILED', `Could not write ${what}`, {
        cause: e,
        details: { ...details, status },
      })
    : new StrongroomError('ERR_STORAGE_READ_FAILED', `Could not read ${what}`, {
        cause: e,
        details: { ...details, status },
      })
}

async function* readBody(
  sdk: S3Module,
  body: NonNullable<S3Sdk.GetObjectCommandOutput['Body']>,
  key: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  try {
    if (Symbol.asyncIterator in body) {
      // Node: an IncomingMessage; leaving the loop early destroys it and frees the socket.
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        throwIfAborted(signal)
        yield chunk
      }
    } else {
      yield await body.transformToByteArray()
    }
  } catch (e) {
    if (e instanceof StrongroomError) throw e
    const mapped = mapError(sdk, e, key, 'read')
    // A stream that breaks mid-body is a failed read, not a missing object.
    throw mapped.code === 'ERR_STORAGE_NOT_FOUND' ? readFailed(key, e) : mapped
  }
}

/** The `length` bytes of `source` that follow its first `skip` bytes. */
async function* window(
  source: AsyncGenerator<Uint8Array>,
  skip: number,
  length: number,
): AsyncGenerator<Uint8Array> {
  let toSkip = skip
  let left = length
  if (left === 0) {
    await source.return(undefined)
    return
  }
  for await (let chunk of source) {
    if (toSkip > 0) {
      const n = Math.min(toSkip, chunk.byteLength)
      toSkip -= n
      chunk = chunk.subarray(n)
    }
    if (chunk.byteLength === 0) continue
    if (chunk.byteLength >= left) {
      // Leaving the loop returns the body generator, which destroys the HTTP stream.
      yield chunk.subarray(0, left)
      return
    }
    left -= chunk.byteLength
    yield chunk
  }
}

async function destroyBody(body: NonNullable<S3Sdk.GetObjectCommandOutput['Body']>): Promise<void> {
  const stream = body as { destroy?: () => void }
  if (typeof stream.destroy === 'function') stream.destroy()
  else await body.transformToByteArray().catch(() => undefined)
}

function empty(): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.resolve({ done: true as const, value: undefined }),
    }),
  }
}

async function collect(
  body: Uint8Array | AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body
  const parts: Uint8Array[] = []
  let total = 0
  for await (const chunk of bodyChunks(body, signal)) {
    // Copied: a producer may reuse its buffer once it has yielded it.
    parts.push(Uint8Array.prototype.slice.call(chunk))
    total += chunk.byteLength
  }
  return Buffer.concat(parts, total)
}
