/**
 * The middle of the envelope hierarchy: dataset KEKs (wrapped by the provider's root key,
 * stored in the catalog) and per-file DEKs (wrapped by a KEK). Plaintext keys live only in
 * memory for the span of one operation.
 */
import type { Catalog, KekRecord } from '../catalog/catalog.js'
import { StrongroomError } from '../errors.js'
import { generateKey, unwrapDek, wrapDek } from '../keys/envelope.js'
import type { KeyProvider, WrappedKey } from '../keys/key-provider.js'

const enc = new TextEncoder()

/** The wrapping context of a dataset KEK: binds it to its dataset and version. */
export function kekContext(datasetId: string, version: number): Uint8Array {
  return enc.encode(`strongroom/v1/kek/${datasetId}/${version}`)
}

/** The wrapping context of a file DEK: binds it to its dataset and file. */
export function dekContext(datasetId: string, fileId: string): Uint8Array {
  return enc.encode(`strongroom/v1/dek/${datasetId}/${fileId}`)
}

/** Creates, unwraps and caches dataset KEKs; wraps and unwraps DEKs. */
export class KeyManager {
  readonly #provider: KeyProvider
  readonly #catalog: Catalog
  // Unwrapped KEKs for the life of this lake handle; zeroed on close.
  readonly #cache = new Map<string, Uint8Array>()

  constructor(provider: KeyProvider, catalog: Catalog) {
    this.#provider = provider
    this.#catalog = catalog
  }

  /** A fresh KEK for `version` of a dataset, and its wrapped form for the catalog. */
  async newKek(
    datasetId: string,
    version: number,
  ): Promise<{ key: Uint8Array; wrapped: WrappedKey }> {
    const key = generateKey()
    const wrapped = await this.#provider.wrap(key, kekContext(datasetId, version))
    this.#cache.set(`${datasetId}/${version}`, key)
    return { key, wrapped }
  }

  /** The plaintext KEK of a dataset version (unwrapped through the provider once). */
  async kek(datasetId: string, version: number): Promise<Uint8Array> {
    const id = `${datasetId}/${version}`
    const cached = this.#cache.get(id)
    if (cached !== undefined) return cached
    const record = await this.#catalog.getKek(datasetId, version)
    if (record === undefined)
      throw new StrongroomError(
        'ERR_KEYS_KEY_NOT_FOUND',
        'Dataset key version is missing from the catalog',
        {
          details: { datasetId, kekVersion: version },
        },
      )
    const key = await this.#provider.unwrap(record.wrapped, kekContext(datasetId, version))
    this.#cache.set(id, key)
    return key
  }

  /** The dataset's active KEK record. */
  activeKek(datasetId: string): Promise<KekRecord> {
    return this.#catalog.getActiveKek(datasetId)
  }

  /** A fresh DEK and its wrapped form under the given KEK version. */
  async newDek(
    datasetId: string,
    fileId: string,
    kekVersion: number,
  ): Promise<{ dek: Uint8Array; wrapped: Uint8Array }> {
    const kek = await this.kek(datasetId, kekVersion)
    const dek = generateKey()
    return { dek, wrapped: wrapDek(dek, kek, dekContext(datasetId, fileId)) }
  }

  /** Unwraps a file's DEK. */
  async dek(
    datasetId: string,
    fileId: string,
    kekVersion: number,
    wrapped: Uint8Array,
  ): Promise<Uint8Array> {
    const kek = await this.kek(datasetId, kekVersion)
    return unwrapDek(wrapped, kek, dekContext(datasetId, fileId))
  }

  /** Re-wraps a DEK from one KEK version to another without touching the data. */
  async rewrap(
    datasetId: string,
    fileId: string,
    from: number,
    to: number,
    wrapped: Uint8Array,
  ): Promise<Uint8Array> {
    const dek = await this.dek(datasetId, fileId, from, wrapped)
    try {
      return wrapDek(dek, await this.kek(datasetId, to), dekContext(datasetId, fileId))
    } finally {
      dek.fill(0)
    }
  }

  /** Zeroes every cached KEK (best effort: JS cannot guarantee no copies remain). */
  close(): void {
    for (const k of this.#cache.values()) k.fill(0)
    this.#cache.clear()
  }
}
