import { createCipheriv, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'

import { AesCmac, aesCmac, dbl } from './cmac.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

// RFC 4493 §4 (identical to NIST SP 800-38B D.1, AES-128).
const KEY = hex('2b7e1516 28aed2a6 abf71588 09cf4f3c')
const MSG = hex(
  '6bc1bee2 2e409f96 e93d7e11 7393172a ae2d8a57 1e03ac9c 9eb76fac 45af8e51' +
    '30c81c46 a35ce411 e5fbc119 1a0a52ef f69f2445 df4f9b17 ad2b417b e66c3710',
)

/** A textbook CMAC (fresh CBC per message) to cross-check the context-reusing one. */
function referenceCmac(key: Buffer, m: Buffer): Buffer {
  const ecb = (b: Buffer): Buffer => {
    const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null)
    c.setAutoPadding(false)
    return c.update(b)
  }
  const l = ecb(Buffer.alloc(16))
  const k1 = Buffer.from(dbl(l, new Uint8Array(16)))
  const k2 = Buffer.from(dbl(k1, new Uint8Array(16)))
  const n = Math.max(1, Math.ceil(m.length / 16))
  const complete = m.length > 0 && m.length % 16 === 0
  const padded = Buffer.alloc(n * 16)
  m.copy(padded)
  if (!complete) padded[m.length] = 0x80
  const k = complete ? k1 : k2
  let x: Buffer = Buffer.alloc(16)
  for (let b = 0; b < n; b++) {
    const block = padded.subarray(b * 16, b * 16 + 16)
    const y = Buffer.alloc(16)
    for (let i = 0; i < 16; i++) y[i] = x[i]! ^ block[i]! ^ (b === n - 1 ? k[i]! : 0)
    x = ecb(y)
  }
  return x
}

describe('AES-CMAC', () => {
  it('derives the RFC 4493 §4 subkeys K1 and K2', () => {
    const l = hex('7df76b0c 1ab899b3 3e42f047 b91b546f')
    const k1 = Buffer.from(dbl(l, new Uint8Array(16)))
    expect(k1.toString('hex')).toBe('fbeed618357133667c85e08f7236a8de')
    expect(Buffer.from(dbl(k1, new Uint8Array(16))).toString('hex')).toBe(
      'f7ddac306ae266ccf90bc11ee46d513b',
    )
  })

  it.each([
    [0, 'bb1d6929e95937287fa37d129b756746'],
    [16, '070a16b46b4d4144f79bdd9dd04a287c'],
    [40, 'dfa66747de9ae63030ca32611497c827'],
    [64, '51f0bebf7e3b9d92fc49741779363cfe'],
  ])('RFC 4493 §4 example, message length %i', (len, tag) => {
    expect(aesCmac(KEY, MSG.subarray(0, len)).toString('hex')).toBe(tag)
  })

  it('RFC 4493 §4 examples in sequence on one reused context', () => {
    const cmac = new AesCmac(KEY)
    const tags = [0, 16, 40, 64, 40, 0].map((n) =>
      Buffer.from(cmac.mac(MSG.subarray(0, n))).toString('hex'),
    )
    expect(tags).toEqual([
      'bb1d6929e95937287fa37d129b756746',
      '070a16b46b4d4144f79bdd9dd04a287c',
      'dfa66747de9ae63030ca32611497c827',
      '51f0bebf7e3b9d92fc49741779363cfe',
      'dfa66747de9ae63030ca32611497c827',
      'bb1d6929e95937287fa37d129b756746',
    ])
  })

  it('NIST SP 800-38B D.2/D.3 AES-192 and AES-256, example 2 (one block)', () => {
    const k192 = hex('8e73b0f7 da0e6452 c810f32b 809079e5 62f8ead2 522c6b7b')
    expect(aesCmac(k192, MSG.subarray(0, 16)).toString('hex')).toBe(
      '9e99a7bf31e710900662f65e617c5184',
    )
    const k256 = hex('603deb10 15ca71be 2b73aef0 857d7781 1f352c07 3b6108d7 2d9810a3 0914dff4')
    expect(aesCmac(k256, MSG.subarray(0, 16)).toString('hex')).toBe(
      '28a7023f452e8f82bd4bf28d8c37c35c',
    )
  })

  it('matches a textbook CMAC on random keys and lengths, with the context reused', () => {
    for (const keyLen of [16, 24, 32]) {
      const key = randomBytes(keyLen)
      const cmac = new AesCmac(key)
      for (let i = 0; i < 200; i++) {
        const m = randomBytes(i % 70)
        expect(Buffer.from(cmac.mac(m)).equals(referenceCmac(key, m))).toBe(true)
      }
    }
  })

  it('refuses keys that are not 16, 24 or 32 bytes', () => {
    expect(() => new AesCmac(Buffer.alloc(20))).toThrow(
      expect.objectContaining({ code: 'ERR_USAGE_INVALID_ARGUMENT' }),
    )
  })
})
