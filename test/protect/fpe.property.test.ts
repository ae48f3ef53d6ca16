import { randomBytes } from 'node:crypto'

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import {
  Alphabet,
  BASE62,
  CardNumberFpe,
  EmailFpe,
  Ff1,
  SeparatedFpe,
  isLuhnValid,
  luhnCheckDigit,
} from '../../src/protect/fpe/index.js'
import { referenceFf1 } from './fpe-reference.js'

/** Characters alphabets are drawn from: ASCII, Latin-1, Greek, CJK and astral emoji. */
const POOL = Array.from(
  new Set([
    ...BASE62,
    ...'!#$%&*+-./:;=?@_~ ',
    ...'àáâãäåæçèéêëìíîïðñòóôõö',
    ...'αβγδεζηθικλμνξοπρστυφχψω',
    ...'日本語漢字中文',
    ...'😀😁😂🤣😃😄😅😆',
  ]),
)

const alphabetArb = fc
  .shuffledSubarray(POOL, { minLength: 2, maxLength: POOL.length })
  .map((chars) => Alphabet.of(chars.join('')))

const keyArb = fc.constantFrom(16, 24, 32).map((n) => randomBytes(n))
const tweakArb = fc.uint8Array({ maxLength: 40 })

/** An alphabet with a value over it of an allowed length (up to 30 characters past the minimum). */
const caseArb = fc
  .record({ alphabet: alphabetArb, key: keyArb, tweak: tweakArb, extra: fc.nat({ max: 30 }) })
  .chain(({ alphabet, key, tweak, extra }) => {
    const ff1 = new Ff1(key, { alphabet, tweak })
    return fc
      .array(fc.constantFrom(...alphabet.characters), {
        minLength: ff1.minLength + extra,
        maxLength: ff1.minLength + extra,
      })
      .map((chars) => ({ ff1, key, tweak, alphabet, value: chars.join('') }))
  })

describe('FF1 properties', () => {
  it('decrypt(encrypt(x)) = x, and the output keeps the length and the alphabet', () => {
    fc.assert(
      fc.property(caseArb, ({ ff1, alphabet, value }) => {
        const ct = ff1.encrypt(value)
        const chars = Array.from(ct)
        expect(chars.length).toBe(Array.from(value).length)
        expect(chars.every((c) => alphabet.has(c))).toBe(true)
        expect(ff1.decrypt(ct)).toBe(value)
        expect(ff1.encryptBatch([value, ct])).toEqual([ct, ff1.encrypt(ct)])
      }),
      { numRuns: 150 },
    )
  })

  it('agrees with the reference FF1 for any radix 2..65536', () => {
    const arb = fc
      .record({
        radix: fc.oneof(fc.integer({ min: 2, max: 100 }), fc.integer({ min: 2, max: 65536 })),
        key: keyArb,
        tweak: tweakArb,
        extra: fc.nat({ max: 12 }),
      })
      .chain(({ radix, key, tweak, extra }) => {
        const ff1 = new Ff1(key, { radix, tweak })
        const n = ff1.minLength + extra
        return fc
          .array(fc.integer({ min: 0, max: radix - 1 }), { minLength: n, maxLength: n })
          .map((x) => ({ ff1, radix, key, tweak, x }))
      })
    fc.assert(
      fc.property(arb, ({ ff1, radix, key, tweak, x }) => {
        const ct = Array.from(ff1.encrypt(x))
        expect(ct).toEqual(referenceFf1(key, tweak, radix, x, false))
        expect(Array.from(ff1.decrypt(ct))).toEqual(x)
      }),
      { numRuns: 120 },
    )
  })
})

/** A Luhn-valid card number of 12..19 digits with optional separators every four. */
const cardArb = fc
  .record({
    body: fc
      .integer({ min: 11, max: 18 })
      .chain((n) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n })),
    sep: fc.constantFrom('', ' ', '-'),
  })
  .map(({ body, sep }) => {
    const payload = body.join('')
    const digits = payload + luhnCheckDigit(payload)
    return (digits.match(/.{1,4}/g) ?? []).join(sep)
  })

describe('format wrapper properties', () => {
  it('cards: Luhn-valid, same layout, prefix kept, round trip', () => {
    fc.assert(
      fc.property(
        keyArb,
        cardArb,
        fc.integer({ min: 0, max: 6 }),
        fc.boolean(),
        (key, card, keepPrefix, keepLast4) => {
          const digits = card.replace(/\D/g, '')
          const fpe = new CardNumberFpe(key, { keepPrefix, keepLast4 })
          const middle = digits.length - keepPrefix - (keepLast4 ? 4 : 1)
          if (middle < 6) return // below FF1's minimum; refusal is tested elsewhere
          const ct = fpe.encrypt(card)
          const ctDigits = ct.replace(/\D/g, '')
          expect(ct.replace(/\d/g, '#')).toBe(card.replace(/\d/g, '#'))
          expect(isLuhnValid(ctDigits)).toBe(true)
          expect(ctDigits.slice(0, keepPrefix)).toBe(digits.slice(0, keepPrefix))
          if (keepLast4) expect(ctDigits.slice(-4)).toBe(digits.slice(-4))
          expect(fpe.decrypt(ct)).toBe(card)
        },
      ),
      { numRuns: 150 },
    )
  })

  it('emails: domain kept, punctuation kept, round trip', () => {
    const localArb = fc
      .array(fc.constantFrom(...BASE62, '.', '_', '+', '-'), { minLength: 1, maxLength: 30 })
      .map((c) => c.join(''))
      .filter((s) => s.replace(/[^0-9A-Za-z]/g, '').length >= 4)
    const domainArb = fc.domain()
    fc.assert(
      fc.property(keyArb, localArb, domainArb, (key, local, domain) => {
        const fpe = new EmailFpe(key)
        const email = `${local}@${domain}`
        const ct = fpe.encrypt(email)
        expect(ct.slice(ct.lastIndexOf('@') + 1)).toBe(domain)
        const ctLocal = ct.slice(0, ct.lastIndexOf('@'))
        expect(ctLocal.replace(/[0-9A-Za-z]/g, '#')).toBe(local.replace(/[0-9A-Za-z]/g, '#'))
        expect(fpe.decrypt(ct)).toBe(email)
      }),
      { numRuns: 150 },
    )
  })

  it('separated values: separators in place, round trip', () => {
    const valueArb = fc
      .array(fc.constantFrom(...'0123456789', '-', ' ', '/', '(', ')'), {
        minLength: 6,
        maxLength: 40,
      })
      .map((c) => c.join(''))
      .filter((s) => s.replace(/\D/g, '').length >= 6)
    fc.assert(
      fc.property(keyArb, valueArb, fc.string({ maxLength: 10 }), (key, value, context) => {
        const fpe = new SeparatedFpe(key)
        const ct = fpe.encrypt(value, context)
        expect(ct.replace(/\d/g, '#')).toBe(value.replace(/\d/g, '#'))
        expect(fpe.decrypt(ct, context)).toBe(value)
      }),
      { numRuns: 150 },
    )
  })
})
