/**
 * PRIVATE_KEY: PEM private key blocks (RFC 7468): `-----BEGIN [RSA |EC |OPENSSH |ENCRYPTED
 * ]PRIVATE KEY-----`, a base64 body and the matching END line. A BEGIN line without its END
 * (a truncated paste) is still reported, lower.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

// The body class excludes '-', so it stops at the first dash: a failed END costs one pass
// over that body, and bodies never overlap, keeping the scan linear.
const PEM_RE =
  /-----BEGIN ((?:[A-Z0-9]{1,12} ){0,2})PRIVATE KEY-----[A-Za-z0-9+/=\s:,]{1,16384}-----END \1PRIVATE KEY-----/g
const BEGIN_RE = /-----BEGIN (?:[A-Z0-9]{1,12} ){0,2}PRIVATE KEY-----/g

/** Detects PEM private keys; score 0.95 for a full block, 0.8 for a lone BEGIN line. */
export const privateKeyDetector: Detector = createPatternDetector({
  id: 'private-key',
  // Both patterns hold "BEGIN" and "PRIVATE KEY": fifteen capitals.
  atLeast: { upper: 15 },
  needs: ['PRIVATE KEY'],
  entityType: 'PRIVATE_KEY',
  patterns: [PEM_RE, BEGIN_RE],
  validate: (m) =>
    m[0].includes('-----END') ? true : { start: m.index, end: m.index + m[0].length, score: 0.8 },
  baseScore: 0.95,
})
