/**
 * PERSON: full names, first names and surnames found by gazetteer lookup (case- and diacritic-insensitive) and capitalisation, with particles ("van der"), initials, suffixes ("Jr.", "MD") and honorific or verb context.
 * Shares one analysis per text with the other named-entity detectors
 * (`src/discovery/ner/analyze.ts`).
 */
import type { Detector } from '../detector.js'
import { analyze } from '../ner/analyze.js'
import type { NameSource } from '../ner/lexicon.js'

/**
 * A PERSON detector whose first names and surnames come from `source`
 * (`'compromise'` alone, or with every @faker-js/faker locale's names, the default).
 */
export function createPersonDetector(source: NameSource = 'compromise+faker'): Detector {
  return {
    id: source === 'compromise+faker' ? 'person' : 'person-compromise',
    entityType: 'PERSON',
    detect: (text) => analyze(text, source).person.slice(),
  }
}

/** Detects PERSON spans with the default gazetteers. */
export const personDetector: Detector = createPersonDetector()
