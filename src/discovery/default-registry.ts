/**
 * The built-in detectors. Kept apart from `detector.ts` so the model has no dependency on
 * its implementations (and the detectors' import of the model is not a cycle).
 */
import { DetectorRegistry } from './detector.js'
import type { Detector } from './detector.js'
import { abaRoutingDetector } from './detectors/aba-routing.js'
import { creditCardDetector } from './detectors/credit-card.js'
import { dateTimeDetector } from './detectors/date-time.js'
import { domainNameDetector } from './detectors/domain-name.js'
import { emailDetector } from './detectors/email.js'
import { ibanDetector } from './detectors/iban.js'
import { ipv4Detector, ipv6Detector } from './detectors/ip-address.js'
import { macAddressDetector } from './detectors/mac-address.js'
import { intlPhoneDetector, nanpPhoneDetector } from './detectors/phone-number.js'
import { ukNhsDetector } from './detectors/uk-nhs.js'
import { urlDetector } from './detectors/url.js'
import { usSsnDetector } from './detectors/us-ssn.js'
import { vinDetector } from './detectors/vin.js'

/** Every built-in detector, in a stable order. */
export const BUILTIN_DETECTORS: readonly Detector[] = [
  emailDetector,
  creditCardDetector,
  ibanDetector,
  usSsnDetector,
  ipv4Detector,
  ipv6Detector,
  macAddressDetector,
  urlDetector,
  domainNameDetector,
  nanpPhoneDetector,
  intlPhoneDetector,
  dateTimeDetector,
  ukNhsDetector,
  abaRoutingDetector,
  vinDetector,
]

/**
 * A new registry holding every built-in detector; callers may register more.
 *
 * @example
 * ```ts
 * const spans = scanText('SSN 123-45-6789', createDefaultRegistry())
 * ```
 */
export function createDefaultRegistry(): DetectorRegistry {
  const registry = new DetectorRegistry()
  for (const d of BUILTIN_DETECTORS) registry.register(d)
  return registry
}
