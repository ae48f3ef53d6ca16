/**
 * The composition root: reads a lake's configuration, wires the adapters behind the
 * ports, and exposes every operation as one typed object. The CLI (and later the server)
 * is a thin layer over {@link Strongroom}.
 */
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { userInfo } from 'node:os'
import type { Catalog } from './catalog/catalog.js'
import {
  CONFIG_FILE,
  configToYaml,
  defaultLakeConfig,
  loadLakeConfig,
  type LakeConfig,
} from './config/config.js'
import type { RecordBatch } from './core/batch.js'
import { StrongroomError } from './errors.js'
import { createDuckDbEngine } from './formats/duckdb-engine.js'
import type { OutputSink } from './formats/engine.js'
import type { KeyProvider } from './keys/key-provider.js'
import type { LakeContext, OperationOptions } from './lake/context.js'
import {
  describeDataset,
  listDatasets,
  listVersions,
  type DatasetDescription,
  type DatasetSummary,
  type VersionSummary,
} from './lake/describe.js'
import { ingest, type IngestOptions, type IngestResult } from './lake/ingest.js'
import { KeyManager } from './lake/key-manager.js'
import { keyStatus, rotateKeys, type KeyStatus, type RotateResult } from './lake/keys.js'
import { doctor, gc, type DoctorResult, type GcOptions, type GcResult } from './lake/maintenance.js'
import {
  readBatches,
  readToFile,
  type OutputFormat,
  type ReadOptions,
  type ReadToFileResult,
} from './lake/read.js'
import type { ObjectStore } from './storage/object-store.js'

/** How to open a lake. */
export interface StrongroomOptions {
  /** The lake folder (holds `strongroom.yaml`; for the embedded default, everything). */
  readonly root: string
  /** Keyring passphrase for the local key provider; else `STRONGROOM_PASSPHRASE`. */
  readonly passphrase?: string
  /** Who operations run as; defaults to the OS user (local mode, see the threat model). */
  readonly principal?: string
}

/** How to create a lake. */
export interface InitOptions extends StrongroomOptions {
  /** Backends other than the embedded default. */
  readonly config?: Partial<Omit<LakeConfig, 'root'>>
  /** scrypt cost (log2 N) for the keyring; lower only in tests. */
  readonly kdfLogN?: number
}

function passphraseOf(options: StrongroomOptions): string {
  const p = options.passphrase ?? process.env['STRONGROOM_PASSPHRASE']
  if (p === undefined || p.length === 0)
    throw new StrongroomError('ERR_KEYS_NO_PASSPHRASE', 'No keyring passphrase given', {
      hint: 'Set STRONGROOM_PASSPHRASE (or pass passphrase in code).',
    })
  return p
}

async function openCatalog(config: LakeConfig): Promise<Catalog> {
  const c = config.catalog
  switch (c.kind) {
    case 'sqlite': {
      const { createSqliteCatalog } = await import('./catalog/sqlite/sqlite-catalog.js')
      return createSqliteCatalog({ path: c.path })
    }
    case 'postgres': {
      const { createPostgresCatalog } = await import('./catalog/postgres/postgres-catalog.js')
      return createPostgresCatalog({
        connectionString: c.url,
        ...(c.schema === undefined ? {} : { schema: c.schema }),
      })
    }
  }
}

async function openStore(config: LakeConfig): Promise<ObjectStore> {
  const o = config.objectStore
  switch (o.kind) {
    case 'fs': {
      const { createFsObjectStore } = await import('./storage/fs/fs-object-store.js')
      return createFsObjectStore({ root: o.path })
    }
    case 's3': {
      const { createS3ObjectStore } = await import('./storage/s3/s3-object-store.js')
      return createS3ObjectStore(o)
    }
  }
}

async function openKeyProvider(
  config: LakeConfig,
  options: StrongroomOptions,
): Promise<KeyProvider> {
  const k = config.keyProvider
  switch (k.kind) {
    case 'local': {
      const { createLocalKeyProvider } = await import('./keys/local/local-key-provider.js')
      return createLocalKeyProvider({ path: k.path, passphrase: passphraseOf(options) })
    }
    case 'pkcs11': {
      const pin = process.env[k.pinEnv]
      if (pin === undefined || pin.length === 0)
        throw new StrongroomError('ERR_KEYS_NO_PASSPHRASE', 'No PKCS#11 PIN given', {
          hint: `Set the environment variable ${k.pinEnv}.`,
        })
      const { createPkcs11KeyProvider } = await import('./keys/pkcs11/pkcs11-key-provider.js')
      return createPkcs11KeyProvider({
        modulePath: k.module,
        tokenLabel: k.tokenLabel,
        keyLabel: k.keyLabel,
        pin,
        createIfMissing: true,
      })
    }
  }
}

/** Opens every port of a lake, closing what was opened if a later step fails. */
async function wire(config: LakeConfig, options: StrongroomOptions): Promise<LakeContext> {
  const opened: { close(): Promise<void> | void }[] = []
  try {
    const keyProvider = await openKeyProvider(config, options)
    await keyProvider.open()
    opened.push(keyProvider)
    const catalog = await openCatalog(config)
    await catalog.open()
    opened.push(catalog)
    const store = await openStore(config)
    await store.open()
    opened.push(store)
    const engine = await createDuckDbEngine({
      scratchDir: config.engine.scratchDir,
      threads: config.engine.threads,
    })
    opened.push(engine)
    const keys = new KeyManager(keyProvider, catalog)
    const principal = options.principal ?? process.env['STRONGROOM_USER'] ?? userInfo().username
    return { config, catalog, store, keyProvider, keys, engine, principal }
  } catch (e) {
    for (const o of opened.reverse()) await Promise.resolve(o.close()).catch(() => undefined)
    throw e
  }
}

/**
 * A handle on one lake. Every read and write goes through it.
 *
 * @example
 * ```ts
 * const lake = await createStrongroom({ root: './lake', passphrase })
 * await lake.ingest('customers.csv', { dataset: 'crm.customers' })
 * for await (const batch of lake.read('crm.customers', { columns: ['email'] })) …
 * await lake.close()
 * ```
 */
export class Strongroom {
  readonly #ctx: LakeContext
  #closed = false

  /** @internal Use {@link createStrongroom} or {@link initStrongroom}. */
  constructor(ctx: LakeContext) {
    this.#ctx = ctx
  }

  /** The resolved configuration. */
  get config(): LakeConfig {
    return this.#ctx.config
  }

  /** Which backend serves each port. */
  get backends(): { catalog: string; objectStore: string; keyProvider: string } {
    return {
      catalog: this.#ctx.catalog.kind,
      objectStore: this.#ctx.store.kind,
      keyProvider: this.#ctx.keyProvider.kind,
    }
  }

  /** Ingests a CSV, JSONL or Parquet file as a new dataset version. */
  ingest(path: string, options: IngestOptions): Promise<IngestResult> {
    return ingest(this.#ctx, path, options)
  }

  /** Lists committed datasets. */
  list(): Promise<DatasetSummary[]> {
    return listDatasets(this.#ctx)
  }

  /** Schema, versions, files and key versions of a dataset. */
  show(dataset: string, version?: number): Promise<DatasetDescription> {
    return describeDataset(this.#ctx, dataset, version)
  }

  /** Versions of a dataset. */
  versions(dataset: string): Promise<VersionSummary[]> {
    return listVersions(this.#ctx, dataset)
  }

  /** Streams a dataset version as record batches. */
  read(dataset: string, options: ReadOptions = {}): AsyncIterable<RecordBatch> {
    return readBatches(this.#ctx, dataset, options)
  }

  /** Writes a dataset version to a file (`-` for stdout). */
  readToFile(
    dataset: string,
    options: ReadOptions & { format: OutputFormat; out: string | OutputSink },
  ): Promise<ReadToFileResult> {
    return readToFile(this.#ctx, dataset, options)
  }

  /** Rotates one dataset's key, or every dataset's. */
  rotateKeys(dataset?: string, options?: OperationOptions): Promise<RotateResult[]> {
    return rotateKeys(this.#ctx, dataset, options)
  }

  /** Which key version protects what. */
  keyStatus(): Promise<KeyStatus[]> {
    return keyStatus(this.#ctx)
  }

  /** Removes unreferenced objects. */
  gc(options?: GcOptions): Promise<GcResult> {
    return gc(this.#ctx, options)
  }

  /** Verifies every data file. */
  doctor(options?: OperationOptions): Promise<DoctorResult> {
    return doctor(this.#ctx, options)
  }

  /** Closes every backend and zeroes cached keys. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#ctx.keys.close()
    await this.#ctx.engine.close()
    await this.#ctx.store.close()
    await this.#ctx.catalog.close()
    await this.#ctx.keyProvider.close()
  }
}

/**
 * Opens an existing lake.
 *
 * @throws StrongroomError `ERR_LAKE_NOT_INITIALIZED`, `ERR_KEYS_BAD_PASSPHRASE`, …
 */
export async function createStrongroom(options: StrongroomOptions): Promise<Strongroom> {
  const root = resolve(options.root)
  const config = await loadLakeConfig(root)
  return new Strongroom(await wire(config, options))
}

/**
 * Creates a new lake in `root` (an empty or missing folder) and opens it: writes
 * `strongroom.yaml`, creates the keyring (local provider) and the catalog.
 *
 * @throws StrongroomError `ERR_LAKE_ALREADY_INITIALIZED`, `ERR_KEYS_NO_PASSPHRASE`
 */
export async function initStrongroom(options: InitOptions): Promise<Strongroom> {
  const root = resolve(options.root)
  const exists = await stat(join(root, CONFIG_FILE)).then(
    () => true,
    () => false,
  )
  if (exists)
    throw new StrongroomError(
      'ERR_LAKE_ALREADY_INITIALIZED',
      'A lake already exists in this folder',
      {
        hint: 'Open it instead, or choose an empty folder.',
      },
    )
  const config: LakeConfig = { ...defaultLakeConfig(root), ...options.config, root }
  await mkdir(root, { recursive: true, mode: 0o700 })
  await chmod(root, 0o700)
  if (config.keyProvider.kind === 'local') {
    const { initLocalKeyring } = await import('./keys/local/local-key-provider.js')
    await initLocalKeyring({
      path: config.keyProvider.path,
      passphrase: passphraseOf(options),
      ...(options.kdfLogN === undefined ? {} : { kdf: { N: 2 ** options.kdfLogN } }),
    })
  }
  await writeFile(join(root, CONFIG_FILE), configToYaml(config), { mode: 0o600, flag: 'wx' })
  return createStrongroom(options)
}
