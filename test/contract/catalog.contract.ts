/**
 * The catalog port's contract suite (see the `Catalog` interface). Each backend runs it in a
 * few lines:
 *
 * ```ts
 * runCatalogContract('sqlite', { create: () => Promise.resolve(createSqliteCatalog({ path })) })
 * ```
 *
 * `create` must return a new, unopened catalog over the same underlying store every time it
 * is called: the suite opens several at once (concurrency) and reopens (durability). Tests
 * share that store, so each one works on datasets with fresh, unique names.
 */
import { randomBytes } from 'node:crypto'

import { afterAll, afterEach, describe, expect, it } from 'vitest'

import type {
  Catalog,
  ClassificationInput,
  CommitVersionInput,
  CreateDatasetInput,
  DatasetRecord,
  FileRecord,
  FindingInput,
  LineageEdgeInput,
  PrivacyBudgetState,
  PrivacyReleaseInput,
  RecordFindingsInput,
} from '../../src/catalog/catalog.js'
import type { DatasetSchema } from '../../src/core/schema.js'
import { newId } from '../../src/core/ids.js'
import { isStrongroomError } from '../../src/errors.js'
import type { ErrorCode } from '../../src/errors.js'
import type { WrappedKey } from '../../src/keys/key-provider.js'
import type { VaultEntryInput, VaultKeyRecord } from '../../src/catalog/catalog.js'

/** Options for {@link runCatalogContract}. */
export interface CatalogContractOptions {
  /** A new, unopened catalog over the same store on every call. */
  readonly create: () => Promise<Catalog>
  /** Runs once after the suite, e.g. to drop the test schema or delete the folder. */
  readonly cleanup?: () => Promise<void>
  /** A reason to skip the whole suite (printed), or `false`/absent to run it. */
  readonly skip?: string | false
  /**
   * Runs one SQL statement on the store directly, bypassing the port, so the suite can
   * check that the database itself refuses to rewrite append-only history. Without it
   * those checks are skipped.
   */
  readonly execRaw?: (sql: string) => Promise<void>
}

const SCHEMA_V1: DatasetSchema = {
  columns: [
    { name: 'id', type: 'int64', physicalType: 'BIGINT', nullable: false },
    { name: 'email', type: 'string', physicalType: 'VARCHAR', nullable: true },
  ],
}

const SCHEMA_V2: DatasetSchema = {
  columns: [
    ...SCHEMA_V1.columns,
    {
      name: 'signed_up',
      type: 'timestamp',
      physicalType: 'TIMESTAMP WITH TIME ZONE',
      nullable: true,
    },
  ],
}

/** Bytes that catch encoding mistakes: every byte value, NULs and high bytes included. */
function nastyBytes(length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (i * 7 + 3) % 256
  out[0] = 0
  out[length - 1] = 0xff
  return out
}

function wrappedKey(tag: string): WrappedKey {
  return {
    rootKeyId: `root-${tag}`,
    algorithm: 'A256GCM',
    ciphertext: new Uint8Array(randomBytes(60)),
  }
}

/** Asserts that `promise` rejects with a StrongroomError of `code`. */
async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err, `expected ${code}`).toBeDefined()
  if (!isStrongroomError(err)) throw err
  expect(err.code).toBe(code)
}

/**
 * Asserts that `promise` rejects with a StrongroomError of `code` whose issues have exactly
 * `paths` (in order), and that no message or issue quotes `secret`.
 */
async function expectIssues(
  promise: Promise<unknown>,
  code: ErrorCode,
  paths: readonly string[],
  secret?: string,
): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err, `expected ${code}`).toBeDefined()
  if (!isStrongroomError(err)) throw err
  expect(err.code).toBe(code)
  expect(err.issues.map((i) => i.path)).toEqual(paths)
  if (secret !== undefined) expect(JSON.stringify(err.toJSON())).not.toContain(secret)
}

/**
 * Registers the catalog contract suite with vitest.
 *
 * @example
 * ```ts
 * runCatalogContract('sqlite', {
 *   create: () => Promise.resolve(createSqliteCatalog({ path: join(dir, 'catalog.db') })),
 *   cleanup: () => rm(dir, { recursive: true, force: true }),
 * })
 * ```
 */
export function runCatalogContract(name: string, opts: CatalogContractOptions): void {
  if (opts.skip !== undefined && opts.skip !== false) {
    const reason = opts.skip
    console.warn(`[catalog contract] skipping ${name}: ${reason}`)
    describe.skip(`catalog contract: ${name} (skipped: ${reason})`, () => {
      it('runs the catalog contract', () => undefined)
    })
    return
  }

  describe(`catalog contract: ${name}`, () => {
    const opened: Catalog[] = []

    async function open(): Promise<Catalog> {
      const c = await opts.create()
      opened.push(c)
      await c.open()
      return c
    }

    afterEach(async () => {
      for (const c of opened.splice(0)) await c.close()
    })

    afterAll(async () => {
      await opts.cleanup?.()
    })

    function datasetInput(overrides: Partial<CreateDatasetInput> = {}): CreateDatasetInput {
      return {
        id: newId('ds'),
        namespace: 'crm',
        name: newId('t'),
        owner: 'alice',
        subjectColumn: 'email',
        kek: wrappedKey('1'),
        ...overrides,
      }
    }

    function newFile(
      ds: DatasetRecord,
      version: number,
      overrides: Partial<Omit<FileRecord, 'createdAt'>> = {},
    ): Omit<FileRecord, 'createdAt'> {
      const id = newId('f')
      return {
        id,
        datasetId: ds.id,
        createdVersion: version,
        objectKey: `ds/${ds.id}/v${String(version)}/${id}.sre`,
        rowCount: 1000,
        ciphertextBytes: 4096,
        plaintextBytes: 3900,
        ciphertextSha256: randomBytes(32).toString('hex'),
        wrappedDek: new Uint8Array(randomBytes(40)),
        kekVersion: 1,
        ...overrides,
      }
    }

    function commitInput(
      ds: DatasetRecord,
      expected: number,
      overrides: Partial<CommitVersionInput> = {},
    ): CommitVersionInput {
      const newFiles = overrides.newFiles ?? [newFile(ds, expected + 1)]
      return {
        datasetId: ds.id,
        expectedCurrentVersion: expected,
        operation: expected === 0 ? 'ingest' : 'append',
        schema: SCHEMA_V1,
        newFiles,
        keptFileIds: [],
        rowCount: newFiles.reduce((n, f) => n + f.rowCount, 0),
        ...overrides,
      }
    }

    it('creates datasets and finds them by name, by id and in the list', async () => {
      const c = await open()
      const input = datasetInput({ subjectColumn: null })
      const ds = await c.createDataset(input)
      expect(ds).toMatchObject({
        id: input.id,
        namespace: 'crm',
        name: input.name,
        owner: 'alice',
        subjectColumn: null,
        currentVersion: 0,
      })
      expect(ds.createdAt).toBeInstanceOf(Date)
      expect(Math.abs(ds.createdAt.getTime() - Date.now())).toBeLessThan(60_000)

      expect(await c.getDataset('crm', input.name)).toEqual(ds)
      expect(await c.getDatasetById(input.id)).toEqual(ds)
      expect(await c.getDataset('crm', 'no_such_dataset')).toBeUndefined()
      expect(await c.getDataset('other', input.name)).toBeUndefined()
      expect(await c.getDatasetById('ds_missing')).toBeUndefined()

      const other = await c.createDataset(datasetInput({ namespace: 'aaa' }))
      const list = await c.listDatasets()
      expect(list).toContainEqual(ds)
      expect(list).toContainEqual(other)
      const keys = list.map((d) => `${d.namespace}\u0000${d.name}`)
      expect(keys).toEqual([...keys].sort())
    })

    it('refuses a duplicate namespace.name with ERR_DATASET_EXISTS and keeps the first', async () => {
      const c = await open()
      const first = await c.createDataset(datasetInput())
      await expectCode(
        c.createDataset(datasetInput({ namespace: first.namespace, name: first.name })),
        'ERR_DATASET_EXISTS',
      )
      expect(await c.getDataset(first.namespace, first.name)).toEqual(first)
      expect((await c.listDatasets()).filter((d) => d.name === first.name)).toHaveLength(1)
      // The same name in another namespace is a different dataset.
      const elsewhere = await c.createDataset(datasetInput({ namespace: 'hr', name: first.name }))
      expect(elsewhere.namespace).toBe('hr')
    })

    it('creates KEK version 1, active, with the dataset', async () => {
      const c = await open()
      const input = datasetInput()
      const ds = await c.createDataset(input)
      const active = await c.getActiveKek(ds.id)
      expect(active).toMatchObject({ datasetId: ds.id, version: 1, state: 'active' })
      expect(active.wrapped).toEqual(input.kek)
      expect(active.createdAt).toBeInstanceOf(Date)
      expect(await c.getKek(ds.id, 1)).toEqual(active)
      expect(await c.getKek(ds.id, 2)).toBeUndefined()
      expect(await c.listKeks(ds.id)).toEqual([active])
      await expectCode(c.getActiveKek('ds_missing'), 'ERR_DATASET_NOT_FOUND')
    })

    it('has no version before the first commit (version 0)', async () => {
      const c = await open()
      const ds = await c.createDataset(datasetInput())
      expect(await c.getVersion(ds.id)).toBeUndefined()
      expect(await c.getVersion(ds.id, 0)).toBeUndefined()
      expect(await c.getVersion(ds.id, 1)).toBeUndefined()
      expect(await c.listVersions(ds.id)).toEqual([])
      expect(await c.listFilesOfDataset(ds.id)).toEqual([])
      expect(await c.getVersion('ds_missing')).toBeUndefined()
    })

    it('commits v1 and v2 (kept + new files) and reads them back', async () => {
      const c = await open()
      const ds = await c.createDataset(datasetInput())
      const a = newFile(ds, 1, { rowCount: 10 })
      const b = newFile(ds, 1, { rowCount: 20 })
      const v1 = await c.commitVersion(commitInput(ds, 0, { newFiles: [a, b], rowCount: 30 }))
      expect(v1).toMatchObject({
        datasetId: ds.id,
        version: 1,
        parentVersion: 0,
        operation: 'ingest',
        schema: SCHEMA_V1,
        rowCount: 30,
        fileIds: [a.id, b.id],
      })
      expect((await c.getDatasetById(ds.id))?.currentVersion).toBe(1)

      // v2 keeps b then a (order is the caller's), and adds two new files.
      const d = newFile(ds, 2, { rowCount: 5 })
      const e = newFile(ds, 2, { rowCount: 7 })
      const v2 = await c.commitVersion(
        commitInput(ds, 1, {
          operation: 'append',
          schema: SCHEMA_V2,
          keptFileIds: [b.id, a.id],
          newFiles: [d, e],
          rowCount: 42,
        }),
      )
      expect(v2).toMatchObject({ version: 2, parentVersion: 1, operation: 'append', rowCount: 42 })
      expect(v2.fileIds).toEqual([b.id, a.id, d.id, e.id])
      expect((await c.getDatasetById(ds.id))?.currentVersion).toBe(2)

      expect(await c.getVersion(ds.id)).toEqual(v2)
      expect(await c.getVersion(ds.id, 2)).toEqual(v2)
      expect(await c.getVersion(ds.id, 1)).toEqual(v1)
      expect(await c.getVersion(ds.id, 3)).toBeUndefined()
      expect(await c.listVersions(ds.id)).toEqual([v1, v2])

      const files = await c.getFiles([e.id, a.id, 'f_missing', d.id])
      expect(files.map((f) => f.id)).toEqual([e.id, a.id, d.id])
      for (const f of files) expect(f.createdAt).toBeInstanceOf(Date)
      expect(files[1]).toEqual({ ...a, createdAt: v1.createdAt })
      expect(files[0]).toEqual({ ...e, createdAt: v2.createdAt })
      expect(await c.getFiles([])).toEqual([])

      const all = await c.listFilesOfDataset(ds.id)
      expect(new Set(all.map((f) => f.id))).toEqual(new Set([a.id, b.id, d.id, e.id]))
      expect(all.map((f) => f.createdVersion)).toEqual([1, 1, 2, 2])

      const keys = await c.listAllObjectKeys()
      for (const f of [a, b, d, e]) expect(keys.has(f.objectKey)).toBe(true)
    })

    it('commits a version with no files (e.g. an empty overwrite)', async () => {
      const c = await open()
      const ds = await c.createDataset(datasetInput())
      await c.commitVersion(commitInput(ds, 0))
      const v2 = await c.commitVersion(
        commitInput(ds, 1, { operation: 'overwrite', newFiles: [], rowCount: 0 }),
      )
      expect(v2.fileIds).toEqual([])
      expect(await c.getVersion(ds.id)).toEqual(v2)
    })

    it('refuses a stale expectedCurrentVersion with ERR_CATALOG_CONFLICT and changes nothing', async () => {
      const c = await open()
      const ds = await c.createDataset(datasetInput())
      const v1 = await c.commitVersion(commitInput(ds, 0))
      const stale = newFile(ds, 1)
      await expectCode(
        c.commitVersion(commitInput(ds, 0, { newFiles: [stale] })),
        'ERR_CATALOG_CONFLICT',
      )
      // Ahead of the current version is as stale as behind it.
      await expectCode(
        c.commitVersion(commitInput(ds, 5, { newFiles: [newFile(ds, 6)] })),
        'ERR_CATALOG_CONFLICT',
      )
      expect((await c.getDatasetById(ds.id))?.currentVersion).toBe(1)
      expect(await c.listVersions(ds.id)).toEqual([v1])
      expect((await c.listFilesOfDataset(ds.id)).map((f) => f.id)).toEqual(v1.fileIds)
      expect((await c.listAllObjectKeys()).has(stale.objectKey)).toBe(false)
      expect(await c.getFiles([stale.id])).toEqual([])
    })

    it('lets exactly one of two concurrent commits with the same expected version win', async () => {
      const c1 = await open()
      const c2 = await open()
      const ds = await c1.createDataset(datasetInput())
      for (const pair of [
        [c1, c2],
        [c1, c1],
      ] as const) {
        const current = (await c1.getDatasetById(ds.id))?.currentVersion ?? -1
        const x = newFile(ds, current + 1)
        const y = newFile(ds, current + 1)
        const results = await Promise.allSettled([
          pair[0].commitVersion(commitInput(ds, current, { newFiles: [x] })),
          pair[1].commitVersion(commitInput(ds, current, { newFiles: [y] })),
        ])
        const won = results.filter((r) => r.status === 'fulfilled')
        const lost = results.filter((r) => r.status === 'rejected')
        expect(won).toHaveLength(1)
        expect(lost).toHaveLength(1)
        const reason: unknown = lost[0]?.status === 'rejected' ? lost[0].reason : undefined
        expect(isStrongroomError(reason, 'ERR_CATALOG_CONFLICT')).toBe(true)

        const winner = won[0]?.status === 'fulfilled' ? won[0].value : undefined
        const loserFile = winner?.fileIds.includes(x.id) === true ? y : x
        expect((await c1.getDatasetById(ds.id))?.currentVersion).toBe(current + 1)
        expect(await c2.getVersion(ds.id)).toEqual(winner)
        expect((await c1.listAllObjectKeys()).has(loserFile.objectKey)).toBe(false)
      }
    })

    it('rotates the KEK: new active version, old retired, DEKs re-wrapped atomically', async () => {
      const c = await open()
      const input = datasetInput()
      const ds = await c.createDataset(input)
      const a = newFile(ds, 1)
      const b = newFile(ds, 1)
      await c.commitVersion(commitInput(ds, 0, { newFiles: [a, b] }))

      const kek2 = wrappedKey('2')
      const deks = new Map([
        [a.id, nastyBytes(40)],
        [b.id, new Uint8Array(randomBytes(40))],
      ])
      const rotated = await c.rotateKek(
        ds.id,
        1,
        kek2,
        [...deks].map(([fileId, wrappedDek]) => ({ fileId, wrappedDek })),
      )
      expect(rotated).toMatchObject({
        datasetId: ds.id,
        version: 2,
        state: 'active',
        wrapped: kek2,
      })
      expect(await c.getActiveKek(ds.id)).toEqual(rotated)
      const keks = await c.listKeks(ds.id)
      expect(keks.map((k) => [k.version, k.state])).toEqual([
        [1, 'retired'],
        [2, 'active'],
      ])
      // The retired KEK stays readable: files not yet re-wrapped may still need it.
      expect(keks[0]?.wrapped).toEqual(input.kek)
      for (const f of await c.getFiles([a.id, b.id])) {
        expect(f.kekVersion).toBe(2)
        expect(f.wrappedDek).toEqual(deks.get(f.id))
      }

      // A second rotation from the same starting point lost the race.
      const before = await c.getFiles([a.id, b.id])
      await expectCode(
        c.rotateKek(ds.id, 1, wrappedKey('x'), [{ fileId: a.id, wrappedDek: new Uint8Array([9]) }]),
        'ERR_CATALOG_CONFLICT',
      )
      expect(await c.listKeks(ds.id)).toEqual(keks)
      expect(await c.getFiles([a.id, b.id])).toEqual(before)

      // A rotation naming a file of no such dataset rolls back entirely.
      await expectCode(
        c.rotateKek(ds.id, 2, wrappedKey('3'), [
          { fileId: a.id, wrappedDek: new Uint8Array([1, 2, 3]) },
          { fileId: 'f_missing', wrappedDek: new Uint8Array([4]) },
        ]),
        'ERR_USAGE_INVALID_ARGUMENT',
      )
      expect(await c.listKeks(ds.id)).toEqual(keks)
      expect(await c.getFiles([a.id, b.id])).toEqual(before)

      // After a rotation, new files must be wrapped under the new KEK.
      await expectCode(
        c.commitVersion(commitInput(ds, 1, { newFiles: [newFile(ds, 2, { kekVersion: 1 })] })),
        'ERR_CATALOG_CONFLICT',
      )
      const v2 = await c.commitVersion(
        commitInput(ds, 1, {
          keptFileIds: [a.id, b.id],
          newFiles: [newFile(ds, 2, { kekVersion: 2 })],
        }),
      )
      expect(v2.version).toBe(2)
      await expectCode(c.rotateKek('ds_missing', 1, wrappedKey('m'), []), 'ERR_DATASET_NOT_FOUND')
    })

    it('rolls back a failing commit entirely (duplicate object key, foreign kept file)', async () => {
      const c = await open()
      const ds = await c.createDataset(datasetInput())
      const other = await c.createDataset(datasetInput())
      const v1 = await c.commitVersion(commitInput(ds, 0))
      const taken = (await c.getFiles(v1.fileIds))[0]
      expect(taken).toBeDefined()
      const otherV1 = await c.commitVersion(commitInput(other, 0))

      const fresh = newFile(ds, 2)
      const clash = newFile(ds, 2, { objectKey: taken?.objectKey ?? '' })
      await expectCode(
        c.commitVersion(commitInput(ds, 1, { newFiles: [fresh, clash] })),
        'ERR_USAGE_INVALID_ARGUMENT',
      )
      // A version may not list another dataset's file (its DEK is under another KEK).
      await expectCode(
        c.commitVersion(commitInput(ds, 1, { keptFileIds: otherV1.fileIds, newFiles: [] })),
        'ERR_USAGE_INVALID_ARGUMENT',
      )
      await expectCode(
        c.commitVersion(commitInput(ds, 1, { keptFileIds: ['f_missing'] })),
        'ERR_USAGE_INVALID_ARGUMENT',
      )

      expect((await c.getDatasetById(ds.id))?.currentVersion).toBe(1)
      expect(await c.listVersions(ds.id)).toEqual([v1])
      expect(await c.getFiles([fresh.id])).toEqual([])
      expect((await c.listAllObjectKeys()).has(fresh.objectKey)).toBe(false)
      expect((await c.listFilesOfDataset(ds.id)).map((f) => f.id)).toEqual(v1.fileIds)

      // Nothing was left behind: the same version commits cleanly afterwards.
      const v2 = await c.commitVersion(commitInput(ds, 1, { newFiles: [fresh] }))
      expect(v2.fileIds).toEqual([fresh.id])
      await expectCode(
        c.commitVersion(commitInput({ ...ds, id: 'ds_missing' }, 0)),
        'ERR_DATASET_NOT_FOUND',
      )
    })

    it('gets and sets settings', async () => {
      const c = await open()
      const key = `k.${newId('s')}`
      expect(await c.getSetting(key)).toBeUndefined()
      await c.setSetting(key, 'one')
      expect(await c.getSetting(key)).toBe('one')
      await c.setSetting(key, 'two: ünïcödé ✓')
      expect(await c.getSetting(key)).toBe('two: ünïcödé ✓')
      await c.setSetting(key, '')
      expect(await c.getSetting(key)).toBe('')
    })

    it('keeps everything across close and reopen', async () => {
      const c = await open()
      const ds = await c.createDataset(datasetInput())
      const v1 = await c.commitVersion(commitInput(ds, 0))
      const files = await c.listFilesOfDataset(ds.id)
      const keks = await c.listKeks(ds.id)
      const key = `k.${newId('s')}`
      await c.setSetting(key, 'persisted')
      await c.close()
      opened.splice(opened.indexOf(c), 1)

      const again = await open()
      expect(await again.getDatasetById(ds.id)).toEqual({ ...ds, currentVersion: 1 })
      expect(await again.getVersion(ds.id)).toEqual(v1)
      expect(await again.listFilesOfDataset(ds.id)).toEqual(files)
      expect(await again.listKeks(ds.id)).toEqual(keks)
      expect(await again.getSetting(key)).toBe('persisted')
    })

    it('round-trips Dates and bytes exactly', async () => {
      const c = await open()
      const kekBytes = nastyBytes(512)
      const input = datasetInput({
        kek: { rootKeyId: 'root-ü', algorithm: 'AES-KWP+HMAC-SHA256', ciphertext: kekBytes },
      })
      const ds = await c.createDataset(input)
      // A view into a larger buffer: only the viewed bytes may be stored.
      const backing = nastyBytes(300)
      const dek = backing.subarray(17, 17 + 256)
      const f = newFile(ds, 1, {
        wrappedDek: dek,
        rowCount: 2 ** 40,
        ciphertextBytes: 2 ** 45 + 1,
        plaintextBytes: 0,
      })
      const v1 = await c.commitVersion(commitInput(ds, 0, { newFiles: [f], rowCount: 2 ** 40 }))

      const reopened = await open()
      const [file] = await reopened.getFiles([f.id])
      expect(file?.wrappedDek).toBeInstanceOf(Uint8Array)
      expect(Array.from(file?.wrappedDek ?? [])).toEqual(Array.from(dek))
      expect(file?.rowCount).toBe(2 ** 40)
      expect(file?.ciphertextBytes).toBe(2 ** 45 + 1)
      expect(file?.plaintextBytes).toBe(0)
      expect(file?.createdAt.getTime()).toBe(v1.createdAt.getTime())

      const kek = await reopened.getActiveKek(ds.id)
      expect(Array.from(kek.wrapped.ciphertext)).toEqual(Array.from(kekBytes))
      expect(kek.wrapped.rootKeyId).toBe('root-ü')

      const back = await reopened.getDatasetById(ds.id)
      expect(back?.createdAt).toBeInstanceOf(Date)
      expect(back?.createdAt.getTime()).toBe(ds.createdAt.getTime())
      const version = await reopened.getVersion(ds.id, 1)
      expect(version?.createdAt.getTime()).toBe(v1.createdAt.getTime())
      expect(version?.rowCount).toBe(2 ** 40)
      expect(version?.schema).toEqual(SCHEMA_V1)
    })

    /** A dataset-to-dataset edge between fresh names, with overrides. */
    function edge(overrides: Partial<LineageEdgeInput> = {}): LineageEdgeInput {
      return {
        id: newId('lin'),
        runId: '3f1c9a52-6a0e-4b8e-9f0d-2a8c5b7e4d11',
        job: 'protect.crm.customers',
        eventType: 'COMPLETE',
        eventTime: new Date(),
        sourceKind: 'dataset',
        sourceName: `crm.${newId('src')}`,
        sourceVersion: 1,
        targetKind: 'dataset',
        targetName: `crm.${newId('dst')}`,
        targetVersion: 1,
        columnMap: [],
        ...overrides,
      }
    }

    it('records lineage edges and lists them one hop upstream and downstream', async () => {
      const c = await open()
      const raw = `crm.${newId('raw')}`
      const safe = `crm.${newId('safe')}`
      const file = `/data/${newId('in')}/customers ü.csv`
      const t0 = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))
      const ingest = edge({
        job: `ingest.${raw}`,
        eventTime: t0,
        sourceKind: 'file',
        sourceName: file,
        sourceVersion: null,
        targetName: raw,
        targetVersion: 1,
        columnMap: [
          { target: 'id', sources: ['id'], transformation: 'identity' },
          { target: 'email', sources: ['email'], transformation: 'identity' },
        ],
      })
      const protect = edge({
        eventTime: new Date(t0.getTime() + 1000),
        sourceName: raw,
        sourceVersion: 1,
        targetName: safe,
        targetVersion: 3,
        columnMap: [
          { target: 'email_token', sources: ['email'], transformation: 'tokenized' },
          { target: 'id', sources: ['id', 'email'], transformation: 'transformed' },
        ],
      })
      await c.recordLineage([protect, ingest])
      await c.recordLineage([])

      expect(await c.listLineage({ name: raw, direction: 'upstream' })).toEqual([ingest])
      expect(await c.listLineage({ name: raw, direction: 'downstream' })).toEqual([protect])
      expect(await c.listLineage({ name: safe, direction: 'upstream' })).toEqual([protect])
      expect(await c.listLineage({ name: safe, direction: 'downstream' })).toEqual([])
      expect(await c.listLineage({ name: file, direction: 'downstream' })).toEqual([ingest])
      expect(await c.listLineage({ name: file, direction: 'upstream' })).toEqual([])
      // The kind filter: the file is not a dataset.
      expect(await c.listLineage({ name: file, direction: 'downstream', kind: 'dataset' })).toEqual(
        [],
      )
      expect(await c.listLineage({ name: file, direction: 'downstream', kind: 'file' })).toEqual([
        ingest,
      ])

      // Oldest first, then by id, whatever the insertion order.
      const later = edge({ sourceName: raw, eventTime: new Date(t0.getTime() + 5000) })
      const sameTimeA = edge({ id: `${later.id}_a`, sourceName: raw, eventTime: t0 })
      const sameTimeB = edge({ id: `${later.id}_b`, sourceName: raw, eventTime: t0 })
      await c.recordLineage([later, sameTimeB, sameTimeA])
      expect(
        (await c.listLineage({ name: raw, direction: 'downstream' })).map((e) => e.id),
      ).toEqual([sameTimeA.id, sameTimeB.id, protect.id, later.id])

      // Everything survives close and reopen, Dates to the millisecond.
      const again = await open()
      const [back] = await again.listLineage({ name: safe, direction: 'upstream' })
      expect(back).toEqual(protect)
      expect(back?.eventTime.getTime()).toBe(protect.eventTime.getTime())
    })

    it('refuses malformed or duplicate lineage edges and records none of the batch', async () => {
      const c = await open()
      const target = `crm.${newId('t')}`
      const good = edge({ targetName: target })
      await c.recordLineage([good])

      const bad: Partial<LineageEdgeInput>[] = [
        { sourceKind: 'file', sourceVersion: 2 },
        { targetVersion: 0 },
        { sourceVersion: 1.5 },
        { sourceKind: 'table' as never },
        { eventType: 'RUNNING' as never },
        { eventTime: new Date(Number.NaN) },
        { sourceName: '' },
        { job: '' },
        { columnMap: [{ target: 'x', sources: [], transformation: 'hashed' as never }] },
      ]
      for (const overrides of bad) {
        const fresh = edge({ targetName: target })
        await expectCode(
          c.recordLineage([fresh, edge({ targetName: target, ...overrides })]),
          'ERR_USAGE_INVALID_ARGUMENT',
        )
      }
      // A duplicate id, within the batch or against a recorded edge.
      const dupe = edge({ targetName: target })
      await expectCode(c.recordLineage([dupe, dupe]), 'ERR_USAGE_INVALID_ARGUMENT')
      await expectCode(
        c.recordLineage([edge({ targetName: target }), { ...good, job: 'other' }]),
        'ERR_USAGE_INVALID_ARGUMENT',
      )
      expect(await c.listLineage({ name: target, direction: 'upstream' })).toEqual([good])
    })

    /** A dataset committed at v1 with SCHEMA_V1 (columns `id`, `email`). */
    async function committed(c: Catalog, overrides: Partial<CreateDatasetInput> = {}) {
      const ds = await c.createDataset(datasetInput(overrides))
      await c.commitVersion(commitInput(ds, 0))
      return { ...ds, currentVersion: 1 }
    }

    function classification(overrides: Partial<ClassificationInput> = {}): ClassificationInput {
      return {
        column: 'email',
        entityType: 'EMAIL_ADDRESS',
        confidence: 0.97,
        sensitivity: 'high',
        source: 'detected',
        datasetVersion: 1,
        recordedBy: 'scanner@strongroom',
        ...overrides,
      }
    }

    it('sets, replaces and clears dataset and column descriptions', async () => {
      const c = await open()
      const ds = await committed(c)
      expect(await c.getDescriptions(ds.id)).toEqual({ dataset: null, columns: {} })

      await c.setDescription(ds.id, null, 'Customers of the CRM.\n\tOne row per customer.')
      await c.setDescription(ds.id, 'email', 'Primary e-mail address — ünïcödé ✓')
      await c.setDescription(ds.id, 'id', 'Surrogate key')
      expect(await c.getDescriptions(ds.id)).toEqual({
        dataset: 'Customers of the CRM.\n\tOne row per customer.',
        columns: { email: 'Primary e-mail address — ünïcödé ✓', id: 'Surrogate key' },
      })
      expect(Object.keys((await c.getDescriptions(ds.id)).columns)).toEqual(['email', 'id'])

      await c.setDescription(ds.id, 'id', 'Replaced')
      await c.setDescription(ds.id, null, null)
      await c.setDescription(ds.id, 'email', '')
      expect(await c.getDescriptions(ds.id)).toEqual({ dataset: null, columns: { id: 'Replaced' } })
      // Clearing what is not there is a no-op.
      await c.setDescription(ds.id, null, null)

      // 4000 characters (code points) is the limit, also for characters outside the BMP.
      const longest = '😀'.repeat(4000)
      await c.setDescription(ds.id, null, longest)
      const again = await open()
      expect((await again.getDescriptions(ds.id)).dataset).toBe(longest)
    })

    it('refuses bad descriptions listing every problem, and unknown datasets and columns', async () => {
      const c = await open()
      const ds = await committed(c)
      await c.setDescription(ds.id, null, 'kept')
      const secret = 'alice@example.com'
      await expectIssues(
        c.setDescription(ds.id, null, `${secret}\u0007${'x'.repeat(4000)}`),
        'ERR_USAGE_INVALID_ARGUMENT',
        ['text', 'text'],
        secret,
      )
      await expectIssues(
        c.setDescription(ds.id, '', 'carriage\r\nreturn'),
        'ERR_USAGE_INVALID_ARGUMENT',
        ['column', 'text'],
      )
      await expectIssues(
        c.setDescription(ds.id, null, 'x'.repeat(4001)),
        'ERR_USAGE_INVALID_ARGUMENT',
        ['text'],
      )
      for (const bad of ['nul\u0000', 'esc\u001b[31m', 'del\u007f', 'c1\u0085', 'lone \ud800']) {
        await expectCode(c.setDescription(ds.id, null, bad), 'ERR_USAGE_INVALID_ARGUMENT')
      }
      await expectIssues(
        c.setDescription(ds.id, 'no_such_column', 'text'),
        'ERR_COLUMN_NOT_FOUND',
        ['column'],
      )
      await expectCode(c.setDescription('ds_missing', null, 'text'), 'ERR_DATASET_NOT_FOUND')
      await expectCode(c.setDescription('ds_missing', null, null), 'ERR_DATASET_NOT_FOUND')
      await expectCode(c.getDescriptions('ds_missing'), 'ERR_DATASET_NOT_FOUND')
      // Before the first commit a dataset has no columns (only its own description).
      const fresh = await c.createDataset(datasetInput())
      await expectCode(c.setDescription(fresh.id, 'email', 'text'), 'ERR_COLUMN_NOT_FOUND')
      await c.setDescription(fresh.id, null, 'Not loaded yet')
      expect(await c.getDescriptions(ds.id)).toEqual({ dataset: 'kept', columns: {} })
    })

    it('sets, replaces and clears dataset and column tags, sorted', async () => {
      const c = await open()
      const ds = await committed(c)
      expect(await c.getTags(ds.id)).toEqual({ dataset: [], columns: {} })
      const maxValue = 'v'.repeat(127) + 'ü'
      await c.setTags(ds.id, null, ['retention=30d', 'pii', 'owner.team=data-eng', 'expr=a=b'])
      await c.setTags(ds.id, 'email', ['pii.kind=contact', 'gdpr', `long=${maxValue}`])
      await c.setTags(ds.id, 'id', ['key'])
      expect(await c.getTags(ds.id)).toEqual({
        dataset: ['expr=a=b', 'owner.team=data-eng', 'pii', 'retention=30d'],
        columns: {
          email: ['gdpr', `long=${maxValue}`, 'pii.kind=contact'],
          id: ['key'],
        },
      })

      await c.setTags(ds.id, null, ['pii=yes'])
      await c.setTags(ds.id, 'id', [])
      const again = await open()
      expect(await again.getTags(ds.id)).toEqual({
        dataset: ['pii=yes'],
        columns: { email: ['gdpr', `long=${maxValue}`, 'pii.kind=contact'] },
      })
      await c.setTags(ds.id, 'email', [])
      await c.setTags(ds.id, null, [])
      expect(await c.getTags(ds.id)).toEqual({ dataset: [], columns: {} })
    })

    it('refuses bad tags listing every problem and changes nothing', async () => {
      const c = await open()
      const ds = await committed(c)
      await c.setTags(ds.id, null, ['kept'])
      const bad = [
        'Upper',
        'ok',
        '9lives',
        'k=',
        `v=${'x'.repeat(129)}`,
        'nul=a\u0000b',
        'bidi=\u202eevil',
        'pad= padded',
        'dup=1',
        'dup=2',
        '',
        `${'k'.repeat(64)}=1`,
        'sp ace',
      ]
      await expectIssues(c.setTags(ds.id, null, bad), 'ERR_USAGE_INVALID_ARGUMENT', [
        'tags[0]',
        'tags[2]',
        'tags[3]',
        'tags[4]',
        'tags[5]',
        'tags[6]',
        'tags[7]',
        'tags[9]',
        'tags[10]',
        'tags[11]',
        'tags[12]',
      ])
      await expectIssues(
        c.setTags(
          ds.id,
          '',
          Array.from({ length: 51 }, (_, i) => `k${String(i)}`),
        ),
        'ERR_USAGE_INVALID_ARGUMENT',
        ['column', 'tags'],
      )
      await expectIssues(c.setTags(ds.id, 'no_such_column', ['pii']), 'ERR_COLUMN_NOT_FOUND', [
        'column',
      ])
      await expectCode(c.setTags('ds_missing', null, ['pii']), 'ERR_DATASET_NOT_FOUND')
      await expectCode(c.getTags('ds_missing'), 'ERR_DATASET_NOT_FOUND')
      expect(await c.getTags(ds.id)).toEqual({ dataset: ['kept'], columns: {} })
    })

    it('stores SQL injection attempts in tags, descriptions and searches as inert text', async () => {
      const c = await open()
      const owner = newId('owner')
      const ds = await committed(c, { owner })
      const drop = "x'); DROP TABLE datasets; --"
      const tag = `note=${drop}`
      const description = `Robert'); DROP TABLE datasets;-- " OR 1=1 /* */ \\' %`
      await c.setTags(ds.id, 'email', [tag, "q=' OR '1'='1"])
      await c.setDescription(ds.id, null, description)
      expect(await c.getTags(ds.id)).toEqual({
        dataset: [],
        columns: { email: [tag, "q=' OR '1'='1"] },
      })
      expect((await c.getDescriptions(ds.id)).dataset).toBe(description)

      expect(await c.searchDatasets({ owner, tag })).toEqual([ds])
      expect(await c.searchDatasets({ owner, tag: "q=' OR '1'='1" })).toEqual([ds])
      expect(await c.searchDatasets({ owner, tag: 'note=x' })).toEqual([])
      expect(await c.searchDatasets({ text: "' OR '1'='1" })).toEqual([])
      expect(await c.searchDatasets({ owner: "' OR '1'='1" })).toEqual([])
      expect(await c.searchDatasets({ text: "'; DROP TABLE datasets; --" })).toEqual([])
      expect(await c.searchDatasets({ owner, text: "robert'); drop table" })).toEqual([ds])
      expect(await c.getDatasetById(ds.id)).toEqual(ds)
      expect((await c.listDatasets()).length).toBeGreaterThan(0)
    })

    it('searches text literally: LIKE wildcards and the escape character match themselves', async () => {
      const c = await open()
      const owner = newId('owner')
      // Hex, so the marker itself holds no underscore.
      const tok = randomBytes(8).toString('hex')
      const described = async (text: string): Promise<DatasetRecord> => {
        const ds = await committed(c, { owner })
        await c.setDescription(ds.id, null, `${tok}:${text}`)
        return ds
      }
      const percent = await described('100%')
      const thousand = await described('1000')
      const underscore = await described('a_b')
      const axb = await described('axb')
      const backslash = await described('c\\d')
      const cd = await described('cd')
      const backslashPercent = await described('e\\%f')
      const eXf = await described('e\\xf')

      const ids = async (text: string): Promise<string[]> =>
        (await c.searchDatasets({ text, owner })).map((d) => d.id)
      expect(await ids(`${tok}:100%`)).toEqual([percent.id])
      expect(await ids(`${tok}:100_`)).toEqual([])
      expect(await ids(`${tok}:a_b`)).toEqual([underscore.id])
      expect(await ids(`${tok}:c\\d`)).toEqual([backslash.id])
      expect(await ids(`${tok}:e\\%f`)).toEqual([backslashPercent.id])
      const all = await ids(tok)
      expect(new Set(all)).toEqual(
        new Set(
          [percent, thousand, underscore, axb, backslash, cd, backslashPercent, eXf].map(
            (d) => d.id,
          ),
        ),
      )
      const anyPercent = await ids('%')
      expect(anyPercent).toContain(percent.id)
      expect(anyPercent).toContain(backslashPercent.id)
      expect(anyPercent).not.toContain(thousand.id)
      const anyBackslash = await ids('\\')
      expect(new Set(anyBackslash)).toEqual(new Set([backslash.id, backslashPercent.id, eXf.id]))
    })

    it('searches text case-insensitively in namespace.name and dataset and column descriptions', async () => {
      const c = await open()
      const owner = newId('owner')
      const tok = randomBytes(8).toString('hex')
      const byName = await committed(c, { owner, namespace: 'zz_named', name: `n_${tok}` })
      const byDataset = await committed(c, { owner })
      await c.setDescription(byDataset.id, null, `Kunden-Ädressen ${tok.toUpperCase()}`)
      const byColumn = await committed(c, { owner })
      await c.setDescription(byColumn.id, 'email', `Contact ${tok} E-MAIL`)
      const uncommitted = await c.createDataset(datasetInput({ owner, name: `u_${tok}` }))
      await c.setDescription(uncommitted.id, null, tok)

      const ids = async (text: string): Promise<string[]> =>
        (await c.searchDatasets({ text, owner })).map((d) => d.id)
      // Committed datasets only, ordered by namespace then name.
      expect(await ids(tok)).toEqual(
        [byName, byDataset, byColumn]
          .sort((a, b) =>
            a.namespace === b.namespace
              ? a.name < b.name
                ? -1
                : 1
              : a.namespace < b.namespace
                ? -1
                : 1,
          )
          .map((d) => d.id),
      )
      expect(await ids(`ZZ_NAMED.N_${tok.toUpperCase()}`)).toEqual([byName.id])
      expect(await ids(`kunden-ädressen ${tok}`)).toEqual([byDataset.id])
      expect(await ids(`KUNDEN-ÄDRESSEN`)).toEqual([byDataset.id])
      expect(await ids(`${tok} e-mail`)).toEqual([byColumn.id])
      expect(await ids(`${tok}x`)).toEqual([])
      expect(await c.searchDatasets({ owner })).toHaveLength(3)
    })

    it('keeps a manual classification current over later detections until a newer manual one', async () => {
      const c = await open()
      const ds = await committed(c)
      expect(await c.currentClassifications(ds.id)).toEqual([])
      expect(await c.classificationHistory(ds.id)).toEqual([])

      const detected = classification()
      await c.recordClassifications(ds.id, [
        detected,
        classification({ column: 'id', entityType: 'NONE', sensitivity: 'none', confidence: 1 }),
      ])
      let current = await c.currentClassifications(ds.id)
      expect(current.map((x) => [x.column, x.entityType, x.source])).toEqual([
        ['email', 'EMAIL_ADDRESS', 'detected'],
        ['id', 'NONE', 'detected'],
      ])
      expect(current[0]).toMatchObject(detected)
      expect(current[0]?.id).toEqual(expect.any(String))
      expect(current[0]?.recordedAt).toBeInstanceOf(Date)

      // A privacy officer overrides; the next scan must not undo it.
      const manual = classification({
        entityType: 'NONE',
        sensitivity: 'low',
        confidence: 1,
        source: 'manual',
        datasetVersion: null,
        recordedBy: 'dpo@example.org',
      })
      await c.recordClassifications(ds.id, [manual])
      await c.recordClassifications(ds.id, [classification({ confidence: 0.99 })])
      current = await c.currentClassifications(ds.id)
      expect(current.find((x) => x.column === 'email')).toMatchObject(manual)

      // Only a newer manual entry replaces it.
      const manual2 = classification({ source: 'manual', sensitivity: 'medium', confidence: 0.5 })
      await c.recordClassifications(ds.id, [manual2])
      current = await c.currentClassifications(ds.id)
      expect(current.find((x) => x.column === 'email')).toMatchObject(manual2)

      // Without a manual entry, the newest detection is current.
      await c.recordClassifications(ds.id, [
        classification({ column: 'id', entityType: 'PERSON_ID', sensitivity: 'medium' }),
      ])
      current = await c.currentClassifications(ds.id)
      expect(current.find((x) => x.column === 'id')).toMatchObject({ entityType: 'PERSON_ID' })

      // History: everything, oldest first, in the order recorded.
      const history = await c.classificationHistory(ds.id)
      expect(history.map((x) => [x.column, x.source, x.confidence])).toEqual([
        ['email', 'detected', 0.97],
        ['id', 'detected', 1],
        ['email', 'manual', 1],
        ['email', 'detected', 0.99],
        ['email', 'manual', 0.5],
        ['id', 'detected', 0.97],
      ])
      expect(new Set(history.map((x) => x.id)).size).toBe(history.length)
      const times = history.map((x) => x.recordedAt.getTime())
      expect(times).toEqual([...times].sort((a, b) => a - b))
      expect(history[0]?.recordedAt.getTime()).toBe(history[1]?.recordedAt.getTime())
      expect(history[2]).toEqual({
        ...manual,
        id: history[2]?.id,
        recordedAt: history[2]?.recordedAt,
      })

      const emailHistory = await c.classificationHistory(ds.id, 'email')
      expect(emailHistory).toEqual(history.filter((x) => x.column === 'email'))
      expect(await c.classificationHistory(ds.id, 'no_such_column')).toEqual([])

      // Durable, with the same ids and times.
      const again = await open()
      expect(await again.classificationHistory(ds.id)).toEqual(history)
      expect(await again.currentClassifications(ds.id)).toEqual(
        await c.currentClassifications(ds.id),
      )
    })

    it('refuses bad classifications listing every problem and records none of the batch', async () => {
      const c = await open()
      const ds = await committed(c)
      await expectIssues(
        c.recordClassifications(ds.id, [
          classification({ column: 'id' }),
          classification({
            column: '',
            entityType: 'email_address',
            confidence: 1.5,
            sensitivity: 'secret' as never,
            source: 'guessed' as never,
            datasetVersion: 0,
            recordedBy: '',
          }),
          classification({ confidence: Number.NaN, entityType: 'A__B' }),
          classification({ confidence: -0.1, datasetVersion: 1.5 }),
          classification({ column: 'id', entityType: 'X'.repeat(65) }),
        ]),
        'ERR_USAGE_INVALID_ARGUMENT',
        [
          'entries[1].column',
          'entries[1].entityType',
          'entries[1].confidence',
          'entries[1].sensitivity',
          'entries[1].source',
          'entries[1].datasetVersion',
          'entries[1].recordedBy',
          'entries[2].entityType',
          'entries[2].confidence',
          'entries[3].column',
          'entries[3].confidence',
          'entries[3].datasetVersion',
          'entries[4].column',
          'entries[4].entityType',
        ],
      )
      // Columns must exist in the version classified (or the current one).
      await expectIssues(
        c.recordClassifications(ds.id, [
          classification({ column: 'id' }),
          classification({ column: 'ghost' }),
          classification({ column: 'phantom', datasetVersion: null }),
        ]),
        'ERR_COLUMN_NOT_FOUND',
        ['entries[1].column', 'entries[2].column'],
      )
      await expectCode(
        c.recordClassifications(ds.id, [classification({ datasetVersion: 2 })]),
        'ERR_VERSION_NOT_FOUND',
      )
      // signed_up exists from v2 on: valid for v2, not for v1.
      await c.commitVersion(commitInput(ds, 1, { schema: SCHEMA_V2 }))
      await expectCode(
        c.recordClassifications(ds.id, [classification({ column: 'signed_up' })]),
        'ERR_COLUMN_NOT_FOUND',
      )
      await c.recordClassifications(ds.id, [
        classification({ column: 'signed_up', datasetVersion: null, entityType: 'DATE_TIME' }),
        classification({ column: 'email', datasetVersion: 1 }),
      ])
      expect((await c.classificationHistory(ds.id)).map((x) => x.column)).toEqual([
        'signed_up',
        'email',
      ])
      await c.recordClassifications(ds.id, [])

      await expectCode(
        c.recordClassifications('ds_missing', [classification()]),
        'ERR_DATASET_NOT_FOUND',
      )
      await expectCode(c.recordClassifications('ds_missing', []), 'ERR_DATASET_NOT_FOUND')
      await expectCode(c.currentClassifications('ds_missing'), 'ERR_DATASET_NOT_FOUND')
      await expectCode(c.classificationHistory('ds_missing'), 'ERR_DATASET_NOT_FOUND')
      await expectCode(c.classificationHistory('ds_missing', 'email'), 'ERR_DATASET_NOT_FOUND')
    })

    it('searches by owner, tag, current entity type and minimum sensitivity, AND-ed', async () => {
      const c = await open()
      const owner = newId('owner')
      const a = await committed(c, { owner, namespace: 'aaa' })
      const b = await committed(c, { owner, namespace: 'bbb' })
      const d = await committed(c, { owner, namespace: 'ddd' })
      const none = await c.createDataset(datasetInput({ owner }))
      await c.setTags(none.id, null, ['pii'])

      await c.setTags(a.id, null, ['pii', 'domain=sales'])
      await c.setTags(b.id, 'email', ['pii=direct'])
      await c.setTags(d.id, null, ['domain=hr'])
      await c.recordClassifications(a.id, [classification({ sensitivity: 'high' })])
      await c.recordClassifications(b.id, [
        classification({ sensitivity: 'medium', entityType: 'PHONE_NUMBER' }),
        classification({ column: 'id', sensitivity: 'low', entityType: 'PERSON_ID' }),
      ])
      await c.recordClassifications(d.id, [
        classification({ entityType: 'NONE', sensitivity: 'none' }),
      ])

      const ids = async (q: Parameters<Catalog['searchDatasets']>[0]): Promise<string[]> =>
        (await c.searchDatasets({ owner, ...q })).map((x) => x.id)
      expect(await ids({})).toEqual([a.id, b.id, d.id])
      expect(await c.searchDatasets({ owner })).toEqual([a, b, d])
      expect(await ids({ tag: 'pii' })).toEqual([a.id, b.id])
      expect(await ids({ tag: 'pii=direct' })).toEqual([b.id])
      expect(await ids({ tag: 'pii=indirect' })).toEqual([])
      expect(await ids({ tag: 'domain' })).toEqual([a.id, d.id])
      expect(await ids({ tag: 'domain=hr' })).toEqual([d.id])
      expect(await ids({ entityType: 'EMAIL_ADDRESS' })).toEqual([a.id])
      expect(await ids({ entityType: 'NONE' })).toEqual([d.id])
      expect(await ids({ sensitivity: 'low' })).toEqual([a.id, b.id])
      expect(await ids({ sensitivity: 'medium' })).toEqual([a.id, b.id])
      expect(await ids({ sensitivity: 'high' })).toEqual([a.id])
      // Entity type and sensitivity hold for the same column.
      expect(await ids({ entityType: 'PERSON_ID', sensitivity: 'medium' })).toEqual([])
      expect(await ids({ entityType: 'PHONE_NUMBER', sensitivity: 'medium' })).toEqual([b.id])
      expect(await ids({ tag: 'pii', sensitivity: 'high' })).toEqual([a.id])
      expect(await ids({ tag: 'domain', entityType: 'EMAIL_ADDRESS' })).toEqual([a.id])
      expect(await c.searchDatasets({ owner: `${owner}x` })).toEqual([])

      // Only CURRENT classifications count: a manual downgrade hides a high detection, and a
      // later detection does not bring it back.
      await c.recordClassifications(a.id, [
        classification({ source: 'manual', sensitivity: 'low', entityType: 'NONE' }),
      ])
      await c.recordClassifications(a.id, [classification({ sensitivity: 'high' })])
      expect(await ids({ sensitivity: 'high' })).toEqual([])
      expect(await ids({ entityType: 'EMAIL_ADDRESS' })).toEqual([])
      expect(await ids({ sensitivity: 'low' })).toEqual([a.id, b.id])
    })

    it('refuses a malformed search query listing every problem', async () => {
      const c = await open()
      await expectIssues(
        c.searchDatasets({
          tag: 'Bad Tag',
          entityType: 'email',
          sensitivity: 'none' as never,
          text: 'x'.repeat(4001),
        }),
        'ERR_USAGE_INVALID_ARGUMENT',
        ['text', 'tag', 'entityType', 'sensitivity'],
      )
    })

    describe('findings', () => {
      function finding(overrides: Partial<FindingInput> = {}): FindingInput {
        return {
          column: 'email',
          entityType: 'EMAIL_ADDRESS',
          matches: 8,
          sampled: 10,
          testValues: 0,
          confidence: 0.97,
          sensitivity: 'high',
          rows: [0, 3, 7],
          previews: ['j•••@e•••.com', 'm•••@e•••.org'],
          ...overrides,
        }
      }

      function scan(
        ds: DatasetRecord,
        entries: readonly FindingInput[],
        overrides: Partial<RecordFindingsInput> = {},
      ): RecordFindingsInput {
        return {
          datasetId: ds.id,
          datasetVersion: ds.currentVersion,
          rowsSampled: 10,
          recordedBy: 'scanner@strongroom',
          entries,
          ...overrides,
        }
      }

      /** The listed findings as `[column, entityType]` pairs. */
      async function pairs(c: Catalog, datasetId: string): Promise<string[][]> {
        return (await c.listFindings({ datasetId })).map((f) => [f.column, f.entityType])
      }

      it('records every entity type per column and lists them by column and entity type', async () => {
        const c = await open()
        const ds = await committed(c)
        const entries = [
          // A preview keeps the value's separators, tab included; the catalog stores it as is.
          finding({ entityType: 'PERSON_NAME', matches: 1, rows: [9], previews: ['J•••\tD•••'] }),
          finding({ column: 'id', entityType: 'PHONE_NUMBER', sensitivity: 'medium' }),
          finding(),
          finding({ column: 'id', entityType: 'CREDIT_CARD', rows: [], previews: [] }),
        ]
        const before = Date.now()
        const recorded = await c.recordFindings(scan(ds, entries, { rowsSampled: 25 }))
        expect(recorded).toEqual({
          id: recorded.id,
          datasetId: ds.id,
          datasetVersion: 1,
          scannedAt: recorded.scannedAt,
          recordedBy: 'scanner@strongroom',
          rowsSampled: 25,
        })
        expect(recorded.id).toMatch(/^scan_[a-z2-7]+$/)
        expect(recorded.scannedAt).toBeInstanceOf(Date)
        expect(recorded.scannedAt.getTime()).toBeGreaterThanOrEqual(before - 1000)

        const listed = await c.listFindings({ datasetId: ds.id })
        const meta = {
          scanId: recorded.id,
          datasetId: ds.id,
          datasetVersion: 1,
          scannedAt: recorded.scannedAt,
        }
        // Bytewise order: 'email' < 'id'; within a column, by entity type.
        expect(listed).toEqual([
          { ...entries[2], ...meta },
          { ...entries[0], ...meta },
          { ...entries[3], ...meta },
          { ...entries[1], ...meta },
        ])
        expect(await c.listFindingScans(ds.id)).toEqual([recorded])

        // Durable, with the same ids and times.
        const again = await open()
        expect(await again.listFindings({ datasetId: ds.id })).toEqual(listed)
        expect(await again.listFindingScans(ds.id)).toEqual([recorded])
      })

      it('lists every dataset by namespace and name when no dataset is given', async () => {
        const c = await open()
        const tok = randomBytes(4).toString('hex')
        const late = await committed(c, { namespace: 'zzz_findings', name: `a_${tok}` })
        const early = await committed(c, { namespace: 'aaa_findings', name: `b_${tok}` })
        const middle = await committed(c, { namespace: 'aaa_findings', name: `c_${tok}` })
        const unscanned = await committed(c, { namespace: 'aaa_findings', name: `d_${tok}` })
        for (const ds of [late, early, middle]) {
          await c.recordFindings(scan(ds, [finding({ column: 'id' }), finding()]))
        }
        const ours = new Set([late.id, early.id, middle.id, unscanned.id])
        const listed = (await c.listFindings()).filter((f) => ours.has(f.datasetId))
        expect(listed.map((f) => [f.datasetId, f.column])).toEqual([
          [early.id, 'email'],
          [early.id, 'id'],
          [middle.id, 'email'],
          [middle.id, 'id'],
          [late.id, 'email'],
          [late.id, 'id'],
        ])
        expect(await c.listFindings({})).toEqual(await c.listFindings())
      })

      it('lets the newest scan of a version win, and an empty scan mean clean', async () => {
        const c = await open()
        const ds = await committed(c)
        expect(await c.listFindings({ datasetId: ds.id })).toEqual([])
        expect(await c.listFindingScans(ds.id)).toEqual([])

        const first = await c.recordFindings(scan(ds, [finding(), finding({ column: 'id' })]))
        const second = await c.recordFindings(scan(ds, [finding({ entityType: 'PERSON_NAME' })]))
        expect(await pairs(c, ds.id)).toEqual([['email', 'PERSON_NAME']])
        expect((await c.listFindings({ datasetId: ds.id }))[0]?.scanId).toBe(second.id)

        // Scanned again, nothing found: the older findings no longer count.
        const clean = await c.recordFindings(scan(ds, []))
        expect(await c.listFindings({ datasetId: ds.id })).toEqual([])

        const third = await c.recordFindings(scan(ds, [finding({ column: 'id' })]))
        expect(await pairs(c, ds.id)).toEqual([['id', 'EMAIL_ADDRESS']])

        // History keeps every scan, oldest first, in recording order and time order.
        const history = await c.listFindingScans(ds.id)
        expect(history).toEqual([first, second, clean, third])
        const times = history.map((x) => x.scannedAt.getTime())
        expect(times).toEqual([...times].sort((a, b) => a - b))
      })

      it('hides findings of an older version once a newer one is committed', async () => {
        const c = await open()
        const ds = await committed(c)
        await c.recordFindings(scan(ds, [finding()]))
        expect(await pairs(c, ds.id)).toEqual([['email', 'EMAIL_ADDRESS']])

        await c.commitVersion(commitInput(ds, 1, { schema: SCHEMA_V2 }))
        expect(await c.listFindings({ datasetId: ds.id })).toEqual([])
        // A late scan of v1 is history, not the current picture.
        const late = await c.recordFindings(scan(ds, [finding({ column: 'id' })]))
        expect(late.datasetVersion).toBe(1)
        expect(await c.listFindings({ datasetId: ds.id })).toEqual([])

        // signed_up exists from v2 on.
        await expectIssues(
          c.recordFindings(scan(ds, [finding(), finding({ column: 'signed_up' })])),
          'ERR_COLUMN_NOT_FOUND',
          ['entries[1].column'],
        )
        const v2 = await c.recordFindings(
          scan(ds, [finding({ column: 'signed_up', entityType: 'DATE_TIME' })], {
            datasetVersion: 2,
          }),
        )
        const listed = await c.listFindings({ datasetId: ds.id })
        expect(listed.map((f) => [f.column, f.datasetVersion, f.scanId])).toEqual([
          ['signed_up', 2, v2.id],
        ])
        expect((await c.listFindingScans(ds.id)).map((x) => x.datasetVersion)).toEqual([1, 1, 2])
      })

      it('filters by minimum sensitivity, entity type and test values', async () => {
        const c = await open()
        const ds = await committed(c)
        await c.recordFindings(
          scan(ds, [
            finding({ column: 'id', entityType: 'ZIP_CODE', sensitivity: 'none' }),
            finding({ column: 'id', entityType: 'PERSON_ID', sensitivity: 'low' }),
            finding({ column: 'id', entityType: 'PHONE_NUMBER', sensitivity: 'medium' }),
            // Every match a published test value (e.g. 4111 1111 1111 1111).
            finding({ entityType: 'CREDIT_CARD', sensitivity: 'high', testValues: 8 }),
            finding({ entityType: 'EMAIL_ADDRESS', sensitivity: 'high', testValues: 7 }),
            finding({
              entityType: 'IBAN_CODE',
              sensitivity: 'high',
              matches: 0,
              testValues: 0,
              rows: [],
              previews: [],
            }),
          ]),
        )
        const types = async (q: Parameters<Catalog['listFindings']>[0]): Promise<string[]> =>
          (await c.listFindings({ datasetId: ds.id, ...q })).map((f) => f.entityType)
        expect(await types({})).toEqual([
          'CREDIT_CARD',
          'EMAIL_ADDRESS',
          'IBAN_CODE',
          'PERSON_ID',
          'PHONE_NUMBER',
          'ZIP_CODE',
        ])
        expect(await types({ includeTestValues: true })).toEqual(await types({}))
        expect(await types({ minSensitivity: 'low' })).toEqual([
          'CREDIT_CARD',
          'EMAIL_ADDRESS',
          'IBAN_CODE',
          'PERSON_ID',
          'PHONE_NUMBER',
        ])
        expect(await types({ minSensitivity: 'medium' })).toEqual([
          'CREDIT_CARD',
          'EMAIL_ADDRESS',
          'IBAN_CODE',
          'PHONE_NUMBER',
        ])
        expect(await types({ minSensitivity: 'high' })).toEqual([
          'CREDIT_CARD',
          'EMAIL_ADDRESS',
          'IBAN_CODE',
        ])
        // matches == testValues is left out, also 0 == 0; 7 of 8 is real data and stays.
        expect(await types({ includeTestValues: false })).toEqual([
          'EMAIL_ADDRESS',
          'PERSON_ID',
          'PHONE_NUMBER',
          'ZIP_CODE',
        ])
        expect(await types({ entityType: 'PHONE_NUMBER' })).toEqual(['PHONE_NUMBER'])
        expect(await types({ entityType: 'PHONE_NUMBER', minSensitivity: 'high' })).toEqual([])
        expect(
          await types({
            entityType: 'CREDIT_CARD',
            minSensitivity: 'high',
            includeTestValues: false,
          }),
        ).toEqual([])
        expect(await types({ entityType: 'NOT_FOUND_ANYWHERE' })).toEqual([])
        // Across datasets, the filters alone.
        const all = await c.listFindings({ entityType: 'ZIP_CODE', minSensitivity: 'low' })
        expect(all.filter((f) => f.datasetId === ds.id)).toEqual([])
      })

      it('refuses bad findings listing every problem and records none of the scan', async () => {
        const c = await open()
        const ds = await committed(c)
        const secret = 'SECRET-VALUE-jane.doe@example.org-'
        await expectIssues(
          c.recordFindings(
            scan(ds, [
              finding(),
              finding({
                column: '',
                entityType: 'email',
                matches: -1,
                sampled: 1.5,
                testValues: Number.NaN,
                confidence: 1.5,
                sensitivity: 'secret' as never,
                rows: 'all' as never,
                previews: [secret.repeat(2)],
              }),
              finding({
                entityType: 'PERSON_NAME',
                matches: 3,
                sampled: 2,
                testValues: 4,
                rows: Array.from({ length: 21 }, (_, i) => i),
                previews: ['a', 'b', 'c', 'd', 'e', 'f'],
              }),
              finding({ matches: 2, rows: [1, -1, 2.5], previews: ['ok', 'n\u0000l', 'c'] }),
              finding({ column: 'id', entityType: 'PERSON_NAME', previews: ['\ud800x'] }),
              finding({ sampled: 11 }),
              finding({ column: 'id', entityType: 'X'.repeat(65) }),
              finding(),
              null as never,
            ]),
          ),
          'ERR_USAGE_INVALID_ARGUMENT',
          [
            'entries[1].column',
            'entries[1].entityType',
            'entries[1].matches',
            'entries[1].sampled',
            'entries[1].testValues',
            'entries[1].confidence',
            'entries[1].sensitivity',
            'entries[1].rows',
            'entries[1].previews[0]',
            'entries[2].sampled',
            'entries[2].testValues',
            'entries[2].rows',
            'entries[2].previews',
            'entries[3].entityType',
            'entries[3].rows',
            'entries[3].rows[1]',
            'entries[3].rows[2]',
            'entries[3].previews',
            'entries[3].previews[1]',
            'entries[4].previews[0]',
            'entries[5].entityType',
            'entries[5].sampled',
            'entries[6].entityType',
            'entries[7].entityType',
            'entries[8]',
          ],
          secret,
        )
        await expectIssues(
          c.recordFindings({
            datasetId: '',
            datasetVersion: 0,
            rowsSampled: -5,
            recordedBy: 'bad\u0000principal',
            entries: 'none' as never,
          }),
          'ERR_USAGE_INVALID_ARGUMENT',
          ['datasetId', 'datasetVersion', 'rowsSampled', 'recordedBy', 'entries'],
        )
        // One bad entry among good ones: nothing of the scan is recorded.
        await expectIssues(
          c.recordFindings(scan(ds, [finding(), finding({ column: 'id', confidence: 2 })])),
          'ERR_USAGE_INVALID_ARGUMENT',
          ['entries[1].confidence'],
        )
        await expectIssues(
          c.recordFindings(
            scan(ds, [finding(), finding({ column: 'ghost' }), finding({ column: 'phantom' })]),
          ),
          'ERR_COLUMN_NOT_FOUND',
          ['entries[1].column', 'entries[2].column'],
        )
        expect(await c.listFindingScans(ds.id)).toEqual([])
        expect(await c.listFindings({ datasetId: ds.id })).toEqual([])

        await expectCode(
          c.recordFindings(scan(ds, [finding()], { datasetVersion: 2 })),
          'ERR_VERSION_NOT_FOUND',
        )
        const uncommitted = await c.createDataset(datasetInput())
        await expectCode(
          c.recordFindings(scan(uncommitted, [], { datasetVersion: 1 })),
          'ERR_VERSION_NOT_FOUND',
        )
        await expectCode(
          c.recordFindings(scan(ds, [finding()], { datasetId: 'ds_missing' })),
          'ERR_DATASET_NOT_FOUND',
        )
        await expectCode(c.listFindings({ datasetId: 'ds_missing' }), 'ERR_DATASET_NOT_FOUND')
        await expectCode(c.listFindingScans('ds_missing'), 'ERR_DATASET_NOT_FOUND')
        expect(await c.listFindingScans(ds.id)).toEqual([])
        expect(await c.listFindingScans(uncommitted.id)).toEqual([])

        // The same column with two types, and one type in two columns, are fine.
        await c.recordFindings(
          scan(ds, [finding(), finding({ entityType: 'PERSON_NAME' }), finding({ column: 'id' })]),
        )
        expect(await pairs(c, ds.id)).toEqual([
          ['email', 'EMAIL_ADDRESS'],
          ['email', 'PERSON_NAME'],
          ['id', 'EMAIL_ADDRESS'],
        ])
      })

      it('refuses a malformed findings query listing every problem', async () => {
        const c = await open()
        await expectIssues(
          c.listFindings({
            datasetId: '',
            minSensitivity: 'none' as never,
            entityType: 'email',
            includeTestValues: 'no' as never,
          }),
          'ERR_USAGE_INVALID_ARGUMENT',
          ['datasetId', 'minSensitivity', 'entityType', 'includeTestValues'],
        )
      })

      it('orders concurrent scans of one dataset: the one recorded last wins', async () => {
        const a = await open()
        const b = await open()
        const ds = await committed(a)
        const [x, y] = await Promise.all([
          a.recordFindings(scan(ds, [finding({ entityType: 'PERSON_NAME' })])),
          b.recordFindings(scan(ds, [finding({ entityType: 'PHONE_NUMBER' })])),
        ])
        const history = await a.listFindingScans(ds.id)
        expect(new Set(history.map((h) => h.id))).toEqual(new Set([x.id, y.id]))
        const newest = history[1]
        const listed = await a.listFindings({ datasetId: ds.id })
        expect(listed.map((f) => f.scanId)).toEqual([newest?.id])
        expect(history[0]?.scannedAt.getTime()).toBeLessThanOrEqual(
          newest?.scannedAt.getTime() ?? 0,
        )
      })

      it.skipIf(opts.execRaw === undefined)(
        'refuses UPDATE and DELETE on scans, findings and classifications (append-only)',
        async () => {
          const exec = opts.execRaw
          if (exec === undefined) return
          const c = await open()
          const ds = await committed(c)
          const recorded = await c.recordFindings(scan(ds, [finding()]))
          await c.recordClassifications(ds.id, [classification()])
          const findings = await c.listFindings({ datasetId: ds.id })
          const classifications = await c.classificationHistory(ds.id)
          // Ids are base32 from newId, so quoting them inline is safe.
          const statements = [
            `UPDATE findings SET matches = 0, test_values = 0 WHERE scan_id = '${recorded.id}'`,
            `DELETE FROM findings WHERE scan_id = '${recorded.id}'`,
            'DELETE FROM findings',
            `UPDATE finding_scans SET dataset_version = 1 WHERE id = '${recorded.id}'`,
            `DELETE FROM finding_scans WHERE id = '${recorded.id}'`,
            `UPDATE classifications SET sensitivity = 'none' WHERE dataset_id = '${ds.id}'`,
            `DELETE FROM classifications WHERE dataset_id = '${ds.id}'`,
          ]
          for (const sql of statements) {
            await expect(exec(sql), sql).rejects.toThrow(/append-only/)
          }
          expect(await c.listFindings({ datasetId: ds.id })).toEqual(findings)
          expect(await c.listFindingScans(ds.id)).toEqual([recorded])
          expect(await c.classificationHistory(ds.id)).toEqual(classifications)
        },
      )

      it('fails with ERR_CATALOG_UNAVAILABLE before open', async () => {
        const c = await opts.create()
        await expectCode(c.listFindings(), 'ERR_CATALOG_UNAVAILABLE')
        await expectCode(c.listFindingScans('ds_any'), 'ERR_CATALOG_UNAVAILABLE')
        await expectCode(
          c.recordFindings({
            datasetId: 'ds_any',
            datasetVersion: 1,
            rowsSampled: 0,
            recordedBy: 'scanner',
            entries: [],
          }),
          'ERR_CATALOG_UNAVAILABLE',
        )
      })
    })

    describe('privacy budgets', () => {
      // Exact text of every shape the accountant writes, including a long fraction.
      const LONG = `${'7'.repeat(300)}/${'3'.repeat(299)}1`

      function state(overrides: Partial<PrivacyBudgetState> = {}): PrivacyBudgetState {
        return {
          epsilonTotal: '1',
          deltaTotal: '1/1000000',
          epsilonPure: '0',
          deltaApprox: '0',
          rho: '0',
          releases: 0,
          ...overrides,
        }
      }

      function release(overrides: Partial<PrivacyReleaseInput> = {}): PrivacyReleaseInput {
        return {
          principal: 'alice',
          aggregate: 'count',
          mechanism: 'discrete-laplace',
          epsilon: '1/10',
          delta: '0',
          rho: '0',
          ...overrides,
        }
      }

      it('has no budget until one is set, then stores it exactly at version 1', async () => {
        const c = await open()
        const ds = await c.createDataset(datasetInput())
        expect(await c.getPrivacyBudget(ds.id)).toBeUndefined()
        expect(await c.listPrivacyReleases(ds.id)).toEqual([])
        const before = Date.now()
        const first = state({ epsilonTotal: '3/10', deltaTotal: '0.000001', rho: LONG })
        expect(await c.casPrivacyBudget(ds.id, 0, first)).toBe(true)
        const got = await c.getPrivacyBudget(ds.id)
        expect(got).toMatchObject({ datasetId: ds.id, version: 1, state: first })
        expect(got?.updatedAt.getTime()).toBeGreaterThanOrEqual(before - 1)
        // Setting a budget is not a release: the ledger stays empty.
        expect(await c.listPrivacyReleases(ds.id)).toEqual([])
      })

      it('replaces the state only at the expected version and adds one to it', async () => {
        const c = await open()
        const ds = await c.createDataset(datasetInput())
        expect(await c.casPrivacyBudget(ds.id, 0, state())).toBe(true)
        // A second create and a stale version both lose, changing nothing.
        expect(await c.casPrivacyBudget(ds.id, 0, state({ epsilonTotal: '9' }))).toBe(false)
        expect(await c.casPrivacyBudget(ds.id, 2, state({ epsilonTotal: '9' }), release())).toBe(
          false,
        )
        expect((await c.getPrivacyBudget(ds.id))?.state.epsilonTotal).toBe('1')
        expect(await c.listPrivacyReleases(ds.id)).toEqual([])
        const next = state({ epsilonPure: '1/10', releases: 1 })
        expect(await c.casPrivacyBudget(ds.id, 1, next)).toBe(true)
        expect(await c.getPrivacyBudget(ds.id)).toMatchObject({ version: 2, state: next })
      })

      it('appends the release to the ledger with the update, numbered from 1', async () => {
        const c = await open()
        const ds = await c.createDataset(datasetInput())
        await c.casPrivacyBudget(ds.id, 0, state())
        const a = release()
        const b = release({
          principal: 'bob',
          aggregate: 'histogram',
          mechanism: 'discrete-gaussian',
          epsilon: '0',
          delta: '1/2000000',
          rho: LONG,
        })
        expect(
          await c.casPrivacyBudget(ds.id, 1, state({ epsilonPure: '1/10', releases: 1 }), a),
        ).toBe(true)
        expect(await c.casPrivacyBudget(ds.id, 2, state({ releases: 2 }), b)).toBe(true)
        const ledger = await c.listPrivacyReleases(ds.id)
        expect(ledger.map((r) => r.seq)).toEqual([1, 2])
        expect(ledger[0]).toMatchObject({ ...a, datasetId: ds.id })
        expect(ledger[1]).toMatchObject({ ...b, datasetId: ds.id })
        expect(ledger[0]?.releasedAt.getTime()).toBeLessThanOrEqual(
          ledger[1]?.releasedAt.getTime() ?? 0,
        )
        // Another dataset's ledger is its own.
        const other = await c.createDataset(datasetInput())
        await c.casPrivacyBudget(other.id, 0, state())
        await c.casPrivacyBudget(other.id, 1, state({ releases: 1 }), release())
        expect((await c.listPrivacyReleases(other.id)).map((r) => r.seq)).toEqual([1])
      })

      it('lets exactly one of concurrent updates at one version win, across connections', async () => {
        const [a, b] = [await open(), await open()]
        const ds = await a.createDataset(datasetInput())
        await a.casPrivacyBudget(ds.id, 0, state())
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            (i % 2 === 0 ? a : b).casPrivacyBudget(
              ds.id,
              1,
              state({ releases: 1, epsilonPure: `${String(i + 1)}/100` }),
              release({ epsilon: `${String(i + 1)}/100` }),
            ),
          ),
        )
        expect(results.filter((r) => r)).toHaveLength(1)
        const winner = results.indexOf(true)
        const stored = await b.getPrivacyBudget(ds.id)
        expect(stored?.version).toBe(2)
        expect(stored?.state.epsilonPure).toBe(`${String(winner + 1)}/100`)
        const ledger = await a.listPrivacyReleases(ds.id)
        expect(ledger.map((r) => r.epsilon)).toEqual([`${String(winner + 1)}/100`])
      })

      it('loses no update when writers retry: every spend lands once, in the ledger too', async () => {
        const [a, b] = [await open(), await open()]
        const ds = await a.createDataset(datasetInput())
        await a.casPrivacyBudget(ds.id, 0, state())
        const spend = async (c: Catalog, who: string): Promise<void> => {
          for (;;) {
            const cur = await c.getPrivacyBudget(ds.id)
            if (cur === undefined) throw new Error('budget vanished')
            const next = state({ releases: cur.state.releases + 1 })
            if (await c.casPrivacyBudget(ds.id, cur.version, next, release({ principal: who })))
              return
          }
        }
        await Promise.all(
          Array.from({ length: 10 }, (_, i) => spend(i % 2 === 0 ? a : b, `p${String(i)}`)),
        )
        const stored = await a.getPrivacyBudget(ds.id)
        expect(stored).toMatchObject({ version: 11, state: { releases: 10 } })
        const ledger = await b.listPrivacyReleases(ds.id)
        expect(ledger.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        expect(new Set(ledger.map((r) => r.principal)).size).toBe(10)
      })

      it('keeps budgets and the ledger across reopening', async () => {
        const c = await open()
        const ds = await c.createDataset(datasetInput())
        await c.casPrivacyBudget(ds.id, 0, state())
        await c.casPrivacyBudget(ds.id, 1, state({ releases: 1 }), release())
        const budget = await c.getPrivacyBudget(ds.id)
        const ledger = await c.listPrivacyReleases(ds.id)
        await c.close()
        const again = await open()
        expect(await again.getPrivacyBudget(ds.id)).toEqual(budget)
        expect(await again.listPrivacyReleases(ds.id)).toEqual(ledger)
      })

      it('fails with ERR_DATASET_NOT_FOUND for an unknown dataset, writing nothing', async () => {
        const c = await open()
        await expectCode(c.getPrivacyBudget('ds_missing'), 'ERR_DATASET_NOT_FOUND')
        await expectCode(c.listPrivacyReleases('ds_missing'), 'ERR_DATASET_NOT_FOUND')
        await expectCode(c.casPrivacyBudget('ds_missing', 0, state()), 'ERR_DATASET_NOT_FOUND')
        await expectCode(
          c.casPrivacyBudget('ds_missing', 0, state(), release()),
          'ERR_DATASET_NOT_FOUND',
        )
      })

      it('lists every problem of a malformed update, before any read', async () => {
        const c = await open()
        const ds = await c.createDataset(datasetInput())
        await c.casPrivacyBudget(ds.id, 0, state())
        await expectIssues(
          c.casPrivacyBudget(
            ds.id,
            -1,
            state({ epsilonTotal: '-1', deltaApprox: '0.1e3', rho: '1/0', releases: 1.5 }),
            release({ principal: '', aggregate: 'a'.repeat(65), epsilon: 'NaN', delta: '' }),
          ),
          'ERR_USAGE_INVALID_ARGUMENT',
          [
            'expectedVersion',
            'next.epsilonTotal',
            'next.deltaApprox',
            'next.rho',
            'next.releases',
            'release.principal',
            'release.aggregate',
            'release.epsilon',
            'release.delta',
          ],
        )
        await expectIssues(c.casPrivacyBudget('', 0, state()), 'ERR_USAGE_INVALID_ARGUMENT', [
          'datasetId',
        ])
        expect((await c.getPrivacyBudget(ds.id))?.version).toBe(1)
        expect(await c.listPrivacyReleases(ds.id)).toEqual([])
      })

      it.skipIf(opts.execRaw === undefined)(
        'refuses UPDATE and DELETE on the release ledger (append-only)',
        async () => {
          const exec = opts.execRaw
          if (exec === undefined) return
          const c = await open()
          const ds = await c.createDataset(datasetInput())
          await c.casPrivacyBudget(ds.id, 0, state())
          await c.casPrivacyBudget(ds.id, 1, state({ releases: 1 }), release())
          const ledger = await c.listPrivacyReleases(ds.id)
          // Ids are base32 from newId, so quoting them inline is safe.
          for (const sql of [
            `UPDATE privacy_releases SET epsilon = '0' WHERE dataset_id = '${ds.id}'`,
            `DELETE FROM privacy_releases WHERE dataset_id = '${ds.id}'`,
            'DELETE FROM privacy_releases',
          ]) {
            await expect(exec(sql), sql).rejects.toThrow(/append-only/)
          }
          expect(await c.listPrivacyReleases(ds.id)).toEqual(ledger)
        },
      )

      it('fails with ERR_CATALOG_UNAVAILABLE before open', async () => {
        const c = await opts.create()
        await expectCode(c.getPrivacyBudget('ds_any'), 'ERR_CATALOG_UNAVAILABLE')
        await expectCode(c.listPrivacyReleases('ds_any'), 'ERR_CATALOG_UNAVAILABLE')
        await expectCode(c.casPrivacyBudget('ds_any', 0, state()), 'ERR_CATALOG_UNAVAILABLE')
      })
    })

    it('fails with ERR_CATALOG_UNAVAILABLE before open', async () => {
      const c = await opts.create()
      await expectCode(c.listDatasets(), 'ERR_CATALOG_UNAVAILABLE')
    })

    // ---- Token vault (migration 0007_token_vault) ----
    describe('token vault', () => {
      const ref = (): Uint8Array => new Uint8Array(randomBytes(32))
      const domainName = (): string => newId('dom')

      function vaultKey(domain: string, subjectRef = ref()): VaultKeyRecord {
        return { keyId: newId('vk'), domain, subjectRef, wrappedKey: nastyBytes(61) }
      }

      function entry(keyId: string, overrides: Partial<VaultEntryInput> = {}): VaultEntryInput {
        return {
          keyId,
          blindIndex: new Uint8Array(randomBytes(32)),
          token: newId('tok'),
          ciphertext: nastyBytes(45),
          ...overrides,
        }
      }

      it('stores keys and entries and returns them byte for byte', async () => {
        const c = await open()
        const domain = domainName()
        const key = vaultKey(domain)
        const entries = [entry(key.keyId), entry(key.keyId, { ciphertext: nastyBytes(300) })]
        const put = await c.putVaultEntries({ domain, newKeys: [key], entries })
        expect(put).toEqual({ status: 'ok', tokens: entries.map((e) => e.token) })
        expect(await c.getVaultKeys(domain, [key.subjectRef, ref()])).toEqual([key])
        const got = await c.getVaultEntries(domain, [
          entries[1]!.token,
          'tok_unknown',
          entries[0]!.token,
        ])
        const byToken = new Map(got.map((g) => [g.token, g]))
        expect(got.length).toBe(2)
        for (const e of entries)
          expect(byToken.get(e.token)).toEqual({
            token: e.token,
            state: 'live',
            ciphertext: e.ciphertext,
            key,
          })
      })

      it('converges: an existing (key, blind index) keeps its first token and ciphertext', async () => {
        const c = await open()
        const domain = domainName()
        const key = vaultKey(domain)
        const first = entry(key.keyId)
        await c.putVaultEntries({ domain, newKeys: [key], entries: [first] })
        const again = entry(key.keyId, { blindIndex: first.blindIndex, ciphertext: nastyBytes(9) })
        const other = entry(key.keyId)
        const put = await c.putVaultEntries({ domain, newKeys: [], entries: [again, other] })
        expect(put).toEqual({ status: 'ok', tokens: [first.token, other.token] })
        expect(await c.getVaultEntries(domain, [again.token])).toEqual([])
        const [stored] = await c.getVaultEntries(domain, [first.token])
        expect(stored?.state === 'live' ? stored.ciphertext : undefined).toEqual(first.ciphertext)
      })

      it('refuses a second key for a subject, or an entry under a missing key, writing nothing', async () => {
        const c = await open()
        const domain = domainName()
        const key = vaultKey(domain)
        await c.putVaultEntries({ domain, newKeys: [key], entries: [] })
        const rival = vaultKey(domain, key.subjectRef)
        const lost = entry(rival.keyId)
        expect(await c.putVaultEntries({ domain, newKeys: [rival], entries: [lost] })).toEqual({
          status: 'key-conflict',
        })
        expect(await c.getVaultKeys(domain, [key.subjectRef])).toEqual([key])
        expect(await c.getVaultEntries(domain, [lost.token])).toEqual([])
        // A fresh key in the same call as an entry under a key that does not exist: neither.
        const fresh = vaultKey(domain)
        const orphan = entry(newId('vk'))
        expect(
          await c.putVaultEntries({
            domain,
            newKeys: [fresh],
            entries: [entry(fresh.keyId), orphan],
          }),
        ).toEqual({ status: 'key-conflict' })
        expect(await c.getVaultKeys(domain, [fresh.subjectRef])).toEqual([])
        // A key of another domain cannot carry this domain's entries.
        const elsewhere = domainName()
        const foreign = vaultKey(elsewhere)
        await c.putVaultEntries({ domain: elsewhere, newKeys: [foreign], entries: [] })
        expect(
          await c.putVaultEntries({ domain, newKeys: [], entries: [entry(foreign.keyId)] }),
        ).toEqual({ status: 'key-conflict' })
      })

      it('keeps domains apart', async () => {
        const c = await open()
        const domain = domainName()
        const key = vaultKey(domain)
        const e = entry(key.keyId)
        await c.putVaultEntries({ domain, newKeys: [key], entries: [e] })
        const other = domainName()
        expect(await c.getVaultKeys(other, [key.subjectRef])).toEqual([])
        expect(await c.getVaultEntries(other, [e.token])).toEqual([])
        // The same subject reference gets its own key in another domain.
        const twin = vaultKey(other, key.subjectRef)
        expect(
          (await c.putVaultEntries({ domain: other, newKeys: [twin], entries: [] })).status,
        ).toBe('ok')
      })

      it('forgets a subject: key deleted, its entries shredded, others untouched', async () => {
        const c = await open()
        const domain = domainName()
        const gone = vaultKey(domain)
        const kept = vaultKey(domain)
        const goneEntries = [entry(gone.keyId), entry(gone.keyId), entry(gone.keyId)]
        const keptEntry = entry(kept.keyId)
        await c.putVaultEntries({
          domain,
          newKeys: [gone, kept],
          entries: [...goneEntries, keptEntry],
        })
        const before = Date.now()
        expect(await c.forgetVaultSubject(domain, gone.subjectRef)).toEqual({
          keyDestroyed: true,
          entriesShredded: 3,
        })
        expect(await c.getVaultKeys(domain, [gone.subjectRef, kept.subjectRef])).toEqual([kept])
        const after = await c.getVaultEntries(
          domain,
          [...goneEntries, keptEntry].map((e) => e.token),
        )
        const byToken = new Map(after.map((a) => [a.token, a]))
        for (const e of goneEntries) {
          const a = byToken.get(e.token)
          expect(a?.state).toBe('shredded')
          expect(a).not.toHaveProperty('ciphertext')
          if (a?.state === 'shredded')
            expect(a.shreddedAt.getTime()).toBeGreaterThanOrEqual(before - 1000)
        }
        expect(byToken.get(keptEntry.token)?.state).toBe('live')
        // Idempotent, and the subject can start over under a new key; old tokens stay shredded.
        expect(await c.forgetVaultSubject(domain, gone.subjectRef)).toEqual({
          keyDestroyed: false,
          entriesShredded: 0,
        })
        const reborn = vaultKey(domain, gone.subjectRef)
        const fresh = entry(reborn.keyId, { blindIndex: goneEntries[0]!.blindIndex })
        expect(await c.putVaultEntries({ domain, newKeys: [reborn], entries: [fresh] })).toEqual({
          status: 'ok',
          tokens: [fresh.token],
        })
        expect((await c.getVaultEntries(domain, [goneEntries[0]!.token]))[0]?.state).toBe(
          'shredded',
        )
        // Writing under the destroyed key is refused.
        expect(
          await c.putVaultEntries({ domain, newKeys: [], entries: [entry(gone.keyId)] }),
        ).toEqual({ status: 'key-conflict' })
      })

      it('handles a large batch in one call', async () => {
        const c = await open()
        const domain = domainName()
        const keys = Array.from({ length: 500 }, () => vaultKey(domain))
        const entries = Array.from({ length: 5000 }, (_, i) => entry(keys[i % 500]!.keyId))
        const put = await c.putVaultEntries({ domain, newKeys: keys, entries })
        expect(put.status === 'ok' ? put.tokens : []).toEqual(entries.map((e) => e.token))
        expect(
          (
            await c.getVaultKeys(
              domain,
              keys.map((k) => k.subjectRef),
            )
          ).length,
        ).toBe(500)
        expect(
          (
            await c.getVaultEntries(
              domain,
              entries.map((e) => e.token),
            )
          ).length,
        ).toBe(5000)
      })

      it('lets exactly one of two racing writers create a subject key', async () => {
        const [a, b] = [await open(), await open()]
        const domain = domainName()
        const subject = ref()
        const results = await Promise.all(
          [a, b].map((c) => {
            const key = vaultKey(domain, subject)
            return c.putVaultEntries({ domain, newKeys: [key], entries: [entry(key.keyId)] })
          }),
        )
        expect(results.map((r) => r.status).sort()).toEqual(['key-conflict', 'ok'])
        expect((await a.getVaultKeys(domain, [subject])).length).toBe(1)
      })

      it('rejects malformed input with one issue per problem', async () => {
        const c = await open()
        const domain = domainName()
        await expectIssues(
          c.putVaultEntries({
            domain: '',
            newKeys: [
              {
                keyId: 'bad id',
                domain: 'x',
                subjectRef: new Uint8Array(3),
                wrappedKey: new Uint8Array(2),
              },
            ],
            entries: [
              {
                keyId: 'vk_x',
                token: 'tok_ok',
                blindIndex: new Uint8Array(31),
                ciphertext: new Uint8Array(0),
              },
            ],
          }),
          'ERR_USAGE_INVALID_ARGUMENT',
          [
            'domain',
            'newKeys[0].keyId',
            'newKeys[0].domain',
            'newKeys[0].subjectRef',
            'newKeys[0].wrappedKey',
            'entries[0].blindIndex',
            'entries[0].ciphertext',
          ],
        )
        await expectIssues(
          c.getVaultKeys(domain, [new Uint8Array(5)]),
          'ERR_USAGE_INVALID_ARGUMENT',
          ['subjectRefs[0]'],
        )
        await expectIssues(
          c.getVaultEntries(domain, ['tok ok', 'x'.repeat(65)]),
          'ERR_USAGE_INVALID_ARGUMENT',
          ['tokens[0]', 'tokens[1]'],
        )
        await expectIssues(
          c.forgetVaultSubject('a'.repeat(201), ref()),
          'ERR_USAGE_INVALID_ARGUMENT',
          ['domain'],
        )
      })

      it.skipIf(opts.execRaw === undefined)(
        'refuses a half-shredded entry in the database itself',
        async () => {
          const exec = opts.execRaw
          if (exec === undefined) return
          const c = await open()
          const domain = domainName()
          const key = vaultKey(domain)
          const e = entry(key.keyId)
          await c.putVaultEntries({ domain, newKeys: [key], entries: [e] })
          // Tokens are base32 from newId, so quoting them inline is safe.
          await expect(
            exec(`UPDATE vault_tokens SET ciphertext = NULL WHERE token = '${e.token}'`),
          ).rejects.toThrow()
          await expect(
            exec(`DELETE FROM vault_keys WHERE key_id = '${key.keyId}'`),
          ).rejects.toThrow()
          expect((await c.getVaultEntries(domain, [e.token]))[0]?.state).toBe('live')
        },
      )

      it('fails with ERR_CATALOG_UNAVAILABLE before open', async () => {
        const c = await opts.create()
        await expectCode(c.getVaultKeys('d', [ref()]), 'ERR_CATALOG_UNAVAILABLE')
        await expectCode(c.getVaultEntries('d', ['tok_x']), 'ERR_CATALOG_UNAVAILABLE')
        await expectCode(c.forgetVaultSubject('d', ref()), 'ERR_CATALOG_UNAVAILABLE')
        await expectCode(
          c.putVaultEntries({ domain: 'd', newKeys: [], entries: [] }),
          'ERR_CATALOG_UNAVAILABLE',
        )
      })
    })
  })
}
