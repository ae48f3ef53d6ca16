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
import {
  contextPhoneDetector,
  intlPhoneDetector,
  nanpPhoneDetector,
  nationalPhoneDetector,
} from './detectors/phone-number.js'
import { ukNhsDetector } from './detectors/uk-nhs.js'
import { urlDetector } from './detectors/url.js'
import { usSsnDetector } from './detectors/us-ssn.js'
import { vinDetector } from './detectors/vin.js'
import { auAbnDetector } from './detectors/au-abn.js'
import { auMedicareDetector } from './detectors/au-medicare.js'
import { auTfnDetector } from './detectors/au-tfn.js'
import { awsAccessKeyDetector } from './detectors/aws-access-key.js'
import { caSinDetector } from './detectors/ca-sin.js'
import { cryptoDetector } from './detectors/crypto.js'
import { deTaxIdDetector } from './detectors/de-tax-id.js'
import { deaDetector } from './detectors/dea.js'
import { esNieDetector } from './detectors/es-nie.js'
import { esNifDetector } from './detectors/es-nif.js'
import { frNirDetector } from './detectors/fr-nir.js'
import { inAadhaarDetector } from './detectors/in-aadhaar.js'
import { inPanDetector } from './detectors/in-pan.js'
import { itFiscalCodeDetector } from './detectors/it-fiscal-code.js'
import { jwtDetector } from './detectors/jwt.js'
import { apiKeyDetector } from './detectors/api-key.js'
import { diagnosisCodeDetector, medicalRecordNumberDetector } from './detectors/medical.js'
import { npiDetector } from './detectors/npi.js'
import { passwordDetector } from './detectors/password.js'
import { privateKeyDetector } from './detectors/private-key.js'
import { sgNricFinDetector } from './detectors/sg-nric-fin.js'
import { ukNinoDetector } from './detectors/uk-nino.js'
import { usItinDetector } from './detectors/us-itin.js'
import { usPassportDetector } from './detectors/us-passport.js'
import { streetAddressDetector } from './detectors/address.js'
import { locationDetector } from './detectors/location.js'
import { zipCodeDetector } from './detectors/zip-code.js'
import { usDriverLicenseDetector } from './detectors/us-driver-license.js'
import { ageDetector } from './detectors/age.js'
import { personDetector } from './detectors/person.js'
import { organizationDetector } from './detectors/organization.js'
import { titleDetector } from './detectors/title.js'
import { nrpDetector } from './detectors/nrp.js'

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
  nationalPhoneDetector,
  contextPhoneDetector,
  dateTimeDetector,
  ukNhsDetector,
  abaRoutingDetector,
  vinDetector,
  usItinDetector,
  usPassportDetector,
  npiDetector,
  deaDetector,
  ukNinoDetector,
  caSinDetector,
  esNifDetector,
  esNieDetector,
  itFiscalCodeDetector,
  deTaxIdDetector,
  frNirDetector,
  inAadhaarDetector,
  inPanDetector,
  auTfnDetector,
  auAbnDetector,
  auMedicareDetector,
  sgNricFinDetector,
  cryptoDetector,
  awsAccessKeyDetector,
  privateKeyDetector,
  jwtDetector,
  apiKeyDetector,
  medicalRecordNumberDetector,
  diagnosisCodeDetector,
  passwordDetector,
  streetAddressDetector,
  locationDetector,
  zipCodeDetector,
  usDriverLicenseDetector,
  ageDetector,
  personDetector,
  organizationDetector,
  titleDetector,
  nrpDetector,
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
