/**
 * URL: absolute `http`, `https` and `ftp` URLs, and `www.` hosts without a scheme. Trailing
 * sentence punctuation is trimmed; the host must parse (WHATWG URL) and end in a known TLD
 * or be an IP literal.
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'
import { KNOWN_TLDS } from './tlds.js'

const URL_RE = /(?<![\w/])(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`{}|\\^]{1,2048}/gi

/** True when `host` ends in a known TLD or is a numeric/IPv6 literal. */
function hostOk(host: string): boolean {
  if (host.startsWith('[') || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host)) return true
  const tld = host.slice(host.lastIndexOf('.') + 1).toLowerCase()
  return host.includes('.') && KNOWN_TLDS.has(tld)
}

/** Detects URLs; score 0.85 (0.6 for a bare `www.` host), +0.15 with context. */
export const urlDetector: Detector = createPatternDetector({
  id: 'url',
  needs: ['://', 'www.', 'WWW.', 'Www.'],
  entityType: 'URL',
  patterns: [URL_RE],
  validate: (m) => {
    let raw = m[0]
    // Trailing punctuation usually closes the sentence; a ")" only belongs to the URL
    // when the URL opened one.
    for (;;) {
      const last = raw.at(-1) ?? ''
      if (/[.,;:!?]/.test(last)) raw = raw.slice(0, -1)
      else if (last === ')' && !raw.includes('(')) raw = raw.slice(0, -1)
      else break
    }
    const hasScheme = /^[a-z]+:\/\//i.test(raw)
    let parsed: URL
    try {
      parsed = new URL(hasScheme ? raw : `http://${raw}`)
    } catch {
      return false
    }
    if (!hostOk(parsed.hostname)) return false
    return { start: m.index, end: m.index + raw.length, score: hasScheme ? 0.85 : 0.6 }
  },
  baseScore: 0.85,
  contextWords: ['url', 'link', 'website', 'site', 'visit', 'http', 'web'],
  contextBoost: 0.15,
})
