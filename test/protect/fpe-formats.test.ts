import { randomBytes } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { isStrongroomError } from '../../src/errors.js'
import type { StrongroomError } from '../../src/errors.js'
import {
  CardNumberFpe,
  EmailFpe,
  Ff1,
  SeparatedFpe,
  isLuhnValid,
  luhnCheckDigit,
} from '../../src/protect/fpe/index.js'
import { contextTweak } from '../../src/protect/fpe/formats.js'

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

describe('Luhn', () => {
  // Published test card numbers (card networks' test PANs, e.g. Stripe/Adyen docs).
  it.each(['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117'])(
    'accepts the public test card %s and computes its check digit',
    (pan) => {
      expect(isLuhnValid(pan)).toBe(true)
      expect(luhnCheckDigit(pan.slice(0, -1))).toBe(pan.slice(-1))
      const wrong = pan.slice(0, -1) + String((Number(pan.slice(-1)) + 1) % 10)
      expect(isLuhnValid(wrong)).toBe(false)
    },
  )

  it('matches the ISO/IEC 7812 worked example 7992739871 → 3', () => {
    expect(luhnCheckDigit('7992739871')).toBe('3')
  })
})

describe('CardNumberFpe', () => {
  it('keeps the prefix, the length, the separators and Luhn validity, and decrypts back', () => {
    const fpe = new CardNumberFpe(KEY)
    const card = '4111 1111 1111 1111'
    const ct = fpe.encrypt(card)
    expect(ct).toMatch(/^4111 11\d\d \d{4} \d{4}$/)
    expect(ct).not.toBe(card)
    expect(isLuhnValid(ct.replace(/ /g, ''))).toBe(true)
    expect(fpe.decrypt(ct)).toBe(card)
  })

  it('keeps the last four when asked, by cycle walking the middle digits', () => {
    const fpe = new CardNumberFpe(KEY, { keepLast4: true })
    for (const card of ['4111-1111-1111-1111', '5555555555554444', '6011111111111117']) {
      const ct = fpe.encrypt(card)
      const digits = (s: string): string => s.replace(/-/g, '')
      expect(digits(ct).slice(0, 6)).toBe(digits(card).slice(0, 6))
      expect(ct.slice(-4)).toBe(card.slice(-4))
      expect(ct.replace(/\d/g, '#')).toBe(card.replace(/\d/g, '#'))
      expect(ct).not.toBe(card)
      expect(isLuhnValid(ct.replace(/-/g, ''))).toBe(true)
      expect(fpe.decrypt(ct)).toBe(card)
    }
    // Amex (15 digits) leaves 5 middle digits: 10^5 is below FF1's minimum domain.
    expect(caught(() => fpe.encrypt('378282246310005')).code).toBe('ERR_PROTECT_DOMAIN_TOO_SMALL')
  })

  it('encrypts the body with FF1 over digits under a tweak bound to the prefix', () => {
    const card = '4111111111111111'
    const ct = new CardNumberFpe(KEY).encrypt(card)
    const tweak = contextTweak(new Uint8Array(0), 'card', '411111\u0000')
    const body = new Ff1(KEY).encrypt(card.slice(6, 15), tweak)
    expect(ct).toBe(`411111${body}${luhnCheckDigit(`411111${body}`)}`)
    // The same body under another issuer prefix encrypts differently.
    const other = `550000${card.slice(6, 15)}`
    const otherCt = new CardNumberFpe(KEY).encrypt(other + luhnCheckDigit(other))
    expect(otherCt.slice(6, 15)).not.toBe(body)
    const all = new CardNumberFpe(KEY, { keepPrefix: 0 })
    expect(all.encrypt(card).slice(0, 6)).not.toBe('411111')
    expect(all.decrypt(all.encrypt(card))).toBe(card)
  })

  it('refuses invalid cards without echoing them', () => {
    const fpe = new CardNumberFpe(KEY)
    const bad = caught(() => fpe.encrypt('4111111111111112'))
    expect(bad.code).toBe('ERR_PROTECT_INVALID_VALUE')
    expect(bad.message).toContain('Luhn')
    expect(bad.message).not.toContain('4111')
    expect(caught(() => fpe.encrypt('4111.1111.1111.1111')).details).toEqual({ position: 4 })
    expect(caught(() => fpe.encrypt('41111111111')).code).toBe('ERR_PROTECT_INVALID_VALUE')
    expect(caught(() => fpe.encrypt('4'.repeat(20))).code).toBe('ERR_PROTECT_INVALID_VALUE')
    expect(caught(() => new CardNumberFpe(KEY, { keepPrefix: 9 })).code).toBe(
      'ERR_PROTECT_SPEC_INVALID',
    )
  })
})

describe('EmailFpe', () => {
  it('encrypts the local part, keeps the domain and punctuation, and decrypts back', () => {
    const fpe = new EmailFpe(KEY)
    const email = 'jane.doe+news@Example.org'
    const ct = fpe.encrypt(email)
    expect(ct).toMatch(/^[0-9A-Za-z]{4}\.[0-9A-Za-z]{3}\+[0-9A-Za-z]{4}@Example\.org$/)
    expect(ct.split('@')[0]).not.toBe('jane.doe+news')
    expect(fpe.decrypt(ct)).toBe(email)
  })

  it('binds the domain (case-insensitively) into the tweak', () => {
    const fpe = new EmailFpe(KEY)
    const a = fpe.encrypt('jane.doe@example.org').split('@')[0]
    expect(fpe.encrypt('jane.doe@EXAMPLE.org').split('@')[0]).toBe(a)
    expect(fpe.encrypt('jane.doe@example.com').split('@')[0]).not.toBe(a)
  })

  it('refuses non-addresses and local parts below the minimum domain', () => {
    const fpe = new EmailFpe(KEY)
    for (const bad of ['no-at-sign', '@example.org', 'jane@']) {
      expect(caught(() => fpe.encrypt(bad)).code).toBe('ERR_PROTECT_INVALID_VALUE')
    }
    expect(caught(() => fpe.encrypt('bob@example.org')).code).toBe('ERR_PROTECT_DOMAIN_TOO_SMALL')
    expect(fpe.decrypt(fpe.encrypt('bobb@example.org'))).toBe('bobb@example.org')
  })
})

describe('SeparatedFpe', () => {
  it('encrypts only the alphabet characters and keeps separators in place', () => {
    const fpe = new SeparatedFpe(KEY)
    const ct = fpe.encrypt('123-45-6789')
    expect(ct).toMatch(/^\d{3}-\d{2}-\d{4}$/)
    expect(ct).not.toBe('123-45-6789')
    expect(fpe.decrypt(ct)).toBe('123-45-6789')
  })

  it('binds the separator layout and the context into the tweak', () => {
    const fpe = new SeparatedFpe(KEY)
    const digits = (s: string): string => s.replace(/\D/g, '')
    const a = digits(fpe.encrypt('123-45-6789'))
    expect(digits(fpe.encrypt('12-345-6789'))).not.toBe(a)
    expect(digits(fpe.encrypt('123-45-6789', 'other column'))).not.toBe(a)
    expect(digits(fpe.encrypt('123-45-6789'))).toBe(a)
  })

  it('works over another alphabet, treating everything else as a separator', () => {
    const fpe = new SeparatedFpe(KEY, { alphabet: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' })
    const plate = 'AB-CD 12 EF'
    const ct = fpe.encrypt(plate)
    expect(ct).toMatch(/^[A-Z]{2}-[A-Z]{2} 12 [A-Z]{2}$/)
    expect(fpe.decrypt(ct)).toBe(plate)
    expect(caught(() => fpe.encrypt('AB-12')).code).toBe('ERR_PROTECT_DOMAIN_TOO_SMALL')
  })
})
