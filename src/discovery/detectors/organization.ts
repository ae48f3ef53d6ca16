/**
 * ORGANIZATION: capitalised runs ending in a legal-form or institutional word ("Ltd.", "Group"), "University of …", well-known names, CamelCase brands and capitalised unknown words after an organisation cue ("works at").
 * Shares one analysis per text with the other named-entity detectors
 * (`src/discovery/ner/analyze.ts`).
 */
import type { Detector } from '../detector.js'
import { analyze } from '../ner/analyze.js'
import type { NameSource } from '../ner/lexicon.js'

/**
 * A ORGANIZATION detector whose first names and surnames come from `source`
 * (`'compromise'` alone, or with every @faker-js/faker locale's names, the default).
 */
export function createOrganizationDetector(source: NameSource = 'compromise+faker'): Detector {
  return {
    id: source === 'compromise+faker' ? 'organization' : 'organization-compromise',
    entityType: 'ORGANIZATION',
    detect: (text) => analyze(text, source).organization.slice(),
  }
}

/** Detects ORGANIZATION spans with the default gazetteers. */
export const organizationDetector: Detector = createOrganizationDetector()
