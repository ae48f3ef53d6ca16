/**
 * The same lake operations, unchanged, on the service backends: PostgreSQL catalog,
 * S3-compatible object store (s3rver) and a PKCS#11 root key (SoftHSM2). Skips with a
 * reason when a service is absent; STRONGROOM_REQUIRE_SERVICES=1 makes that a failure.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateCustomersCsv } from '../../src/formats/synthetic.js'
import { createStrongroom, initStrongroom, type Strongroom } from '../../src/index.js'
import { tempDir } from '../e2e/helpers.js'
import { startS3rver } from '../helpers/s3rver.js'
import { createSoftHsmToken, softHsmSkipReason, type SoftHsmToken } from '../helpers/softhsm.js'

const url = process.env['STRONGROOM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const required = process.env['STRONGROOM_REQUIRE_SERVICES'] === '1'
const schema = `strongroom_it_${randomBytes(6).toString('hex')}`
const BUCKET = 'strongroom-lake'

async function pgReason(): Promise<string | false> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    return false
  } catch (e) {
    return `PostgreSQL unreachable (${String(e)})`
  } finally {
    await client.end().catch(() => undefined)
  }
}

const s3 = await startS3rver(BUCKET)
const reasons = [
  await pgReason(),
  s3.ok ? false : `s3rver: ${s3.reason}`,
  softHsmSkipReason(),
].filter((r): r is string => r !== false)
if (reasons.length > 0 && required)
  throw new Error(`services required but missing: ${reasons.join('; ')}`)

describe.skipIf(reasons.length > 0)('a lake on PostgreSQL + S3 + PKCS#11', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let token: SoftHsmToken
  let lake: Strongroom
  let root: string
  let csv: string

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-it-'))
    token = await createSoftHsmToken({ label: 'strongroom-lake' })
    process.env['SR_IT_PIN'] = token.pin
    process.env['AWS_ACCESS_KEY_ID'] = 'S3RVER'
    process.env['AWS_SECRET_ACCESS_KEY'] = 'S3RVER'
    root = join(dir, 'lake')
    csv = join(dir, 'c.csv')
    generateCustomersCsv(csv, { rows: 10_000, seed: 5 })
    lake = await initStrongroom({
      root,
      config: {
        catalog: { kind: 'postgres', url, schema },
        objectStore: {
          kind: 's3',
          bucket: BUCKET,
          prefix: 'lake/',
          endpoint: s3.ok ? s3.endpoint : '',
          region: 'us-east-1',
          forcePathStyle: true,
        },
        keyProvider: {
          kind: 'pkcs11',
          module: token.modulePath,
          tokenLabel: token.tokenLabel,
          keyLabel: 'strongroom-root',
          pinEnv: 'SR_IT_PIN',
        },
        engine: { scratchDir: '/dev/shm', chunkBytes: 256 * 1024, threads: 1 },
      },
    })
  })

  afterAll(async () => {
    await lake?.close()
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await client.end()
    if (s3.ok) await s3.stop()
    await token?.cleanup()
    await cleanup()
  })

  it('reports the service backends', () => {
    expect(lake.backends).toEqual({ catalog: 'postgres', objectStore: 's3', keyProvider: 'pkcs11' })
  })

  it('ingests, reads, rotates, verifies and collects garbage', async () => {
    const r = await lake.ingest(csv, { dataset: 'crm.customers' })
    expect(r.files).toBeGreaterThan(1)
    await lake.ingest(csv, { dataset: 'crm.customers' })
    let n = 0
    for await (const b of lake.read('crm.customers', { purpose: 'analytics', columns: ['email'] }))
      n += b.rowCount
    expect(n).toBe(20_000)
    const [rot] = await lake.rotateKeys()
    expect(rot?.toKekVersion).toBe(2)
    const show = await lake.show('crm.customers')
    expect(show.keys.find((k) => k.state === 'active')?.rootKeyId).toBe('pkcs11:strongroom-root')
    expect((await lake.doctor()).ok).toBe(true)
    expect((await lake.gc({ minAgeMs: 0 })).removed).toBe(0)
  })

  it('reopens from strongroom.yaml alone', async () => {
    await lake.close()
    lake = await createStrongroom({ root })
    expect((await lake.versions('crm.customers')).map((v) => v.rows)).toEqual([10_000, 20_000])
  })
})
