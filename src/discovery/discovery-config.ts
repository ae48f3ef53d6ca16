/**
 * The `discovery:` section of `strongroom.yaml` (or a standalone file given to `scan
 * --config`): custom identifiers, allow lists, disabled built-ins, per-dataset overrides
 * of a column's classification, and a minimum confidence. Validation collects every
 * problem before failing, each with its path, never echoing a configured value.
 *
 * Custom identifiers follow Amazon Macie's model: a regex, optional keywords (one must
 * end at most `maxMatchDistance` characters before the end of the match; case-insensitive),
 * optional ignore words (a match containing one is dropped; case-sensitive), with Macie's
 * limits on each.
 */
import type { Sensitivity } from '../catalog/catalog.js'
import { isDatasetName } from '../core/names.js'
import type { ErrorIssue } from '../errors.js'
import { checkRegex } from './regex-safety.js'

/** One user-defined identifier. */
export interface CustomIdentifier {
  /** The entity type it reports, UPPER_SNAKE (`EMPLOYEE_ID`). */
  readonly name: string
  readonly regex: string
  readonly ignoreCase: boolean
  /** Lower-cased; empty means the regex alone decides. */
  readonly keywords: readonly string[]
  readonly ignoreWords: readonly string[]
  readonly maxMatchDistance: number
  readonly sensitivity: Exclude<Sensitivity, 'none'>
  /** The score of a match (0..1). Default 0.9. */
  readonly score: number
}

/** Values and patterns never reported. */
export interface AllowList {
  /** Exact values (compared after trimming). */
  readonly values: readonly string[]
  /** Patterns a whole value must match to be allowed; they run under the deadline. */
  readonly patterns: readonly string[]
}

/** The validated discovery configuration. */
export interface DiscoveryConfig {
  /** Spans scoring below this are not reported. */
  readonly minConfidence: number
  /** Built-in detector ids (`us-passport`) or entity types (`NRP`) switched off. */
  readonly disable: readonly string[]
  readonly customIdentifiers: readonly CustomIdentifier[]
  readonly allowList: AllowList
  /** Dataset name → column → entity type (or `NONE`) that replaces detection. */
  readonly overrides: Readonly<Record<string, Readonly<Record<string, string>>>>
  /** Deadline for one custom pattern call on one value, in milliseconds. */
  readonly regexDeadlineMs: number
}

/** The configuration used when none is given. */
export const DEFAULT_DISCOVERY_CONFIG: DiscoveryConfig = {
  minConfidence: 0.4,
  disable: [],
  customIdentifiers: [],
  allowList: { values: [], patterns: [] },
  overrides: {},
  regexDeadlineMs: 1000,
}

const ENTITY_RE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/
const SENSITIVITIES = ['low', 'medium', 'high'] as const
const TOP_KEYS = [
  'minConfidence',
  'disable',
  'customIdentifiers',
  'allowList',
  'overrides',
  'regexDeadlineMs',
]
const CUSTOM_KEYS = [
  'name',
  'regex',
  'ignoreCase',
  'keywords',
  'ignoreWords',
  'maxMatchDistance',
  'sensitivity',
  'score',
]

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Validates a `discovery` document. Returns the config and every problem found (the
 * config is only meaningful when `issues` is empty); `path` prefixes issue paths.
 *
 * @example
 * ```ts
 * const { config, issues } = parseDiscoveryConfig(
 *   { customIdentifiers: [{ name: 'EMPLOYEE_ID', regex: 'EMP-[0-9]{6}' }] },
 * )
 * ```
 */
export function parseDiscoveryConfig(
  doc: unknown,
  path = 'discovery',
): { config: DiscoveryConfig; issues: ErrorIssue[] } {
  const issues: ErrorIssue[] = []
  const bad = (p: string, message: string): void => {
    issues.push({ code: 'ERR_CONFIG_INVALID', path: p, message })
  }
  if (doc === undefined || doc === null) return { config: DEFAULT_DISCOVERY_CONFIG, issues }
  if (!isObj(doc)) {
    bad(path, 'must be a mapping')
    return { config: DEFAULT_DISCOVERY_CONFIG, issues }
  }
  for (const key of Object.keys(doc))
    if (!TOP_KEYS.includes(key)) bad(`${path}.${key}`, 'unknown setting')

  let minConfidence = DEFAULT_DISCOVERY_CONFIG.minConfidence
  if (doc['minConfidence'] !== undefined) {
    const v = doc['minConfidence']
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      bad(`${path}.minConfidence`, 'must be a number from 0 to 1')
    else minConfidence = v
  }
  let regexDeadlineMs = DEFAULT_DISCOVERY_CONFIG.regexDeadlineMs
  if (doc['regexDeadlineMs'] !== undefined) {
    const v = doc['regexDeadlineMs']
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 10 || v > 60_000)
      bad(`${path}.regexDeadlineMs`, 'must be an integer from 10 to 60000')
    else regexDeadlineMs = v
  }
  const disable = stringList(doc['disable'], `${path}.disable`, bad, {
    max: 200,
    check: (s) => /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(s) || ENTITY_RE.test(s),
    what: 'a detector id (kebab-case) or an entity type (UPPER_SNAKE)',
  })

  const customIdentifiers: CustomIdentifier[] = []
  const ci = doc['customIdentifiers']
  if (ci !== undefined) {
    if (!Array.isArray(ci)) bad(`${path}.customIdentifiers`, 'must be a list')
    else {
      if (ci.length > 100) bad(`${path}.customIdentifiers`, 'at most 100 custom identifiers')
      const names = new Set<string>()
      ci.forEach((entry, i) => {
        const parsed = parseCustom(entry, `${path}.customIdentifiers[${i}]`, bad)
        if (parsed === undefined) return
        if (names.has(parsed.name))
          bad(`${path}.customIdentifiers[${i}].name`, 'duplicate custom identifier name')
        names.add(parsed.name)
        customIdentifiers.push(parsed)
      })
    }
  }

  let allowList: AllowList = DEFAULT_DISCOVERY_CONFIG.allowList
  const al = doc['allowList']
  if (al !== undefined) {
    if (!isObj(al)) bad(`${path}.allowList`, 'must be a mapping with values and/or patterns')
    else {
      for (const key of Object.keys(al))
        if (key !== 'values' && key !== 'patterns')
          bad(`${path}.allowList.${key}`, 'unknown setting')
      const values = stringList(al['values'], `${path}.allowList.values`, bad, {
        max: 10_000,
        check: (s) => s.trim().length > 0 && s.length <= 512,
        what: 'a non-empty text of at most 512 characters',
      })
      const patterns = stringList(al['patterns'], `${path}.allowList.patterns`, bad, {
        max: 100,
        check: () => true,
        what: 'a pattern',
      })
      patterns.forEach((p, i) => {
        for (const problem of checkRegex(p))
          bad(`${path}.allowList.patterns[${i}]`, problem.message)
      })
      allowList = { values: values.map((v) => v.trim()), patterns }
    }
  }

  const overrides: Record<string, Record<string, string>> = {}
  const ov = doc['overrides']
  if (ov !== undefined) {
    if (!isObj(ov)) bad(`${path}.overrides`, 'must map dataset names to column mappings')
    else {
      for (const [dataset, columns] of Object.entries(ov)) {
        const p = `${path}.overrides.${dataset}`
        if (!isDatasetName(dataset)) bad(p, 'is not a dataset name (namespace.name)')
        if (!isObj(columns)) {
          bad(p, 'must map column names to entity types')
          continue
        }
        const mapped: Record<string, string> = {}
        for (const [column, type] of Object.entries(columns)) {
          if (typeof type !== 'string' || !ENTITY_RE.test(type) || type.length > 64)
            bad(`${p}.${column}`, 'must be an entity type (UPPER_SNAKE) or NONE')
          else mapped[column] = type
        }
        overrides[dataset] = mapped
      }
    }
  }

  return {
    config: {
      minConfidence,
      disable,
      customIdentifiers,
      allowList,
      overrides,
      regexDeadlineMs,
    },
    issues,
  }
}

function parseCustom(
  entry: unknown,
  p: string,
  bad: (path: string, message: string) => void,
): CustomIdentifier | undefined {
  if (!isObj(entry)) {
    bad(p, 'must be a mapping with name and regex')
    return undefined
  }
  for (const key of Object.keys(entry))
    if (!CUSTOM_KEYS.includes(key)) bad(`${p}.${key}`, 'unknown setting')
  const name = entry['name']
  if (typeof name !== 'string' || !ENTITY_RE.test(name) || name.length > 64)
    bad(`${p}.name`, 'must be an entity type name, UPPER_SNAKE, at most 64 characters')
  const regex = entry['regex']
  const ignoreCase = entry['ignoreCase'] ?? false
  if (typeof ignoreCase !== 'boolean') bad(`${p}.ignoreCase`, 'must be true or false')
  if (typeof regex !== 'string') bad(`${p}.regex`, 'must be a text (a regular expression)')
  else
    for (const problem of checkRegex(regex, { flags: ignoreCase === true ? 'i' : '' }))
      bad(`${p}.regex`, problem.message)
  // Macie's limits: 50 keywords of 3–90 characters, 10 ignore words of 4–90.
  const keywords = stringList(entry['keywords'], `${p}.keywords`, bad, {
    max: 50,
    check: (s) => s.trim().length >= 3 && s.length <= 90,
    what: 'a keyword of 3 to 90 characters',
  })
  const ignoreWords = stringList(entry['ignoreWords'], `${p}.ignoreWords`, bad, {
    max: 10,
    check: (s) => s.length >= 4 && s.length <= 90,
    what: 'an ignore word of 4 to 90 characters',
  })
  const distance = entry['maxMatchDistance'] ?? 50
  if (typeof distance !== 'number' || !Number.isInteger(distance) || distance < 1 || distance > 300)
    bad(`${p}.maxMatchDistance`, 'must be an integer from 1 to 300')
  const sensitivity = entry['sensitivity'] ?? 'medium'
  if (!SENSITIVITIES.includes(sensitivity as never))
    bad(`${p}.sensitivity`, 'must be low, medium or high')
  const score = entry['score'] ?? 0.9
  if (typeof score !== 'number' || !(score > 0 && score <= 1))
    bad(`${p}.score`, 'must be a number above 0 and at most 1')
  if (typeof name !== 'string' || typeof regex !== 'string') return undefined
  return {
    name,
    regex,
    ignoreCase: ignoreCase === true,
    keywords: keywords.map((k) => k.trim().toLowerCase()),
    ignoreWords,
    maxMatchDistance: typeof distance === 'number' ? distance : 50,
    sensitivity: sensitivity as CustomIdentifier['sensitivity'],
    score: typeof score === 'number' ? score : 0.9,
  }
}

function stringList(
  v: unknown,
  p: string,
  bad: (path: string, message: string) => void,
  rule: { max: number; check: (s: string) => boolean; what: string },
): string[] {
  if (v === undefined) return []
  if (!Array.isArray(v)) {
    bad(p, 'must be a list')
    return []
  }
  if (v.length > rule.max) bad(p, `at most ${rule.max} entries`)
  const out: string[] = []
  v.forEach((item, i) => {
    if (typeof item !== 'string' || !rule.check(item)) bad(`${p}[${i}]`, `must be ${rule.what}`)
    else out.push(item)
  })
  return out
}
