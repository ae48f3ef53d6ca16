/**
 * The nine FF1 sample vectors of NIST SP 800-38G (CSRC "Examples with Intermediate Values",
 * FF1samples.pdf): AES-128/192/256, radix 10 with an empty and a 10-byte tweak, radix 36
 * with an 11-byte tweak, through single, numeral and batch calls.
 */
import { describe, expect, it } from 'vitest'

import { ALPHANUMERIC, DIGITS } from '../../src/protect/fpe/alphabet.js'
import { Ff1 } from '../../src/protect/fpe/ff1.js'

const KEY = '2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94'
const KEY_BYTES = { 128: 16, 192: 24, 256: 32 } as const

const SAMPLES = [
  { sample: 1, bits: 128, radix: 10, tweak: '', pt: '0123456789', ct: '2433477484' },
  {
    sample: 2,
    bits: 128,
    radix: 10,
    tweak: '39383736353433323130',
    pt: '0123456789',
    ct: '6124200773',
  },
  {
    sample: 3,
    bits: 128,
    radix: 36,
    tweak: '3737373770717273373737',
    pt: '0123456789abcdefghi',
    ct: 'a9tv40mll9kdu509eum',
  },
  { sample: 4, bits: 192, radix: 10, tweak: '', pt: '0123456789', ct: '2830668132' },
  {
    sample: 5,
    bits: 192,
    radix: 10,
    tweak: '39383736353433323130',
    pt: '0123456789',
    ct: '2496655549',
  },
  {
    sample: 6,
    bits: 192,
    radix: 36,
    tweak: '3737373770717273373737',
    pt: '0123456789abcdefghi',
    ct: 'xbj3kv35jrawxv32ysr',
  },
  { sample: 7, bits: 256, radix: 10, tweak: '', pt: '0123456789', ct: '6657667009' },
  {
    sample: 8,
    bits: 256,
    radix: 10,
    tweak: '39383736353433323130',
    pt: '0123456789',
    ct: '1001623463',
  },
  {
    sample: 9,
    bits: 256,
    radix: 36,
    tweak: '3737373770717273373737',
    pt: '0123456789abcdefghi',
    ct: 'xs8a0azh2avyalyzuwd',
  },
] as const

function cipher(s: (typeof SAMPLES)[number], withTweak: boolean): Ff1 {
  const key = Buffer.from(KEY.slice(0, 2 * KEY_BYTES[s.bits]), 'hex')
  return new Ff1(key, {
    alphabet: s.radix === 10 ? DIGITS : ALPHANUMERIC,
    ...(withTweak ? { tweak: Buffer.from(s.tweak, 'hex') } : {}),
  })
}

describe('FF1 sample vectors (NIST SP 800-38G, FF1samples.pdf)', () => {
  it.each(SAMPLES)('sample $sample: AES-$bits, radix $radix', (s) => {
    const ff1 = cipher(s, true)
    expect(ff1.encrypt(s.pt)).toBe(s.ct)
    expect(ff1.decrypt(s.ct)).toBe(s.pt)
    // The same through a per-call tweak on an instance whose default tweak is empty.
    const perCall = cipher(s, false)
    expect(perCall.encrypt(s.pt, Buffer.from(s.tweak, 'hex'))).toBe(s.ct)
    expect(perCall.decrypt(s.ct, Buffer.from(s.tweak, 'hex'))).toBe(s.pt)
    // Numerals: the sample plaintexts are 0, 1, 2, … in numeral order.
    const numerals = Array.from({ length: s.pt.length }, (_, i) => i)
    const ctNumerals = Array.from(ff1.encrypt(numerals))
    expect(ff1.alphabet.fromNumerals(ctNumerals)).toBe(s.ct)
    expect(Array.from(ff1.decrypt(ctNumerals))).toEqual(numerals)
    // Batch: the sample among other values of the same and of other lengths.
    const batch = ['9'.repeat(s.pt.length), s.pt, '0'.repeat(s.pt.length + 3), s.pt]
    const out = ff1.encryptBatch(batch)
    expect(out[1]).toBe(s.ct)
    expect(out[3]).toBe(s.ct)
    expect(ff1.decryptBatch(out)).toEqual(batch)
  })
})
