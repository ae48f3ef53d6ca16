/**
 * EMAIL_ADDRESS: `local@domain.tld` (RFC 5321 dot-atom subset). The local part is at most
 * 64 characters, labels at most 63; the TLD is 2–24 letters.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

// The lookbehind stops matches starting inside a run of local-part characters, so a long
// run without `@` is scanned once, not once per position (which would be quadratic).
const EMAIL_RE =
  /(?<![\w.%+-])[A-Za-z0-9_%+-](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![\w-])/g

/** Detects email addresses; score 0.9, 1.0 with context ("email", "mail", "contact"). */
export const emailDetector: Detector = createPatternDetector({
  id: 'email',
  needs: ['@'],
  // The domain holds a dot between two letters or digits ("example.com").
  atLeast: { innerDots: 1 },
  entityType: 'EMAIL_ADDRESS',
  patterns: [EMAIL_RE],
  validate: (m) => !m[0].includes('..'),
  baseScore: 0.9,
  contextWords: ['email', 'e-mail', 'mail', 'contact'],
  contextBoost: 0.1,
})
