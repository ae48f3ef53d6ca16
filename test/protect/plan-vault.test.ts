/**
 * The `vault` transform in protection specs and plans: validation (subject column, lake
 * required), tokenization through `protectBatchAsync`, the dataset's subject column as the
 * default subject, and row numbers in errors.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Catalog } from '../../src/catalog/catalog.js'
import { createSqliteCatalog } from '../../src/catalog/sqlite/sqlite-catalog.js'
import type { CellValue, RecordBatch } from '../../src/core/batch.js'
import type { ColumnSchema } from '../../src/core/schema.js'
import { createDefaultRegistry } from '../../src/discovery/default-registry.js'
import { StrongroomError } from '../../src/errors.js'
import {
  compileProtectPlan,
  lineageTransformation,
  protectBatch,
  protectBatchAsync,
} from '../../src/protect/plan.js'
import { parseProtectSpec, parseSpecText, type ParsedSpec } from '../../src/protect/spec.js'
import { TokenVault, VAULT_TOKEN_PATTERN } from '../../src/protect/vault/token-vault.js'

const registry = createDefaultRegistry()
const master = randomBytes(32)

const col = (name: string): ColumnSchema => ({
  name,
  type: 'string',
  physicalType: 'VARCHAR',
  nullable: true,
})
const SCHEMA = [col('customer_id'), col('email'), col('plan')]

function batchOf(rows: CellValue[][]): RecordBatch {
  return {
    columns: SCHEMA,
    values: SCHEMA.map((_, c) => rows.map((r) => r[c] ?? null)),
    rowCount: rows.length,
  }
}

const spec = (yaml: string): ParsedSpec => parseProtectSpec(parseSpecText(yaml))

async function rejection(p: Promise<unknown>): Promise<StrongroomError> {
  try {
    await p
  } catch (e) {
    if (e instanceof StrongroomError) return e
    throw e
  }
  throw new Error('expected a rejection')
}

describe('vault transform', () => {
  let dir: string
  let catalog: Catalog

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sr-plan-vault-'))
    catalog = createSqliteCatalog({ path: join(dir, 'catalog.db') })
    await catalog.open()
  })
  afterAll(async () => {
    await catalog.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('validates its options and subject column with every other problem', async () => {
    const parsed = spec(
      'version: 1\ncolumns:\n  email: { transform: vault, subject: nope, bits: 3 }\n  plan: { transform: mask, keepLast: -1 }\n',
    )
    const e = await rejection(compileProtectPlan(parsed, { schema: SCHEMA, registry, master }))
    expect(e.code).toBe('ERR_PROTECT_SPEC_INVALID')
    expect(e.issues.map((i) => i.path).sort()).toEqual([
      'columns.email.bits',
      'columns.plan.keepLast',
    ])
    const later = await rejection(
      compileProtectPlan(
        spec('version: 1\ncolumns:\n  email: { transform: vault, subject: nope }\n'),
        {
          schema: SCHEMA,
          registry,
          master,
          vault: catalog,
        },
      ),
    )
    expect(later.issues.map((i) => i.path)).toEqual(['columns.email.subject'])
  })

  it('needs a lake (a vault store) and a subject column', async () => {
    const parsed = spec('version: 1\ncolumns:\n  email: { transform: vault }\n')
    const e = await rejection(compileProtectPlan(parsed, { schema: SCHEMA, registry, master }))
    expect(e.issues.map((i) => i.path)).toEqual([
      'columns.email.transform',
      'columns.email.subject',
    ])
    expect(e.issues[0]?.message).toContain('needs a lake')
    // The dataset's subject column must be in the input when it is the default.
    const gone = await rejection(
      compileProtectPlan(parsed, {
        schema: SCHEMA,
        registry,
        master,
        vault: catalog,
        subjectColumn: 'dropped_col',
      }),
    )
    expect(gone.issues.map((i) => i.path)).toEqual(['columns.email.subject'])
    // A classification rule is checked the same way.
    const byClass = await rejection(
      compileProtectPlan(
        spec('version: 1\nclassifications:\n  EMAIL_ADDRESS: { transform: vault }\n'),
        {
          schema: SCHEMA,
          registry,
          master,
          vault: catalog,
          classifications: new Map([['email', 'EMAIL_ADDRESS']]),
        },
      ),
    )
    expect(byClass.issues.map((i) => i.path)).toEqual(['classifications.EMAIL_ADDRESS.subject'])
  })

  it('tokenizes a column per subject through protectBatchAsync; detokenize restores it', async () => {
    const plan = await compileProtectPlan(
      spec('version: 1\ncolumns:\n  email: { transform: vault, domain: crm }\n'),
      { schema: SCHEMA, registry, master, vault: catalog, subjectColumn: 'customer_id' },
    )
    const rows: CellValue[][] = [
      ['c1', 'ann@example.com', 'gold'],
      ['c1', 'ann@example.com', 'gold'],
      ['c2', 'ann@example.com', 'gold'],
      ['c3', null, 'free'],
    ]
    // The synchronous apply refuses a plan with a vault step rather than return promises.
    expect(() => protectBatch(batchOf(rows), plan)).toThrow(/protectBatchAsync/)
    const out = await protectBatchAsync(batchOf(rows), plan)
    const tokens = out.values[1]!
    expect(tokens[0]).toMatch(VAULT_TOKEN_PATTERN)
    expect(tokens[0]).toBe(tokens[1])
    expect(tokens[2]).not.toBe(tokens[0])
    expect(tokens[3]).toBeNull()
    expect(out.values[0]).toEqual(['c1', 'c1', 'c2', 'c3'])
    expect(plan.output.map((c) => c.type)).toEqual(['string', 'string', 'string'])
    expect(lineageTransformation('vault')).toBe('tokenized')
    const vault = new TokenVault(master, catalog)
    try {
      const back = await vault.detokenize('crm', tokens.slice(0, 3) as string[])
      expect(back.map((b) => (b.status === 'ok' ? b.value : null))).toEqual([
        'ann@example.com',
        'ann@example.com',
        'ann@example.com',
      ])
    } finally {
      vault.close()
    }
    plan.dispose?.()
    // A disposed plan's vault refuses to run on zeroed keys.
    await expect(protectBatchAsync(batchOf(rows), plan)).rejects.toThrow(/closed/)
  })

  it('names the column and absolute row of a value without a subject, never the value', async () => {
    const plan = await compileProtectPlan(
      spec('version: 1\ncolumns:\n  email: { transform: vault, subject: customer_id }\n'),
      { schema: SCHEMA, registry, master, vault: catalog },
    )
    const e = await rejection(
      protectBatchAsync(
        batchOf([
          ['c1', 'a@b.c', 'x'],
          [null, 'secret@example.com', 'x'],
        ]),
        plan,
        100,
      ),
    )
    expect(e.code).toBe('ERR_PROTECT_INVALID_VALUE')
    expect(e.details).toMatchObject({ column: 'email', row: 101 })
    expect(JSON.stringify(e.toJSON())).not.toContain('secret@')
    plan.dispose?.()
  })
})
