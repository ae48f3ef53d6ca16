/**
 * The protection spec: which transform each column gets, by column name or by the entity type
 * discovery classified it as. Parsed from YAML or JSON and validated in one pass, so a bad
 * spec is reported with every problem at once and nothing is written.
 *
 * Validation has two layers: {@link parseProtectSpec} checks the shape (transforms, options,
 * alphabets), {@link checkSpecAgainstSchema} what needs the input (column names, subject
 * columns); {@link validateProtectSpec} runs both and throws one `ERR_PROTECT_SPEC_INVALID`.
 */
import { readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { StrongroomError, isStrongroomError, type ErrorIssue } from '../errors.js'
import { ALPHABET_PRESETS, Alphabet } from './fpe/alphabet.js'
import { MAX_TOKEN_BITS, MIN_TOKEN_BITS, type TokenEncoding } from './crypto/token.js'
import type { DateGranularity } from './transforms/bucket-date.js'

/** Every transform a spec can name. */
export const PROTECT_TRANSFORMS = [
  'keep',
  'token',
  'pseudonym',
  'fpe',
  'fpe-card',
  'fpe-email',
  'mask',
  'redact-text',
  'redact',
  'date-shift',
  'bucket',
  'bucket-date',
  'generalize',
  'tag',
  'vault',
] as const

/** A transform name. */
export type ProtectTransform = (typeof PROTECT_TRANSFORMS)[number]

/** An FPE alphabet: a preset name or the characters in numeral order. */
export type AlphabetSpec = keyof typeof ALPHABET_PRESETS | { readonly characters: string }

/** One column's rule. `domain` scopes keyed transforms: the same domain joins across datasets. */
export type ColumnRule =
  | { readonly transform: 'keep' }
  | {
      readonly transform: 'token'
      readonly domain?: string
      readonly encoding?: TokenEncoding
      readonly bits?: number
      readonly normalize?: 'none' | 'NFC'
    }
  | {
      readonly transform: 'pseudonym'
      readonly domain?: string
      readonly encoding?: 'base64url' | 'hex'
    }
  | { readonly transform: 'fpe'; readonly domain?: string; readonly alphabet?: AlphabetSpec }
  | {
      readonly transform: 'fpe-card'
      readonly domain?: string
      readonly keepLast4?: boolean
      readonly keepPrefix?: number
    }
  | { readonly transform: 'fpe-email'; readonly domain?: string; readonly alphabet?: AlphabetSpec }
  | {
      readonly transform: 'mask'
      readonly keepFirst?: number
      readonly keepLast?: number
      readonly char?: string
      readonly keepSeparators?: boolean
    }
  | {
      readonly transform: 'redact-text'
      readonly replace?: 'tag' | 'mask' | 'token'
      readonly domain?: string
      readonly minScore?: number
      readonly entities?: readonly string[]
      readonly char?: string
    }
  | {
      readonly transform: 'redact'
      readonly mode?: 'drop' | 'null' | 'constant'
      readonly value?: string
    }
  | {
      readonly transform: 'date-shift'
      readonly subjectColumn: string
      readonly maxDays: number
      readonly allowZero?: boolean
      readonly domain?: string
    }
  | {
      readonly transform: 'bucket'
      readonly width?: number
      readonly origin?: number
      readonly boundaries?: readonly number[]
    }
  | { readonly transform: 'bucket-date'; readonly granularity: DateGranularity }
  | {
      readonly transform: 'generalize'
      readonly hierarchy: string
      readonly level: number
      readonly onMissing?: 'error' | 'top'
    }
  | { readonly transform: 'tag'; readonly entity?: string }
  | {
      readonly transform: 'vault'
      readonly domain?: string
      /** The column naming each row's data subject; default: the dataset's subject column. */
      readonly subject?: string
    }

/** A validated protection spec. */
export interface ProtectSpec {
  readonly version: 1
  /** Rules by column name; they win over classification rules. */
  readonly columns: Readonly<Record<string, ColumnRule>>
  /** Rules by discovered entity type (`EMAIL_ADDRESS`), for columns without their own rule. */
  readonly classifications: Readonly<Record<string, ColumnRule>>
  /** Folder that relative hierarchy paths are read from (the spec file's folder). */
  readonly baseDir: string
}

const ENTITY_RE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/
const MAX_DOMAIN = 200
const TOP_KEYS = ['version', 'columns', 'classifications']

/** Options each transform accepts besides `transform`. */
const OPTIONS: Readonly<Record<ProtectTransform, readonly string[]>> = {
  keep: [],
  token: ['domain', 'encoding', 'bits', 'normalize'],
  pseudonym: ['domain', 'encoding'],
  fpe: ['domain', 'alphabet'],
  'fpe-card': ['domain', 'keepLast4', 'keepPrefix'],
  'fpe-email': ['domain', 'alphabet'],
  mask: ['keepFirst', 'keepLast', 'char', 'keepSeparators'],
  'redact-text': ['replace', 'domain', 'minScore', 'entities', 'char'],
  redact: ['mode', 'value'],
  'date-shift': ['subjectColumn', 'maxDays', 'allowZero', 'domain'],
  bucket: ['width', 'origin', 'boundaries'],
  'bucket-date': ['granularity'],
  generalize: ['hierarchy', 'level', 'onMissing'],
  tag: ['entity'],
  vault: ['domain', 'subject'],
}

/** Collects issues while reading one rule. */
class Checker {
  readonly issues: ErrorIssue[] = []

  add(path: string, message: string, code: ErrorIssue['code'] = 'ERR_PROTECT_SPEC_INVALID'): void {
    this.issues.push({ code, path, message })
  }

  isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v)
  }

  optString(o: Record<string, unknown>, key: string, path: string, max = 1000): void {
    const v = o[key]
    if (v !== undefined && (typeof v !== 'string' || v.length === 0 || v.length > max))
      this.add(`${path}.${key}`, `${key} must be a non-empty string of at most ${max} characters`)
  }

  optBool(o: Record<string, unknown>, key: string, path: string): void {
    if (o[key] !== undefined && typeof o[key] !== 'boolean')
      this.add(`${path}.${key}`, `${key} must be true or false`)
  }

  optInt(o: Record<string, unknown>, key: string, path: string, min: number, max: number): void {
    const v = o[key]
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min && (v as number) <= max))
      this.add(`${path}.${key}`, `${key} must be an integer in ${min}..${max}`)
  }

  optChoice(
    o: Record<string, unknown>,
    key: string,
    path: string,
    choices: readonly string[],
  ): void {
    const v = o[key]
    if (v !== undefined && (typeof v !== 'string' || !choices.includes(v)))
      this.add(`${path}.${key}`, `${key} must be one of ${choices.join(', ')}`)
  }

  required(o: Record<string, unknown>, key: string, path: string): boolean {
    if (o[key] !== undefined) return true
    this.add(`${path}.${key}`, `${key} is required`)
    return false
  }

  alphabet(o: Record<string, unknown>, path: string): void {
    const v = o['alphabet']
    if (v === undefined) return
    const p = `${path}.alphabet`
    if (typeof v === 'string') {
      if (!Object.hasOwn(ALPHABET_PRESETS, v))
        this.add(
          p,
          `unknown alphabet; choose from ${Object.keys(ALPHABET_PRESETS).join(', ')} or give { characters }`,
          'ERR_PROTECT_INVALID_ALPHABET',
        )
      return
    }
    if (!this.isRecord(v) || typeof v['characters'] !== 'string' || Object.keys(v).length !== 1) {
      this.add(
        p,
        'alphabet must be a preset name or { characters: "..." }',
        'ERR_PROTECT_INVALID_ALPHABET',
      )
      return
    }
    try {
      Alphabet.of(v['characters'])
    } catch (e) {
      if (!isStrongroomError(e)) throw e
      const found =
        e.issues.length > 0 ? e.issues : [{ code: e.code, path: 'alphabet', message: e.message }]
      for (const i of found) this.add(p, i.message, 'ERR_PROTECT_INVALID_ALPHABET')
    }
  }
}

function checkRule(c: Checker, input: unknown, path: string): ColumnRule | undefined {
  if (!c.isRecord(input)) {
    c.add(path, 'a rule must be a mapping with a transform')
    return undefined
  }
  let raw: Record<string, unknown> = input
  const t = raw['transform']
  if (typeof t !== 'string' || !(PROTECT_TRANSFORMS as readonly string[]).includes(t)) {
    c.add(`${path}.transform`, `transform must be one of ${PROTECT_TRANSFORMS.join(', ')}`)
    return undefined
  }
  const transform = t as ProtectTransform
  const before = c.issues.length
  for (const key of Object.keys(raw)) {
    if (key !== 'transform' && !OPTIONS[transform].includes(key))
      c.add(`${path}.${key}`, `unknown option for ${transform}`)
  }
  if (OPTIONS[transform].includes('domain')) c.optString(raw, 'domain', path, MAX_DOMAIN)
  switch (transform) {
    case 'token':
      c.optChoice(raw, 'encoding', path, ['hex', 'base32', 'base64url'])
      c.optInt(raw, 'bits', path, MIN_TOKEN_BITS, MAX_TOKEN_BITS)
      c.optChoice(raw, 'normalize', path, ['none', 'NFC'])
      break
    case 'pseudonym':
      c.optChoice(raw, 'encoding', path, ['base64url', 'hex'])
      break
    case 'fpe':
    case 'fpe-email':
      c.alphabet(raw, path)
      break
    case 'fpe-card':
      c.optBool(raw, 'keepLast4', path)
      c.optInt(raw, 'keepPrefix', path, 0, 8)
      break
    case 'mask':
      c.optInt(raw, 'keepFirst', path, 0, 1000)
      c.optInt(raw, 'keepLast', path, 0, 1000)
      c.optBool(raw, 'keepSeparators', path)
      oneChar(c, raw, path)
      break
    case 'redact-text': {
      c.optChoice(raw, 'replace', path, ['tag', 'mask', 'token'])
      const s = raw['minScore']
      if (s !== undefined && !(typeof s === 'number' && s >= 0 && s <= 1))
        c.add(`${path}.minScore`, 'minScore must be a number in 0..1')
      const e = raw['entities']
      if (
        e !== undefined &&
        !(
          Array.isArray(e) &&
          e.length > 0 &&
          e.every((x) => typeof x === 'string' && ENTITY_RE.test(x))
        )
      )
        c.add(`${path}.entities`, 'entities must be a non-empty list of UPPER_SNAKE entity types')
      oneChar(c, raw, path)
      break
    }
    case 'redact': {
      // YAML reads a bare `mode: null` as a null value; it means the `null` mode.
      if (raw['mode'] === null) raw = { ...raw, mode: 'null' }
      c.optChoice(raw, 'mode', path, ['drop', 'null', 'constant'])
      const mode = raw['mode'] ?? 'drop'
      if (mode === 'constant') {
        if (typeof raw['value'] !== 'string')
          c.add(`${path}.value`, 'constant mode needs a string value')
      } else if (raw['value'] !== undefined) {
        c.add(`${path}.value`, 'value applies to constant mode only')
      }
      break
    }
    case 'date-shift':
      if (c.required(raw, 'subjectColumn', path)) c.optString(raw, 'subjectColumn', path)
      if (c.required(raw, 'maxDays', path)) c.optInt(raw, 'maxDays', path, 1, 36_500)
      c.optBool(raw, 'allowZero', path)
      break
    case 'bucket': {
      const hasWidth = raw['width'] !== undefined
      const hasBounds = raw['boundaries'] !== undefined
      if (hasWidth === hasBounds) c.add(path, 'bucket needs exactly one of width or boundaries')
      const w = raw['width']
      if (hasWidth && !(typeof w === 'number' && Number.isFinite(w) && w > 0))
        c.add(`${path}.width`, 'width must be a positive number')
      const o = raw['origin']
      if (o !== undefined && !(typeof o === 'number' && Number.isFinite(o)))
        c.add(`${path}.origin`, 'origin must be a finite number')
      if (o !== undefined && !hasWidth)
        c.add(`${path}.origin`, 'origin applies to width buckets only')
      const b = raw['boundaries']
      if (hasBounds) {
        const ok =
          Array.isArray(b) &&
          b.length > 0 &&
          b.every((x) => typeof x === 'number' && Number.isFinite(x)) &&
          b.every((x, i) => i === 0 || (x as number) > (b[i - 1] as number))
        if (!ok)
          c.add(
            `${path}.boundaries`,
            'boundaries must be a non-empty list of strictly ascending numbers',
          )
      }
      break
    }
    case 'bucket-date':
      if (c.required(raw, 'granularity', path))
        c.optChoice(raw, 'granularity', path, ['month', 'quarter', 'year'])
      break
    case 'generalize':
      if (c.required(raw, 'hierarchy', path)) c.optString(raw, 'hierarchy', path)
      if (c.required(raw, 'level', path)) c.optInt(raw, 'level', path, 0, 1000)
      c.optChoice(raw, 'onMissing', path, ['error', 'top'])
      break
    case 'tag': {
      const e = raw['entity']
      if (e !== undefined && !(typeof e === 'string' && ENTITY_RE.test(e)))
        c.add(`${path}.entity`, 'entity must be UPPER_SNAKE, e.g. EMAIL_ADDRESS')
      break
    }
    case 'vault':
      c.optString(raw, 'subject', path)
      break
    case 'keep':
      break
  }
  return c.issues.length === before ? (raw as unknown as ColumnRule) : undefined
}

function oneChar(c: Checker, raw: Record<string, unknown>, path: string): void {
  const ch = raw['char']
  if (ch !== undefined && !(typeof ch === 'string' && [...ch].length === 1))
    c.add(`${path}.char`, 'char must be exactly one character')
}

function invalid(issues: readonly ErrorIssue[]): StrongroomError {
  return new StrongroomError(
    'ERR_PROTECT_SPEC_INVALID',
    `The protection spec is invalid (${issues.length} problem(s))`,
    { issues, hint: 'Fix each listed path; nothing was written.' },
  )
}

/** A spec as parsed: the valid rules, and every problem found so far. */
export interface ParsedSpec {
  /** The spec with the rules that passed the shape checks. */
  readonly spec: ProtectSpec
  /** Problems found; the spec is usable only when there are none. */
  readonly issues: readonly ErrorIssue[]
  /** Every column name the `columns` section mentions, valid rule or not. */
  readonly columnNames: readonly string[]
}

/**
 * Checks the shape of a parsed spec document and returns the valid rules with every problem
 * found (empty when valid). Column names are checked by {@link checkSpecAgainstSchema}, so
 * callers can list both kinds of problems together.
 */
export function parseProtectSpec(doc: unknown, baseDir = '.'): ParsedSpec {
  const c = new Checker()
  const columns: Record<string, ColumnRule> = {}
  const classifications: Record<string, ColumnRule> = {}
  const columnNames: string[] = []
  const spec: ProtectSpec = { version: 1, columns, classifications, baseDir }
  if (!c.isRecord(doc)) {
    c.add('', 'the spec must be a mapping with version and columns')
    return { spec, issues: c.issues, columnNames }
  }
  for (const key of Object.keys(doc)) if (!TOP_KEYS.includes(key)) c.add(key, 'unknown key')
  if (doc['version'] !== 1) c.add('version', 'version must be 1')
  const section = (key: 'columns' | 'classifications', into: Record<string, ColumnRule>) => {
    const v = doc[key]
    if (v === undefined || v === null) return
    if (!c.isRecord(v)) {
      c.add(key, `${key} must be a mapping`)
      return
    }
    for (const [name, raw] of Object.entries(v)) {
      const path = `${key}.${name}`
      if (key === 'columns') columnNames.push(name)
      if (key === 'classifications' && !ENTITY_RE.test(name))
        c.add(path, 'an entity type is UPPER_SNAKE, e.g. EMAIL_ADDRESS')
      const rule = checkRule(c, raw, path)
      if (rule !== undefined) into[name] = rule
    }
  }
  section('columns', columns)
  section('classifications', classifications)
  if (doc['columns'] == null && doc['classifications'] == null)
    c.add('columns', 'give columns or classifications')
  return { spec, issues: c.issues, columnNames }
}

/**
 * The problems of a parsed spec against an input's column names: rules for columns the
 * input lacks, and date-shift subject columns it lacks.
 */
export function checkSpecAgainstSchema(
  parsed: ParsedSpec,
  inputColumns: readonly string[],
): ErrorIssue[] {
  const known = new Set(inputColumns)
  const issues: ErrorIssue[] = []
  const add = (path: string, message: string) =>
    issues.push({ code: 'ERR_PROTECT_SPEC_INVALID', path, message })
  for (const name of parsed.columnNames)
    if (!known.has(name)) add(`columns.${name}`, 'the input has no such column')
  const subjects = (section: string, rules: Readonly<Record<string, ColumnRule>>) => {
    for (const [name, rule] of Object.entries(rules))
      if (rule.transform === 'date-shift' && !known.has(rule.subjectColumn))
        add(`${section}.${name}.subjectColumn`, 'the input has no such column')
      else if (rule.transform === 'vault' && rule.subject !== undefined && !known.has(rule.subject))
        add(`${section}.${name}.subject`, 'the input has no such column')
  }
  subjects('columns', parsed.spec.columns)
  subjects('classifications', parsed.spec.classifications)
  return issues
}

/** Parses YAML or JSON text (JSON is YAML) into a document; `ERR_PROTECT_SPEC_INVALID` if neither. */
export function parseSpecText(text: string): unknown {
  try {
    return parseYaml(text) as unknown
  } catch {
    // The parser's message can quote the file; only the fact is reported.
    throw invalid([
      { code: 'ERR_PROTECT_SPEC_INVALID', path: '', message: 'not valid YAML or JSON' },
    ])
  }
}

/**
 * Validates a spec document, throwing one `ERR_PROTECT_SPEC_INVALID` listing every problem
 * (shape, and column names when `columnNames` is given). Hierarchy files and value domains
 * are checked when a plan is compiled.
 *
 * @example
 * ```ts
 * const spec = validateProtectSpec(parseSpecText(yaml), { columnNames: ['email', 'age'] })
 * ```
 */
export function validateProtectSpec(
  doc: unknown,
  options: { readonly columnNames?: readonly string[]; readonly baseDir?: string } = {},
): ProtectSpec {
  const parsed = parseProtectSpec(doc, options.baseDir)
  throwIfIssues([
    ...parsed.issues,
    ...(options.columnNames === undefined
      ? []
      : checkSpecAgainstSchema(parsed, options.columnNames)),
  ])
  return parsed.spec
}

/**
 * Reads and parses a spec file (YAML or JSON) without throwing for rule problems: they are
 * reported with the input-dependent ones when a plan is compiled. Relative hierarchy paths
 * resolve against the file's folder.
 *
 * @throws StrongroomError `ERR_INPUT_NOT_FOUND` when the file cannot be read,
 *   `ERR_PROTECT_SPEC_INVALID` when it is not YAML or JSON.
 */
export async function loadProtectSpec(path: string): Promise<ParsedSpec> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    throw new StrongroomError('ERR_INPUT_NOT_FOUND', 'The protection spec file cannot be read', {
      details: { option: 'spec' },
    })
  }
  return parseProtectSpec(parseSpecText(text), dirname(path))
}

/** Throws one `ERR_PROTECT_SPEC_INVALID` for `issues` (no-op when empty). */
export function throwIfIssues(issues: readonly ErrorIssue[]): void {
  if (issues.length > 0) throw invalid(issues)
}
