/**
 * PASSWORD: secrets written as `key=value` or `key: value` where the key names a password or
 * secret (`password=`, `DB_PASSWORD=`, `client_secret: …`). Only the value is reported;
 * quoted values may hold any non-space characters. Placeholders (`***`, `<password>`,
 * `${VAR}`, `xxxx`) are skipped.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const PASSWORD_RE =
  /(?<![A-Za-z0-9])(?:password|passwd|pwd|secret|client_secret|secret_key|api_key|apikey)["']?[ \t]{0,3}[=:][ \t]{0,3}(?:"([^"\s]{1,128})"|'([^'\s]{1,128})'|([^\s"',;&]{1,128}))/gi

const PLACEHOLDER_RE =
  /^(?:\*+|x+|\.+|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%[A-Z_]+%|null|none|changeme)$/i

/** Detects password and secret values; score 0.7. */
export const passwordDetector: Detector = createPatternDetector({
  id: 'password',
  // The keyword is followed by '=' or ':'.
  gate: (h) => h.colons + h.equals >= 1,
  entityType: 'PASSWORD',
  patterns: [PASSWORD_RE],
  validate: (m) => {
    const value = m[1] ?? m[2] ?? m[3] ?? ''
    if (value === '' || PLACEHOLDER_RE.test(value)) return false
    // The value ends the match (a quoted value before its closing quote).
    const end = m.index + m[0].length - (m[3] === undefined ? 1 : 0)
    return { start: end - value.length, end }
  },
  baseScore: 0.7,
})
