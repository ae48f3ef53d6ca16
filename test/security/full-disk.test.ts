/**
 * A full disk during ingest: a coded error, nothing committed, nothing partial left.
 * The object store lives on a 1 MiB tmpfs mounted for the test (needs root, as in CI).
 */
import { execFileSync } from 'node:child_process'
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateCustomersCsv } from '../../src/formats/synthetic.js'
import { isStrongroomError, type Strongroom } from '../../src/index.js'
import { newLake, tempDir } from '../e2e/helpers.js'

function tryMount(dir: string): string | false {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' })
    return false
  } catch {
    return 'cannot mount a small tmpfs here (needs root)'
  }
}

describe('full disk', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let small: string
  let skip: string | false = false
  let lake: Strongroom | undefined

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-full-'))
    small = join(dir, 'small')
    await mkdir(small)
    skip = tryMount(small)
    if (skip !== false && process.env['STRONGROOM_REQUIRE_SERVICES'] === '1') throw new Error(skip)
  })
  afterAll(async () => {
    await lake?.close()
    if (skip === false) execFileSync('umount', [small])
    await cleanup()
  })

  it('fails with ERR_STORAGE_NO_SPACE, commits nothing and leaves no partial object', async (ctx) => {
    if (skip !== false) ctx.skip(skip)
    lake = await newLake(join(dir, 'lake'), {
      config: {
        objectStore: { kind: 'fs', path: join(small, 'objects') },
        engine: { scratchDir: '/dev/shm', chunkBytes: 256 * 1024, threads: 1 },
      },
    })
    const tiny = join(dir, 'tiny.csv')
    generateCustomersCsv(tiny, { rows: 200, seed: 1 })
    await lake.ingest(tiny, { dataset: 'crm.c' })
    const big = join(dir, 'big.csv')
    generateCustomersCsv(big, { rows: 60_000, seed: 2 })
    let err: unknown
    try {
      await lake.ingest(big, { dataset: 'crm.c', mode: 'append' })
    } catch (e) {
      err = e
    }
    expect(isStrongroomError(err, 'ERR_STORAGE_NO_SPACE')).toBe(true)
    const versions = await lake.versions('crm.c')
    expect(versions.map((v) => v.rows)).toEqual([200])
    const show = await lake.show('crm.c')
    const dsFolder = join(small, 'objects', 'ds', show.id)
    // Only the committed file remains: the failed attempt removed its own objects.
    expect((await readdir(dsFolder)).sort()).toEqual(
      show.currentFiles.map((f) => `${f.id}.sre`).sort(),
    )
    expect((await lake.doctor()).ok).toBe(true)
  })
})
