/**
 * Bad input through the whole path (CLI → lake): a stable code, a non-zero exit, nothing
 * committed, no object left behind, and no input value in the output.
 */
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/cli/exit-codes.js'
import { cli, csvOf, newLake, tempDir } from './helpers.js'

const CANARY = 'CANARYb4d1npu7'

async function countObjects(dir: string): Promise<number> {
  let n = 0
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (e.isFile() && e.name.endsWith('.sre')) n += 1
  }
  return n
}

const cases: {
  name: string
  file: string
  content: string | Buffer
  code: string
  exit: number
  format?: string
}[] = [
  { name: 'empty file', file: 'empty.csv', content: '', code: 'ERR_INPUT_EMPTY', exit: EXIT.input },
  {
    name: 'unbalanced quote',
    file: 'q.csv',
    content: `id,name\n1,"${CANARY}\n2,x\n`,
    code: 'ERR_INPUT_UNBALANCED_QUOTE',
    exit: EXIT.input,
  },
  {
    name: 'ragged row',
    file: 'r.csv',
    content: `id,name\n1,a\n2,${CANARY},extra\n`,
    code: 'ERR_INPUT_RAGGED_ROW',
    exit: EXIT.input,
  },
  {
    name: 'invalid UTF-8',
    file: 'u.csv',
    content: Buffer.concat([
      Buffer.from(`id,name\n1,${CANARY}`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\n'),
    ]),
    code: 'ERR_INPUT_ENCODING',
    exit: EXIT.input,
  },
  {
    name: 'malformed JSONL',
    file: 'bad.jsonl',
    content: `{"id":1,"name":"a"}\n{"id":2,"name":"${CANARY}"\n`,
    code: 'ERR_INPUT_MALFORMED',
    exit: EXIT.input,
  },
  {
    name: 'corrupt Parquet',
    file: 'bad.parquet',
    content: Buffer.from(`PAR1${CANARY}garbagePAR1`),
    code: 'ERR_INPUT_MALFORMED',
    exit: EXIT.input,
  },
  {
    name: 'unknown extension',
    file: 'x.txt',
    content: 'id\n1\n',
    code: 'ERR_INPUT_UNSUPPORTED_FORMAT',
    exit: EXIT.input,
  },
]

describe('bad input loses nothing', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let lake: string
  let objects: number

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-bad-'))
    lake = join(dir, 'lake')
    const l = await newLake(lake, {}, 64 * 1024)
    const good = join(dir, 'good.csv')
    await writeFile(
      good,
      csvOf([['id', 'name'], ...Array.from({ length: 5000 }, (_, i) => [i, `n${i}`])]),
    )
    await l.ingest(good, { dataset: 'crm.people' })
    await l.close()
    objects = await countObjects(join(lake, 'objects'))
  })
  afterAll(async () => cleanup())

  it.each(cases.map((c) => [c.name, c]))('%s', async (_n, c) => {
    const path = join(dir, c.file)
    await writeFile(path, c.content)
    for (const mode of ['append', 'create']) {
      const dataset = mode === 'append' ? 'crm.people' : 'crm.fresh'
      const r = await cli([
        'ingest',
        path,
        '--dataset',
        dataset,
        '--mode',
        mode,
        '--lake',
        lake,
        '--json',
      ])
      expect(r.code).toBe(c.exit)
      const err = (JSON.parse(r.stderr) as { error: { code: string } }).error
      expect(err.code).toBe(c.code)
      expect(r.stderr + r.stdout).not.toContain(CANARY)
    }
    const ls = JSON.parse((await cli(['ls', '--lake', lake, '--json'])).stdout) as {
      dataset: string
      currentVersion: number
    }[]
    expect(ls.map((d) => [d.dataset, d.currentVersion])).toEqual([['crm.people', 1]])
    expect(await countObjects(join(lake, 'objects'))).toBe(objects)
  })

  it('a 10 MB field is accepted and read back whole', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024)
    const path = join(dir, 'big.csv')
    await writeFile(path, `id,blob\n1,${big}\n2,small\n`)
    const r = await cli(['ingest', path, '--dataset', 'crm.big', '--lake', lake, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = await cli([
      'read',
      'crm.big',
      '--purpose',
      'analytics',
      '--format',
      'jsonl',
      '--lake',
      lake,
    ])
    const rows = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; blob: string })
    expect(rows.map((x) => x.blob.length)).toEqual([big.length, 5])
  })

  it('a UTF-8 BOM is stripped from the first column name', async () => {
    const path = join(dir, 'bom.csv')
    await writeFile(
      path,
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,name\n1,a\n')]),
    )
    expect((await cli(['ingest', path, '--dataset', 'crm.bom', '--lake', lake])).code).toBe(0)
    const show = JSON.parse((await cli(['show', 'crm.bom', '--lake', lake, '--json'])).stdout) as {
      schema: { columns: { name: string }[] }
    }
    expect(show.schema.columns.map((c) => c.name)).toEqual(['id', 'name'])
  })
})
