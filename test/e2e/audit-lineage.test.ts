/**
 * The audit trail and lineage as a user meets them: every operation leaves events, the
 * trail verifies (and a tampered one does not), an export verifies offline with the
 * standalone script, a wrong passphrase is recorded, and ingest/export runs become
 * OpenLineage events (validated against the 2-0-2 schema) and a lineage graph.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { join, resolve } from 'node:path'
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStrongroom, isStrongroomError, type Strongroom } from '../../src/index.js'
import { EXIT } from '../../src/cli/exit-codes.js'
import { PASSPHRASE, cli, csvOf, newLake, tempDir } from './helpers.js'

const repo = resolve(import.meta.dirname, '../..')
const schemaPath = resolve(repo, '../shared/data/openlineage/OpenLineage-2-0-2.json')

describe('audit trail and lineage, end to end', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let root: string
  let lake: Strongroom
  let server: Server
  const received: unknown[] = []

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-audit-'))
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        received.push(JSON.parse(body))
        res.writeHead(201).end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as { port: number }).port
    root = join(dir, 'lake')
    lake = await newLake(root, {
      config: { lineage: { url: `http://127.0.0.1:${port}/api/v1/lineage` } },
    })
    const csv = join(dir, 'people.csv')
    await writeFile(
      csv,
      csvOf([
        ['id', 'email'],
        [1, 'a@example.test'],
        [2, 'b@example.test'],
      ]),
    )
    await lake.ingest(csv, { dataset: 'hr.people' })
    for await (const _ of lake.read('hr.people', { purpose: 'analytics' })) void _
    await lake.readToFile('hr.people', {
      purpose: 'analytics',
      format: 'csv',
      out: join(dir, 'export.csv'),
    })
    await lake.rotateKeys('hr.people')
  })
  afterAll(async () => {
    await lake.close()
    await new Promise((r) => server.close(r))
    await cleanup()
  })

  it('records every operation, with start and outcome, counts and no values', async () => {
    const events = await lake.auditQuery({ dataset: 'hr.people' })
    const summary = events.map((e) => `${e.action}:${e.outcome}`)
    expect(summary).toEqual([
      'dataset.ingest:started',
      'dataset.ingest:success',
      'dataset.read:started',
      'dataset.read:success',
      'dataset.export:started',
      'dataset.export:success',
      'keys.rotate:started',
      'keys.rotate:success',
    ])
    const ingest = events[1]
    expect(ingest?.rows).toBe(2)
    expect(ingest?.resources[0]).toMatchObject({ type: 'dataset', name: 'hr.people', version: 1 })
    expect(events[3]?.rows).toBe(2)
    expect(JSON.stringify(events)).not.toContain('example.test')
    const all = await lake.auditQuery({})
    expect(all[0]?.action).toBe('lake.init')
    expect(all.every((e) => e.client.kind === 'library')).toBe(true)
  })

  it('verifies, and names the edited event after tampering', async () => {
    const ok = await lake.auditVerify()
    expect(ok.ok).toBe(true)
    expect(ok.eventsChecked).toBeGreaterThan(8)
    const db = new Database(join(root, 'audit.db'))
    const row = db
      .prepare('SELECT seq, json FROM audit_events ORDER BY seq LIMIT 1 OFFSET 2')
      .get() as { seq: number; json: string } | undefined
    expect(row).toBeDefined()
    const edited = row!.json.replace('"library"', '"cli"')
    expect(edited).not.toBe(row!.json)
    db.prepare('UPDATE audit_events SET json = ? WHERE seq = ?').run(edited, row!.seq)
    db.close()
    const bad = await lake.auditVerify()
    expect(bad.ok).toBe(false)
    expect(bad.problems).toContainEqual(expect.objectContaining({ kind: 'edited', seq: row!.seq }))
    const viaCli = await cli(['audit', 'verify', '--lake', root])
    expect(viaCli.code).toBe(EXIT.integrity)
    expect(viaCli.stdout).toMatch(/edited/)
    const db2 = new Database(join(root, 'audit.db'))
    db2.prepare('UPDATE audit_events SET json = ? WHERE seq = ?').run(row!.json, row!.seq)
    db2.close()
    expect((await lake.auditVerify()).ok).toBe(true)
  })

  it('exports a trail that the standalone verifier accepts offline', async () => {
    const out = join(dir, 'audit.jsonl')
    const r = await cli(['audit', 'export', '--out', out, '--lake', root, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const script = join(repo, 'scripts/verify-audit-export.mjs')
    const good = spawnSync(process.execPath, [script, out], { encoding: 'utf8' })
    expect(good.status, good.stdout + good.stderr).toBe(0)
    const lines = readFileSync(out, 'utf8').trim().split('\n')
    const tampered = lines.map((l, i) =>
      i === 3 ? l.replace('"success"', '"failure"').replace('"started"', '"failure"') : l,
    )
    await writeFile(join(dir, 'tampered.jsonl'), tampered.join('\n') + '\n')
    const bad = spawnSync(process.execPath, [script, join(dir, 'tampered.jsonl')], {
      encoding: 'utf8',
    })
    expect(bad.status).toBe(1)
  })

  it('records a wrong passphrase as a failed authentication', async () => {
    let code: string | undefined
    try {
      await createStrongroom({ root, passphrase: 'not the passphrase' })
    } catch (e) {
      code = isStrongroomError(e) ? e.code : undefined
    }
    expect(code).toBe('ERR_KEYS_BAD_PASSPHRASE')
    const failed = await lake.auditQuery({ action: 'auth.failed' })
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({
      decision: 'deny',
      outcome: 'failure',
      errorCode: 'ERR_KEYS_BAD_PASSPHRASE',
    })
    expect((await lake.auditVerify()).ok).toBe(true)
  })

  it('emits OpenLineage events that validate against the 2-0-2 schema', (ctx) => {
    if (!existsSync(schemaPath)) {
      if (process.env['STRONGROOM_REQUIRE_SERVICES'] === '1')
        throw new Error('OpenLineage schema missing')
      ctx.skip()
    }
    const Ajv = Ajv2020 as unknown as typeof Ajv2020.default
    const ajv = new Ajv({ allErrors: true, strict: false })
    ;(addFormats as unknown as typeof addFormats.default)(ajv)
    const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object)
    const types = (received as { eventType: string; job: { name: string } }[]).map(
      (e) => `${e.job.name}:${e.eventType}`,
    )
    expect(types).toEqual([
      'ingest.hr.people:START',
      'ingest.hr.people:COMPLETE',
      'export.hr.people:START',
      'export.hr.people:COMPLETE',
    ])
    for (const e of received) expect(validate(e), JSON.stringify(validate.errors)).toBe(true)
    const complete = received[1] as { outputs: { facets: Record<string, unknown> }[] }
    expect(Object.keys(complete.outputs[0]?.facets ?? {})).toEqual(
      expect.arrayContaining(['schema', 'dataSource', 'columnLineage', 'strongroom_version']),
    )
  })

  it('shows the lineage graph: file → dataset → export', async () => {
    const graph = await lake.lineage('hr.people', { columns: true })
    const names = graph.nodes.map((n) => `${n.kind}:${n.name}`)
    expect(names).toContain('dataset:hr.people')
    expect(names).toContain(`file:${join(dir, 'people.csv')}`)
    expect(names).toContain(`file:${join(dir, 'export.csv')}`)
    const text = await cli(['lineage', 'hr.people', '--lake', root])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain('people.csv')
    const dot = await cli(['lineage', 'hr.people', '--format', 'dot', '--lake', root])
    expect(dot.stdout).toMatch(/^digraph/)
  })

  it('replays recorded lineage to a consumer with lineage emit', async () => {
    const before = received.length
    const port = (server.address() as { port: number }).port
    const r = await cli([
      'lineage',
      'emit',
      '--url',
      `http://127.0.0.1:${port}/api/v1/lineage`,
      '--lake',
      root,
      '--json',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect((JSON.parse(r.stdout) as { events: number }).events).toBe(2)
    expect(received.length - before).toBe(2)
  })

  it('reads its passphrase-protected lake from the CLI too (same trail)', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repo, 'src/cli/entry.ts'),
        'audit',
        'tail',
        '--lake',
        root,
        '--json',
      ],
      {
        env: { ...process.env, STRONGROOM_PASSPHRASE: PASSPHRASE },
        encoding: 'utf8',
      },
    )
    const events = JSON.parse(out) as { client: { kind: string } }[]
    expect(events.length).toBeGreaterThan(0)
  })
})
