import { describe, expect, it } from 'vitest'
import { createDefaultRegistry } from './default-registry.js'
import { DetectorRegistry } from './detector.js'
import type { Detector, Span } from './detector.js'
import { scanText } from './scan-text.js'

function fixed(id: string, spans: Span[]): Detector {
  return { id, entityType: spans[0]?.type ?? 'X', detect: () => spans }
}

describe('scanText', () => {
  it('keeps the higher score, then the longer span, and sorts by start', () => {
    const r = new DetectorRegistry()
      .register(fixed('a', [{ type: 'A', start: 0, end: 10, score: 0.5 }]))
      .register(fixed('b', [{ type: 'B', start: 5, end: 8, score: 0.9 }]))
      .register(fixed('c', [{ type: 'C', start: 12, end: 20, score: 0.4 }]))
      .register(fixed('d', [{ type: 'D', start: 12, end: 15, score: 0.4 }]))
      .register(fixed('e', [{ type: 'E', start: 0, end: 2, score: 0.1 }]))
    expect(scanText('x'.repeat(30), r).map((s) => s.type)).toEqual(['E', 'B', 'C'])
  })

  it('drops spans under minScore before resolving overlaps', () => {
    const r = new DetectorRegistry()
      .register(fixed('a', [{ type: 'A', start: 0, end: 10, score: 0.3 }]))
      .register(fixed('b', [{ type: 'B', start: 5, end: 8, score: 0.2 }]))
    expect(scanText('x'.repeat(10), r, { minScore: 0.25 }).map((s) => s.type)).toEqual(['A'])
    expect(() => scanText('', r, { minScore: 2 })).toThrow(/minScore/)
  })

  it('finds several entity types in one text with the default registry', () => {
    const text =
      'Mail jo@example.com, card 4539 5787 6362 1486, SSN 123-45-6789, ' +
      'site https://www.example.com/x and IBAN GB82 WEST 1234 5698 7654 32.'
    const got = scanText(text, createDefaultRegistry(), { minScore: 0.5 }).map((s) => [
      s.type,
      text.slice(s.start, s.end),
    ])
    expect(got).toEqual([
      ['EMAIL_ADDRESS', 'jo@example.com'],
      ['CREDIT_CARD', '4539 5787 6362 1486'],
      ['US_SSN', '123-45-6789'],
      ['URL', 'https://www.example.com/x'],
      ['IBAN_CODE', 'GB82 WEST 1234 5698 7654 32'],
    ])
  })

  it('returns UTF-16 offsets', () => {
    const text = '😀 é a@example.com'
    const [span] = scanText(text, createDefaultRegistry())
    expect(span && text.slice(span.start, span.end)).toBe('a@example.com')
  })
})
