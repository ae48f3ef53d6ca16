import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { HmacSha256 } from './hmac-sha256.js'

const hex = (s: string): Buffer => Buffer.from(s, 'hex')
const node = (key: Uint8Array, data: Uint8Array | string): string =>
  createHmac('sha256', key).update(data).digest('hex')

function wordsHex(w: Int32Array): string {
  const out = Buffer.alloc(32)
  for (let i = 0; i < 8; i++) out.writeInt32BE(w[i]!, 4 * i)
  return out.toString('hex')
}

// RFC 4231 §4.2–4.8, HMAC-SHA-256 outputs.
const RFC4231: readonly { name: string; key: Buffer; data: Buffer; mac: string }[] = [
  {
    name: 'test case 1',
    key: Buffer.alloc(20, 0x0b),
    data: Buffer.from('Hi There'),
    mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
  },
  {
    name: 'test case 2 (key shorter than the output)',
    key: Buffer.from('Jefe'),
    data: Buffer.from('what do ya want for nothing?'),
    mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  },
  {
    name: 'test case 3',
    key: Buffer.alloc(20, 0xaa),
    data: Buffer.alloc(50, 0xdd),
    mac: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
  },
  {
    name: 'test case 4',
    key: hex('0102030405060708090a0b0c0d0e0f10111213141516171819'),
    data: Buffer.alloc(50, 0xcd),
    mac: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
  },
  {
    name: 'test case 5 (truncated to 128 bits)',
    key: Buffer.alloc(20, 0x0c),
    data: Buffer.from('Test With Truncation'),
    mac: 'a3b6167473100ee06e0c796c2955552b',
  },
  {
    name: 'test case 6 (131-byte key, hashed first)',
    key: Buffer.alloc(131, 0xaa),
    data: Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'),
    mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  },
  {
    name: 'test case 7 (large key and large data)',
    key: Buffer.alloc(131, 0xaa),
    data: Buffer.from(
      'This is a test using a larger than block-size key and a larger than block-size data. ' +
        'The key needs to be hashed before being used by the HMAC algorithm.',
    ),
    mac: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  },
]

describe('HmacSha256', () => {
  it.each(RFC4231)('RFC 4231 $name', ({ key, data, mac }) => {
    const h = new HmacSha256(key)
    const got = h.digest(data).toString('hex')
    expect(got.slice(0, mac.length)).toBe(mac)
    expect(got).toBe(node(key, data))
  })

  it('equals node HMAC for random keys and messages (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 5 }),
        (key, messages) => {
          const h = new HmacSha256(key)
          // Several messages on one instance: scratch reuse must not leak between calls.
          for (const m of messages) expect(h.digest(m).toString('hex')).toBe(node(key, m))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('MACs the UTF-8 of strings like node for any Unicode text (property)', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef')
    const h = new HmacSha256(key)
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (s) => {
        expect(wordsHex(h.updateString(s))).toBe(node(key, Buffer.from(s, 'utf8')))
      }),
      { numRuns: 500 },
    )
  })

  it('handles every length around the padding boundaries (55, 56, 64, 119, 120 bytes)', () => {
    const key = Buffer.alloc(32, 7)
    const h = new HmacSha256(key)
    for (let n = 0; n <= 200; n++) {
      const m = Buffer.alloc(n, n & 0xff)
      expect(h.digest(m).toString('hex')).toBe(node(key, m))
      const s = 'é'.repeat(n >> 1) + 'a'.repeat(n & 1)
      expect(wordsHex(h.updateString(s))).toBe(node(key, Buffer.from(s, 'utf8')))
    }
  })
})
