import { describe, expect, it } from 'vitest'

import { replaceWithTypeTag, typeTag } from './type-tag.js'

describe('replaceWithTypeTag', () => {
  it('replaces every non-null value with <TYPE>', () => {
    expect(
      replaceWithTypeTag(['ann@example.com', null, 'bob@example.com'], 'EMAIL_ADDRESS'),
    ).toEqual(['<EMAIL_ADDRESS>', null, '<EMAIL_ADDRESS>'])
    expect(typeTag('US_SSN')).toBe('<US_SSN>')
  })

  it('refuses entity types that are not UPPER_SNAKE (no markup injection)', () => {
    for (const t of ['email', 'A>B', '', 'X Y']) {
      expect(() => typeTag(t)).toThrow(
        expect.objectContaining({ code: 'ERR_PROTECT_SPEC_INVALID' }),
      )
    }
  })
})
