import * as fs from 'node:fs'
import * as path from 'node:path'

import { describe, expect, it } from 'vitest'

import {
  CUSTOMER_COLUMNS,
  generateCustomerRows,
  generateCustomersCsv,
  generateCustomersJsonl,
  luhnValid,
} from '../../src/formats/synthetic.js'
import { tempDir } from './helpers.js'

function take(
  seed: number,
  n: number,
): ReturnType<typeof generateCustomerRows> extends Generator<infer R> ? R[] : never {
  const it = generateCustomerRows(seed)
  return Array.from({ length: n }, () => it.next().value)
}

describe('synthetic customers', () => {
  it('is deterministic per seed and differs across seeds', () => {
    expect(take(42, 50)).toEqual(take(42, 50))
    expect(take(42, 50)).not.toEqual(take(43, 50))
  })

  it('produces plausible but fictional values', () => {
    for (const c of take(1, 2000)) {
      expect(luhnValid(c.card_number)).toBe(true)
      expect(c.card_number).toMatch(/^(411111|424242|555555|222300|378282)\d+$/)
      expect(c.email).toMatch(/^[a-z]+\.[a-z]+\d+@example\.(com|org|net)$/)
      expect(c.phone).toMatch(
        /^(\+447700900\d{3}|07700 900\d{3}|\+1\d{3}5550\d{3}|\(\d{3}\) 555-0\d{3}|\+493023125\d{3}|030 23125\d{3})$/,
      )
      expect(c.date_of_birth).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      expect(c.balance).toMatch(/^-?\d+\.\d{2}$/)
    }
    const notes = take(1, 2000).map((c) => c.notes)
    expect(notes.some((n) => n?.includes('\n'))).toBe(true)
    expect(notes.some((n) => n?.includes('"'))).toBe(true)
    expect(notes.some((n) => n?.includes('@example.'))).toBe(true)
    expect(notes.some((n) => n === null)).toBe(true)
  })

  it('luhnValid rejects a wrong check digit', () => {
    expect(luhnValid('4111111111111111')).toBe(true)
    expect(luhnValid('4111111111111112')).toBe(false)
  })

  it('writes CSV and JSONL with the same rows', () => {
    const tmp = tempDir()
    try {
      const csv = path.join(tmp.dir, 'c.csv')
      const jsonl = path.join(tmp.dir, 'c.jsonl')
      generateCustomersCsv(csv, { rows: 100, seed: 9 })
      generateCustomersJsonl(jsonl, { rows: 100, seed: 9 })
      expect(fs.readFileSync(csv, 'utf8').split('\n')[0]).toBe(CUSTOMER_COLUMNS.join(','))
      const lines = fs.readFileSync(jsonl, 'utf8').trim().split('\n')
      expect(lines).toHaveLength(100)
      expect(JSON.parse(lines[99] ?? '')).toEqual(take(9, 100)[99])
    } finally {
      tmp.cleanup()
    }
  })
})
