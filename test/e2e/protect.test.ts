/**
 * De-identification through the CLI: `protect FILE` without a lake and `read --protect` from
 * one. Checks format preservation, joinable deterministic tokens, key separation, free text
 * kept byte for byte around redacted spans, nothing written on errors, and that no canary
 * value from the input reaches the output, the lake folder or the audit trail.
 */
import { readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../src/audit/audit-event.js'
import { EXIT } from '../../src/cli/exit-codes.js'
import { isLuhnValid, luhnCheckDigit } from '../../src/protect/fpe/luhn.js'
import { cli, csvOf, newLake, tempDir } from './helpers.js'

const N = 40
const CANARY_EMAIL = 'zebulon.canary7q@example.com'
const CANARY_NAME = 'Zebulon Canaryfield'
const CANARY_SSN = '742-19-3385'

interface Customer {
  customer_id: number
  email: string
  name: string
  ssn: string
  card_number: string
  contact: string
  phone: string
  notes: string
  internal_id: string
  visit: string
  age: number
  signup: string
}

function card(i: number): string {
  const payload = `400000${String(i * 7919).padStart(9, '0')}`
  return payload + luhnCheckDigit(payload)
}

function customers(): Customer[] {
  const out: Customer[] = []
  for (let i = 0; i < N; i++) {
    const subject = i % 20 // every subject has two rows
    const email = subject === 7 ? CANARY_EMAIL : `user${subject}.name@example.com`
    out.push({
      customer_id: 1000 + subject,
      email,
      name: subject === 7 ? CANARY_NAME : `Person${subject} Example`,
      ssn:
        subject === 7
          ? CANARY_SSN
          : `${String(100 + subject)}-${String(10 + subject)}-${String(1000 + subject * 37)}`,
      card_number: card(subject + 1),
      contact: `member${subject}@mail${subject % 3}.example.org`,
      phone: `+1-415-555-${String(100 + subject).padStart(4, '0')}`,
      notes:
        i % 2 === 0
          ? `Order ${i} shipped on time — thanks! 😀`
          : `Please write to ${email} about order ${i}.`,
      internal_id: `INT-${subject}-${i}`,
      // Two visits per subject, 9 days apart.
      visit: i < 20 ? '2024-03-01' : '2024-03-10',
      age: 18 + ((subject * 7) % 60),
      signup: `2023-${String((subject % 12) + 1).padStart(2, '0')}-15`,
    })
  }
  return out
}

const SPEC = `
version: 1
columns:
  email: { transform: token, domain: customers }
  name: { transform: pseudonym, domain: people }
  ssn: { transform: fpe, alphabet: digits }
  card_number: { transform: fpe-card, keepLast4: true }
  contact: { transform: fpe-email }
  phone: { transform: mask, keepLast: 4, char: '*' }
  notes: { transform: redact-text, replace: tag, entities: [EMAIL_ADDRESS] }
  internal_id: { transform: redact, mode: drop }
  visit: { transform: date-shift, subjectColumn: customer_id, maxDays: 30 }
  age: { transform: bucket, width: 10 }
  signup: { transform: bucket-date, granularity: quarter }
`

type Row = Record<string, unknown>

function jsonl(text: string): Row[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Row)
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await walk(p)))
    else if (e.isFile()) out.push(p)
  }
  return out
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

const CANARIES = [CANARY_EMAIL, CANARY_NAME, CANARY_SSN, 'zebulon.canary7q']

function checkProtected(input: Customer[], rows: Row[]): void {
  expect(rows).toHaveLength(input.length)
  const visitDay = new Map<number, number[]>()
  rows.forEach((r, i) => {
    const src = input[i]!
    expect(Object.keys(r)).not.toContain('internal_id')
    expect(r['customer_id']).toBe(src.customer_id)
    expect(r['email']).toMatch(/^[a-z2-7]{26}$/)
    // FPE keeps the length, the alphabet and the separators.
    const ssn = r['ssn'] as string
    expect(ssn).toMatch(/^\d{3}-\d{2}-\d{4}$/)
    expect(ssn).not.toBe(src.ssn)
    const c = String(r['card_number'])
    expect(c).toHaveLength(16)
    expect(isLuhnValid(c)).toBe(true)
    expect(c.slice(0, 6)).toBe(src.card_number.slice(0, 6))
    expect(c.slice(-4)).toBe(src.card_number.slice(-4))
    const contact = r['contact'] as string
    const [local, domain] = contact.split('@')
    expect(`@${domain}`).toBe(src.contact.slice(src.contact.indexOf('@')))
    expect(local).toHaveLength(src.contact.indexOf('@'))
    expect(r['phone']).toBe('*'.repeat(src.phone.length - 4) + src.phone.slice(-4))
    // Free text: non-PII text byte for byte; the email span replaced and nothing else.
    expect(r['notes']).toBe(
      i % 2 === 0 ? src.notes : `Please write to <EMAIL_ADDRESS> about order ${i}.`,
    )
    expect(r['age']).toBe(`${Math.floor(src.age / 10) * 10}-${Math.floor(src.age / 10) * 10 + 9}`)
    expect(r['signup']).toMatch(/^2023-Q[1-4]$/)
    const day = Date.parse(`${String(r['visit'])}T00:00:00Z`) / 86_400_000
    const days = visitDay.get(src.customer_id) ?? []
    days.push(day)
    visitDay.set(src.customer_id, days)
  })
  // One offset per subject: the 9 days between a subject's visits survive.
  for (const days of visitDay.values()) expect(days[1]! - days[0]!).toBe(9)
  // Same value, same token: rows of one subject agree.
  expect(rows[0]!['email']).toBe(rows[20]!['email'])
  expect(rows[0]!['name']).toBe(rows[20]!['name'])
  expect(rows[0]!['email']).not.toBe(rows[1]!['email'])
}

describe('protect (de-identification)', () => {
  let dir: string
  let cleanup: () => Promise<void>
  const input = customers()
  const p = (name: string) => join(dir, name)

  beforeAll(async () => {
    delete process.env['STRONGROOM_PROTECT_KEY']
    ;({ dir, cleanup } = await tempDir('sr-protect-'))
    const header = Object.keys(input[0]!) as (keyof Customer)[]
    await writeFile(
      p('customers.csv'),
      csvOf([header, ...input.map((c) => header.map((h) => c[h]))]),
    )
    await writeFile(p('spec.yaml'), SPEC)
    // A second dataset sharing customers, in another order, to join on the token.
    const orders: (string | number)[][] = [['order_id', 'email', 'amount']]
    for (let k = 0; k < 10; k++) orders.push([k, input[(k * 3) % N]!.email, k * 10])
    await writeFile(p('orders.csv'), csvOf(orders))
    await writeFile(
      p('orders.yaml'),
      'version: 1\ncolumns:\n  email: { transform: token, domain: customers }\n',
    )
    for (const k of ['key1', 'key2']) {
      const r = await cli(['protect', 'keygen', '--out', p(k)])
      expect(r.code, r.stderr).toBe(0)
    }
  })

  afterAll(async () => {
    await cleanup()
  })

  it('writes keys with mode 0600 and never overwrites one', async () => {
    expect((await stat(p('key1'))).mode & 0o777).toBe(0o600)
    const before = await readFile(p('key1'), 'utf8')
    expect(Buffer.from(before.trim(), 'base64')).toHaveLength(32)
    const r = await cli(['protect', 'keygen', '--out', p('key1')])
    expect(r.code).toBe(EXIT.usage)
    expect(r.stderr).toContain('ERR_USAGE_INVALID_ARGUMENT')
    expect(await readFile(p('key1'), 'utf8')).toBe(before)
  })

  it('protects a CSV file: formats kept, text kept, canaries gone', async () => {
    const r = await cli([
      'protect',
      p('customers.csv'),
      '--spec',
      p('spec.yaml'),
      '--out',
      p('out.jsonl'),
      '--key-file',
      p('key1'),
      '--json',
    ])
    expect(r.code, r.stderr).toBe(0)
    const summary = JSON.parse(r.stdout) as {
      rows: number
      columns: { column: string; transform: string; dropped: boolean }[]
    }
    expect(summary.rows).toBe(N)
    expect(summary.columns.find((c) => c.column === 'internal_id')).toMatchObject({
      transform: 'redact',
      dropped: true,
    })
    const text = await readFile(p('out.jsonl'), 'utf8')
    checkProtected(input, jsonl(text))
    for (const canary of CANARIES) {
      expect(text).not.toContain(canary)
      expect(r.stdout).not.toContain(canary)
    }
    expect((await stat(p('out.jsonl'))).mode & 0o777).toBe(0o600)
  })

  it('writes CSV and Parquet too, with the text summary', async () => {
    const csv = await cli([
      'protect',
      p('customers.csv'),
      '--spec',
      p('spec.yaml'),
      '--out',
      p('out.csv'),
      '--key-file',
      p('key1'),
    ])
    expect(csv.code, csv.stderr).toBe(0)
    expect(csv.stdout).toContain(`Wrote ${N} protected rows`)
    expect(csv.stdout).toMatch(/card_number\s+fpe-card\s+column/)
    const lines = (await readFile(p('out.csv'), 'utf8')).trim().split('\n')
    expect(lines[0]).toBe(
      'customer_id,email,name,ssn,card_number,contact,phone,notes,visit,age,signup',
    )
    expect(lines).toHaveLength(N + 1)
    const pq = await cli([
      'protect',
      p('customers.csv'),
      '--spec',
      p('spec.yaml'),
      '--out',
      p('out.parquet'),
      '--key-file',
      p('key1'),
    ])
    expect(pq.code, pq.stderr).toBe(0)
  })

  it('reads a Parquet output back unchanged through a keep-only spec', async () => {
    await writeFile(p('keep.yaml'), 'version: 1\ncolumns:\n  customer_id: { transform: keep }\n')
    const r = await cli([
      'protect',
      p('out.parquet'),
      '--spec',
      p('keep.yaml'),
      '--out',
      p('back.jsonl'),
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(jsonl(await readFile(p('back.jsonl'), 'utf8'))).toEqual(
      jsonl(await readFile(p('out.jsonl'), 'utf8')),
    )
  })

  it('gives the same token in two files under one key and domain (joinable)', async () => {
    const r = await cli([
      'protect',
      p('orders.csv'),
      '--spec',
      p('orders.yaml'),
      '--out',
      p('orders1.jsonl'),
      '--key-file',
      p('key1'),
    ])
    expect(r.code, r.stderr).toBe(0)
    const customersOut = jsonl(await readFile(p('out.jsonl'), 'utf8'))
    const byToken = new Map(customersOut.map((c, i) => [c['email'], input[i]!.email]))
    const orders = jsonl(await readFile(p('orders1.jsonl'), 'utf8'))
    orders.forEach((o, k) => {
      // The join on tokens finds exactly the customer the plaintext join would.
      expect(byToken.get(o['email'])).toBe(input[(k * 3) % N]!.email)
    })
    // The key from the environment is the same key as the file.
    const env = await cli(
      ['protect', p('orders.csv'), '--spec', p('orders.yaml'), '--out', p('orders-env.jsonl')],
      { STRONGROOM_PROTECT_KEY: (await readFile(p('key1'), 'utf8')).trim() },
    )
    expect(env.code, env.stderr).toBe(0)
    expect(await readFile(p('orders-env.jsonl'), 'utf8')).toBe(
      await readFile(p('orders1.jsonl'), 'utf8'),
    )
  })

  it('gives unrelated tokens under a different key', async () => {
    const r = await cli([
      'protect',
      p('orders.csv'),
      '--spec',
      p('orders.yaml'),
      '--out',
      p('orders2.jsonl'),
      '--key-file',
      p('key2'),
    ])
    expect(r.code, r.stderr).toBe(0)
    const a = new Set(jsonl(await readFile(p('orders1.jsonl'), 'utf8')).map((o) => o['email']))
    const b = jsonl(await readFile(p('orders2.jsonl'), 'utf8')).map((o) => o['email'])
    expect(b).toHaveLength(10)
    for (const t of b) expect(a.has(t)).toBe(false)
  })

  it('writes nothing for a bad spec, listing every problem', async () => {
    await writeFile(
      p('bad.yaml'),
      `version: 1
columns:
  emial: { transform: token }
  ssn: { transform: fpe, alphabet: klingon }
  contact: { transform: fpe, alphabet: { characters: "ab" } }
  phone: { transform: mask, keepLast: 4, colour: red }
  notes: { transform: shred }
  visit: { transform: date-shift, subjectColumn: patient_id, maxDays: 30 }
  age: { transform: generalize, hierarchy: hierarchies/age.csv, level: 1 }
`,
    )
    const r = await cli([
      'protect',
      p('customers.csv'),
      '--spec',
      p('bad.yaml'),
      '--out',
      p('bad-out.csv'),
      '--key-file',
      p('key1'),
      '--json',
    ])
    expect(r.code).toBe(EXIT.usage)
    const err = (
      JSON.parse(r.stdout || r.stderr) as {
        error: { code: string; issues: { code: string; path: string }[] }
      }
    ).error
    expect(err.code).toBe('ERR_PROTECT_SPEC_INVALID')
    expect(err.issues.map((i) => `${i.code} ${i.path}`).sort()).toEqual(
      [
        'ERR_PROTECT_SPEC_INVALID columns.emial',
        'ERR_PROTECT_INVALID_ALPHABET columns.ssn.alphabet',
        'ERR_PROTECT_DOMAIN_TOO_SMALL columns.contact',
        'ERR_PROTECT_SPEC_INVALID columns.phone.colour',
        'ERR_PROTECT_SPEC_INVALID columns.notes.transform',
        'ERR_PROTECT_SPEC_INVALID columns.visit.subjectColumn',
        'ERR_PROTECT_SPEC_INVALID columns.age.hierarchy',
      ].sort(),
    )
    expect(await exists(p('bad-out.csv'))).toBe(false)
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('refuses to run without a key, writing nothing', async () => {
    const r = await cli([
      'protect',
      p('customers.csv'),
      '--spec',
      p('spec.yaml'),
      '--out',
      p('nokey.csv'),
    ])
    expect(r.code).toBe(EXIT.keys)
    expect(r.stderr).toContain('ERR_PROTECT_KEY_MISSING')
    expect(await exists(p('nokey.csv'))).toBe(false)
    // A spec without keyed transforms needs no key.
    await writeFile(p('mask.yaml'), 'version: 1\ncolumns:\n  phone: { transform: mask }\n')
    const ok = await cli([
      'protect',
      p('customers.csv'),
      '--spec',
      p('mask.yaml'),
      '--out',
      p('mask.csv'),
    ])
    expect(ok.code, ok.stderr).toBe(0)
  })

  describe('from a lake (read --protect)', () => {
    let lake: string
    const run = (...args: string[]) => cli([...args, '--lake', lake])

    beforeAll(async () => {
      lake = p('lake')
      await (await newLake(lake)).close()
      const r = await run('ingest', p('customers.csv'), '--dataset', 'crm.customers')
      expect(r.code, r.stderr).toBe(0)
      // SSNs are served in clear only to ssn-reader (a default guardrail); the exports below
      // de-identify them from the clear values.
      const me = (await run('principal', 'ls', '--json')).stdout
      const id = (JSON.parse(me) as { id: string }[])[0]?.id ?? ''
      expect((await run('role', 'grant', id, 'ssn-reader')).code).toBe(0)
    }, 120_000)

    it('exports through the plan with the lake key, audited per column', async () => {
      const r = await run(
        'read',
        'crm.customers',
        '--purpose',
        'analytics',
        '--protect',
        p('spec.yaml'),
        '--format',
        'jsonl',
        '--out',
        p('lake1.jsonl'),
      )
      expect(r.code, r.stderr).toBe(0)
      const text = await readFile(p('lake1.jsonl'), 'utf8')
      const rows = jsonl(text)
      checkProtected(input, rows)
      for (const canary of CANARIES) expect(text).not.toContain(canary)
      // The lake key is its own: tokens differ from the standalone key's.
      const standalone = jsonl(await readFile(p('out.jsonl'), 'utf8'))
      expect(rows[0]!['email']).not.toBe(standalone[0]!['email'])

      const again = await run(
        'protect',
        'crm.customers',
        '--purpose',
        'analytics',
        '--spec',
        p('spec.yaml'),
        '--out',
        p('lake2.jsonl'),
      )
      expect(again.code, again.stderr).toBe(0)
      // The master key was stored (wrapped) on first use and is the same on the next export.
      expect(jsonl(await readFile(p('lake2.jsonl'), 'utf8'))).toEqual(rows)

      const audit = await run('audit', 'query', '--action', 'dataset.export', '--json')
      expect(audit.code, audit.stderr).toBe(0)
      const events = JSON.parse(audit.stdout) as AuditRecord[]
      const done = events.filter((e) => e.outcome === 'success')
      expect(done).toHaveLength(2)
      const ids = Object.fromEntries(
        done[0]!.resources.filter((x) => x.type === 'column').map((x) => [x.name, x.id]),
      )
      expect(ids).toMatchObject({
        'crm.customers.email': 'protect:token',
        'crm.customers.name': 'protect:pseudonym',
        'crm.customers.ssn': 'protect:fpe',
        'crm.customers.internal_id': 'protect:redact',
        'crm.customers.customer_id': 'protect:keep',
      })
      expect(done[0]!.rows).toBe(N)
      for (const canary of CANARIES) expect(audit.stdout).not.toContain(canary)

      // Column lineage of the exported file says how each column was made.
      const lineage = await run('lineage', p('lake1.jsonl'), '--upstream', '--columns')
      expect(lineage.code, lineage.stderr).toBe(0)
      // The export's own edge comes before the ingest edge below it.
      const head = lineage.stdout.split('[ingest.')[0]!
      expect(head).toContain('email ← email (tokenized)')
      expect(head).toContain('phone ← phone (masked)')
      expect(head).toContain('age ← age (transformed)')
      expect(head).toContain('customer_id ← customer_id (identity)')
      expect(head).not.toContain('internal_id')
    })

    it('applies classification rules, with hand-made classifications winning', async () => {
      const c = await run(
        'classify',
        'crm.customers',
        '--column',
        'internal_id',
        '--entity',
        'EMPLOYEE_ID',
        '--sensitivity',
        'medium',
      )
      expect(c.code, c.stderr).toBe(0)
      await writeFile(
        p('classes.yaml'),
        `version: 1
classifications:
  EMPLOYEE_ID: { transform: tag }
  EMAIL_ADDRESS: { transform: token, domain: customers }
`,
      )
      const r = await run(
        'read',
        'crm.customers',
        '--purpose',
        'analytics',
        '--protect',
        p('classes.yaml'),
        '--format',
        'jsonl',
        '--out',
        p('lake-classes.jsonl'),
      )
      expect(r.code, r.stderr).toBe(0)
      const rows = jsonl(await readFile(p('lake-classes.jsonl'), 'utf8'))
      const byColumnRule = jsonl(await readFile(p('lake1.jsonl'), 'utf8'))
      rows.forEach((row, i) => {
        expect(row['internal_id']).toBe('<EMPLOYEE_ID>')
        // Detected as EMAIL_ADDRESS: the same tokens as the column rule with the same domain.
        expect(row['email']).toBe(byColumnRule[i]!['email'])
        expect(row['customer_id']).toBe(input[i]!.customer_id)
      })
      const audit = await run('audit', 'query', '--action', 'dataset.export', '--json')
      const last = (JSON.parse(audit.stdout) as AuditRecord[]).at(-1)!
      const ids = Object.fromEntries(last.resources.map((x) => [x.name, x.id]))
      expect(ids).toMatchObject({
        'crm.customers.internal_id': 'protect:tag:EMPLOYEE_ID',
        'crm.customers.email': 'protect:token:EMAIL_ADDRESS',
      })
    })

    it('writes nothing for a bad spec and records the failure', async () => {
      const r = await run(
        'read',
        'crm.customers',
        '--purpose',
        'analytics',
        '--protect',
        p('bad.yaml'),
        '--out',
        p('lake-bad.csv'),
      )
      expect(r.code).toBe(EXIT.usage)
      expect(r.stderr).toContain('ERR_PROTECT_SPEC_INVALID')
      expect(await exists(p('lake-bad.csv'))).toBe(false)
      const audit = await run('audit', 'query', '--action', 'dataset.export', '--json')
      const last = (JSON.parse(audit.stdout) as AuditRecord[]).at(-1)
      expect(last).toMatchObject({ outcome: 'failure', errorCode: 'ERR_PROTECT_SPEC_INVALID' })
    })

    it('leaves no canary anywhere in the lake folder', async () => {
      const files = await walk(lake)
      expect(files.some((f) => f.endsWith('protect-master-key.json'))).toBe(true)
      for (const f of files) {
        const bytes = await readFile(f)
        for (const canary of CANARIES) expect(bytes.includes(Buffer.from(canary))).toBe(false)
      }
      // The stored transform key is wrapped: no 32-byte key in clear, only the wrap record.
      const stored = JSON.parse(
        await readFile(
          files.find((f) => f.endsWith('protect-master-key.json'))!,
          'utf8',
        ),
      ) as Record<string, unknown>
      expect(Object.keys(stored).sort()).toEqual(['algorithm', 'ciphertext', 'rootKeyId'])
    })
  })
})
