import { randomBytes } from 'node:crypto'

/**
 * A new random identifier: a prefix and 128 random bits in lowercase base32, so ids are
 * safe in object keys and file names and reveal nothing.
 */
export function newId(prefix: string): string {
  const bytes = randomBytes(16)
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  let bits = 0
  let value = 0
  let out = ''
  for (const b of bytes) {
    value = (value << 8) | b
    bits += 8
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31]
  return `${prefix}_${out}`
}
