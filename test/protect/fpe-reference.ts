/**
 * A deliberately plain FF1 written line by line from NIST SP 800-38G §6.2 (Algorithms 7
 * and 8): bigint everywhere, a fresh AES-CBC context per PRF call, no precomputation. Tests
 * compare the optimized implementation against it on parameters the published vectors do
 * not reach (other radices, long tweaks, multi-block Q).
 */
import { createCipheriv } from 'node:crypto'

function aes(bits: number, mode: 'cbc' | 'ecb'): `aes-${number}-${'cbc' | 'ecb'}` {
  return `aes-${bits}-${mode}`
}

/** FF1.Encrypt (decrypt = false) or FF1.Decrypt of numerals `x` in radix `radix`. */
export function referenceFf1(
  key: Uint8Array,
  tweak: Uint8Array,
  radix: number,
  x: readonly number[],
  decrypt: boolean,
): number[] {
  const bits = key.byteLength * 8
  const bigRadix = BigInt(radix)
  const n = x.length
  const t = tweak.byteLength
  const u = Math.floor(n / 2)
  const v = n - u
  const num = (xs: readonly number[]): bigint =>
    xs.reduce((acc, d) => acc * bigRadix + BigInt(d), 0n)
  const str = (value: bigint, m: number): number[] => {
    const out = new Array<number>(m)
    for (let i = m - 1; i >= 0; i--) {
      out[i] = Number(value % bigRadix)
      value /= bigRadix
    }
    return out
  }
  // b = ceil(ceil(v·log2(radix)) / 8): the least bit count whose power of two covers radix^v.
  const domainV = bigRadix ** BigInt(v)
  let logBits = 0
  while (1n << BigInt(logBits) < domainV) logBits++
  const b = Math.ceil(logBits / 8)
  const d = 4 * Math.ceil(b / 4) + 4

  const p = Buffer.alloc(16)
  p.set([1, 2, 1, (radix >> 16) & 255, (radix >> 8) & 255, radix & 255, 10, u % 256])
  p.writeUInt32BE(n, 8)
  p.writeUInt32BE(t, 12)

  const prf = (data: Buffer): Buffer => {
    const cbc = createCipheriv(aes(bits, 'cbc'), key, Buffer.alloc(16))
    cbc.setAutoPadding(false)
    const out = cbc.update(data)
    return out.subarray(out.length - 16)
  }
  const ciph = (block: Buffer): Buffer => {
    const ecb = createCipheriv(aes(bits, 'ecb'), key, null)
    ecb.setAutoPadding(false)
    return ecb.update(block)
  }
  const bytes = (value: bigint, len: number): Buffer =>
    Buffer.from(value.toString(16).padStart(2 * len, '0'), 'hex')

  let a = x.slice(0, u)
  let bHalf = x.slice(u)
  for (let step = 0; step < 10; step++) {
    const i = decrypt ? 9 - step : step
    const pad = (((-t - b - 1) % 16) + 16) % 16
    const q = Buffer.concat([
      tweak,
      Buffer.alloc(pad),
      Buffer.from([i]),
      bytes(num(decrypt ? a : bHalf), b),
    ])
    const r = prf(Buffer.concat([p, q]))
    let s = r
    for (let j = 1; s.length < d; j++) {
      const block = Buffer.from(r)
      const jBytes = bytes(BigInt(j), 16)
      for (let k = 0; k < 16; k++) block[k] = (block[k] ?? 0) ^ (jBytes[k] ?? 0)
      s = Buffer.concat([s, ciph(block)])
    }
    const y = BigInt(`0x${s.subarray(0, d).toString('hex')}`)
    const m = i % 2 === 0 ? u : v
    const mod = bigRadix ** BigInt(m)
    if (decrypt) {
      const c = (((num(bHalf) - y) % mod) + mod) % mod
      bHalf = a
      a = str(c, m)
    } else {
      const c = (num(a) + y) % mod
      a = bHalf
      bHalf = str(c, m)
    }
  }
  return [...a, ...bHalf]
}
