/**
 * Threat: someone with write access to the audit store or an export edits, deletes,
 * reorders, truncates or forges audit history. Every such change must be detected and
 * named precisely (kind, event seq, checkpoint number), both by `verifyAudit` and by the
 * standalone `scripts/verify-audit-export.mjs`, which must agree with each other.
 */
import { execFile } from 'node:child_process'
import { generateKeyPairSync, sign } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { AuditCheckpoint, AuditRecord } from '../../src/audit/audit-event.js'
import { createAuditLog } from '../../src/audit/audit-log.js'
import { checkpointSigningBytes, hashRecord } from '../../src/audit/chain.js'
import { exportAudit, parseAuditExport } from '../../src/audit/export.js'
import { auditKeyId, loadOrCreateSigningKey } from '../../src/audit/signing-key.js'
import { verifyAudit } from '../../src/audit/verify.js'
import type { VerifyResult } from '../../src/audit/verify.js'
import type { KeyProvider } from '../../src/keys/key-provider.js'
import {
  createLocalKeyProvider,
  initLocalKeyring,
} from '../../src/keys/local/local-key-provider.js'
import { createMemoryAuditStore } from '../helpers/memory-audit-store.js'

const SCRIPT = join(import.meta.dirname, '../../scripts/verify-audit-export.mjs')

type Line =
  | { type: 'header'; text: string }
  | { type: 'event'; record: Record<string, unknown> }
  | { type: 'checkpoint'; checkpoint: Record<string, unknown> }

let dir = ''
let provider: KeyProvider
let good: Line[] = []

function clone<T>(v: T): T {
  return structuredClone(v)
}

function toText(lines: Line[]): string {
  return (
    lines
      .map((l) =>
        l.type === 'header'
          ? l.text
          : l.type === 'event'
            ? JSON.stringify({ type: 'event', record: l.record })
            : JSON.stringify({ type: 'checkpoint', checkpoint: l.checkpoint }),
      )
      .join('\n') + '\n'
  )
}

function eventAt(lines: Line[], seq: number): Record<string, unknown> {
  const l = lines.find((x) => x.type === 'event' && x.record.seq === seq)
  if (l?.type !== 'event') throw new Error(`no event ${seq}`)
  return l.record
}

function checkpointNo(lines: Line[], n: number): Record<string, unknown> {
  const l = lines.find((x) => x.type === 'checkpoint' && x.checkpoint.number === n)
  if (l?.type !== 'checkpoint') throw new Error(`no checkpoint ${n}`)
  return l.checkpoint
}

function indexOfEvent(lines: Line[], seq: number): number {
  return lines.findIndex((x) => x.type === 'event' && x.record.seq === seq)
}

interface ScriptRun {
  readonly code: number
  readonly json: unknown
}

function runScript(file: string, json = true): Promise<ScriptRun & { stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, ...(json ? ['--json'] : []), file], (err, stdout) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
      resolve({ code, json: json ? (JSON.parse(stdout) as unknown) : undefined, stdout })
    })
  })
}

/** Verifies with both implementations; asserts they agree; returns the TS result. */
async function check(lines: Line[], name: string): Promise<VerifyResult> {
  const text = toText(lines)
  const parsed = await parseAuditExport(text.split('\n'))
  const result = await verifyAudit(parsed)
  const file = join(dir, `${name}.jsonl`)
  await writeFile(file, text)
  const script = await runScript(file)
  expect(script.code).toBe(result.ok ? 0 : 1)
  // JSON round trip drops undefined members, as the script's JSON output does.
  expect(script.json).toEqual(JSON.parse(JSON.stringify(result)))
  return result
}

const brief = (r: VerifyResult) => r.problems.map((p) => [p.kind, p.seq, p.checkpoint])

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strongroom-audit-tamper-'))
  const keyring = join(dir, 'keyring.json')
  // Low scrypt cost for tests only (production: 2^17).
  await initLocalKeyring({ path: keyring, passphrase: 'tamper test', kdf: { N: 2 ** 12 } })
  provider = createLocalKeyProvider({ path: keyring, passphrase: 'tamper test' })
  await provider.open()

  const store = createMemoryAuditStore()
  await store.open()
  const signer = await loadOrCreateSigningKey(store, provider)
  const log = createAuditLog({ store, signer, checkpointEvery: 25 })
  // Batches of 5 keep checkpoints exactly at 25, 50, 75, 100.
  for (let i = 0; i < 100; i += 5) {
    await Promise.all(
      Array.from({ length: 5 }, (_, j) =>
        log.record({
          principal: 'analyst@example.com',
          action: 'dataset.export',
          resources: [
            { type: 'dataset', name: 'crm.customers', id: 'ds_7', version: 3 },
            { type: 'column', name: 'crm.customers.email' },
          ],
          purpose: 'fraud-model-training',
          decision: 'allow',
          policyIds: ['pol_a', 'pol_b'],
          requestId: `req_${i + j}`,
          outcome: 'failure',
          errorCode: 'ERR_STORAGE_NO_SPACE',
          rows: 1000 + i + j,
          bytes: 65536,
          client: { kind: 'server', address: '192.0.2.10' },
        }),
      ),
    )
  }
  await log.close()
  const text: string[] = []
  await exportAudit(store, (l) => void text.push(l))
  good = text.map((t, i): Line => {
    if (i === 0) return { type: 'header', text: t }
    return JSON.parse(t) as Line
  })
})

afterAll(async () => {
  await provider.close()
  await rm(dir, { recursive: true, force: true })
})

describe('audit tamper matrix', () => {
  it('an untampered export verifies (both verifiers; script exit 0)', async () => {
    const r = await check(good, 'good')
    expect(r).toMatchObject({ ok: true, eventsChecked: 100, checkpointsChecked: 4, lastSeq: 100 })
    const human = await runScript(join(dir, 'good.jsonl'), false)
    expect(human.code).toBe(0)
    expect(human.stdout).toContain('OK: 100 events, 4 checkpoints')
  })

  // One change per field of AuditRecord, on event 42 (no checkpoint covers it directly).
  const S = 42
  type Edit = (r: Record<string, unknown>) => void
  const str =
    (k: string): Edit =>
    (r) => {
      const v = r[k] as string
      r[k] = v.slice(0, -1) + (v.endsWith('x') ? 'y' : 'x')
    }
  const contentEdits: [string, Edit][] = [
    ['principal', str('principal')],
    ['action', str('action')],
    ['resources (name)', (r) => ((r.resources as { name: string }[])[0]!.name = 'crm.customerz')],
    ['resources (type)', (r) => ((r.resources as { type: string }[])[1]!.type = 'dataset')],
    ['resources (id)', (r) => ((r.resources as { id: string }[])[0]!.id = 'ds_8')],
    ['resources (version)', (r) => ((r.resources as { version: number }[])[0]!.version = 4)],
    ['resources (removed one)', (r) => (r.resources as unknown[]).pop()],
    ['purpose', str('purpose')],
    ['purpose (removed)', (r) => delete r.purpose],
    ['decision', (r) => (r.decision = 'deny')],
    ['policyIds', (r) => ((r.policyIds as string[])[1] = 'pol_c')],
    ['requestId', str('requestId')],
    ['outcome', (r) => (r.outcome = 'success')],
    ['errorCode', str('errorCode')],
    ['rows', (r) => (r.rows = (r.rows as number) + 1)],
    ['bytes', (r) => (r.bytes = 65537)],
    ['client (kind)', (r) => ((r.client as { kind: string }).kind = 'cli')],
    ['client (address)', (r) => ((r.client as { address: string }).address = '192.0.2.11')],
    [
      'time',
      (r) =>
        (r.time = (r.time as string).replace(
          /\d{3}Z$/,
          (m) => `${(+m.slice(0, 3) + 1) % 1000}`.padStart(3, '0') + 'Z',
        )),
    ],
    ['an added field', (r) => (r.note = 'x')],
  ]
  for (const [field, edit] of contentEdits) {
    it(`a change to ${field} of event ${S} is "edited" at ${S}`, async () => {
      const lines = clone(good)
      edit(eventAt(lines, S))
      expect(brief(await check(lines, `field-${field.replace(/\W+/g, '-')}`))).toEqual([
        ['edited', S, undefined],
      ])
    })
  }

  it(`a change to ${'prevHash'} of event ${S} is "edited" and "broken-link" at ${S}`, async () => {
    const lines = clone(good)
    str('prevHash')(eventAt(lines, S))
    expect(brief(await check(lines, 'field-prevHash'))).toEqual([
      ['edited', S, undefined],
      ['broken-link', S, undefined],
    ])
  })

  it(`a change to hash of event ${S} is "edited" at ${S} and "broken-link" at ${S + 1}`, async () => {
    const lines = clone(good)
    str('hash')(eventAt(lines, S))
    expect(brief(await check(lines, 'field-hash'))).toEqual([
      ['edited', S, undefined],
      ['broken-link', S + 1, undefined],
    ])
  })

  it(`a change to seq of event ${S} is "edited" and breaks the sequence`, async () => {
    const lines = clone(good)
    eventAt(lines, S).seq = S + 1
    expect(brief(await check(lines, 'field-seq'))).toEqual([
      ['edited', S + 1, undefined],
      ['duplicate', S + 1, undefined],
      ['broken-link', S + 2, undefined],
      ['missing', S, undefined],
    ])
  })

  it('an edit with the hash recomputed is a "broken-link" at the next event', async () => {
    const lines = clone(good)
    const r = eventAt(lines, S)
    r.principal = 'mallory'
    r.hash = hashRecord(r as unknown as AuditRecord, r.prevHash as string)
    expect(brief(await check(lines, 'rehash'))).toEqual([['broken-link', S + 1, undefined]])
  })

  it('an edit with the whole chain after it recomputed fails every later checkpoint', async () => {
    const lines = clone(good)
    let prev = ''
    for (const l of lines) {
      if (l.type !== 'event') continue
      const r = l.record
      const seq = r.seq as number
      if (seq === S) r.principal = 'mallory'
      if (seq > S) r.prevHash = prev
      if (seq >= S) r.hash = hashRecord(r as unknown as AuditRecord, r.prevHash as string)
      prev = r.hash as string
    }
    expect(brief(await check(lines, 'rewrite'))).toEqual([
      ['checkpoint-mismatch', 50, 2],
      ['checkpoint-mismatch', 75, 3],
      ['checkpoint-mismatch', 100, 4],
    ])
  })

  it('the first event deleted is "missing" 1', async () => {
    const lines = good.filter((l) => !(l.type === 'event' && l.record.seq === 1))
    const r = await check(lines, 'delete-first')
    expect(r.problems).toEqual([{ kind: 'missing', seq: 1, message: 'event 1 missing' }])
  })

  it('a middle event deleted is "missing" at its seq', async () => {
    const lines = good.filter((l) => !(l.type === 'event' && l.record.seq === S))
    expect(brief(await check(lines, 'delete-middle'))).toEqual([['missing', S, undefined]])
  })

  it('a range deleted is named as one range', async () => {
    const lines = good.filter(
      (l) =>
        !(l.type === 'event' && (l.record.seq as number) >= 40 && (l.record.seq as number) <= 59),
    )
    const r = await check(lines, 'delete-range')
    expect(r.problems).toEqual([{ kind: 'missing', seq: 40, message: 'events 40-59 missing' }])
  })

  it('the last event deleted is "truncated" (checkpoint 4 covers it)', async () => {
    const lines = good.filter((l) => !(l.type === 'event' && l.record.seq === 100))
    expect(brief(await check(lines, 'delete-last'))).toEqual([['truncated', 100, 4]])
  })

  it('the last 10 events removed after a checkpoint covering them is "truncated"', async () => {
    const lines = good.filter((l) => !(l.type === 'event' && (l.record.seq as number) > 90))
    const r = await check(lines, 'truncate')
    expect(brief(r)).toEqual([['truncated', 91, 4]])
    expect(r.problems[0]?.message).toMatch(/^events 91-100 missing: checkpoint 4 covers event 100/)
  })

  it('two events swapped is "reordered"', async () => {
    const lines = clone(good)
    const i = indexOfEvent(lines, S)
    const j = indexOfEvent(lines, S + 1)
    ;[lines[i], lines[j]] = [lines[j]!, lines[i]!]
    expect(brief(await check(lines, 'swap'))).toEqual([['reordered', S, undefined]])
  })

  it('an event duplicated is "duplicate"', async () => {
    const lines = clone(good)
    lines.splice(indexOfEvent(lines, 60) + 1, 0, clone(lines[indexOfEvent(lines, S)]!))
    expect(brief(await check(lines, 'duplicate'))).toEqual([['duplicate', S, undefined]])
  })

  it('an old checkpoint replayed at the end is "checkpoint-replayed"', async () => {
    const lines = clone(good)
    lines.push({ type: 'checkpoint', checkpoint: clone(checkpointNo(lines, 2)) })
    expect(brief(await check(lines, 'replay'))).toEqual([['checkpoint-replayed', undefined, 2]])
  })

  it('a checkpoint removed breaks the checkpoint chain', async () => {
    const lines = good.filter((l) => !(l.type === 'checkpoint' && l.checkpoint.number === 2))
    const r = await check(lines, 'checkpoint-removed')
    expect(r.problems).toEqual([
      {
        kind: 'checkpoint-chain',
        checkpoint: 3,
        message: 'checkpoint 3 follows checkpoint 1: checkpoint 2 missing',
      },
    ])
  })

  it('a checkpoint signed by another key (same keyId) is "bad-signature"', async () => {
    const lines = clone(good)
    const cp = checkpointNo(lines, 2)
    const { privateKey } = generateKeyPairSync('ed25519')
    cp.signature = sign(
      null,
      checkpointSigningBytes(cp as unknown as AuditCheckpoint),
      privateKey,
    ).toString('base64')
    expect(brief(await check(lines, 'forged-signature'))).toEqual([['bad-signature', undefined, 2]])
  })

  it('a checkpoint signed by another key under its own keyId is "unknown-key"', async () => {
    const lines = clone(good)
    const cp = checkpointNo(lines, 2)
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    cp.keyId = auditKeyId(publicKey)
    cp.signature = sign(
      null,
      checkpointSigningBytes(cp as unknown as AuditCheckpoint),
      privateKey,
    ).toString('base64')
    expect(brief(await check(lines, 'unknown-key'))).toEqual([['unknown-key', undefined, 2]])
  })

  it('a checkpoint whose hash is changed is "bad-signature" and "checkpoint-mismatch"', async () => {
    const lines = clone(good)
    const cp = checkpointNo(lines, 2)
    cp.hash = eventAt(lines, 49).hash
    expect(brief(await check(lines, 'checkpoint-hash'))).toEqual([
      ['bad-signature', undefined, 2],
      ['checkpoint-mismatch', 50, 2],
    ])
  })

  it('the standalone script exits 2 on a malformed export and names the line', async () => {
    const file = join(dir, 'malformed.jsonl')
    const text = toText(good).split('\n')
    text[7] = '{"type":"event","record":{"seq":'
    await writeFile(file, text.join('\n'))
    const script = await runScript(file)
    expect(script.code).toBe(2)
    expect(script.json).toMatchObject({ malformed: true, line: 8 })
    await expect(parseAuditExport(text)).rejects.toMatchObject({
      code: 'ERR_AUDIT_EXPORT_MALFORMED',
      details: { line: 8 },
    })
    expect((await runScript(join(dir, 'does-not-exist.jsonl'))).code).toBe(2)
  })
})
