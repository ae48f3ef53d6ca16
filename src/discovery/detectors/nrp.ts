/**
 * NRP: nationalities, religious and political groups ("French", "Catholic", "Republican"), capitalised; everyday-word forms ("Liberal", "Green") not at a sentence start.
 * Shares one analysis per text with the other named-entity detectors
 * (`src/discovery/ner/analyze.ts`).
 */
import type { Detector } from '../detector.js'
import { analyze } from '../ner/analyze.js'
import type { NameSource } from '../ner/lexicon.js'

/**
 * A NRP detector whose first names and surnames come from `source`
 * (`'compromise'` alone, or with every @faker-js/faker locale's names, the default).
 */
export function createNrpDetector(source: NameSource = 'compromise+faker'): Detector {
  return {
    id: source === 'compromise+faker' ? 'nrp' : 'nrp-compromise',
    entityType: 'NRP',
    detect: (text) => analyze(text, source).nrp.slice(),
  }
}

/** Detects NRP spans with the default gazetteers. */
export const nrpDetector: Detector = createNrpDetector()
