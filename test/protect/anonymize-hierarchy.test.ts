import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isStrongroomError } from '../../src/errors.js'
import {
  intervalHierarchy,
  loadHierarchies,
  maskingHierarchy,
  parseHierarchy,
} from '../../src/protect/anonymize/hierarchy.js'

function expectInvalid(fn: () => unknown, line?: number): void {
  try {
    fn()
  } catch (e) {
    expect(isStrongroomError(e, 'ERR_ANONYMIZE_HIERARCHY_INVALID')).toBe(true)
    if (line !== undefined && isStrongroomError(e)) {
      expect(e.details['line']).toBe(line)
      expect(e.message).toContain(`line ${line}`)
    }
    return
  }
  throw new Error('expected ERR_ANONYMIZE_HIERARCHY_INVALID')
}

describe('parseHierarchy', () => {
  it('parses ARX format with ; and reports the generalization path', () => {
    const h = parseHierarchy('1;0-4;0-9;*\n5;5-9;0-9;*\n12;10-14;10-19;*\n')
    expect(h.height).toBe(4)
    expect(h.path('5')).toEqual(['5', '5-9', '0-9', '*'])
    expect(h.path('7')).toBeUndefined()
  })

  it.each([
    [',', 'a,x,*\nb,x,*\nc,y,*'],
    ['\t', 'a\tx\t*\nb\tx\t*\nc\ty\t*'],
    ['; with CRLF and BOM', '\uFEFFa;x;*\r\nb;x;*\r\nc;y;*\r\n'],
  ])('detects the delimiter (%s)', (_, text) => {
    const h = parseHierarchy(text)
    expect(h.height).toBe(3)
    expect(h.path('c')).toEqual(['c', 'y', '*'])
  })

  it('keeps a comma inside values when ; is the delimiter', () => {
    const h = parseHierarchy('a,1;x;*\nb;x;*')
    expect(h.path('a,1')).toEqual(['a,1', 'x', '*'])
  })

  it('rejects a ragged row naming its line', () => {
    expectInvalid(() => parseHierarchy('a;x;*\nb;x;*\nc;*\n'), 3)
  })

  it('rejects levels that do not nest (one value, two parents) naming the line', () => {
    expectInvalid(() => parseHierarchy('a;x;p;*\nb;x;q;*\n'), 2)
  })

  it('rejects more than one top value naming the line', () => {
    expectInvalid(() => parseHierarchy('a;x;*\nb;y;ANY\n'), 2)
  })

  it('rejects a repeated value, an empty file and a single level', () => {
    expectInvalid(() => parseHierarchy('a;x;*\na;x;*\n'), 2)
    expectInvalid(() => parseHierarchy('\n\n'))
    expectInvalid(() => parseHierarchy('a\nb\n'))
  })
})

describe('loadHierarchies', () => {
  it('reads <dataset>_hierarchy_<column>.csv and <column>.csv, skipping the data file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hier-'))
    try {
      await writeFile(join(dir, 'adult.csv'), 'sex;age\nMale;39\n')
      await writeFile(join(dir, 'adult_hierarchy_sex.csv'), 'Male;*\nFemale;*\n')
      await writeFile(join(dir, 'zip.csv'), '02139,0213*,*\n02138,0213*,*\n')
      const hs = await loadHierarchies(dir)
      expect([...hs.keys()].sort()).toEqual(['sex', 'zip'])
      expect(hs.get('zip')!.path('02138')).toEqual(['02138', '0213*', '*'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('rule-built hierarchies', () => {
  it('masks ZIP codes from the right, one digit per level, then *', () => {
    const h = maskingHierarchy({ length: 5 })
    expect(h.height).toBe(6)
    expect(h.path('02139')).toEqual(['02139', '0213*', '021**', '02***', '0****', '*'])
    expect(h.path('2139')).toBeUndefined()
    expect(maskingHierarchy({ length: 5, maskCounts: [2, 5 - 1] }).path('02139')).toEqual([
      '02139',
      '021**',
      '0****',
      '*',
    ])
  })

  it('builds nested age intervals of width 5/10/20, then *', () => {
    const h = intervalHierarchy({ widths: [5, 10, 20] })
    expect(h.height).toBe(5)
    expect(h.path('37')).toEqual(['37', '[35, 40)', '[30, 40)', '[20, 40)', '*'])
    expect(h.path('40')).toEqual(['40', '[40, 45)', '[40, 50)', '[40, 60)', '*'])
    expect(h.path('abc')).toBeUndefined()
  })

  it('rejects widths that would not nest and bad masking counts', () => {
    expectInvalid(() => intervalHierarchy({ widths: [5, 12] }))
    expectInvalid(() => intervalHierarchy({ widths: [10, 5] }))
    expectInvalid(() => maskingHierarchy({ length: 3, maskCounts: [2, 1] }))
    expectInvalid(() => maskingHierarchy({ length: 3, maskCounts: [3] }))
  })
})
