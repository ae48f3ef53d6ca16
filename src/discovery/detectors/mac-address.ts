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
  needs: [':', '-', '.'],
  entityType: 'MAC_ADDRESS',
  patterns: [PAIRS_RE, CISCO_RE],
  validate: (m) =>
    m[0].includes('.')
      ? { start: m.index, end: m.index + m[0].length, score: 0.5 }
      : { start: m.index, end: m.index + m[0].length, score: 0.7 },
  baseScore: 0.7,
  contextWords: ['mac', 'hardware', 'ethernet', 'wifi', 'nic', 'device'],
  contextBoost: 0.3,
})
