import { describe, expect, it } from 'vitest'
import { foldKey } from '../../src/discovery/ner/fold.js'
import { getLexicon, W } from '../../src/discovery/ner/lexicon.js'
import { readTokens } from '../../src/discovery/ner/tokens.js'
import { tokenize } from '../../src/discovery/ner/tokenize.js'
import { WordTable } from '../../src/discovery/ner/word-table.js'

describe('WordTable', () => {
  const words = new Map<string, number>()
  for (let i = 0; i < 5000; i++) words.set(`w${i.toString(36)}`, (i % 7) + 1)
  words.set("o'brien", 3)
  words.set('nunez', 9)
  words.set('zero', 0)
  const table = new WordTable(words)

  it('finds every key with its flags and drops zero-flag entries', () => {
    expect(table.size).toBe(5002)
    for (const [key, flags] of words) {
      const slot = table.find(key)
      if (flags === 0) {
        expect(slot).toBe(-1)
        continue
      }
      expect(slot).toBeGreaterThanOrEqual(0)
      expect(table.key(slot)).toBe(key)
      expect(table.flags(slot)).toBe(flags)
    }
    expect(table.find('absent')).toBe(-1)
  })

  it('probes an ASCII word in place, case-insensitively, and rejects prefixes and extensions', () => {
    const text = "Met O'BRIEN and W1 at W1Z, not w or w1zzz."
    const at = (w: string) => text.indexOf(w)
    const probe = (w: string) => table.findAscii(text, at(w), at(w) + w.length)
    expect(table.key(probe("O'BRIEN"))).toBe("o'brien")
    expect(table.flags(probe('W1 '.trim()))).toBe(words.get('w1'))
    expect(probe('W1Z')).toBe(table.find('w1z'))
    expect(probe('w ')).toBe(-1)
    expect(probe('w1zzz')).toBe(-1)
    expect(probe('Met')).toBe(-1)
  })
})

describe('readTokens', () => {
  const lex = getLexicon()
  const samples = [
    "O'Neill-Barros met\nAnna.",
    'Dr. Mikolčić and MIKOLCIC visited Ñúñez’s office in São Paulo.',
    '𝒜 Zoë said: “hello”, then left — fast!',
    "maria's ticket #4521 for ACME Corp's IT team (v2.0)",
    'Jean-Luc Picard   works at Starfleet\r\n\nCEO: Ann Smith’s aide',
    'ÆSIR Ålborg straße ĐORĐE łódź þór ðe',
    "trailing joiner- and 'quoted' words' end",
    '',
  ]

  it('splits exactly as tokenize does, line starts included', () => {
    for (const text of samples) {
      const expected = tokenize(text).map((t) => [t.start, t.end, t.text, t.word, t.lineStart])
      const actual = readTokens(text, lex).toks.map((t) => [
        t.start,
        t.end,
        t.text,
        t.word,
        t.lineStart,
      ])
      expect(actual).toEqual(expected)
    }
  })

  it('gives each word the folded key and flags of a plain lexicon lookup', () => {
    for (const text of samples) {
      for (const t of readTokens(text, lex).toks) {
        if (!t.word || /^[0-9]/.test(t.text)) continue
        let key = foldKey(t.text)
        let flags = lex.flags(key)
        if (flags === 0 && /['’]s$/.test(key)) {
          key = key.slice(0, -2)
          flags = lex.flags(key)
        }
        expect([t.text, t.key, t.flags]).toEqual([t.text, key, flags])
        expect(t.acronym).toBe(/^\p{Lu}{2,5}$/u.test(t.text))
      }
    }
  })

  it('reports whether the text has capitals and which flags occur', () => {
    const mixed = readTokens('Mr Smith joined Acme Ltd.', lex)
    expect(mixed.allLower).toBe(false)
    expect(mixed.anyCap).toBe(true)
    expect(mixed.anyFlags & W.HONORIFIC).not.toBe(0)
    expect(mixed.anyFlags & W.ORG_SUFFIX).not.toBe(0)
    const lower = readTokens('maria said hi to żaneta', lex)
    expect(lower.allLower).toBe(true)
    expect(lower.anyCap).toBe(false)
    expect(readTokens('ok ÉCOLE', lex).allLower).toBe(false)
  })
})
