import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { exitCodeFor } from '../../src/cli/exit-codes.js'
import { ERROR_CODES } from '../../src/errors.js'

describe('docs/errors.md', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')

  it.each(ERROR_CODES.map((c) => [c]))('documents %s', (code) => {
    expect(doc).toContain(`| \`${code}\` |`)
  })

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)].map((m) => m[1])
    expect(documented.filter((c) => !(ERROR_CODES as readonly string[]).includes(c ?? ''))).toEqual(
      [],
    )
  })

  it('gives every code a non-zero exit code', () => {
    for (const c of ERROR_CODES) expect(exitCodeFor(c)).toBeGreaterThan(0)
  })
})
