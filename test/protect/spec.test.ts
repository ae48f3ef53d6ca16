import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { StrongroomError } from '../../src/errors.js'
import {
  checkSpecAgainstSchema,
  loadProtectSpec,
  parseProtectSpec,
  parseSpecText,
  validateProtectSpec,
} from '../../src/protect/spec.js'

const FULL = `
version: 1
columns:
  email: { transform: token, domain: customers }
  name: { transform: pseudonym, domain: people }
  ssn: { transform: fpe, alphabet: digits }
  card_number: { transform: fpe-card, keepLast4: true }
  contact: { transform: fpe-email }
  phone: { transform: mask, keepLast: 4, char: '*' }
  notes: { transform: redact-text, replace: tag }
  internal_id: { transform: redact, mode: drop }
  dob: { transform: date-shift, subjectColumn: customer_id, maxDays: 30 }
  age: { transform: bucket, width: 10 }
  signup: { transform: bucket-date, granularity: month }
  city: { transform: generalize, hierarchy: hierarchies/city.csv, level: 1 }
  type_tag_col: { transform: tag }
classifications:
  EMAIL_ADDRESS: { transform: token, domain: email }
  PHONE_NUMBER: { transform: mask, keepLast: 2 }
`
const COLUMNS = [
  'customer_id',
  'email',
  'name',
  'ssn',
  'card_number',
  'contact',
  'phone',
  'notes',
  'internal_id',
  'dob',
  'age',
  'signup',
  'city',
  'type_tag_col',
]

function caught(fn: () => unknown): StrongroomError {
  try {
    fn()
  } catch (e) {
    if (e instanceof StrongroomError) return e
    throw e
  }
  throw new Error('expected an error')
}

describe('protection spec', () => {
  it('accepts every transform of the reference example', () => {
    const spec = validateProtectSpec(parseSpecText(FULL), { columnNames: COLUMNS })
    expect(Object.keys(spec.columns)).toHaveLength(13)
    expect(spec.columns['card_number']).toEqual({ transform: 'fpe-card', keepLast4: true })
    expect(Object.keys(spec.classifications)).toEqual(['EMAIL_ADDRESS', 'PHONE_NUMBER'])
  })

  it('reads JSON as well as YAML', () => {
    const spec = validateProtectSpec(
      parseSpecText(JSON.stringify({ version: 1, columns: { a: { transform: 'keep' } } })),
    )
    expect(spec.columns).toEqual({ a: { transform: 'keep' } })
  })

  it('lists every problem in one ERR_PROTECT_SPEC_INVALID', () => {
    const doc = parseSpecText(`
version: 2
extra: true
columns:
  emali: { transform: token }
  ssn: { transform: fpe, alphabet: klingon }
  name: { transform: fpe, alphabet: { characters: "aab" } }
  phone: { transform: mask, keepLast: -1, colour: red }
  notes: { transform: shred }
  note2: { transform: redact-text, minScore: 2, entities: [email] }
  internal_id: { transform: redact, mode: constant }
  dob: { transform: date-shift, subjectColumn: patient }
  age: { transform: bucket, width: 10, boundaries: [1, 2] }
  age2: { transform: bucket, boundaries: [5, 3] }
  signup: { transform: bucket-date, granularity: week }
  city: { transform: generalize, level: 1 }
  tagged: { transform: tag, entity: email }
  token2: { transform: token, bits: 32, encoding: rot13 }
classifications:
  email: { transform: token }
  PHONE_NUMBER: 7
`)
    const e = caught(() =>
      validateProtectSpec(doc, {
        columnNames: ['ssn', 'name', 'phone', 'notes', 'note2', 'internal_id', 'dob', 'age'],
      }),
    )
    expect(e.code).toBe('ERR_PROTECT_SPEC_INVALID')
    const paths = e.issues.map((i) => `${i.code} ${i.path}`).sort()
    expect(paths).toEqual(
      [
        'ERR_PROTECT_SPEC_INVALID extra',
        'ERR_PROTECT_SPEC_INVALID version',
        'ERR_PROTECT_INVALID_ALPHABET columns.ssn.alphabet',
        'ERR_PROTECT_INVALID_ALPHABET columns.name.alphabet',
        'ERR_PROTECT_SPEC_INVALID columns.phone.keepLast',
        'ERR_PROTECT_SPEC_INVALID columns.phone.colour',
        'ERR_PROTECT_SPEC_INVALID columns.notes.transform',
        'ERR_PROTECT_SPEC_INVALID columns.note2.minScore',
        'ERR_PROTECT_SPEC_INVALID columns.note2.entities',
        'ERR_PROTECT_SPEC_INVALID columns.internal_id.value',
        'ERR_PROTECT_SPEC_INVALID columns.dob.maxDays',
        'ERR_PROTECT_SPEC_INVALID columns.age',
        'ERR_PROTECT_SPEC_INVALID columns.age2.boundaries',
        'ERR_PROTECT_SPEC_INVALID columns.signup.granularity',
        'ERR_PROTECT_SPEC_INVALID columns.city.hierarchy',
        'ERR_PROTECT_SPEC_INVALID columns.tagged.entity',
        'ERR_PROTECT_SPEC_INVALID columns.token2.bits',
        'ERR_PROTECT_SPEC_INVALID columns.token2.encoding',
        'ERR_PROTECT_SPEC_INVALID classifications.email',
        'ERR_PROTECT_SPEC_INVALID classifications.PHONE_NUMBER',
        // Against the input: columns it lacks, whatever their rules.
        'ERR_PROTECT_SPEC_INVALID columns.emali',
        'ERR_PROTECT_SPEC_INVALID columns.age2',
        'ERR_PROTECT_SPEC_INVALID columns.signup',
        'ERR_PROTECT_SPEC_INVALID columns.city',
        'ERR_PROTECT_SPEC_INVALID columns.tagged',
        'ERR_PROTECT_SPEC_INVALID columns.token2',
      ].sort(),
    )
  })

  it('checks subject columns of valid rules against the input', () => {
    const parsed = parseProtectSpec(
      parseSpecText(`
version: 1
columns:
  dob: { transform: date-shift, subjectColumn: patient, maxDays: 10 }
classifications:
  DATE_TIME: { transform: date-shift, subjectColumn: pid, maxDays: 5 }
`),
    )
    expect(parsed.issues).toEqual([])
    expect(checkSpecAgainstSchema(parsed, ['dob', 'patient']).map((i) => i.path)).toEqual([
      'classifications.DATE_TIME.subjectColumn',
    ])
    expect(checkSpecAgainstSchema(parsed, ['dob']).map((i) => i.path)).toEqual([
      'columns.dob.subjectColumn',
      'classifications.DATE_TIME.subjectColumn',
    ])
  })

  it('refuses documents that are not specs', () => {
    expect(caught(() => parseSpecText('a: [1, 2')).code).toBe('ERR_PROTECT_SPEC_INVALID')
    expect(parseProtectSpec('text').issues.map((i) => i.path)).toEqual([''])
    expect(parseProtectSpec({ version: 1 }).issues.map((i) => i.path)).toEqual(['columns'])
    expect(parseProtectSpec({ version: 1, columns: [] }).issues.map((i) => i.path)).toEqual([
      'columns',
    ])
  })

  it('loads a spec file and resolves its folder; a missing file is ERR_INPUT_NOT_FOUND', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sr-spec-'))
    try {
      const path = join(dir, 'spec.yaml')
      await writeFile(path, FULL)
      const parsed = await loadProtectSpec(path)
      expect(parsed.issues).toEqual([])
      expect(parsed.spec.baseDir).toBe(dir)
      await expect(loadProtectSpec(join(dir, 'nope.yaml'))).rejects.toMatchObject({
        code: 'ERR_INPUT_NOT_FOUND',
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
