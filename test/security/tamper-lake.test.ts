import { copyFile, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { generateCustomersCsv } from '../../src/formats/synthetic.js'
import { isStrongroomError, type Strongroom } from '../../src/index.js'
import { newLake, tempDir } from '../e2e/helpers.js'

async function readAll(lake: Strongroom, dataset: string): Promise<number> {
  let n = 0
  for await (const b of lake.read(dataset, { purpose: 'analytics' })) n += b.rowCount
  return n
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    return isStrongroomError(e) ? e.code : 'non-strongroom error'
  }
  return 'no error'
}

const INTEGRITY = ['ERR_CRYPTO_INTEGRITY', 'ERR_CRYPTO_TRUNCATED']

describe('a tampered, truncated, swapped or missing object never returns wrong data', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let lake: Strongroom
  let root: string
  let objectsA: string[]
  let objectsB: string[]

  beforeEach(async () => {
    ;({ dir, cleanup } = await tempDir())
    root = join(dir, 'lake')
    const csv = join(dir, 'c.csv')
    generateCustomersCsv(csv, { rows: 6000, seed: 3 })
    lake = await newLake(root, {}, 256 * 1024)
    await lake.ingest(csv, { dataset: 'crm.a' })
    await lake.ingest(csv, { dataset: 'crm.b' })
    const paths = async (ds: string): Promise<string[]> => {
      const s = await lake.show(ds)
      return s.currentFiles.map((f) => join(root, 'objects', 'ds', s.id, `${f.id}.sre`))
    }
    objectsA = await paths('crm.a')
    objectsB = await paths('crm.b')
    expect(objectsA.length).toBeGreaterThan(1)
  })
  afterEach(async () => {
    await lake.close()
    await cleanup()
  })

  it('detects a flipped byte anywhere (header, middle, last tag)', async () => {
    const target = objectsA[0] as string
    const original = await readFile(target)
    for (const at of [5, 40, Math.floor(original.length / 2), original.length - 1]) {
      const bad = Buffer.from(original)
      bad[at] = (bad[at] as number) ^ 0x01
      await writeFile(target, bad)
      expect(INTEGRITY.concat('ERR_CRYPTO_UNSUPPORTED_FORMAT')).toContain(
        await failure(readAll(lake, 'crm.a')),
      )
    }
    await writeFile(target, original)
    expect(await readAll(lake, 'crm.a')).toBe(6000)
  })

  it('detects truncation and extension', async () => {
    const target = objectsA[1] as string
    const original = await readFile(target)
    await truncate(target, original.length - 17)
    expect(INTEGRITY).toContain(await failure(readAll(lake, 'crm.a')))
    await writeFile(target, Buffer.concat([original, Buffer.from([0])]))
    expect(INTEGRITY).toContain(await failure(readAll(lake, 'crm.a')))
    await writeFile(target, original)
  })

  it('detects objects swapped within a dataset and between datasets', async () => {
    const [a0, a1] = objectsA as [string, string]
    const saved = await readFile(a0)
    await copyFile(a1, a0)
    expect(INTEGRITY).toContain(await failure(readAll(lake, 'crm.a')))
    await copyFile(objectsB[0] as string, a0)
    expect(INTEGRITY).toContain(await failure(readAll(lake, 'crm.a')))
    await writeFile(a0, saved)
    expect(await readAll(lake, 'crm.a')).toBe(6000)
  })

  it('reports a missing object, and doctor names every damaged file', async () => {
    await rm(objectsA[0] as string)
    expect(await failure(readAll(lake, 'crm.a'))).toBe('ERR_STORAGE_NOT_FOUND')
    const b1 = objectsB[1] as string
    const bytes = await readFile(b1)
    bytes[100] = (bytes[100] as number) ^ 0xff
    await writeFile(b1, bytes)
    const d = await lake.doctor()
    expect(d.ok).toBe(false)
    expect(d.problems.map((p) => [p.dataset, p.code]).sort()).toEqual([
      ['crm.a', 'ERR_STORAGE_NOT_FOUND'],
      ['crm.b', 'ERR_CRYPTO_INTEGRITY'],
    ])
  })
})
