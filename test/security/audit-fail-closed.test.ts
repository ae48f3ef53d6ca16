/**
 * Fail closed: when the audit event cannot be made durable (the audit store's disk is
 * full), ingest commits nothing, reads return no row and exports write no file.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isStrongroomError, type Strongroom } from '../../src/index.js'
import { csvOf, newLake, tempDir } from '../e2e/helpers.js'

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    return isStrongroomError(e) ? e.code : 'non-strongroom'
  }
  return 'no error'
}

/** Fills a filesystem to the last byte with one file. */
async function fill(dir: string): Promise<void> {
  const filler = join(dir, 'filler')
  const chunk = Buffer.alloc(64 * 1024, 1)
  await writeFile(filler, '')
  for (;;) {
    try {
      await writeFile(filler, chunk, { flag: 'a' })
    } catch {
      break
    }
  }
  for (let size = 4096; size >= 1; size = Math.floor(size / 2)) {
    try {
      while (true) await writeFile(filler, Buffer.alloc(size, 1), { flag: 'a' })
    } catch {
      // smaller pieces next
    }
  }
}

describe('audit fails closed', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let small: string
  let skip: string | false = false
  let lake: Strongroom | undefined

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-auditfull-'))
    small = join(dir, 'audit-disk')
    await mkdir(small)
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', small], { stdio: 'ignore' })
    } catch {
      skip = 'cannot mount a small tmpfs here (needs root)'
      if (process.env['STRONGROOM_REQUIRE_SERVICES'] === '1') throw new Error(skip)
    }
  })
  afterAll(async () => {
    await lake?.close().catch(() => undefined)
    if (skip === false) execFileSync('umount', [small])
    await cleanup()
  })

  it('ingest, read and export fail with ERR_AUDIT_UNAVAILABLE and deliver nothing', async (ctx) => {
    if (skip !== false) ctx.skip(skip)
    lake = await newLake(join(dir, 'lake'), {
      config: { audit: { kind: 'sqlite', path: join(small, 'audit.db') } },
    })
    const csv = join(dir, 'p.csv')
    await writeFile(
      csv,
      csvOf([
        ['id', 'name'],
        [1, 'a'],
        [2, 'b'],
      ]),
    )
    await lake.ingest(csv, { dataset: 'hr.people' })
    await fill(small)

    expect(await code(lake.ingest(csv, { dataset: 'hr.people' }))).toBe('ERR_AUDIT_UNAVAILABLE')
    let rows = 0
    const reading = (async () => {
      for await (const b of lake.read('hr.people', { purpose: 'analytics' })) rows += b.rowCount
    })()
    expect(await code(reading)).toBe('ERR_AUDIT_UNAVAILABLE')
    expect(rows).toBe(0)
    const out = join(dir, 'export.csv')
    expect(
      await code(lake.readToFile('hr.people', { purpose: 'analytics', format: 'csv', out })),
    ).toBe('ERR_AUDIT_UNAVAILABLE')
    expect(existsSync(out)).toBe(false)

    // Space again: the trail still verifies and only the first ingest was committed.
    await rm(join(small, 'filler'))
    expect((await lake.versions('hr.people')).map((v) => v.version)).toEqual([1])
    expect((await lake.auditVerify()).ok).toBe(true)
  })
})
