import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'

import { loadWycheproof } from '../../../test/vectors/wycheproof.js'
import { AesSiv, SIV_MAX_ASSOCIATED_DATA } from './siv.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

describe('AES-SIV (RFC 5297)', () => {
  it('RFC 5297 A.1 deterministic authenticated encryption example', () => {
    const siv = new AesSiv(
      hex('fffefdfc fbfaf9f8 f7f6f5f4 f3f2f1f0 f0f1f2f3 f4f5f6f7 f8f9fafb fcfdfeff'),
    )
    const ad = hex('10111213 14151617 18191a1b 1c1d1e1f 20212223 24252627')
    const pt = hex('11223344 55667788 99aabbcc ddee')
    const ct = siv.encrypt(pt, [ad])
    expect(ct.toString('hex')).toBe(
      '85632d07c6e8f37f950acd320a2ecc93' + '40c02b9690c4dc04daef7f6afe5c',
    )
    expect(siv.decrypt(ct, [ad]).equals(pt)).toBe(true)
  })

  it('RFC 5297 A.2 nonce-based example (two AD strings, nonce last)', () => {
    const siv = new AesSiv(
      hex('7f7e7d7c 7b7a7978 77767574 73727170 40414243 44454647 48494a4b 4c4d4e4f'),
    )
    const ad = [
      hex(
        '00112233 44556677 8899aabb ccddeeff deaddada deaddada ffeeddcc bbaa9988' +
          '77665544 33221100',
      ),
      hex('10203040 50607080 90a0'),
      hex('09f91102 9d74e35b d84156c5 635688c0'),
    ]
    const pt = hex(
      '74686973 20697320 736f6d65 20706c61 696e7465 78742074 6f20656e 63727970' +
        '74207573 696e6720 5349562d 414553',
    )
    const ct = siv.encrypt(pt, ad)
    expect(ct.toString('hex')).toBe(
      '7bdb6e3b432667eb06f4d14bff2fbd0f' +
        'cb900f2fddbe404326601965c889bf17dba77ceb094fa663b7a3f748ba8af829ea64ad544a272e9c485b62a3fd5c0d',
    )
    expect(siv.decrypt(ct, ad).equals(pt)).toBe(true)
    // The AD vector is ordered and each string is a separate component.
    expect(() => siv.decrypt(ct, [ad[1]!, ad[0]!, ad[2]!])).toThrow(
      expect.objectContaining({ code: 'ERR_CRYPTO_INTEGRITY' }),
    )
    expect(() => siv.decrypt(ct, [Buffer.concat([ad[0]!, ad[1]!]), ad[2]!])).toThrow(
      expect.objectContaining({ code: 'ERR_CRYPTO_INTEGRITY' }),
    )
  })

  it('is deterministic and round-trips every length 0..100 on one reused instance', () => {
    for (const keyLen of [32, 48, 64]) {
      const siv = new AesSiv(randomBytes(keyLen))
      for (let n = 0; n <= 100; n++) {
        const pt = randomBytes(n)
        const ad = [randomBytes(n % 7)]
        const a = siv.encrypt(pt, ad)
        expect(a.length).toBe(n + 16)
        expect(siv.encrypt(pt, ad).equals(a)).toBe(true)
        expect(siv.decrypt(a, ad).equals(pt)).toBe(true)
      }
    }
  })

  it('fails with ERR_CRYPTO_INTEGRITY on any flipped bit, wrong key, AD or short input', () => {
    const key = randomBytes(64)
    const siv = new AesSiv(key)
    const pt = Buffer.from('ann@example.com')
    const ct = siv.encrypt(pt, [Buffer.from('a')])
    for (let bit = 0; bit < ct.length * 8; bit += 5) {
      const bad = Buffer.from(ct)
      bad[bit >> 3]! ^= 1 << (bit & 7)
      expect(() => siv.decrypt(bad, [Buffer.from('a')])).toThrow(
        expect.objectContaining({ code: 'ERR_CRYPTO_INTEGRITY' }),
      )
    }
    expect(() => siv.decrypt(ct, [Buffer.from('b')])).toThrow(
      expect.objectContaining({ code: 'ERR_CRYPTO_INTEGRITY' }),
    )
    expect(() => siv.decrypt(ct, [])).toThrow(
      expect.objectContaining({ code: 'ERR_CRYPTO_INTEGRITY' }),
    )
    expect(() => new AesSiv(randomBytes(64)).decrypt(ct, [Buffer.from('a')])).toThrow(
      expect.objectContaining({ code: 'ERR_CRYPTO_INTEGRITY' }),
    )
    expect(() => siv.decrypt(ct.subarray(0, 15), [Buffer.from('a')])).toThrow(
      expect.objectContaining({ code: 'ERR_CRYPTO_INTEGRITY' }),
    )
    // A failure leaves the instance usable.
    expect(siv.decrypt(ct, [Buffer.from('a')]).equals(pt)).toBe(true)
  })

  it('limits the AD vector to 126 strings (RFC 5297 §7) and refuses bad key sizes', () => {
    const siv = new AesSiv(randomBytes(32))
    const many = Array.from({ length: SIV_MAX_ASSOCIATED_DATA }, () => Buffer.alloc(1))
    const ct = siv.encrypt(Buffer.from('x'), many)
    expect(siv.decrypt(ct, many).toString()).toBe('x')
    expect(() => siv.encrypt(Buffer.from('x'), [...many, Buffer.alloc(1)])).toThrow(
      expect.objectContaining({ code: 'ERR_USAGE_INVALID_ARGUMENT' }),
    )
    for (const n of [0, 16, 24, 31, 33, 96]) {
      expect(() => new AesSiv(Buffer.alloc(n))).toThrow(
        expect.objectContaining({ code: 'ERR_USAGE_INVALID_ARGUMENT' }),
      )
    }
  })
})

interface DaeadTest {
  readonly tcId: number
  readonly comment: string
  readonly key: string
  readonly aad: string
  readonly msg: string
  readonly ct: string
  readonly result: 'valid' | 'invalid' | 'acceptable'
  readonly flags?: readonly string[]
}

interface DaeadFile {
  readonly numberOfTests: number
  readonly testGroups: readonly { readonly keySize: number; readonly tests: readonly DaeadTest[] }[]
}

const loaded = loadWycheproof<DaeadFile>('aes_siv_cmac_test.json')

if ('skip' in loaded) {
  describe.skip(`Wycheproof AES-SIV-CMAC (${loaded.skip})`, () => {
    it('skipped', () => undefined)
  })
} else {
  const file = loaded.data
  const all = file.testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, keySize: g.keySize })))

  describe('Wycheproof AES-SIV-CMAC (google-wycheproof aes_siv_cmac_test.json)', () => {
    it('covers the whole file', () => {
      expect(all.length).toBe(file.numberOfTests)
      const valid = all.filter((t) => t.result === 'valid').length
      const invalid = all.filter((t) => t.result === 'invalid').length
      expect(valid + invalid).toBe(all.length)
      console.info(
        `Wycheproof AES-SIV-CMAC: ${all.length} run (${valid} valid, ${invalid} invalid)`,
      )
    })

    // DaeadTest: the AD vector is the one string `aad` (possibly empty), `ct` is V || C.
    it.each(all)('tcId $tcId ($result, $keySize-bit key) $comment', (t) => {
      const siv = new AesSiv(hex(t.key))
      const ad = [hex(t.aad)]
      if (t.result === 'valid') {
        expect(siv.encrypt(hex(t.msg), ad).toString('hex')).toBe(t.ct)
        expect(siv.decrypt(hex(t.ct), ad).toString('hex')).toBe(t.msg)
      } else {
        expect(t.result).toBe('invalid')
        expect(() => siv.decrypt(hex(t.ct), ad)).toThrow(
          expect.objectContaining({ code: 'ERR_CRYPTO_INTEGRITY' }),
        )
        expect(siv.encrypt(hex(t.msg), ad).toString('hex')).not.toBe(t.ct)
      }
    })
  })
}

describe('AesSiv batches', () => {
  it('encryptMany equals encrypt per value, for every length mix and AD', () => {
    for (const keyLen of [32, 48, 64]) {
      const siv = new AesSiv(randomBytes(keyLen))
      // Lengths cover empty, short, block-aligned, and over the batching limit (> 128 bytes).
      const plains = Array.from({ length: 300 }, (_, i) =>
        randomBytes([0, 1, 15, 16, 17, 31, 32, 33, 127, 128, 129, 500][i % 12]!),
      )
      for (const ad of [
        [],
        [Buffer.from('crm.customers/email')],
        [Buffer.alloc(0), randomBytes(40)],
      ]) {
        const many = siv.encryptMany(plains, ad)
        expect(many.map((c) => c.toString('hex'))).toEqual(
          plains.map((p) => siv.encrypt(p, ad).toString('hex')),
        )
        expect(siv.decryptMany(many, ad).map((p) => p.toString('hex'))).toEqual(
          plains.map((p) => p.toString('hex')),
        )
      }
    }
  })

  it('RFC 5297 A.1 inside a batch', () => {
    const siv = new AesSiv(hex('fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'))
    const ad = [hex('101112131415161718191a1b1c1d1e1f2021222324252627')]
    const out = siv.encryptMany(
      [Buffer.from('x'), hex('112233445566778899aabbccddee'), Buffer.alloc(0)],
      ad,
    )
    expect(out[1]!.toString('hex')).toBe(
      '85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c',
    )
  })

  it('decryptMany rejects the whole batch and names the row on any tampering', () => {
    const siv = new AesSiv(randomBytes(64))
    const cts = siv.encryptMany(['a', 'bb', 'ccc'].map((s) => Buffer.from(s)))
    const bad = cts.map((c) => Buffer.from(c))
    bad[2]![bad[2]!.length - 1]! ^= 1
    expect(() => siv.decryptMany(bad)).toThrow(
      expect.objectContaining({ code: 'ERR_CRYPTO_INTEGRITY', details: { row: 2 } }),
    )
    expect(() => siv.decryptMany([cts[0]!, Buffer.alloc(3)])).toThrow(
      expect.objectContaining({ code: 'ERR_CRYPTO_INTEGRITY', details: { row: 1 } }),
    )
    expect(siv.decryptMany(cts).map(String)).toEqual(['a', 'bb', 'ccc'])
  })
})
