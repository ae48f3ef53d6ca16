import { describe, expect, it } from 'vitest'
import { parseAddresses } from './address-parse.js'

// The parser reads tokens by character codes (the lexicon table, adjacency, box and postal
// guards, the line-prefix test): these cases pin what those readings must agree on.
describe('address grammar code-level readings', () => {
  const parsed = (text: string) =>
    parseAddresses(text).map((s) => [s.type, text.slice(s.start, s.end), s.score])

  it('opens box and ship cores in any case', () => {
    expect(parsed('Send it to po box 255, Omaha, NE 68102')).toEqual([
      ['STREET_ADDRESS', 'po box 255, Omaha, NE 68102', 0.9],
    ])
    expect(parsed('Mail goes to USS Nimitz\nFPO AP 96620 today')).toEqual([
      ['STREET_ADDRESS', 'USS Nimitz\nFPO AP 96620', 0.9],
    ])
    expect(parsed('Write to Unit 12, Box 4471 APO AE 09012')).toEqual([
      ['STREET_ADDRESS', 'Unit 12, Box 4471 APO AE 09012', 0.9],
    ])
  })

  it('joins words separated by up to two spaces only', () => {
    expect(parsed('He lives at 12  Main Street in town')).toEqual([
      ['STREET_ADDRESS', '12  Main Street', 0.9],
    ])
    expect(parsed('He lives at 12   Main Street in town')).toEqual([
      ['STREET_ADDRESS', 'Main Street', 0.5],
    ])
    expect(parsed('He lives at 12\tMain Street in town')).toEqual([
      ['STREET_ADDRESS', 'Main Street', 0.5],
    ])
  })

  it('reads ordinals, months and dotted abbreviations', () => {
    expect(parsed('We met on the 3rd Avenue 21, New York')).toEqual([
      ['STREET_ADDRESS', 'Avenue 21', 0.8],
      ['LOCATION', 'New York', 0.86],
    ])
    expect(parsed('It was May 12 when I moved to 40 Elm Road')).toEqual([
      ['STREET_ADDRESS', '40 Elm Road', 0.9],
    ])
    expect(parsed('Address: Rákóczi út 81., Budapest')).toEqual([
      ['STREET_ADDRESS', 'Rákóczi út 81.', 0.9],
      ['LOCATION', 'Budapest', 0.86],
    ])
  })

  it('tells a letter-head block from a labelled or prose address', () => {
    expect(parsed('John Smith\n12 Main St\nSpringfield, IL 62704\nUSA')).toEqual([
      ['STREET_ADDRESS', '12 Main St', 0.9],
      ['LOCATION', 'Springfield', 0.8],
      ['STREET_ADDRESS', 'IL', 0.7],
      ['STREET_ADDRESS', '62704', 0.7],
    ])
    expect(parsed('Mrs. Ann Lee Apt. 4 12 Main St\nSpringfield')).toEqual([
      ['STREET_ADDRESS', 'Apt. 4', 0.55],
      ['STREET_ADDRESS', '12 Main St', 0.8],
      ['LOCATION', 'Springfield', 0.8],
    ])
    expect(parsed('Ship to: 12 Main St\nSpringfield')).toEqual([
      ['STREET_ADDRESS', '12 Main St\nSpringfield', 0.9],
    ])
    expect(parsed('Ana Lúcia, 7 Rua Augusta\nLisboa')).toEqual([
      ['STREET_ADDRESS', '7 Rua Augusta', 0.8],
      ['LOCATION', 'Lisboa', 0.8],
    ])
  })
})
