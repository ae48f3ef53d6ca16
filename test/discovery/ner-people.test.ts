import { describe, expect, it } from 'vitest'
import type { Detector, Span } from '../../src/discovery/detector.js'
import { DetectorRegistry } from '../../src/discovery/detector.js'
import { nrpDetector } from '../../src/discovery/detectors/nrp.js'
import { organizationDetector } from '../../src/discovery/detectors/organization.js'
import { createPersonDetector, personDetector } from '../../src/discovery/detectors/person.js'
import { titleDetector } from '../../src/discovery/detectors/title.js'
import { foldKey } from '../../src/discovery/ner/fold.js'
import { tokenize } from '../../src/discovery/ner/tokenize.js'
import { scanText } from '../../src/discovery/scan-text.js'

const NER: readonly Detector[] = [personDetector, organizationDetector, titleDetector, nrpDetector]

function registry(): DetectorRegistry {
  const r = new DetectorRegistry()
  for (const d of NER) r.register(d)
  return r
}

/** The texts of the spans of `type` that a scan at the default cut reports. */
function found(text: string, type: string): string[] {
  return scanText(text, registry(), { minScore: 0.4 })
    .filter((s: Span) => s.type === type)
    .map((s) => text.slice(s.start, s.end))
}

describe('tokenize', () => {
  it('keeps inner apostrophes and hyphens inside words and marks line starts', () => {
    const toks = tokenize("O'Neill-Barros met\nAnna.")
    expect(toks.map((t) => t.text)).toEqual(["O'Neill-Barros", 'met', 'Anna', '.'])
    expect(toks.map((t) => t.lineStart)).toEqual([true, false, true, false])
    expect(toks[2]).toMatchObject({ start: 19, end: 23, word: true })
  })

  it('keeps UTF-16 offsets for letters outside the BMP', () => {
    const text = '𝒜 Zoë'
    const toks = tokenize(text)
    expect(text.slice(toks[1]?.start, toks[1]?.end)).toBe('Zoë')
  })
})

describe('foldKey', () => {
  it('folds case and diacritics, including letters NFD leaves alone', () => {
    expect(foldKey('Mikolčić')).toBe('mikolcic')
    expect(foldKey('ØSTERGÅRD')).toBe('ostergard')
    expect(foldKey('Łukasz')).toBe('lukasz')
  })
})

describe('PERSON', () => {
  it('finds a full name with a known first name', () => {
    expect(found('Yesterday Margaret Thornton reviewed the budget.', 'PERSON')).toEqual([
      'Margaret Thornton',
    ])
  })

  it('keeps particles, hyphens and non-ASCII letters inside the name', () => {
    expect(found('The memo was signed by Anneke van der Berg on Monday.', 'PERSON')).toEqual([
      'Anneke van der Berg',
    ])
    expect(found('Please call Zoran Mikolčić-Horvat about the invoice.', 'PERSON')).toEqual([
      'Zoran Mikolčić-Horvat',
    ])
  })

  it('takes a degree suffix and leaves a possessive out', () => {
    expect(found('Our vet is Samuel Okafor DVM and he is great.', 'PERSON')).toEqual([
      'Samuel Okafor DVM',
    ])
    expect(found('We borrowed Henrik’s bicycle again.', 'PERSON')).toEqual(['Henrik'])
  })

  it('reads names in all-lowercase text only with a cue', () => {
    expect(found('please forward the file to lucas moreau tomorrow', 'PERSON')).toEqual([
      'lucas moreau',
    ])
    expect(found('we wrote a song about the river', 'PERSON')).toEqual([])
  })

  it('accepts an unknown word after an honorific or a speech verb, not on its own', () => {
    expect(found('We thanked Mr. Quillfeather for the tour.', 'PERSON')).toEqual(['Quillfeather'])
    expect(found('"It works," says Ndiribe.', 'PERSON')).toEqual(['Ndiribe'])
    expect(found('The Quillfeather project is late.', 'PERSON')).toEqual([])
  })

  it('extends to unknown names listed with a known one', () => {
    expect(found('The founders were Okparaeke, Brannagh and Laura.', 'PERSON')).toEqual([
      'Okparaeke',
      'Brannagh',
      'Laura',
    ])
  })

  it('leaves streets, months, acronyms and chat roles alone', () => {
    expect(found('The shop on Laura Street opens in May.', 'PERSON')).toEqual([])
    expect(found('Withdraw cash at the ATM using your PIN.', 'PERSON')).toEqual([])
    expect(found('Bot: How can I help you today?', 'PERSON')).toEqual([])
  })

  it('compromise-only variant still finds common English names', () => {
    const d = createPersonDetector('compromise')
    expect(d.id).toBe('person-compromise')
    const text = 'Yesterday Margaret Thornton reviewed the budget.'
    expect(d.detect(text).map((s) => text.slice(s.start, s.end))).toEqual(['Margaret Thornton'])
  })
})

describe('TITLE', () => {
  it('reports an honorific as TITLE and the name after it as PERSON', () => {
    const text = 'Please welcome Dr. Alvarez and mrs. Kowalczyk.'
    expect(found(text, 'TITLE')).toEqual(['Dr.', 'mrs.'])
    expect(found(text, 'PERSON')).toEqual(['Alvarez', 'Kowalczyk'])
  })

  it('does not read "miss" as an honorific in ordinary prose', () => {
    expect(found('I miss the old office.', 'TITLE')).toEqual([])
  })

  it('finds sentence-case job titles ending in an occupational noun', () => {
    expect(found('Priya Raman, the Wind turbine technician, resigned.', 'TITLE')).toEqual([
      'Wind turbine technician',
    ])
    expect(found('He was hired as Payroll and benefits coordinator last year.', 'TITLE')).toEqual([
      'Payroll and benefits coordinator',
    ])
  })

  it('scores lowercase role phrases in mixed-case text below the default cut', () => {
    const text = 'She met a friendly accountant at the fair.'
    expect(found(text, 'TITLE')).toEqual([])
    const raw = titleDetector.detect(text)
    expect(raw.map((s) => text.slice(s.start, s.end))).toEqual(['friendly accountant'])
    expect(raw[0]?.score).toBeLessThan(0.4)
  })
})

describe('ORGANIZATION', () => {
  it('finds names ending in a legal form, with connectors and initials', () => {
    expect(found('She joined Brightwater Analytics Ltd. in 2019.', 'ORGANIZATION')).toEqual([
      'Brightwater Analytics Ltd.',
    ])
    expect(found('Invoices go to R. T. Hollis & Company directly.', 'ORGANIZATION')).toEqual([
      'R. T. Hollis & Company',
    ])
    expect(found('the contract with northwind freight llc ended', 'ORGANIZATION')).toEqual([
      'northwind freight llc',
    ])
  })

  it('finds "University of …", CamelCase brands and cued unknown names', () => {
    expect(found('He studied at the University of Leeds.', 'ORGANIZATION')).toEqual([
      'University of Leeds',
    ])
    expect(found('Our logs are shipped to DataForge nightly.', 'ORGANIZATION')).toEqual([
      'DataForge',
    ])
    expect(found('The Quorvex office is closed today.', 'ORGANIZATION')).toEqual(['Quorvex'])
  })

  it('reads people-named firms framed by "the … office" as organisations', () => {
    const text = 'Send it to the Hartley, Brennan and Cole office by Friday.'
    expect(found(text, 'ORGANIZATION')).toEqual(['Hartley, Brennan and Cole'])
    expect(found(text, 'PERSON')).toEqual([])
  })
})

describe('NRP', () => {
  it('finds nationalities, religions and political groups', () => {
    const text = 'The Portuguese delegation met Catholic and Republican leaders.'
    expect(found(text, 'NRP')).toEqual(['Portuguese', 'Catholic', 'Republican'])
  })

  it('ignores everyday-word forms at a sentence start and lowercase forms', () => {
    expect(found('Liberal amounts of salt were used. a french press.', 'NRP')).toEqual([])
  })

  it('does not take a surname that is also a nationality', () => {
    expect(found('Yesterday Dawn French spoke.', 'NRP')).toEqual([])
  })
})

describe('named-entity detectors stay linear', () => {
  const SIZE = 100_000
  const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE)
  // Runs that each pass walks: names, honorifics, list separators, job modifiers, suffixes.
  const inputs = {
    names: fill('Anna '),
    honorifics: fill('Mr. '),
    lists: fill('Ewing, '),
    modifiers: fill('machine '),
    suffixes: fill('Acme Ltd '),
    particles: fill('van '),
  }
  for (const [name, text] of Object.entries(inputs)) {
    it(`all four over 100 KB of ${name} in < 2 s`, () => {
      const t0 = performance.now()
      for (const d of NER) d.detect(text + name)
      expect(performance.now() - t0).toBeLessThan(2000)
    })
  }
})
