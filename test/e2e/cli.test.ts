import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/cli/exit-codes.js'
import { cli, csvOf, newLake, runCli, tempDir } from './helpers.js'

describe('strongroom CLI', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let lake: string
  let csv: string

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir())
    lake = join(dir, 'lake')
    await (await newLake(lake)).close()
    csv = join(dir, 'people.csv')
    await writeFile(
      csv,
      csvOf([
        ['id', 'name', 'email', 'note'],
        [1, 'Ada Example', 'ada@example.test', 'likes "quotes", commas'],
        [2, 'Bob Example', 'bob@example.test', 'multi\nline'],
        [3, 'Cy Example', 'cy@example.test', ''],
      ]),
    )
  })
  afterAll(async () => cleanup())

  it('has --help on every command', async () => {
    for (const args of [
      [],
      ['init'],
      ['ingest'],
      ['ls'],
      ['show'],
      ['versions'],
      ['read'],
      ['keys'],
      ['keys', 'rotate'],
      ['keys', 'status'],
      ['gc'],
      ['doctor'],
    ]) {
      const r = await cli([...args, '--help'])
      expect(r.code, args.join(' ')).toBe(0)
      expect(r.stdout, args.join(' ')).toMatch(/Usage: strongroom/)
    }
  })

  it('ingests, lists, shows and reads with --json', async () => {
    const ing = await cli(['ingest', csv, '--dataset', 'hr.people', '--lake', lake, '--json'])
    expect(ing.code, ing.stderr).toBe(0)
    expect(JSON.parse(ing.stdout)).toMatchObject({ dataset: 'hr.people', version: 1, rows: 3 })
    const ls = await cli(['ls', '--lake', lake, '--json'])
    expect(JSON.parse(ls.stdout)).toEqual([
      expect.objectContaining({ dataset: 'hr.people', rows: 3 }),
    ])
    const show = await cli(['show', 'hr.people', '--lake', lake])
    expect(show.stdout).toMatch(/Schema/)
    expect(show.stdout).toMatch(/email/)
    const read = await cli([
      'read',
      'hr.people',
      '--purpose',
      'analytics',
      '--columns',
      'id,note',
      '--format',
      'jsonl',
      '--lake',
      lake,
    ])
    expect(read.code, read.stderr).toBe(0)
    expect(
      read.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([
      { id: 1, note: 'likes "quotes", commas' },
      { id: 2, note: 'multi\nline' },
      { id: 3, note: null },
    ])
    const out = join(dir, 'people-out.csv')
    const toFile = await cli([
      'read',
      'hr.people',
      '--purpose',
      'analytics',
      '--limit',
      '2',
      '--out',
      out,
      '--lake',
      lake,
    ])
    expect(toFile.code).toBe(0)
    expect((await readFile(out, 'utf8')).split('\n')[0]).toBe('id,name,email,note')
  })

  it('rotates keys, reports status, verifies with doctor and runs gc', async () => {
    const rot = await cli(['keys', 'rotate', 'hr.people', '--lake', lake, '--json'])
    expect(JSON.parse(rot.stdout)).toEqual([expect.objectContaining({ toKekVersion: 2 })])
    const st = await cli(['keys', 'status', '--lake', lake, '--json'])
    expect((JSON.parse(st.stdout) as unknown[])[0]).toMatchObject({
      dataset: 'hr.people',
      activeKekVersion: 2,
    })
    const doc = await cli(['doctor', '--lake', lake, '--json'])
    expect(doc.code).toBe(0)
    expect(JSON.parse(doc.stdout)).toMatchObject({ ok: true })
    const gc = await cli(['gc', '--min-age', '0', '--lake', lake, '--json'])
    expect(JSON.parse(gc.stdout)).toMatchObject({ removed: 0 })
    const versions = await cli(['versions', 'hr.people', '--lake', lake, '--json'])
    expect(JSON.parse(versions.stdout)).toHaveLength(1)
  })

  it('exits with meaningful codes and coded errors', async () => {
    const missing = await cli(['show', 'hr.nobody', '--lake', lake])
    expect(missing.code).toBe(EXIT.notFound)
    expect(missing.stderr).toMatch(/ERR_DATASET_NOT_FOUND/)
    const bad = await cli(['ingest', csv, '--dataset', '../etc/passwd', '--lake', lake, '--json'])
    expect(bad.code).toBe(EXIT.usage)
    expect((JSON.parse(bad.stderr) as { error: { code: string } }).error.code).toBe(
      'ERR_DATASET_INVALID_NAME',
    )
    const noLake = await cli(['ls', '--lake', join(dir, 'nowhere')])
    expect(noLake.code).toBe(EXIT.notFound)
    expect(noLake.stderr).toMatch(/ERR_LAKE_NOT_INITIALIZED/)
    const wrong = await cli(['ls', '--lake', lake], { STRONGROOM_PASSPHRASE: 'wrong' })
    expect(wrong.code).toBe(EXIT.keys)
    expect(wrong.stderr).toMatch(/ERR_KEYS_BAD_PASSPHRASE/)
    const usage = await cli(['read'])
    expect(usage.code).toBe(EXIT.usage)
  })

  it('init creates a lake, refuses a second init, and can generate a passphrase', async () => {
    const root = join(dir, 'fresh')
    const r = await cli(['init', '--lake', root, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const again = await cli(['init', '--lake', root])
    expect(again.code).toBe(EXIT.conflict)
    const gen = await cli(['init', '--generate-passphrase', '--lake', join(dir, 'gen'), '--json'], {
      STRONGROOM_PASSPHRASE: '',
    })
    expect(gen.code, gen.stderr).toBe(0)
    expect((JSON.parse(gen.stdout) as { passphrase: string }).passphrase).toMatch(
      /^[A-Za-z0-9_-]{32}$/,
    )
  })

  it('runs as a real process with the same exit codes', async () => {
    const r = await runCli(['ls', '--lake', lake, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toHaveLength(1)
    const nf = await runCli(['show', 'x.y', '--lake', lake])
    expect(nf.code).toBe(EXIT.notFound)
  })
})
