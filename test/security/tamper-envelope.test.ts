/**
 * Threat: an attacker with write access to the object store (but no keys) tampers with
 * encrypted data files: flips bits, cuts them short, splices or swaps files between
 * datasets, versions or ids. Every such file must fail to decrypt (DESIGN.md "Security
 * decisions": envelope encryption, AAD binds dataset id, version and file id).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { isStrongroomError } from '../../src/errors.js'
import type { ErrorCode } from '../../src/errors.js'
import {
  ENVELOPE_HEADER_LENGTH,
  decryptBuffer,
  decryptStream,
  encryptBuffer,
  fileAad,
  generateKey,
  unwrapDek,
  wrapDek,
} from '../../src/keys/envelope.js'

const S = 256
const FULL = S + 16

async function codeOf(promise: Promise<unknown>): Promise<ErrorCode | 'none' | 'foreign'> {
  try {
    await promise
  } catch (e) {
    return isStrongroomError(e) ? e.code : 'foreign'
  }
  return 'none'
}

function rows(prefix: string, n: number): Buffer {
  return Buffer.from(
    Array.from({ length: n }, (_, i) => `${prefix},row-${i},secret-${i * 7919}\n`).join(''),
  )
}

const kek = generateKey()
const idA = { datasetId: 'ds_payroll', version: 4, fileId: 'f_a' }
const idB = { datasetId: 'ds_public', version: 1, fileId: 'f_b' }

/** A stored file as the lake would keep it: ciphertext plus its wrapped DEK. */
async function store(identity: typeof idA, plain: Buffer, dek = generateKey()) {
  const aad = fileAad(identity)
  return {
    identity,
    aad,
    dek,
    ct: Buffer.from(await encryptBuffer(plain, { dek, aad, segmentSize: S })),
    wrappedDek: wrapDek(dek, kek, aad),
  }
}

/** What a reader does: unwrap the DEK for the identity it expects, then decrypt. */
async function read(ct: Uint8Array, wrappedDek: Uint8Array, identity: typeof idA) {
  const aad = fileAad(identity)
  return decryptBuffer(ct, { dek: unwrapDek(wrappedDek, kek, aad), aad })
}

describe('threat: tampering with an encrypted data file', () => {
  it('rejects random multi-byte edits anywhere in the file (property)', async () => {
    const plain = rows('a', 60)
    const a = await store(idA, plain)
    expect(Buffer.from(await read(a.ct, a.wrappedDek, idA)).equals(plain)).toBe(true)
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: a.ct.length - 1 }), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        async (edits) => {
          const t = Buffer.from(a.ct)
          for (const [at, x] of edits) t[at] = (t[at] ?? 0) ^ x
          if (t.equals(a.ct)) return // edits cancelled out
          const code = await codeOf(read(t, a.wrappedDek, idA))
          expect(['ERR_CRYPTO_INTEGRITY', 'ERR_CRYPTO_UNSUPPORTED_FORMAT']).toContain(code)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('does not store the plaintext', async () => {
    const a = await store(idA, rows('a', 60))
    expect(a.ct.includes(Buffer.from('secret-'))).toBe(false)
    expect(a.ct.includes(Buffer.from('row-1'))).toBe(false)
  })
})

describe('threat: truncating an encrypted data file', () => {
  it('rejects every prefix; cuts that leave no room for a final segment are truncation', async () => {
    const a = await store(idA, rows('a', 40))
    const segments = Math.floor((a.ct.length - ENVELOPE_HEADER_LENGTH) / FULL)
    expect(segments).toBeGreaterThanOrEqual(3)
    for (let end = 0; end < a.ct.length; end++) {
      const code = await codeOf(read(a.ct.subarray(0, end), a.wrappedDek, idA))
      // Inside the header, at a segment boundary, or less than a tag past one: no final
      // segment can be there. Anything longer fails its tag as a would-be final segment.
      const noFinal =
        end < ENVELOPE_HEADER_LENGTH + 16 || (end - ENVELOPE_HEADER_LENGTH) % FULL < 16
      expect(code, `cut at ${end}`).toBe(noFinal ? 'ERR_CRYPTO_TRUNCATED' : 'ERR_CRYPTO_INTEGRITY')
    }
  })

  it('fails a streaming reader at the end, after the verified segments only', async () => {
    const plain = rows('a', 40)
    const a = await store(idA, plain)
    const cut = a.ct.subarray(0, ENVELOPE_HEADER_LENGTH + 2 * FULL)
    const seen: Uint8Array[] = []
    const outcome = await codeOf(
      (async () => {
        for await (const p of decryptStream([cut], {
          dek: a.dek,
          aad: a.aad,
        })) {
          seen.push(p)
        }
      })(),
    )
    expect(outcome).toBe('ERR_CRYPTO_TRUNCATED')
    expect(Buffer.concat(seen).equals(plain.subarray(0, 2 * S))).toBe(true)
  })
})

describe('threat: swapping files between datasets, versions and ids', () => {
  it('rejects a file read under another identity, even with the same DEK', async () => {
    const dek = generateKey()
    const a = await store(idA, rows('a', 20), dek)
    for (const other of [
      idB,
      { ...idA, datasetId: 'ds_public' },
      { ...idA, version: 5 },
      { ...idA, fileId: 'f_b' },
    ]) {
      const code = await codeOf(decryptBuffer(a.ct, { dek, aad: fileAad(other) }))
      expect(code).toBe('ERR_CRYPTO_INTEGRITY')
    }
  })

  it('rejects a file and its wrapped DEK moved to another dataset', async () => {
    const a = await store(idA, rows('a', 20))
    // The attacker copies A's object and wrapped DEK into B's catalog entry.
    expect(await codeOf(read(a.ct, a.wrappedDek, idB))).toBe('ERR_KEYS_UNWRAP_FAILED')
  })

  it('rejects a file swapped under another wrapped DEK', async () => {
    const a = await store(idA, rows('a', 20))
    const b = await store(idB, rows('b', 20))
    expect(await codeOf(read(a.ct, b.wrappedDek, idB))).toBe('ERR_CRYPTO_INTEGRITY')
    expect(await codeOf(read(b.ct, a.wrappedDek, idA))).toBe('ERR_CRYPTO_INTEGRITY')
  })

  it('rejects files spliced from two files (header of one, segments of the other)', async () => {
    const dek = generateKey()
    const a = await store(idA, rows('a', 40), dek)
    const b = await store(idB, rows('b', 40), dek)
    const h = ENVELOPE_HEADER_LENGTH
    const splices = [
      Buffer.concat([a.ct.subarray(0, h), b.ct.subarray(h)]),
      Buffer.concat([a.ct.subarray(0, h + FULL), b.ct.subarray(h + FULL)]),
      Buffer.concat([a.ct.subarray(0, h), b.ct.subarray(h, h + FULL), a.ct.subarray(h + FULL)]),
    ]
    for (const s of splices) {
      expect(await codeOf(decryptBuffer(s, { dek, aad: a.aad }))).toBe('ERR_CRYPTO_INTEGRITY')
      expect(await codeOf(decryptBuffer(s, { dek, aad: b.aad }))).toBe('ERR_CRYPTO_INTEGRITY')
    }
  })
})
