/**
 * MAC_ADDRESS: IEEE 802 EUI-48 addresses as six hex pairs separated consistently by `:` or
 * `-`, or Cisco's three dotted groups of four (`0123.4567.89ab`).
 */
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const PAIRS_RE =
  /(?<![0-9A-Fa-f:-])[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])/g
const CISCO_RE = /(?<![0-9A-Fa-f.])(?:[0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}(?![0-9A-Fa-f.])/g

/** Detects MAC addresses; score 0.7 (0.5 for the dotted form), +0.3 with context. */
export const macAddressDetector: Detector = createPatternDetector({
  id: 'mac-address',
  entityType: 'MAC_ADDRESS',
  patterns: [
    // Five ':' separators, or six pairs joined by hyphens: one 17-character word run.
    { pattern: PAIRS_RE, gate: (h) => h.colons >= 5 || h.wordRun >= 17 },
    // Two dots between hex groups.
    { pattern: CISCO_RE, gate: (h) => h.innerDots >= 2 },
  ],
  validate: (m) =>
    m[0].includes('.')
      ? { start: m.index, end: m.index + m[0].length, score: 0.5 }
      : { start: m.index, end: m.index + m[0].length, score: 0.7 },
  baseScore: 0.7,
  contextWords: ['mac', 'hardware', 'ethernet', 'wifi', 'nic', 'device'],
  contextBoost: 0.3,
})
