/**
 * DOMAIN_NAME: fully qualified host names (RFC 1035 labels: 1–63 letters, digits and
 * inner hyphens, 2–8 labels) whose TLD is in {@link KNOWN_TLDS}.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'
import { KNOWN_TLDS } from './tlds.js'

// Each label ends with a mandatory dot, so repetitions cannot overlap; the lookbehind
// keeps matches from starting inside a label, an email local part or a path.
const DOMAIN_RE =
  /(?<![\w.@/-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,7}[A-Za-z]{2,24}(?![\w@-]|\.[A-Za-z0-9])/g

/**
 * Detects domain names; score 0.5 (plain words such as `end.Then` are ambiguous), 0.6 when
 * the name has a `www.` label, +0.3 with context ("domain", "website", "site", "host").
 */
export const domainNameDetector: Detector = createPatternDetector({
  id: 'domain-name',
  // A label's dot stands between a letter or digit and the next label's letter.
  atLeast: { innerDots: 1 },
  entityType: 'DOMAIN_NAME',
  patterns: [DOMAIN_RE],
  validate: (m) => {
    const name = m[0]
    const tld = name.slice(name.lastIndexOf('.') + 1)
    if (!KNOWN_TLDS.has(tld.toLowerCase())) return false
    // "Hello.World" style: a capitalised TLD after a sentence break is prose, not a host.
    if (tld !== tld.toLowerCase() && tld !== tld.toUpperCase()) return false
    const score = /^www\./i.test(name) ? 0.6 : 0.5
    return { start: m.index, end: m.index + name.length, score }
  },
  baseScore: 0.5,
  contextWords: ['domain', 'website', 'site', 'host', 'hostname', 'dns', 'visit'],
  contextBoost: 0.3,
})
