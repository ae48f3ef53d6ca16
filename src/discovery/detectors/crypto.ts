/**
 * CRYPTO: cryptocurrency wallet addresses. Bitcoin legacy (P2PKH `1…`, P2SH `3…`) addresses
 * are Base58Check: 25 bytes whose last four are the first four of SHA-256(SHA-256(first
 * 21)). Bitcoin SegWit addresses (`bc1…`) carry a BIP-173 bech32 (v0) or BIP-350 bech32m
 * (v1+) checksum. Ethereum addresses are `0x` and 40 hex digits (no checksum unless mixed
 * case, EIP-55, which needs Keccak; not checked).
 */
import { createHash } from 'node:crypto'
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const BASE58_RE = /(?<![\w-])[13][1-9A-HJ-NP-Za-km-z]{25,34}(?![\w-])/g
const BECH32_RE = /(?<![\w-])bc1[ac-hj-np-z02-9]{8,87}(?![\w-])/gi
const ETH_RE = /(?<![\w-])0x[0-9a-fA-F]{40}(?![\w-])/g

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** Decodes Base58 to bytes, or undefined on a foreign character. */
function base58Decode(s: string): Uint8Array | undefined {
  let n = 0n
  for (const ch of s) {
    const v = B58.indexOf(ch)
    if (v < 0) return undefined
    n = n * 58n + BigInt(v)
  }
  const bytes: number[] = []
  while (n > 0n) {
    bytes.unshift(Number(n % 256n))
    n /= 256n
  }
  // Each leading '1' stands for a leading zero byte.
  for (let i = 0; i < s.length && s[i] === '1'; i++) bytes.unshift(0)
  return Uint8Array.from(bytes)
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest()

/** True when `address` is a Base58Check Bitcoin address (version 0x00 or 0x05). */
export function base58CheckValid(address: string): boolean {
  const bytes = base58Decode(address)
  if (bytes?.length !== 25 || (bytes[0] !== 0x00 && bytes[0] !== 0x05)) return false
  const sum = sha256(sha256(bytes.subarray(0, 21)))
  return sum.subarray(0, 4).equals(bytes.subarray(21))
}

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]

function polymod(values: readonly number[]): number {
  let chk = 1
  for (const v of values) {
    const b = chk >>> 25
    chk = ((chk & 0x1ffffff) << 5) ^ v
    for (let i = 0; i < 5; i++) if ((b >>> i) & 1) chk ^= GEN[i] ?? 0
  }
  return chk >>> 0
}

/** True when `address` is a `bc1` address with a valid bech32 or bech32m checksum. */
export function bech32Valid(address: string): boolean {
  // BIP-173: all lower or all upper case.
  if (address !== address.toLowerCase() && address !== address.toUpperCase()) return false
  const a = address.toLowerCase()
  const sep = a.lastIndexOf('1')
  const hrp = a.slice(0, sep)
  const data = [...a.slice(sep + 1)].map((c) => CHARSET.indexOf(c))
  if (hrp !== 'bc' || data.length < 7 || data.some((d) => d < 0)) return false
  const expanded = [
    ...[...hrp].map((c) => c.charCodeAt(0) >> 5),
    0,
    ...[...hrp].map((c) => c.charCodeAt(0) & 31),
  ]
  const pm = polymod([...expanded, ...data])
  const version = data[0] ?? -1
  // Witness v0 uses bech32 (constant 1), v1–16 bech32m (BIP-350).
  return version === 0 ? pm === 1 : version <= 16 && pm === 0x2bc830a3
}

const CONTEXT = ['wallet', 'bitcoin', 'btc', 'eth', 'ethereum', 'crypto', 'address', 'send']

/** Detects Bitcoin addresses (score 0.9) and Ethereum addresses (0.6, +0.3 with context). */
export const cryptoDetector: Detector = createPatternDetector({
  id: 'crypto',
  // A match is one unbroken run of at least eleven letters and digits (bech32: "bc1" and
  // eight more) holding a digit: base58 addresses start with 1 or 3, the others with bc1, 0x.
  atLeast: { codeRun: 11 },
  entityType: 'CRYPTO',
  // Each match is a whole run holding a digit: base58 addresses run 26–35 characters, bech32
  // at least 11 and Ethereum's exactly 42.
  patterns: [
    { pattern: BASE58_RE, gate: (h) => h.codeRun >= 26 },
    BECH32_RE,
    { pattern: ETH_RE, gate: (h) => h.codeRun >= 42 },
  ],
  validate: (m) => {
    const v = m[0]
    if (v.startsWith('0x')) return { start: m.index, end: m.index + v.length, score: 0.6 }
    return v.toLowerCase().startsWith('bc1') ? bech32Valid(v) : base58CheckValid(v)
  },
  baseScore: 0.9,
  contextWords: CONTEXT,
  contextBoost: 0.3,
})
