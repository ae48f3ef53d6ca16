import { describe, expect, it } from 'vitest'
import { textHints } from '../detector.js'
import { locationDetector } from './location.js'

// A 46-letter word: longer than a location word may be (a letter and 40 more).
const LONG = 'Abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstu'

// The detector takes most words from the shared token scan and reads the rest by character
// codes: where the two readings differ (joiners at a word's edge or doubled, digits, words of
// other scripts, over-long words) the spans must be those of the character reading.
describe('location words where tokens and words differ', () => {
  const found = (text: string) =>
    locationDetector.detect(text, textHints(text)).map((s) => [text.slice(s.start, s.end), s.score])

  it.each([
    [
      'She grew up in Saint-Denis- and moved to Lyon.',
      [
        ['Saint-Denis-', 0.88],
        ['Lyon', 0.9],
      ],
    ],
    [
      'We flew to Paris--Lyon last week, then to Rome.',
      [
        ['Paris--Lyon', 0.88],
        ['Rome', 0.6],
      ],
    ],
    [
      'He moved to 3Berlin, then lived in Vienna4 and Oslo.',
      [
        ['Berlin', 0.5],
        ['Oslo', 0.5],
      ],
    ],
    [
      'Born in Zürich, he later lived in São Paulo and Málaga.',
      [
        ['Zürich', 0.9],
        ['São Paulo and Málaga', 0.88],
      ],
    ],
    [
      "I'm originally from O'Fallon, Missouri.",
      [
        ["O'Fallon", 0.9],
        ['Missouri', 0.6],
      ],
    ],
    [
      'A trip to Berlin’s museums, then Kraków’ and Gdańsk.',
      [
        ['Berlin’s', 0.88],
        ['Gdańsk', 0.5],
      ],
    ],
    [
      `visited ${LONG}Paris and then Madrid`,
      [
        ['Abcdefghijklmnopqrstuvwxyzabcdefghijklmno', 0.88],
        ['Madrid', 0.5],
      ],
    ],
    ['Where: Kwaxuma\nWhen: Monday', [['Kwaxuma', 0.88]]],
    [
      'she lives in new york city and works in boston',
      [
        ['new york city', 0.9],
        ['boston', 0.44999999999999996],
      ],
    ],
    [
      'Moved here from  Chiclana de la Frontera, Spain.',
      [
        ['Chiclana de la Frontera', 0.9],
        ['Spain', 0.85],
      ],
    ],
    ["we're in 'Berlin' now, near Potsdam-", []],
    [
      '𝐁erlin is not Berlin, but Dublin is in Ireland.',
      [
        ['Berlin', 0.5],
        ['Dublin', 0.5],
        ['Ireland', 0.95],
      ],
    ],
  ])('%s', (text, spans) => {
    expect(found(text)).toEqual(spans)
  })
})
