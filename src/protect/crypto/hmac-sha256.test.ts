import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { HmacColumn, WASM_MIN_BATCH } from './hmac-column.js'
import { HmacSha256, hmacPadStates } from './hmac-sha256.js'
import { HmacSha256Wasm, INPUT_AT, INPUT_SLACK } from './hmac-sha256-wasm.js'

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

describe('HmacColumn (WebAssembly batches)', () => {
  const macsHex = (words: Int32Array, count: number): string[] =>
    Array.from({ length: count }, (_, m) => wordsHex(words.subarray(8 * m, 8 * m + 8)))

  it('runs in WebAssembly here, so the tests below check that path', () => {
    const forced = new HmacColumn(Buffer.alloc(32), { webAssembly: true })
    forced.macStrings(['a'])
    expect(forced.lastBatchInWebAssembly).toBe(true)
    const off = new HmacColumn(Buffer.alloc(32), { webAssembly: false })
    off.macStrings(Array.from({ length: 1000 }, String))
    expect(off.lastBatchInWebAssembly).toBe(false)
    // By default, small batches stay in TypeScript and large ones go to WebAssembly.
    const auto = new HmacColumn(Buffer.alloc(32))
    auto.macStrings(Array.from({ length: WASM_MIN_BATCH - 1 }, String))
    expect(auto.lastBatchInWebAssembly).toBe(false)
    auto.macStrings(Array.from({ length: WASM_MIN_BATCH }, String))
    expect(auto.lastBatchInWebAssembly).toBe(true)
  })

  it.each(RFC4231.filter((v) => /^[\x20-\x7e]*$/.test(v.data.toString('latin1'))))(
    'RFC 4231 $name, in a batch',
    ({ key, data, mac }) => {
      const text = data.toString('latin1')
      // Four copies fill one SIMD group; a fifth goes through the one-lane code.
      const words = new HmacColumn(key, { webAssembly: true }).macStrings([
        text,
        text,
        text,
        text,
        text,
      ])
      for (const got of macsHex(words, 5)) expect(got.slice(0, mac.length)).toBe(mac)
    },
  )

  it('equals node HMAC for batches of any Unicode text, both paths (property)', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef')
    const wasm = new HmacColumn(key, { webAssembly: true })
    const js = new HmacColumn(key, { webAssembly: false })
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 150 }),
            fc.string({ maxLength: 70 }),
            fc.constant(''),
          ),
          { maxLength: 40 },
        ),
        (strings) => {
          const want = strings.map((s) => node(key, Buffer.from(s, 'utf8')))
          // Both paths reuse scratch between calls: a batch must not leak into the next.
          expect(macsHex(wasm.macStrings(strings), strings.length)).toEqual(want)
          expect(wasm.lastBatchInWebAssembly).toBe(true)
          expect(macsHex(js.macStrings(strings), strings.length)).toEqual(want)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('handles every length mix around the block boundaries, in every lane', () => {
    const key = Buffer.alloc(32, 9)
    const col = new HmacColumn(key, { webAssembly: true })
    const lengths = Array.from({ length: 201 }, (_, n) => n)
    // Consecutive lengths put groups of four astride 55/56, 63/64, 119/120 in each lane
    // position; the reversed and 3-offset orders move them to the other lanes.
    for (const order of [lengths, [...lengths].reverse(), [0, 0, 0, ...lengths]]) {
      const strings = order.map((n) => String.fromCharCode(97 + (n % 26)).repeat(n))
      const want = strings.map((s) => node(key, s))
      expect(macsHex(col.macStrings(strings), strings.length)).toEqual(want)
    }
  })

  it('keeps value boundaries when joining would pair lone surrogates', () => {
    const key = Buffer.alloc(32, 3)
    // 'a\uD800' + '\uDC00b' joined is one valid pair (4 bytes), apart two U+FFFD (3 + 3).
    const strings = ['a\uD800', '\uDC00b', '\uD83D', '\uDE00', 'é']
    const want = strings.map((s) => node(key, Buffer.from(s, 'utf8')))
    expect(
      macsHex(new HmacColumn(key, { webAssembly: true }).macStrings(strings), strings.length),
    ).toEqual(want)
  })

  it('grows its memory for long values and stays correct after', () => {
    const key = Buffer.alloc(32, 5)
    const col = new HmacColumn(key, { webAssembly: true })
    const long = 'x'.repeat(300_000) + 'é'.repeat(100_000)
    const strings = ['short', long, 'a', 'b', 'c', long.slice(1), '']
    const want = strings.map((s) => node(key, Buffer.from(s, 'utf8')))
    expect(macsHex(col.macStrings(strings), strings.length)).toEqual(want)
    expect(macsHex(col.macStrings(['short']), 1)).toEqual([node(key, 'short')])
  })

  it('MACs a batch past the WebAssembly size limit value by value, correctly', () => {
    const key = Buffer.alloc(32, 6)
    const huge = 'y'.repeat(2 ** 22) + 'z'
    const strings = ['a', huge, 'b']
    const want = strings.map((s) => node(key, s))
    const col = new HmacColumn(key, { webAssembly: true })
    expect(macsHex(col.macStrings(strings), strings.length)).toEqual(want)
    expect(col.lastBatchInWebAssembly).toBe(false)
  })
})

describe('HmacSha256Wasm', () => {
  it('leaves no plaintext in its memory after a batch (leaked plaintext)', () => {
    const key = Buffer.alloc(32, 1)
    const wasm = HmacSha256Wasm.create(hmacPadStates(key))!
    // Five values: one SIMD group and one alone; short and multi-block, so both tail areas
    // and the in-place blocks are used.
    const values = ['secret-0@example.com', 'secret-1@example.com', 'secret-2@example.com']
    values.push('secret-3@example.com ' + 'padding '.repeat(12), 'secret-4@example.com')
    const bytes = values.map((v) => Buffer.from(v))
    const total = bytes.reduce((n, b) => n + b.length, 0)
    const offsAt = (INPUT_AT + total + INPUT_SLACK + 3) & ~3
    const outAt = offsAt + 4 * (values.length + 1)
    expect(wasm.reserve(outAt + 32 * values.length)).toBe(true)
    let pos = INPUT_AT
    bytes.forEach((b, m) => {
      wasm.words[(offsAt >> 2) + m] = pos
      wasm.bytes.set(b, pos)
      pos += b.length
    })
    wasm.words[(offsAt >> 2) + values.length] = pos
    wasm.run(values.length, offsAt, outAt)
    const macs = Array.from({ length: values.length }, (_, m) =>
      wordsHex(wasm.words.subarray((outAt >> 2) + 8 * m, (outAt >> 2) + 8 * m + 8)),
    )
    expect(macs).toEqual(bytes.map((b) => node(key, b)))
    const memory = Buffer.from(wasm.bytes.buffer, wasm.bytes.byteOffset, wasm.bytes.byteLength)
    expect(memory.indexOf('secret')).toBe(-1)
    expect(memory.indexOf('example')).toBe(-1)
    expect(memory.indexOf('padding')).toBe(-1)
  })
})
