import { describe, expect, it } from 'vitest'

import { redactColumn } from './redact.js'

describe('redactColumn', () => {
  it('drops, nulls or replaces with a constant, keeping nulls', () => {
    expect(redactColumn(['a', null], { mode: 'drop' })).toEqual({ drop: true })
    expect(redactColumn(['a', null, 'b'], { mode: 'null' })).toEqual({
      drop: false,
      values: [null, null, null],
    })
    expect(redactColumn(['a', undefined, 3], { mode: 'constant', value: '[REDACTED]' })).toEqual({
      drop: false,
      values: ['[REDACTED]', null, '[REDACTED]'],
    })
  })

  it('refuses an unknown mode or a non-string constant', () => {
    expect(() => redactColumn(['a'], { mode: 'hide' } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_SPEC_INVALID' }),
    )
    expect(() => redactColumn(['a'], { mode: 'constant', value: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_SPEC_INVALID' }),
    )
  })
})
