import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { DateShifter, dateShiftKey } from './date-shift.js'
import { civilFromDays, daysFromCivil } from './iso-date.js'

const dayOf = (iso: string): number =>
  daysFromCivil(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10)))

describe('DateShifter', () => {
  const master = randomBytes(32)
  const shifter = new DateShifter(dateShiftKey(master, 'study-1'), { maxDays: 30 })

  it('moves every date of a subject by the same offset, keeping time and zone text', () => {
    const out = shifter.shiftColumn(
      ['2024-03-05', '2024-03-09T08:15:00Z', null, '2024-03-10 10:00:00.123+02:00', '2020-01-01'],
      ['p1', 'p1', 'p1', 'p1', 'p2'],
    )
    const d = shifter.offsetDays('p1')
    expect(d).not.toBe(0)
    expect(Math.abs(d)).toBeLessThanOrEqual(30)
    expect(dayOf(out[0] as string) - dayOf('2024-03-05')).toBe(d)
    expect(dayOf(out[1] as string) - dayOf('2024-03-09')).toBe(d)
    expect((out[1] as string).slice(10)).toBe('T08:15:00Z')
    expect((out[3] as string).slice(10)).toBe(' 10:00:00.123+02:00')
    expect(out[2]).toBeNull()
    expect(dayOf(out[4] as string) - dayOf('2020-01-01')).toBe(shifter.offsetDays('p2'))
  })

  it('is keyed: the same subject gets the same offset under the same key and scope only', () => {
    const again = new DateShifter(dateShiftKey(master, 'study-1'), { maxDays: 30 })
    const subjects = Array.from({ length: 200 }, (_, i) => `s${i}`)
    expect(subjects.map((s) => again.offsetDays(s))).toEqual(
      subjects.map((s) => shifter.offsetDays(s)),
    )
    const other = new DateShifter(dateShiftKey(master, 'study-2'), { maxDays: 30 })
    const same = subjects.filter((s) => other.offsetDays(s) === shifter.offsetDays(s)).length
    expect(same).toBeLessThan(40) // about 200/60 expected by chance
    expect(shifter.offsetDays(7)).toBe(shifter.offsetDays('7'))
  })

  it('spreads offsets over ±maxDays without 0 (and with 0 when allowed)', () => {
    const seen = new Set<number>()
    for (let i = 0; i < 5000; i++)
      seen.add(new DateShifter(dateShiftKey(master, 'x'), { maxDays: 3 }).offsetDays(`s${i}`))
    expect([...seen].sort((a, b) => a - b)).toEqual([-3, -2, -1, 1, 2, 3])
    const z = new DateShifter(dateShiftKey(master, 'x'), { maxDays: 1, allowZero: true })
    const zs = new Set(Array.from({ length: 300 }, (_, i) => z.offsetDays(`s${i}`)))
    expect([...zs].sort()).toEqual([-1, 0, 1])
  })

  it('crosses month, year and leap-day boundaries correctly (property vs Date.UTC)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_900_000 }),
        fc.integer({ min: -400, max: 400 }),
        (day, shift) => {
          const base = new Date(Date.UTC(1000, 0, 1) + day * 86_400_000).toISOString().slice(0, 10)
          const want = new Date(Date.parse(`${base}T00:00:00Z`) + shift * 86_400_000)
            .toISOString()
            .slice(0, 10)
          expect(DateShifter.shiftIso(base, shift)).toBe(want)
        },
      ),
    )
    expect(DateShifter.shiftIso('2024-02-28', 1)).toBe('2024-02-29')
    expect(DateShifter.shiftIso('2023-02-28', 1)).toBe('2023-03-01')
    expect(DateShifter.shiftIso('0050-01-01', -1)).toBe('0049-12-31')
    expect(civilFromDays(daysFromCivil(1600, 2, 29))).toEqual({ year: 1600, month: 2, day: 29 })
  })

  it('shifts Date objects by whole days', () => {
    const t = new Date('2024-01-01T12:00:00Z')
    const [out] = shifter.shiftColumn([t], ['p1'])
    expect((out as Date).getTime() - t.getTime()).toBe(shifter.offsetDays('p1') * 86_400_000)
  })

  it('fails with ERR_PROTECT_INVALID_VALUE on invalid dates or a missing subject', () => {
    for (const bad of ['2024-02-30', '2024-1-01', '2024-01-01T24:00', 'yesterday', '2024-01-01Z']) {
      expect(() => shifter.shiftColumn(['2024-01-01', bad], ['a', 'a'])).toThrow(
        expect.objectContaining({ code: 'ERR_PROTECT_INVALID_VALUE' }),
      )
    }
    expect(() => shifter.shiftColumn(['2024-01-01'], [null])).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_INVALID_VALUE' }),
    )
    expect(() => DateShifter.shiftIso('9999-12-31', 1)).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_INVALID_VALUE' }),
    )
    expect(() => new DateShifter(randomBytes(32), { maxDays: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_PROTECT_SPEC_INVALID' }),
    )
  })
})
