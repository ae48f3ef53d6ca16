/**
 * IP_ADDRESS: dotted-quad IPv4 (each octet 0–255, no leading zeros) and IPv6 in full,
 * compressed (`::`) and IPv4-embedded forms, validated by Node's `net.isIPv6`.
 */
import { isIPv6 } from 'node:net'
import type { Detector } from '../detector.js'
import { createPatternDetector } from './pattern-detector.js'

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)'
const IPV4_RE = new RegExp(`(?<![\\d.])(?:${OCTET}\\.){3}${OCTET}(?!\\.?\\d)`, 'g')
// Candidate run of hex digits, colons and dots (for an embedded IPv4 tail); 45 is the
// longest textual IPv6 address. Validation decides.
const IPV6_RE = /(?<![0-9A-Za-z:.])[0-9A-Fa-f:][0-9A-Fa-f:.]{1,44}(?![0-9A-Za-z:])/g

/** True when `s` is an IPv6 address with at least two colons and one hex digit. */
export function ipv6Valid(s: string): boolean {
  // Most candidates (hex words, times) hold fewer than two colons: found without a split.
  const colon = s.indexOf(':')
  return (
    colon >= 0 &&
    s.includes(':', colon + 1) &&
    /[0-9A-Fa-f]/.test(s) &&
    mayBeIPv6(s, colon) &&
    isIPv6(s)
  )
}

/**
 * False when `s` (whose first colon is at `colon`) cannot be an IPv6 address: one writes
 * eight groups (seven colons), six and an IPv4 tail (six colons), or elides groups with
 * `::`. Times ("10:30:00") are turned away here, before `isIPv6` runs its large regex (on
 * texts seen for the first time, profiles showed that call costing more than the rest of
 * the scan of the text).
 */
function mayBeIPv6(s: string, colon: number): boolean {
  if (s.includes('::', colon)) return true
  let colons = 0
  for (let i = colon; i < s.length; i++) if (s.charCodeAt(i) === 58) colons++
  return colons >= 6
}

/** Detects IPv4 addresses; score 0.6, 0.9 with context ("ip", "address", "host"). */
export const ipv4Detector: Detector = createPatternDetector({
  id: 'ipv4',
  // Three dots between digits.
  atLeast: { digits: 4, innerDots: 3 },
  entityType: 'IP_ADDRESS',
  patterns: [IPV4_RE],
  baseScore: 0.6,
  contextWords: ['ip', 'ipv4', 'address', 'host', 'server', 'client'],
  contextBoost: 0.3,
})

/** Detects IPv6 addresses; score 0.8, 1.0 with context. */
export const ipv6Detector: Detector = createPatternDetector({
  id: 'ipv6',
  // ipv6Valid asks for two colons.
  gate: (h) => h.colons >= 2,
  entityType: 'IP_ADDRESS',
  patterns: [IPV6_RE],
  validate: (m) => {
    // A sentence may end right after the address: drop one trailing dot.
    const raw = m[0].endsWith('.') ? m[0].slice(0, -1) : m[0]
    return ipv6Valid(raw) ? { start: m.index, end: m.index + raw.length } : false
  },
  baseScore: 0.8,
  contextWords: ['ip', 'ipv6', 'address', 'host', 'server', 'client'],
  contextBoost: 0.2,
})
