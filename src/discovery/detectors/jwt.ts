/**
 * JWT: JSON Web Tokens in compact serialisation (RFC 7519 / RFC 7515 §7.1): three base64url
 * parts joined by dots, the header a JSON object with an `alg` member and the payload a JSON
 * object. The signature may be empty (`alg: none`).
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

// A JSON object's base64url encoding starts "eyJ" ('{"'). Parts are bounded and cannot
// contain '.', so each start position is tried once.
const JWT_RE =
  /(?<![\w-])eyJ[A-Za-z0-9_-]{5,2048}\.eyJ[A-Za-z0-9_-]{2,8192}\.[A-Za-z0-9_-]{0,2048}(?![\w-])/g

function jsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** True when `token` is header.payload.signature with JSON header (with `alg`) and payload. */
export function jwtValid(token: string): boolean {
  const [header = '', payload = ''] = token.split('.')
  const h = jsonObject(header)
  return typeof h?.['alg'] === 'string' && jsonObject(payload) !== undefined
}

/** Detects JWTs; score 0.9. */
export const jwtDetector: Detector = createPatternDetector({
  id: 'jwt',
  // A match is one unbroken run of "eyJ" and at least five more word characters before its first dot.
  // Both parts open with "eyJ": two capitals.
  atLeast: { wordRun: 8, upper: 2 },
  needs: ['eyJ'],
  entityType: 'JWT',
  patterns: [JWT_RE],
  validate: (m) => jwtValid(m[0]),
  baseScore: 0.9,
  contextWords: ['token', 'bearer', 'jwt', 'authorization'],
  contextBoost: 0.1,
})
