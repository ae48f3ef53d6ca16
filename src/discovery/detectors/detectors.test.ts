import { describe, expect, it } from 'vitest'
import type { Detector } from '../detector.js'
import { abaRoutingDetector, abaValid } from './aba-routing.js'
import { creditCardDetector, isValidCardNumber, luhnValid } from './credit-card.js'
import { dateTimeDetector, isValidDate } from './date-time.js'
import { domainNameDetector } from './domain-name.js'
import { emailDetector } from './email.js'
import { ibanDetector, ibanValid } from './iban.js'
import { ipv4Detector, ipv6Detector } from './ip-address.js'
import { macAddressDetector } from './mac-address.js'
import { hasContext } from './pattern-detector.js'
import {
  intlPhoneDetector,
  nanpPhoneDetector,
  nationalPhoneDetector,
  nationalPhoneValid,
} from './phone-number.js'
import { ukNhsDetector, nhsValid } from './uk-nhs.js'
import { urlDetector } from './url.js'
import { ssnValid, usSsnDetector } from './us-ssn.js'
import { vinDetector, vinValid } from './vin.js'

/** The matched substrings. */
function found(d: Detector, text: string): string[] {
  return d.detect(text).map((s) => text.slice(s.start, s.end))
}

function score(d: Detector, text: string): number | undefined {
  return d.detect(text)[0]?.score
}

describe('email', () => {
  it.each(['a@example.com', 'first.last+tag@sub.example.co.uk', 'LucaP_1@mail-host.de'])(
    'finds %s',
    (v) => expect(found(emailDetector, `write to ${v}, thanks`)).toEqual([v]),
  )
  it.each(['a@b', 'a..b@example.com', '@example.com', 'a@-x.com', 'name at example.com'])(
    'rejects %s',
    (v) => expect(found(emailDetector, `x ${v} y`)).toEqual([]),
  )
  it('raises the score with context', () => {
    expect(score(emailDetector, 'email: a@example.com')).toBe(1)
    expect(score(emailDetector, 'he said a@example.com')).toBe(0.9)
  })
})

describe('credit card', () => {
  it.each([
    '4111111111111111',
    '4111 1111 1111 1111',
    '5555-5555-5555-4444',
    '378282246310005',
    '6011111111111117',
    '3530111333300000',
    '2223003122003222',
  ])('finds %s', (v) => expect(found(creditCardDetector, `pay with ${v}.`)).toEqual([v]))
  it.each([
    '4111111111111112', // Luhn fails
    '1234567812345670', // Luhn passes, no issuer starts with 1
    '4111 1111-1111 1111', // mixed separators
    '41111111111111111111', // too long
    '4111  1111 1111 1111', // double space
  ])('rejects %s', (v) => expect(found(creditCardDetector, `pay with ${v}.`)).toEqual([]))
  it('checks Luhn and issuer lengths', () => {
    expect(luhnValid('79927398713')).toBe(true)
    expect(luhnValid('79927398710')).toBe(false)
    expect(isValidCardNumber('378282246310005')).toBe(true)
    expect(isValidCardNumber('3782822463100050')).toBe(false)
  })
  it('finds a card after a rejected leading group', () => {
    expect(found(creditCardDetector, 'ref 9999 4111 1111 1111 1111')).toEqual([
      '4111 1111 1111 1111',
    ])
  })
  it('scores 0.8, 1.0 with context', () => {
    expect(score(creditCardDetector, 'n 4539578763621486')).toBe(0.8)
    expect(score(creditCardDetector, 'my card 4539578763621486')).toBe(1)
  })
})

describe('IBAN', () => {
  it.each([
    'GB82WEST12345698765432',
    'GB82 WEST 1234 5698 7654 32',
    'gb82west12345698765432',
    'DE89370400440532013000',
    'DE89 3704 0044 0532 0130 00',
    'NO9386011117947',
  ])('finds %s', (v) => expect(found(ibanDetector, `to ${v} today`)).toEqual([v]))
  it.each([
    'GB82WEST12345698765433', // mod-97 fails
    'GB82WEST1234569876543', // short for GB
    'XX82WEST12345698765432', // unknown country
    'GB82WEST123456987654321', // long for GB
  ])('rejects %s', (v) => expect(found(ibanDetector, `to ${v} today`)).toEqual([]))
  it('stops at the country length before a following word', () => {
    expect(found(ibanDetector, 'GB82 WEST 1234 5698 7654 32 ABCD')).toEqual([
      'GB82 WEST 1234 5698 7654 32',
    ])
  })
  it('validates mod-97 directly', () => {
    expect(ibanValid('FR1420041010050500013M02606')).toBe(true)
    expect(ibanValid('FR1420041010050500013M02607')).toBe(false)
  })
})

describe('US SSN', () => {
  it.each(['123-45-6789', '123 45 6789', '123456789', '665-01-0001', '899-99-9999'])(
    'finds %s',
    (v) => expect(found(usSsnDetector, `ssn ${v}.`)).toEqual([v]),
  )
  it.each([
    '000-12-3456',
    '666-12-3456',
    '900-12-3456',
    '123-00-4567',
    '123-45-0000',
    '123-45 6789', // mixed separators
    '111-11-1111',
    '123-45-67890',
  ])('rejects %s', (v) => expect(found(usSsnDetector, `ssn ${v}.`)).toEqual([]))
  it('scores by form and context', () => {
    expect(score(usSsnDetector, 'x 123-45-6789')).toBe(0.5)
    expect(score(usSsnDetector, 'x 123456789')).toBe(0.3)
    expect(score(usSsnDetector, 'SSN: 123-45-6789')).toBeCloseTo(0.9)
    expect(ssnValid('001', '01', '0001')).toBe(true)
  })
})

describe('IP addresses', () => {
  it.each(['192.168.0.1', '0.0.0.0', '255.255.255.255', '8.8.8.8'])('finds IPv4 %s', (v) =>
    expect(found(ipv4Detector, `host ${v}.`)).toEqual([v]),
  )
  it.each(['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.999'])('rejects IPv4 %s', (v) =>
    expect(found(ipv4Detector, `host ${v} x`)).toEqual([]),
  )
  it.each([
    '2001:db8:85a3:0:0:8a2e:370:7334',
    '2001:db8::1',
    '::1',
    'fe80::',
    '::ffff:192.0.2.128',
    'd80:e4b5:79da:6cf6:71f3:51f7:9161:c319',
  ])('finds IPv6 %s', (v) => expect(found(ipv6Detector, `addr ${v}.`)).toEqual([v]))
  it.each(['12:30', '12:30:45', '2001:db8:::1', '1:2:3:4:5:6:7:8:9', 'gggg::1', '::'])(
    'rejects IPv6 %s',
    (v) => expect(found(ipv6Detector, `at ${v} x`)).toEqual([]),
  )
})

describe('MAC address', () => {
  it.each(['00:1A:2b:3C:4d:5E', '00-1a-2b-3c-4d-5e', '001a.2b3c.4d5e'])('finds %s', (v) =>
    expect(found(macAddressDetector, `nic ${v} up`)).toEqual([v]),
  )
  it.each(['00:1A:2b-3C:4d:5E', '00:1A:2b:3C:4d', '00:1A:2b:3C:4d:5E:6f', 'G0:1A:2b:3C:4d:5E'])(
    'rejects %s',
    (v) => expect(found(macAddressDetector, `nic ${v} up`)).toEqual([]),
  )
})

describe('URL', () => {
  it.each([
    'https://www.example.com/path?q=1',
    'http://VoipPolicy.ch/',
    'ftp://files.example.org/a.txt',
    'www.example.co.uk',
    'http://192.168.0.1:8080/x',
  ])('finds %s', (v) => expect(found(urlDetector, `see ${v}.`)).toEqual([v]))
  it.each(['http://localhost/x', 'https://example.notatld/', 'http://', 'mailto:a@b.com'])(
    'rejects %s',
    (v) => expect(found(urlDetector, `see ${v} now`)).toEqual([]),
  )
  it('keeps a closing parenthesis only when the URL opened one', () => {
    expect(found(urlDetector, '(see https://example.com/a)')).toEqual(['https://example.com/a'])
    expect(found(urlDetector, 'https://en.wikipedia.org/wiki/X_(y)')).toEqual([
      'https://en.wikipedia.org/wiki/X_(y)',
    ])
  })
})

describe('domain name', () => {
  it.each(['example.com', 'www.TextFiction.de', 'sub.example.co.nz', 'EXAMPLE.ORG'])(
    'finds %s',
    (v) => expect(found(domainNameDetector, `visit ${v} today`)).toEqual([v]),
  )
  it.each(['file.txt', 'e.g', 'end.Then', 'a@example.com', 'foo.bar.notatld', 'x.c'])(
    'rejects %s',
    (v) => expect(found(domainNameDetector, `see ${v} now`)).toEqual([]),
  )
})

describe('phone numbers', () => {
  it.each([
    '(212) 555-0134',
    '212-555-0134',
    '212.555.0134',
    '+1 212 555 0134',
    '1-212-555-0134',
    '001-212-555-0134x1234',
    '730.347.5681x8340',
  ])('finds NANP %s', (v) => expect(found(nanpPhoneDetector, `call ${v} now`)).toEqual([v]))
  it.each([
    '(044) 688-7538', // area code cannot start with 0
    '212-155-0134', // exchange cannot start with 1
    '911-555-0134', // N11 service code
    '212-555-01345',
  ])('rejects NANP %s', (v) => expect(found(nanpPhoneDetector, `call ${v} now`)).toEqual([]))
  it.each(['+44 20 7946 0958', '+49-30-1234567', '+33 (0)1 23 45 67 89'])(
    'finds international %s',
    (v) => expect(found(intlPhoneDetector, `call ${v} now`)).toEqual([v]),
  )
  it.each(['+12 34', '+44 20 7946 0958 1234 5678 9', '+44 (20 7946 0958', '+0 20 7946 0958'])(
    'rejects international %s',
    (v) => expect(found(intlPhoneDetector, `call ${v} now`)).toEqual([]),
  )
  it('ends a number at a dash followed by a word, not by digits', () => {
    expect(found(nanpPhoneDetector, '212-555-0134-fax')).toEqual(['212-555-0134'])
    expect(found(nanpPhoneDetector, '212-555-0134-5')).toEqual([])
  })
  it.each(['042 078 6381', '0487 23 46 71', '(11) 4706-6184', '020 7946 0958'])(
    'finds national %s',
    (v) => expect(found(nationalPhoneDetector, `call ${v} now`)).toEqual([v]),
  )
  it.each([
    '4111 1111 1111 1111', // card number: groups continue past any phone-sized prefix
    'GB82 WEST 1234 5698 7654 32',
    '1234 042 078 6381', // inside a longer digit run
    '11 11 11 11',
    '12 34',
  ])('rejects national %s', (v) => expect(found(nationalPhoneDetector, `ref ${v} now`)).toEqual([]))
  it('validates national numbers against numbering plans', () => {
    expect(nationalPhoneValid('020 7946 0958')).toBe(true)
    expect(nationalPhoneValid('099 9999 9999 99')).toBe(false)
  })
  it('raises the score with context', () => {
    expect(score(nationalPhoneDetector, 'x 042 078 6381')).toBe(0.4)
    expect(score(nationalPhoneDetector, 'tel 042 078 6381')).toBeCloseTo(0.7)
    expect(score(nanpPhoneDetector, 'x 212-555-0134')).toBe(0.5)
    expect(score(nanpPhoneDetector, 'phone 212-555-0134')).toBeCloseTo(0.8)
  })
})

describe('dates', () => {
  it.each([
    '2024-02-29',
    '1992-12-08 19:28:54',
    '3/13/1956',
    '13/3/1956',
    '05.11.1993',
    'March 5, 1990',
    'Mar. 5th 1990',
    '5th of March 1990',
    '5 March 1990',
    'September 2021',
  ])('finds %s', (v) => expect(found(dateTimeDetector, `born ${v} in`)).toEqual([v]))
  it.each([
    '2023-02-29',
    '13/13/1956',
    '1992-12-32',
    '0/1/2000',
    'February 30, 2020',
    '31/04/2020',
  ])('rejects %s', (v) => expect(found(dateTimeDetector, `on ${v} in`)).toEqual([]))
  it('knows leap years', () => {
    expect(isValidDate(2000, 2, 29)).toBe(true)
    expect(isValidDate(1900, 2, 29)).toBe(false)
  })
  it('raises the score with context', () => {
    expect(score(dateTimeDetector, 'x 1990-01-02 y')).toBe(0.6)
    expect(score(dateTimeDetector, 'DOB 1990-01-02')).toBeCloseTo(0.8)
  })
})

describe('UK NHS number', () => {
  it.each(['943 476 5919', '9434765919', '943-476-5919'])('finds %s', (v) =>
    expect(found(ukNhsDetector, `nhs ${v}.`)).toEqual([v]),
  )
  it.each(['943 476 5918', '943 476-5919', '94347659190'])('rejects %s', (v) =>
    expect(found(ukNhsDetector, `nhs ${v}.`)).toEqual([]),
  )
  it('rejects numbers whose check digit would be 10', () => {
    // Body 000000006: weighted sum 2·6 = 12, 12 mod 11 = 1, 11 − 1 = 10: never issued.
    for (let d = 0; d <= 9; d++) expect(nhsValid(`000000006${d}`)).toBe(false)
    expect(nhsValid('9434765919')).toBe(true)
  })
  it('scores 0.4, 0.9 with context', () => {
    expect(score(ukNhsDetector, 'x 9434765919')).toBe(0.4)
    expect(score(ukNhsDetector, 'NHS number 9434765919')).toBeCloseTo(0.9)
  })
})

describe('ABA routing number', () => {
  it.each(['011000015', '021000021', '0110-0001-5'])('finds %s', (v) =>
    expect(found(abaRoutingDetector, `routing ${v}.`)).toEqual([v]),
  )
  it.each(['011000016', '991000021', '000000000', '0210000210'])('rejects %s', (v) =>
    expect(found(abaRoutingDetector, `routing ${v}.`)).toEqual([]),
  )
  it('validates directly', () => {
    expect(abaValid('122105155')).toBe(true)
    expect(abaValid('122105156')).toBe(false)
  })
})

describe('digits after a plus sign (an international phone number)', () => {
  it.each([
    ['ssn', usSsnDetector, '123456789'],
    ['nhs', ukNhsDetector, '9434765919'],
    ['routing', abaRoutingDetector, '021000021'],
    ['card', creditCardDetector, '4539578763621486'],
  ] as const)('%s: finds nothing', (word, d, v) => {
    expect(found(d, `${word} +${v}.`)).toEqual([])
    expect(found(d, `${word} ${v}.`)).toEqual([v])
  })
})

describe('VIN', () => {
  it.each(['1M8GDM9AXKP042788', '1HGCM82633A004352'])('finds %s', (v) =>
    expect(found(vinDetector, `vin ${v}.`)).toEqual([v]),
  )
  it.each([
    '1M8GDM9A1KP042788', // check digit wrong
    '1M8GDM9AXKP04278', // 16 characters
    '1M8GDM9AXKP0427O8', // letter O is not in the alphabet
    '11111111111111111', // no letter
  ])('rejects %s', (v) => expect(found(vinDetector, `vin ${v}.`)).toEqual([]))
  it('validates directly', () => expect(vinValid('1HGCM82633A004352')).toBe(true))
})

describe('context words', () => {
  it('matches whole words on either side within the window', () => {
    const text = 'my ssn is 123-45-6789'
    expect(hasContext(text, 10, 21, ['ssn'])).toBe(true)
    expect(hasContext('classnote 123-45-6789', 10, 21, ['ssn'])).toBe(false)
    expect(hasContext('123-45-6789 (social security)', 0, 11, ['social security'])).toBe(true)
    expect(hasContext(`ssn ${'x'.repeat(60)} 123`, 66, 69, ['ssn'])).toBe(false)
  })
})
