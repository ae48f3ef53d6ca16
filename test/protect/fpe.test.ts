import { createSecretKey, randomBytes } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { isStrongroomError } from '../../src/errors.js'
import type { StrongroomError } from '../../src/errors.js'
import {
  ALPHABET_PRESETS,
  Alphabet,
  DIGITS,
  FF1_MAX_LENGTH,
  FF1_MAX_TWEAK_LENGTH,
  Ff1,
} from '../../src/protect/fpe/index.js'
import { referenceFf1 } from './fpe-reference.js'

function caught(fn: () => unknown): StrongroomError {
  try {
    fn()
  } catch (e) {
    if (isStrongroomError(e)) return e
    throw e
  }
  throw new Error('expected a StrongroomError, nothing was thrown')
}

const KEY = randomBytes(32)

describe('Alphabet', () => {
  it('has the documented presets and radices', () => {
    const radix = Object.fromEntries(
      Object.keys(ALPHABET_PRESETS).map((name) => [
        name,
        Alphabet.preset(name as keyof typeof ALPHABET_PRESETS).radix,
      ]),
    )
    expect(radix).toEqual({
      digits: 10,
      lowercase: 26,
      uppercase: 26,
      alphanumeric: 36,
      'alphanumeric-upper': 36,
      base62: 62,
      hex: 16,
    })
    expect(Alphabet.preset('alphanumeric').characters.join('')).toBe(
      '0123456789abcdefghijklmnopqrstuvwxyz',
    )
  })

  it('converts strings to numerals and back, including characters outside the BMP', () => {
    const a = Alphabet.of('ab😀c')
    expect(a.radix).toBe(4)
    expect(Array.from(a.toNumerals('c😀ba'))).toEqual([3, 2, 1, 0])
    expect(a.fromNumerals([3, 2, 1, 0])).toBe('c😀ba')
    expect(a.has('😀')).toBe(true)
    expect(a.has('ab')).toBe(false)
    expect(a.has('\ud83d')).toBe(false)
    expect(caught(() => a.fromNumerals([0, 4])).details).toEqual({ position: 1 })
  })

  it.each([
    ['', 'at least 2'],
    ['a', 'at least 2'],
    ['abca', 'repeats position 0'],
    ['ab\ud800', 'unpaired'],
  ])('refuses the alphabet %j with every problem listed (%s)', (chars, fragment) => {
    const e = caught(() => Alphabet.of(chars))
    expect(e.code).toBe('ERR_PROTECT_INVALID_ALPHABET')
    expect(e.issues.length).toBeGreaterThan(0)
    expect(e.issues.map((i) => i.message).join(' ')).toContain(fragment)
  })

  it('lists several problems at once and refuses more than 65536 characters', () => {
    const e = caught(() => Alphabet.of('aab\udc00'))
    expect(e.issues.map((i) => i.path)).toEqual(['alphabet', 'alphabet[1]'])
    const big = Array.from({ length: 65537 }, (_, i) => String.fromCodePoint(0x10000 + i)).join('')
    expect(caught(() => Alphabet.of(big)).message).toContain('at most 65536')
    expect(Alphabet.of(big.slice(0, 2 * 65536)).radix).toBe(65536)
    expect(caught(() => Alphabet.ofRadix(1)).code).toBe('ERR_PROTECT_INVALID_ALPHABET')
    expect(caught(() => Alphabet.ofRadix(65537)).code).toBe('ERR_PROTECT_INVALID_ALPHABET')
  })

  it('names the position of a character outside the alphabet, never the value', () => {
    const e = caught(() => Alphabet.of(DIGITS).toNumerals('4111x11111'))
    expect(e.code).toBe('ERR_PROTECT_INVALID_VALUE')
    expect(e.details).toEqual({ position: 4 })
    expect(e.message).toContain('position 4')
    expect(e.message).not.toMatch(/x|4111/)
  })
})

describe('Ff1', () => {
  it('accepts AES-128/192/256 keys as bytes or KeyObject and refuses other sizes', () => {
    for (const size of [16, 24, 32]) {
      const raw = randomBytes(size)
      const ct = new Ff1(raw).encrypt('0123456789')
      expect(new Ff1(createSecretKey(raw)).encrypt('0123456789')).toBe(ct)
    }
    for (const size of [0, 8, 15, 17, 31, 33, 64]) {
      const e = caught(() => new Ff1(randomBytes(size)))
      expect(e.code).toBe('ERR_PROTECT_SPEC_INVALID')
      expect(e.issues[0]?.path).toBe('key')
    }
  })

  it('refuses a radix that contradicts the alphabet', () => {
    const e = caught(() => new Ff1(KEY, { alphabet: DIGITS, radix: 16 }))
    expect(e.code).toBe('ERR_PROTECT_SPEC_INVALID')
    expect(new Ff1(KEY, { alphabet: DIGITS, radix: 10 }).radix).toBe(10)
  })

  it('refuses tweaks longer than the bound', () => {
    const long = new Uint8Array(FF1_MAX_TWEAK_LENGTH + 1)
    expect(caught(() => new Ff1(KEY, { tweak: long })).code).toBe('ERR_PROTECT_SPEC_INVALID')
    expect(caught(() => new Ff1(KEY).encrypt('123456', long)).code).toBe('ERR_PROTECT_SPEC_INVALID')
    const max = new Uint8Array(FF1_MAX_TWEAK_LENGTH).fill(7)
    const ff1 = new Ff1(KEY, { tweak: max })
    expect(ff1.decrypt(ff1.encrypt('123456'))).toBe('123456')
  })

  it.each([
    [2, 20],
    [10, 6],
    [26, 5],
    [36, 4],
    [62, 4],
    [1000, 2],
    [65536, 2],
  ])('radix %i: the shortest value is %i (radix^n ≥ 1,000,000)', (radix, minLength) => {
    const ff1 = new Ff1(KEY, { radix })
    expect(ff1.minLength).toBe(minLength)
    const short = new Array<number>(minLength - 1).fill(1)
    if (minLength > 2) {
      const e = caught(() => ff1.encrypt(short))
      expect(e.code).toBe('ERR_PROTECT_DOMAIN_TOO_SMALL')
      expect(caught(() => ff1.decrypt(short)).code).toBe('ERR_PROTECT_DOMAIN_TOO_SMALL')
    }
    expect(caught(() => ff1.encrypt([1])).code).toBe('ERR_PROTECT_DOMAIN_TOO_SMALL')
    const ok = new Array<number>(minLength).fill(radix - 1)
    expect(Array.from(ff1.decrypt(ff1.encrypt(ok)))).toEqual(ok)
  })

  it('enforces the maximum length and handles values at it', () => {
    const ff1 = new Ff1(KEY)
    const max = '7'.repeat(FF1_MAX_LENGTH)
    const ct = ff1.encrypt(max)
    expect(ct).toHaveLength(FF1_MAX_LENGTH)
    expect(ff1.decrypt(ct)).toBe(max)
    const e = caught(() => ff1.encrypt(`${max}7`))
    expect(e.code).toBe('ERR_PROTECT_INVALID_VALUE')
    expect(e.message).not.toContain('7777')
  })

  it('refuses numerals that are not integers below the radix, naming the position', () => {
    const ff1 = new Ff1(KEY)
    for (const bad of [10, -1, 1.5, Number.NaN]) {
      const e = caught(() => ff1.encrypt([1, 2, 3, bad, 5, 6]))
      expect(e.code).toBe('ERR_PROTECT_INVALID_VALUE')
      expect(e.details).toEqual({ position: 3 })
    }
    // The same on the bigint path (values longer than 2^44).
    const long = Array.from({ length: 30 }, () => 1)
    long[25] = 10
    expect(caught(() => ff1.encrypt(long)).details).toEqual({ position: 25 })
  })

  it('depends on the key and the tweak', () => {
    const x = '1234567890123456'
    const base = new Ff1(KEY).encrypt(x)
    expect(new Ff1(randomBytes(32)).encrypt(x)).not.toBe(base)
    expect(new Ff1(KEY, { tweak: Buffer.from('a') }).encrypt(x)).not.toBe(base)
    expect(new Ff1(KEY).encrypt(x, Buffer.from('a'))).toBe(
      new Ff1(KEY, { tweak: Buffer.from('a') }).encrypt(x),
    )
    // Different lengths are different permutations, not prefixes of each other.
    expect(new Ff1(KEY).encrypt(`${x}0`).slice(0, 16)).not.toBe(base)
  })

  it('matches the reference FF1 across radices, lengths and tweak sizes', () => {
    const cases: [number, number, number][] = [
      [2, 20, 0],
      [2, 45, 3],
      [2, 130, 40],
      [3, 13, 17],
      [7, 40, 100],
      [10, 16, 0],
      [10, 16, 16],
      [10, 27, 15],
      [10, 75, 31],
      [10, 77, 1],
      [255, 3, 5],
      [1000, 2, 0],
      [1000, 12, 200],
      [65536, 2, 9],
      [65536, 5, 0],
      [65536, 33, 64],
    ]
    for (const [radix, n, t] of cases) {
      const key = randomBytes([16, 24, 32][n % 3] ?? 16)
      const tweak = randomBytes(t)
      const x = Array.from({ length: n }, () => Math.floor(Math.random() * radix))
      const ff1 = new Ff1(key, { radix, tweak })
      const ct = Array.from(ff1.encrypt(x))
      const label = `radix ${radix}, n ${n}, t ${t}`
      expect(ct, label).toEqual(referenceFf1(key, tweak, radix, x, false))
      expect(referenceFf1(key, tweak, radix, ct, true), label).toEqual(x)
      expect(Array.from(ff1.decrypt(ct)), label).toEqual(x)
    }
  })

  it('encrypts batches of mixed lengths like single calls, also past one ECB chunk', () => {
    const ff1 = new Ff1(KEY, { tweak: Buffer.from('batch') })
    const values = Array.from({ length: 9000 }, (_, i) =>
      String(i * 7919).padStart(6 + (i % 15), '3'),
    )
    const out = ff1.encryptBatch(values)
    for (const i of [0, 1, 2, 14, 15, 8191, 8192, 8999]) {
      expect(out[i]).toBe(ff1.encrypt(values[i] ?? ''))
    }
    expect(out.map((v) => v.length)).toEqual(values.map((v) => v.length))
    expect(ff1.decryptBatch(out)).toEqual(values)
    expect(ff1.encryptBatch([])).toEqual([])
  })

  it('names the index and position of a bad value in a batch', () => {
    const ff1 = new Ff1(KEY)
    const e = caught(() => ff1.encryptBatch(['123456', '654321', '12x456']))
    expect(e.code).toBe('ERR_PROTECT_INVALID_VALUE')
    expect(e.details).toEqual({ position: 2, index: 2 })
    expect(e.message).not.toContain('12x456')
    const long = caught(() => ff1.encryptBatch(['1'.repeat(30), `${'1'.repeat(29)}y`]))
    expect(long.details).toEqual({ position: 29, index: 1 })
    const short = caught(() => ff1.encryptBatch(['123456', '12345']))
    expect(short.code).toBe('ERR_PROTECT_DOMAIN_TOO_SMALL')
    expect(short.details['index']).toBe(1)
  })
})
