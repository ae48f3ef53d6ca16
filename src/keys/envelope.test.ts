import { randomBytes } from 'node:crypto'

import fc from 'fast-check'
import { beforeEach, describe, expect, it, vi } from 'vitest'

import { isStrongroomError } from '../errors.js'
import type { ErrorCode } from '../errors.js'
import type * as AesGcm from '../lib/aes-gcm.js'
import { gcmOpen } from '../lib/aes-gcm.js'
import { hkdfSha256 } from '../lib/hkdf.js'
import {
  DEFAULT_SEGMENT_SIZE,
  ENVELOPE_HEADER_LENGTH,
  MAX_AAD_LENGTH,
  ciphertextLength,
  decryptBuffer,
  decryptStream,
  encryptBuffer,
  encryptStream,
  fileAad,
  generateKey,
  unwrapDek,
  wrapDek,
} from './envelope.js'

// Spy on the GCM primitive (keeping its behaviour) to prove the key commitment is checked
// before any segment is decrypted.
vi.mock('../lib/aes-gcm.js', async (importOriginal) => {
  const real = await importOriginal<typeof AesGcm>()
  return { ...real, gcmOpen: vi.fn(real.gcmOpen) }
})

const TAG = 16
const dek = Buffer.alloc(32, 0x11)
const aad = fileAad({ datasetId: 'ds_unit', version: 3, fileId: 'f_unit' })

function pattern(n: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * 7 + 3) & 0xff
  return b
}

/** Yields `data` in pieces whose sizes cycle through `sizes`. */
function* chunked(data: Uint8Array, sizes: readonly number[]): Generator<Uint8Array> {
  let pos = 0
  let k = 0
  while (pos < data.length) {
    const size = Math.max(1, sizes[k % sizes.length] ?? 1)
    yield data.subarray(pos, pos + size)
    pos += size
    k += 1
  }
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const p of source) parts.push(p)
  return Buffer.concat(parts)
}

/** Decrypts as a stream; returns what was yielded before the failure and the error code. */
async function streamOutcome(
  ciphertext: Uint8Array,
  options = { dek, aad },
  sizes: readonly number[] = [37],
): Promise<{ yielded: Buffer; code: ErrorCode | undefined }> {
  const parts: Uint8Array[] = []
  try {
    for await (const p of decryptStream(chunked(ciphertext, sizes), options)) parts.push(p)
  } catch (e) {
    if (!isStrongroomError(e)) throw e
    return { yielded: Buffer.concat(parts), code: e.code }
  }
  return { yielded: Buffer.concat(parts), code: undefined }
}

async function codeOf(promise: Promise<unknown>): Promise<ErrorCode | undefined> {
  try {
    await promise
  } catch (e) {
    if (!isStrongroomError(e)) throw e
    return e.code
  }
  return undefined
}

/** A 3-segment file with S = 64 (64 + 64 + 22 bytes) and its segment offsets. */
async function threeSegments(): Promise<{ plain: Buffer; ct: Buffer; seg: (i: number) => Buffer }> {
  const plain = pattern(150)
  const ct = Buffer.from(await encryptBuffer(plain, { dek, aad, segmentSize: 64 }))
  const full = 64 + TAG
  const seg = (i: number): Buffer =>
    ct.subarray(ENVELOPE_HEADER_LENGTH + i * full, ENVELOPE_HEADER_LENGTH + (i + 1) * full)
  return { plain, ct, seg }
}

beforeEach(() => {
  vi.mocked(gcmOpen).mockClear()
})

describe('envelope round trip', () => {
  it('round-trips random lengths, segment sizes and chunkings (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 700 }),
        fc.integer({ min: 1, max: 130 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
        async (plain, segmentSize, inSizes, ctSizes) => {
          const ct = await collect(
            encryptStream(chunked(plain, inSizes), { dek, aad, segmentSize }),
          )
          expect(ct.length).toBe(ciphertextLength(plain.length, segmentSize))
          const back = await collect(decryptStream(chunked(ct, ctSizes), { dek, aad }))
          expect(back.equals(Buffer.from(plain))).toBe(true)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('round-trips an empty stream (no chunks at all) as one empty final segment', async () => {
    const ct = await collect(encryptStream(chunked(new Uint8Array(0), [1]), { dek, aad }))
    expect(ct.length).toBe(ENVELOPE_HEADER_LENGTH + TAG)
    expect((await decryptBuffer(ct, { dek, aad })).length).toBe(0)
  })

  it('round-trips multi-segment data at the default segment size', async () => {
    const plain = randomBytes(2 * DEFAULT_SEGMENT_SIZE + 12345)
    const ct = await encryptBuffer(plain, { dek, aad })
    expect(ct.length).toBe(ciphertextLength(plain.length))
    const back = await collect(decryptStream(chunked(ct, [65536, 1, 100_000]), { dek, aad }))
    expect(back.equals(plain)).toBe(true)
  })

  it('encrypts the same plaintext differently each time (random salt and nonce prefix)', async () => {
    const plain = pattern(100)
    const a = Buffer.from(await encryptBuffer(plain, { dek, aad }))
    const b = Buffer.from(await encryptBuffer(plain, { dek, aad }))
    expect(a.equals(b)).toBe(false)
    expect(a.subarray(10, 49).equals(b.subarray(10, 49))).toBe(false)
  })

  it('computes ciphertextLength as header + data + one tag per segment', () => {
    expect(ciphertextLength(0, 64)).toBe(81 + 16)
    expect(ciphertextLength(63, 64)).toBe(81 + 63 + 16)
    expect(ciphertextLength(64, 64)).toBe(81 + 64 + 32)
    expect(ciphertextLength(150, 64)).toBe(81 + 150 + 48)
    expect(ciphertextLength(1, DEFAULT_SEGMENT_SIZE)).toBe(81 + 1 + 16)
  })

  it('lets a consumer stop early without error', async () => {
    const ct = await encryptBuffer(pattern(300), { dek, aad, segmentSize: 64 })
    for await (const first of decryptStream(chunked(ct, [1000]), { dek, aad })) {
      expect(first.length).toBe(64)
      break
    }
  })
})

describe('envelope integrity', () => {
  it('detects every single-bit flip (bytes 0-5: unsupported format; others: integrity)', async () => {
    const { ct } = await threeSegments()
    for (let byte = 0; byte < ct.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const t = Buffer.from(ct)
        t[byte] = (t[byte] ?? 0) ^ (1 << bit)
        const expected = byte < 6 ? 'ERR_CRYPTO_UNSUPPORTED_FORMAT' : 'ERR_CRYPTO_INTEGRITY'
        expect(await codeOf(decryptBuffer(t, { dek, aad })), `byte ${byte} bit ${bit}`).toBe(
          expected,
        )
      }
    }
  })

  it('never yields the plaintext of a segment whose tag fails', async () => {
    const { plain, ct } = await threeSegments()
    const full = 64 + TAG
    for (const [segment, offset] of [
      [0, 5],
      [1, 70],
      [2, 3],
    ] as const) {
      const t = Buffer.from(ct)
      const at = ENVELOPE_HEADER_LENGTH + segment * full + offset
      t[at] = (t[at] ?? 0) ^ 0x80
      // Whole-file chunks and 1-byte chunks: the verified prefix only, then the error.
      for (const sizes of [[t.length], [1]]) {
        const { yielded, code } = await streamOutcome(t, { dek, aad }, sizes)
        expect(code).toBe('ERR_CRYPTO_INTEGRITY')
        expect(yielded.equals(plain.subarray(0, segment * 64))).toBe(true)
      }
    }
  })

  it('detects truncation at every segment boundary as ERR_CRYPTO_TRUNCATED', async () => {
    const { ct } = await threeSegments()
    const full = 64 + TAG
    for (const end of [0, 10, ENVELOPE_HEADER_LENGTH, 81 + full, 81 + 2 * full]) {
      expect(await codeOf(decryptBuffer(ct.subarray(0, end), { dek, aad })), `at ${end}`).toBe(
        'ERR_CRYPTO_TRUNCATED',
      )
    }
    // 64 bytes: a full segment and an empty final; dropping the final is caught too.
    const aligned = await encryptBuffer(pattern(64), { dek, aad, segmentSize: 64 })
    expect(await codeOf(decryptBuffer(aligned.subarray(0, 81 + full), { dek, aad }))).toBe(
      'ERR_CRYPTO_TRUNCATED',
    )
  })

  it('detects truncation at every byte', async () => {
    const { ct } = await threeSegments()
    for (let end = 0; end < ct.length; end++) {
      const code = await codeOf(decryptBuffer(ct.subarray(0, end), { dek, aad }))
      expect(['ERR_CRYPTO_TRUNCATED', 'ERR_CRYPTO_INTEGRITY'], `at ${end}`).toContain(code)
    }
  })

  it('detects reordered, duplicated and dropped segments', async () => {
    const { ct, seg } = await threeSegments()
    const header = ct.subarray(0, ENVELOPE_HEADER_LENGTH)
    const last = ct.subarray(ENVELOPE_HEADER_LENGTH + 2 * (64 + TAG))
    const variants = [
      Buffer.concat([header, seg(1), seg(0), last]), // swap
      Buffer.concat([header, seg(0), seg(0), last]), // duplicate
      Buffer.concat([header, seg(0), seg(1), seg(1), last]), // duplicate, extend
      Buffer.concat([header, seg(1), last]), // drop first
      Buffer.concat([header, seg(0), last]), // drop middle
    ]
    for (const v of variants) {
      expect(await codeOf(decryptBuffer(v, { dek, aad }))).toBe('ERR_CRYPTO_INTEGRITY')
    }
  })

  it('detects any extension after the final segment', async () => {
    const { ct, seg } = await threeSegments()
    for (const tail of [Buffer.of(0), Buffer.alloc(TAG), seg(0), ct.subarray(ct.length - 38)]) {
      expect(await codeOf(decryptBuffer(Buffer.concat([ct, tail]), { dek, aad }))).toBe(
        'ERR_CRYPTO_INTEGRITY',
      )
    }
  })

  it('detects a changed aad before decrypting any segment (key commitment)', async () => {
    const { ct } = await threeSegments()
    const others = [
      fileAad({ datasetId: 'ds_unit', version: 4, fileId: 'f_unit' }),
      fileAad({ datasetId: 'ds_other', version: 3, fileId: 'f_unit' }),
      fileAad({ datasetId: 'ds_unit', version: 3, fileId: 'f_other' }),
      new Uint8Array(0),
    ]
    for (const other of others) {
      vi.mocked(gcmOpen).mockClear()
      expect(await codeOf(decryptBuffer(ct, { dek, aad: other }))).toBe('ERR_CRYPTO_INTEGRITY')
      expect(gcmOpen).not.toHaveBeenCalled()
    }
  })

  it('detects a wrong key before decrypting any segment (key commitment)', async () => {
    const { ct } = await threeSegments()
    const wrong = Buffer.from(dek)
    wrong[31] = (wrong[31] ?? 0) ^ 1
    expect(await codeOf(decryptBuffer(ct, { dek: wrong, aad }))).toBe('ERR_CRYPTO_INTEGRITY')
    expect(await codeOf(decryptBuffer(ct, { dek: generateKey(), aad }))).toBe(
      'ERR_CRYPTO_INTEGRITY',
    )
    expect(gcmOpen).not.toHaveBeenCalled()
    // With the right key, segments are decrypted: the spy does observe real calls.
    await decryptBuffer(ct, { dek, aad })
    expect(gcmOpen).toHaveBeenCalledTimes(3)
  })

  it('stores HKDF(dek, salt, "strongroom/v1/commit" || aad) as the commitment', async () => {
    const { ct } = await threeSegments()
    const salt = ct.subarray(10, 42)
    const info = Buffer.concat([Buffer.from('strongroom/v1/commit'), aad])
    expect(ct.subarray(49, 81).equals(hkdfSha256(dek, salt, info, 32))).toBe(true)
  })

  it('rejects unknown magic, version and algorithm as ERR_CRYPTO_UNSUPPORTED_FORMAT', async () => {
    const { ct } = await threeSegments()
    for (const [at, value] of [
      [0, 0x50],
      [3, 0x32],
      [4, 2],
      [4, 0],
      [5, 2],
    ] as const) {
      const t = Buffer.from(ct)
      t[at] = value
      expect(await codeOf(decryptBuffer(t, { dek, aad }))).toBe('ERR_CRYPTO_UNSUPPORTED_FORMAT')
    }
    expect(await codeOf(decryptBuffer(pattern(200), { dek, aad }))).toBe(
      'ERR_CRYPTO_UNSUPPORTED_FORMAT',
    )
  })

  it('rejects an out-of-range segment size in the header as ERR_CRYPTO_INTEGRITY', async () => {
    const { ct } = await threeSegments()
    for (const size of [0, 64 * 1024 * 1024 + 1, 0xffffffff]) {
      const t = Buffer.from(ct)
      t.writeUInt32BE(size, 6)
      expect(await codeOf(decryptBuffer(t, { dek, aad }))).toBe('ERR_CRYPTO_INTEGRITY')
    }
  })

  it('puts no data, key or check name in error messages', async () => {
    const secret = Buffer.from('CANARY-PLAINTEXT-0123456789')
    const ct = Buffer.from(await encryptBuffer(secret, { dek, aad, segmentSize: 64 }))
    ct[ct.length - 1] = (ct[ct.length - 1] ?? 0) ^ 1
    for (const attempt of [
      decryptBuffer(ct, { dek, aad }),
      decryptBuffer(ct, { dek: generateKey(), aad }),
    ]) {
      const e: unknown = await attempt.then(
        () => undefined,
        (err: unknown) => err,
      )
      if (!isStrongroomError(e)) throw new Error('expected a StrongroomError')
      const shown = JSON.stringify(e.toJSON()) + String(e.stack)
      expect(e.message).toBe('encrypted object failed its integrity check')
      for (const forbidden of [
        'CANARY',
        dek.toString('hex'),
        dek.toString('base64'),
        'commit',
        'tag',
      ]) {
        expect(shown).not.toContain(forbidden)
      }
      expect(e.cause).toBeUndefined()
    }
  })

  it('propagates an error thrown by the ciphertext source', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10)
      await new Promise((resolve) => setImmediate(resolve))
      throw new Error('source failed')
    }
    await expect(collect(decryptStream(failing(), { dek, aad }))).rejects.toThrow('source failed')
  })
})

describe('envelope arguments', () => {
  it('rejects bad keys, aad, segment sizes and chunks with ERR_USAGE_INVALID_ARGUMENT', async () => {
    const bad = [
      encryptBuffer(pattern(1), { dek: Buffer.alloc(16), aad }),
      encryptBuffer(pattern(1), { dek, aad: new Uint8Array(MAX_AAD_LENGTH + 1) }),
      encryptBuffer(pattern(1), { dek, aad, segmentSize: 0 }),
      encryptBuffer(pattern(1), { dek, aad, segmentSize: 1.5 }),
      encryptBuffer(pattern(1), { dek, aad, segmentSize: 64 * 1024 * 1024 + 1 }),
      decryptBuffer(pattern(100), { dek: Buffer.alloc(31), aad }),
      collect(encryptStream(['text' as unknown as Uint8Array], { dek, aad })),
    ]
    for (const p of bad) expect(await codeOf(p)).toBe('ERR_USAGE_INVALID_ARGUMENT')
    expect(() => ciphertextLength(-1, 64)).toThrow()
  })
})

describe('fileAad', () => {
  it('is injective over identities (property)', () => {
    const id = fc.record({
      datasetId: fc.string({ minLength: 1, maxLength: 12 }),
      version: fc.nat(),
      fileId: fc.string({ minLength: 1, maxLength: 12 }),
    })
    fc.assert(
      fc.property(id, id, (a, b) => {
        const same = a.datasetId === b.datasetId && a.version === b.version && a.fileId === b.fileId
        expect(Buffer.from(fileAad(a)).equals(Buffer.from(fileAad(b)))).toBe(same)
      }),
      { numRuns: 500 },
    )
  })

  it('does not let field boundaries shift', () => {
    const a = fileAad({ datasetId: 'ab', version: 1, fileId: 'c' })
    const b = fileAad({ datasetId: 'a', version: 1, fileId: 'bc' })
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
  })

  it('rejects empty ids, lone surrogates and non-integer versions', () => {
    for (const identity of [
      { datasetId: '', version: 1, fileId: 'f' },
      { datasetId: 'd', version: 1, fileId: '' },
      { datasetId: 'd\ud800', version: 1, fileId: 'f' },
      { datasetId: 'd', version: -1, fileId: 'f' },
      { datasetId: 'd', version: 1.5, fileId: 'f' },
      { datasetId: 'd'.repeat(2000), version: 1, fileId: 'f' },
    ]) {
      expect(() => fileAad(identity)).toThrow(
        expect.objectContaining({ code: 'ERR_USAGE_INVALID_ARGUMENT' }),
      )
    }
  })
})

describe('wrapDek / unwrapDek', () => {
  const kek = generateKey()
  const context = aad

  it('round-trips and outputs nonce(12) || ct(32) || tag(16)', () => {
    const d = generateKey()
    const w = wrapDek(d, kek, context)
    expect(w.length).toBe(60)
    expect(Buffer.from(unwrapDek(w, kek, context)).equals(Buffer.from(d))).toBe(true)
  })

  it('is randomized', () => {
    const d = generateKey()
    expect(
      Buffer.from(wrapDek(d, kek, context)).equals(Buffer.from(wrapDek(d, kek, context))),
    ).toBe(false)
  })

  it('fails with ERR_KEYS_UNWRAP_FAILED on another context, KEK, any flipped byte or bad length', () => {
    const w = Buffer.from(wrapDek(generateKey(), kek, context))
    const attempts: (() => unknown)[] = [
      () => unwrapDek(w, kek, fileAad({ datasetId: 'ds_unit', version: 3, fileId: 'f_x' })),
      () => unwrapDek(w, generateKey(), context),
      () => unwrapDek(w.subarray(0, 28), kek, context),
      () => unwrapDek(w.subarray(0, 59), kek, context),
      () => unwrapDek(new Uint8Array(0), kek, context),
    ]
    for (let i = 0; i < w.length; i++) {
      const t = Buffer.from(w)
      t[i] = (t[i] ?? 0) ^ 0x01
      attempts.push(() => unwrapDek(t, kek, context))
    }
    for (const attempt of attempts) {
      expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_KEYS_UNWRAP_FAILED' }))
    }
  })

  it('generates distinct 32-byte keys', () => {
    const a = generateKey()
    expect(a.length).toBe(32)
    expect(Buffer.from(a).equals(Buffer.from(generateKey()))).toBe(false)
  })
})
