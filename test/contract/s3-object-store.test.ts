import { afterAll, describe, expect, it } from 'vitest'

import { createS3ObjectStore } from '../../src/storage/s3/s3-object-store.js'
import type { S3ObjectStoreOptions } from '../../src/storage/s3/s3-object-store.js'
import { startS3rver } from '../helpers/s3rver.js'
import { readAll, rejection, runObjectStoreContract } from './object-store.contract.js'

const BUCKET = 'strongroom-contract'

const server = await startS3rver(BUCKET)
if (!server.ok && process.env['STRONGROOM_REQUIRE_SERVICES'] === '1') {
  throw new Error(`s3rver is required (STRONGROOM_REQUIRE_SERVICES=1) but failed: ${server.reason}`)
}
if (server.ok) afterAll(server.stop)

function options(extra: Partial<S3ObjectStoreOptions> = {}): S3ObjectStoreOptions {
  return {
    bucket: BUCKET,
    endpoint: server.ok ? server.endpoint : 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    ...extra,
  }
}

// Every test gets its own key prefix in the shared bucket: a fresh, empty store.
let run = 0
runObjectStoreContract('s3 (s3rver)', {
  create: () => Promise.resolve(createS3ObjectStore(options({ prefix: `run-${++run}/` }))),
  skip: server.ok ? false : `s3rver could not start: ${server.reason}`,
})

describe.skipIf(!server.ok)('s3 object store against s3rver', () => {
  // Pagination (listPageSize) cannot be exercised here: s3rver encrypts continuation
  // tokens with DES, which OpenSSL 3 (Node 18+) no longer provides, so it answers 500.

  it('stores bytes unaltered (no aws-chunked framing)', async () => {
    const store = createS3ObjectStore(options({ prefix: 'framing' }))
    await store.open()
    try {
      const body = Buffer.from('exact bytes, no checksum trailer')
      await store.put('x', body)
      expect(await readAll(await store.get('x'))).toEqual(body)
      expect((await store.head('x'))?.size).toBe(body.byteLength)
    } finally {
      await store.close()
    }
  })

  it('fails to open a missing bucket with ERR_STORAGE_UNAVAILABLE', async () => {
    const store = createS3ObjectStore(options({ bucket: 'no-such-bucket' }))
    await rejection(store.open(), 'ERR_STORAGE_UNAVAILABLE')
  })
})

describe('s3 object store without a server', () => {
  it('maps a refused connection to ERR_STORAGE_UNAVAILABLE', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const store = createS3ObjectStore({
      bucket: BUCKET,
      endpoint: 'http://127.0.0.1:1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts: 1,
    })
    await rejection(store.open(), 'ERR_STORAGE_UNAVAILABLE')
  })

  it('rejects an invalid prefix as ERR_CONFIG_INVALID', () => {
    expect(() => createS3ObjectStore({ bucket: BUCKET, prefix: '../up' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    )
  })

  it('refuses calls before open', async () => {
    const store = createS3ObjectStore({ bucket: BUCKET })
    await rejection(store.head('x'), 'ERR_STORAGE_UNAVAILABLE')
  })
})
