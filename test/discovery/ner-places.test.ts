import { beforeAll, describe, expect, it } from 'vitest'
import type { Detector } from '../../src/discovery/detector.js'
import { streetAddressDetector } from '../../src/discovery/detectors/address.js'
import { ageDetector } from '../../src/discovery/detectors/age.js'
import { dateTimeDetector } from '../../src/discovery/detectors/date-time.js'
import { locationDetector } from '../../src/discovery/detectors/location.js'
import {
  contextPhoneDetector,
  loosePhoneValid,
} from '../../src/discovery/detectors/phone-number.js'
import { usDriverLicenseDetector } from '../../src/discovery/detectors/us-driver-license.js'
import { zipCodeDetector } from '../../src/discovery/detectors/zip-code.js'
import { normalizePlace, placeGazetteers } from '../../src/discovery/gazetteers/places.js'

/** The matched substrings of spans scoring at least `min` (the eval default is 0.4). */
function found(d: Detector, text: string, min = 0.4): string[] {
  return d
    .detect(text)
    .filter((s) => s.score >= min)
    .map((s) => text.slice(s.start, s.end))
}

beforeAll(() => {
  // The gazetteers load once per process; keep that cost out of the individual tests.
  placeGazetteers()
})

describe('place gazetteers', () => {
  it('normalises case, diacritics and apostrophes', () => {
    expect(normalizePlace('  São   Tomé ')).toBe('sao tome')
    expect(normalizePlace('Côte d’Ivoire')).toBe("cote d'ivoire")
    expect(normalizePlace('MÜNCHEN')).toBe('munchen')
  })
  it('knows countries in several languages, regions and populous cities', () => {
    const g = placeGazetteers()
    expect(g.countries.has('germany')).toBe(true)
    expect(g.countries.has('deutschland')).toBe(true)
    expect(g.countries.has('espana')).toBe(true)
    expect(g.regions.has('california')).toBe(true)
    expect(g.cities.get('lisbon') ?? 0).toBeGreaterThan(100_000)
    expect(g.prefixes.has('united')).toBe(true)
  })
})

describe('street addresses', () => {
  it.each([
    [
      'Please ship it to 742 Evergreen Terrace, Springfield, OR 97403.',
      '742 Evergreen Terrace, Springfield, OR 97403',
    ],
    ['Unsere Adresse: Hauptstraße 17, 10115 Berlin', 'Hauptstraße 17, 10115 Berlin'],
    ['Send the parcel to Via Garibaldi 12 today', 'Via Garibaldi 12'],
    ['She lives at 18 rue des Lilas, Lyon, France 69003', '18 rue des Lilas, Lyon, France 69003'],
    ['Drop it at 5 Kongensgade 9 Suite 4 Odense Denmark', '5 Kongensgade 9 Suite 4 Odense Denmark'],
    ['Write to P.O. Box 4410 please', 'P.O. Box 4410'],
    ['office: Rákóczi út 12. második emelet', 'Rákóczi út 12.'],
  ])('finds the address in %j', (text, want) => {
    expect(found(streetAddressDetector, text)).toEqual([want])
  })

  it('reads a military address over two lines', () => {
    const text = 'Mail goes to PSC 1234, Box 5678\nAPO AE 09012 now'
    expect(found(streetAddressDetector, text)).toEqual(['PSC 1234, Box 5678\nAPO AE 09012'])
  })

  it('finds a bare unit and a street named without a number', () => {
    expect(found(streetAddressDetector, 'Ask for Suite 210 at the desk')).toEqual(['Suite 210'])
    expect(found(streetAddressDetector, 'The shop on Mulberry Street closed')).toEqual([
      'Mulberry Street',
    ])
  })

  it('splits a letter-head block into address fields and places', () => {
    const text = 'Anna Berg\n\n14 Lindenweg 3\n Apt. 7\n Uppsala\n Sweden 75320'
    expect(found(streetAddressDetector, text)).toEqual(['14 Lindenweg 3', 'Apt. 7', '75320'])
    expect(found(locationDetector, text)).toEqual(['Uppsala', 'Sweden'])
  })

  it('keeps a prose address whole across lines', () => {
    const text = 'Please update my address to 14 Lindenweg 3\n Apt. 7\n Uppsala\n Sweden 75320'
    expect(found(streetAddressDetector, text)).toEqual([
      '14 Lindenweg 3\n Apt. 7\n Uppsala\n Sweden 75320',
    ])
    expect(found(locationDetector, text)).toEqual([])
  })

  it('works on all-lowercase text', () => {
    const text = 'ship it to 9 via roma 21 apt. 3 milano italy please'
    expect(found(streetAddressDetector, text)).toEqual(['9 via roma 21 apt. 3 milano italy'])
  })

  it.each([
    'I have 3 cats and 2 dogs.',
    'We met on 5 March 1990 in the morning.',
    'Sales rose in Spring 2020 by 4 percent.',
    'Upgrade to version 10.0.1 tonight.',
    'He scored 12 points in 3 games.',
    'Call 555 0134 later',
  ])('finds nothing in %j', (text) => {
    expect(found(streetAddressDetector, text)).toEqual([])
  })
})

describe('locations', () => {
  it.each([
    ['She grew up in Lisbon and later moved.', 'Lisbon'],
    ['We are flying to Norway next week.', 'Norway'],
    ["i'm originally from new zealand", 'new zealand'],
    ['My cousin lives in Oberkirchbach now', 'Oberkirchbach'],
    ['The office in Quixadá, which opened last year', 'Quixadá'],
    ['Where: Valparaíso', 'Valparaíso'],
  ])('finds the place in %j', (text, want) => {
    expect(found(locationDetector, text)).toEqual([want])
  })

  it('scores a place phrase above a bare mention', () => {
    const bare = locationDetector.detect('Toronto weather is cold')[0]?.score ?? 0
    const phrase = locationDetector.detect('She was born in Toronto')[0]?.score ?? 0
    expect(phrase).toBeGreaterThan(bare)
  })

  it.each([
    'Reading is my favourite hobby.',
    'We ordered fine china and a turkey.',
    'He met Mobile users at the fair.',
    'It happened in March.',
  ])('reports no place in %j', (text) => {
    expect(found(locationDetector, text)).toEqual([])
  })
})

describe('postal codes', () => {
  it('reports a stand-alone code after a postal-code phrase', () => {
    expect(found(zipCodeDetector, 'my zip code is 94103')).toEqual(['94103'])
    expect(found(zipCodeDetector, 'ZIP: 94103-1234')).toEqual(['94103-1234'])
    expect(found(zipCodeDetector, 'postcode SW1A 1AA')).toEqual(['SW1A 1AA'])
  })
  it('leaves codes inside an address to the address detector', () => {
    const text = 'Ship to 742 Evergreen Terrace, Springfield, OR 97403 (zip 97403 above)'
    const zips = found(zipCodeDetector, text)
    expect(zips).toEqual(['97403'])
    expect(zipCodeDetector.detect(text)[0]?.start).toBe(text.lastIndexOf('97403'))
  })
  it('ignores bare numbers without the phrase', () => {
    expect(found(zipCodeDetector, 'order 94103 shipped')).toEqual([])
  })
})

describe('US driver licence numbers', () => {
  it.each([
    ["My driver's license number is D1234567", 'D1234567'],
    ['DL: WX123456Y', 'WX123456Y'],
    ['driving licence no. 123456789', '123456789'],
  ])('finds the number in %j', (text, want) => {
    expect(found(usDriverLicenseDetector, text)).toEqual([want])
  })
  it('needs a licence phrase', () => {
    expect(found(usDriverLicenseDetector, 'order number D1234567')).toEqual([])
  })
})

describe('ages', () => {
  it.each([
    ['She is 34 years old.', '34'],
    ['a 7-year-old boy', '7'],
    ['Patient aged 81 was admitted', '81'],
    ['Age: 45', '45'],
    ['died at the age of 96', '96'],
  ])('finds the age in %j', (text, want) => {
    expect(found(ageDetector, text)).toEqual([want])
  })
  it('rejects impossible ages and plain numbers', () => {
    expect(found(ageDetector, 'aged 250')).toEqual([])
    expect(found(ageDetector, 'We waited 34 minutes')).toEqual([])
  })
})

describe('phone numbers in national groupings', () => {
  it.each(['(88) 684-334', '089 72 63 41', '785 8949', '0910-5877671', '(790)091-7442x12'])(
    'finds %s next to a phone word',
    (v) => expect(found(contextPhoneDetector, `call me at ${v} tonight`)).toEqual([v]),
  )
  it('needs a phone word', () => {
    expect(found(contextPhoneDetector, 'reference 785 8949 attached')).toEqual([])
  })
  it('leaves dates and SSNs alone', () => {
    expect(loosePhoneValid('2020-01-05')).toBe(false)
    expect(loosePhoneValid('05.01.2020')).toBe(false)
    expect(loosePhoneValid('123-45-6789')).toBe(false)
    expect(loosePhoneValid('785 8949')).toBe(true)
  })
})

describe('weekday dates', () => {
  it('finds weekday names', () => {
    expect(found(dateTimeDetector, "Let's meet on Sunday at noon")).toEqual(['Sunday'])
    expect(found(dateTimeDetector, 'see you thursday')).toEqual(['thursday'])
  })
})
