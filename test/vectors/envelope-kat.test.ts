/**
 * Known-answer vectors for our own SRE1 v1 format (test/vectors/envelope-v1.json, made by
 * scripts/make-envelope-vectors.ts; layout in docs/formats.md). A failure here means the
 * on-disk format changed: files written before can no longer be read.
 */
import { readFileSync } from 'node:fs'

import { describe, expect, it } from 'vitest'

import {
  ciphertextLength,
  decryptBuffer,
  decryptStream,
  encryptStreamForVectors,
  fileAad,
} from '../../src/keys/envelope.js'
import { hkdfSha256 } from '../../src/lib/hkdf.js'
import type { EnvelopeVectorFile } from '../../scripts/make-envelope-vectors.js'

const file = JSON.parse(
  readFileSync(new URL('./envelope-v1.json', import.meta.url), 'utf8'),
) as EnvelopeVectorFile
const hex = (s: string): Buffer => Buffer.from(s, 'hex')
const dek = hex(file.dek)
const aad = hex(file.aad)

function* chunked(data: Buffer, size: number): Generator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size)
  if (data.length === 0) yield data
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const p of source) parts.push(p)
  return Buffer.concat(parts)
}

describe('Strongroom SRE1 v1 known-answer vectors (test/vectors/envelope-v1.json)', () => {
  it('has the canonical aad of its identity', () => {
    expect(Buffer.from(fileAad(file.aadIdentity)).toString('hex')).toBe(file.aad)
    expect(file.vectors.length).toBeGreaterThanOrEqual(10)
  })

  describe.each(file.vectors)('$name', (v) => {
    const plaintext = hex(v.plaintext)
    const ciphertext = hex(v.ciphertext)

    it('derives the documented segment key and commitment (HKDF-SHA256)', () => {
      const info = (label: string): Buffer => Buffer.concat([Buffer.from(label), aad])
      expect(hkdfSha256(dek, hex(file.salt), info('strongroom/v1/enc'), 32).toString('hex')).toBe(
        v.segmentKey,
      )
      expect(
        hkdfSha256(dek, hex(file.salt), info('strongroom/v1/commit'), 32).toString('hex'),
      ).toBe(v.commitment)
      expect(ciphertext.subarray(49, 81).toString('hex')).toBe(v.commitment)
    })

    it('re-encrypts to the same bytes, whatever the input chunking', async () => {
      expect(plaintext.length).toBe(v.plaintextLength)
      expect(ciphertext.length).toBe(ciphertextLength(v.plaintextLength, v.segmentSize))
      for (const size of [1, 7, v.segmentSize, 1 << 20]) {
        const options = {
          dek,
          aad,
          segmentSize: v.segmentSize,
          salt: hex(file.salt),
          noncePrefix: hex(file.noncePrefix),
        }
        const out = await collect(encryptStreamForVectors(chunked(plaintext, size), options))
        expect(out.toString('hex')).toBe(v.ciphertext)
      }
    })

    it('decrypts to the plaintext, whatever the input chunking', async () => {
      expect(Buffer.from(await decryptBuffer(ciphertext, { dek, aad })).toString('hex')).toBe(
        v.plaintext,
      )
      for (const size of [1, 13, 80, v.segmentSize + 16]) {
        const out = await collect(decryptStream(chunked(ciphertext, size), { dek, aad }))
        expect(out.toString('hex')).toBe(v.plaintext)
      }
    })
  })
})
