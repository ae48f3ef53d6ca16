/**
 * TITLE: honorifics before a name ("Mr.", "Dr.", "Miss") and job titles: modifiers ending in an occupational head noun ("Civil drafter", "Benefits manager").
 * Shares one analysis per text with the other named-entity detectors
 * (`src/discovery/ner/analyze.ts`).
 */
import type { Detector } from '../detector.js'
import { analyze } from '../ner/analyze.js'
import type { NameSource } from '../ner/lexicon.js'

/**
 * A TITLE detector whose first names and surnames come from `source`
 * (`'compromise'` alone, or with every @faker-js/faker locale's names, the default).
 */
export function createTitleDetector(source: NameSource = 'compromise+faker'): Detector {
  return {
    id: source === 'compromise+faker' ? 'title' : 'title-compromise',
    entityType: 'TITLE',
    detect: (text) => analyze(text, source).title.slice(),
  }
}

/** Detects TITLE spans with the default gazetteers. */
export const titleDetector: Detector = createTitleDetector()
