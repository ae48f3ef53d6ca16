import { describe, expect, it } from 'vitest'
import { textHints } from '../../src/discovery/detector.js'
import { parseAddresses } from '../../src/discovery/detectors/address-parse.js'
import { locationDetector } from '../../src/discovery/detectors/location.js'
import { nationalPhoneValid } from '../../src/discovery/detectors/phone-number.js'
import { zipCodeDetector } from '../../src/discovery/detectors/zip-code.js'
import { placeGazetteers } from '../../src/discovery/gazetteers/places.js'

// The character-code scanners (address tokens, anchor words, location words) must read text
// exactly as the grammar describes: ordinals and letter suffixes on numbers, words of marks
// and astral letters, anchor words only between `\w` boundaries.
describe('address grammar fast paths', () => {
  const parsed = (text: string) =>
    parseAddresses(text).map((s) => [s.type, text.slice(s.start, s.end), s.score])

  it('reads an ordinal as a number token, not a street name', () => {
    const text = 'Ship it to 12th Avenue 40, Springfield, IL 62704 please'
    expect(parsed(text)).toEqual([['STREET_ADDRESS', 'Avenue 40, Springfield, IL 62704', 0.9]])
  })

  it('finds an unnumbered street by an upper-case anchor word', () => {
    const text = 'She lives on Sunset BOULEVARD in Los Angeles'
    expect(parsed(text)).toEqual([['STREET_ADDRESS', 'Sunset BOULEVARD', 0.5]])
  })

  it('finds post-office boxes and keeps Hungarian house-number dots', () => {
    expect(parsed('Send mail to P.O. Box 255, Omaha, NE 68102')).toEqual([
      ['STREET_ADDRESS', 'P.O. Box 255, Omaha, NE 68102', 0.9],
    ])
    expect(parsed('Lives at Dózsa György út 78., Budapest')).toEqual([
      ['STREET_ADDRESS', 'Dózsa György út 78.', 0.9],
      ['LOCATION', 'Budapest', 0.86],
    ])
  })

  it('splits digit runs longer than a house number and astral letters off street names', () => {
    expect(parsed('Ticket 12345678901234 for Main Street 9')).toEqual([
      ['STREET_ADDRESS', 'Main Street 9', 0.8],
    ])
    expect(parsed('Delivered to 𝒜lpha Street 5 yesterday')).toEqual([
      ['STREET_ADDRESS', 'Street 5', 0.9],
    ])
  })

  it('reads accented words when looking places up', () => {
    const text = 'Ana grew up in São Paulo and moved to Zürich'
    const found = locationDetector.detect(text).map((s) => [text.slice(s.start, s.end), s.score])
    expect(found).toEqual([
      ['São Paulo', 0.9],
      ['Zürich', 0.9],
    ])
  })
})

describe('place gazetteer index', () => {
  it('agrees with every set it combines, countries ranked over regions over cities', () => {
    const g = placeGazetteers()
    const keys = new Set([...g.countries, ...g.regions, ...g.cities.keys(), ...g.prefixes])
    expect(g.entries.size).toBe(keys.size)
    const wrong: string[] = []
    for (const key of keys) {
      const entry = g.entries.get(key)
      const kind = g.countries.has(key)
        ? 'country'
        : g.regions.has(key)
          ? 'region'
          : g.cities.has(key)
            ? 'city'
            : null
      const population = kind === 'city' ? g.cities.get(key) : kind === null ? 0 : Infinity
      if (
        entry?.kind !== kind ||
        entry.prefix !== g.prefixes.has(key) ||
        entry.common !== g.commonWords.has(key) ||
        entry.population !== population
      ) {
        wrong.push(key)
      }
    }
    expect(wrong).toEqual([])
  })
})

describe('postal-code and national-phone shortcuts', () => {
  it('returns the same postal codes with and without text hints', () => {
    for (const text of [
      'my zip code is 94103',
      'postcode SW1A 1AA, thanks',
      'lives at 12 Main St, Springfield, IL 62704',
      'no digits at all',
      'one digit 7',
    ]) {
      expect(zipCodeDetector.detect(text, textHints(text))).toEqual(zipCodeDetector.detect(text))
    }
    expect(zipCodeDetector.detect('my zip code is 94103').map((s) => s.score)).toEqual([0.8])
  })

  it('gives a remembered verdict equal to the first one', () => {
    for (const raw of ['042 078 6381', '(11) 4706-6184', '11 11 11 11', '1993-01-04 14']) {
      const first = nationalPhoneValid(raw)
      expect(nationalPhoneValid(raw)).toBe(first)
    }
    expect(nationalPhoneValid('042 078 6381')).toBe(true)
    expect(nationalPhoneValid('11 11 11 11')).toBe(false)
  })
})
