/**
 * STREET_ADDRESS: postal addresses in prose and in letter-head blocks, found by the street
 * grammar in `address-parse.ts` (house number and street in either order, street types and
 * suffixes in several languages, units, post-office and military boxes, then city, state,
 * postal code and country).
 */
import type { Detector, Span } from '../detector.js'
import { parseAddresses } from './address-parse.js'

/**
 * Detects street addresses. A street with both a type word and a house number scores 0.8,
 * with one of them 0.7, a bare unit ("Suite 12") 0.55 and a typed street without a number
 * 0.5; +0.1 after an address phrase ("lives at", "address") and +0.1 when a unit or postal
 * code follows.
 */
export const streetAddressDetector: Detector = {
  id: 'street-address',
  entityType: 'STREET_ADDRESS',
  detect(text: string): Span[] {
    const spans: Span[] = []
    for (const p of parseAddresses(text)) {
      if (p.type === 'STREET_ADDRESS') {
        spans.push({ type: 'STREET_ADDRESS', start: p.start, end: p.end, score: p.score })
      }
    }
    return spans
  },
}
