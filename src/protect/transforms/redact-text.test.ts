import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'

import { createDefaultRegistry } from '../../discovery/default-registry.js'
import { createTokenizer } from '../crypto/token.js'
import { redactText } from './redact-text.js'

const registry = createDefaultRegistry()

describe('redactText', () => {
  const text = 'Mail jo@example.com, SSN 123-45-6789 — thanks 😀!'

  it('replaces each span by its tag and keeps the rest byte for byte', () => {
    const [out] = redactText([text], { registry, minScore: 0.5, replacement: { kind: 'tag' } })
    expect(out).toBe('Mail <EMAIL_ADDRESS>, SSN <US_SSN> — thanks 😀!')
  })

  it('masks spans character by character, UTF-16 offsets after astral characters', () => {
    const t = '😀😀 jo@example.com x'
    const [out] = redactText([t, null], {
      registry,
      minScore: 0.5,
      replacement: { kind: 'mask', maskChar: '#', keepSeparators: true },
    })
    expect(out).toBe('😀😀 ##@#######.### x')
  })

  it('replaces spans by keyed tokens, consistent across rows and datasets', () => {
    const master = randomBytes(32)
    const opts = {
      registry,
      minScore: 0.5,
      replacement: {
        kind: 'token' as const,
        tokenizer: (type: string) => createTokenizer(master, `text-${type.toLowerCase()}`),
      },
    }
    const out = redactText(['a jo@example.com b', 'again jo@example.com'], opts)
    const tok = /<EMAIL_ADDRESS:([a-z2-7]{26})>/
    const t1 = tok.exec(out[0]!)?.[1]
    expect(t1).toBeDefined()
    expect(tok.exec(out[1]!)?.[1]).toBe(t1)
    expect(out[0]).toBe(`a <EMAIL_ADDRESS:${t1}> b`)
    expect(out[0]).not.toContain('jo@example.com')
  })

  it('leaves text without findings, and filtered types, untouched', () => {
    const clean = 'nothing to see here'
    expect(redactText([clean], { registry, minScore: 0.5, replacement: { kind: 'tag' } })).toEqual([
      clean,
    ])
    const [onlyEmail] = redactText([text], {
      registry,
      minScore: 0.5,
      replacement: { kind: 'tag' },
      entityTypes: ['EMAIL_ADDRESS'],
    })
    expect(onlyEmail).toBe('Mail <EMAIL_ADDRESS>, SSN 123-45-6789 — thanks 😀!')
  })

  it('refuses a bad minScore and non-text values', () => {
    expect(() =>
      redactText(['x'], { registry, minScore: 2, replacement: { kind: 'tag' } }),
    ).toThrow(expect.objectContaining({ code: 'ERR_PROTECT_SPEC_INVALID' }))
    expect(() =>
      redactText([5 as unknown as string], {
        registry,
        minScore: 0.5,
        replacement: { kind: 'tag' },
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_PROTECT_INVALID_VALUE' }))
  })
})
