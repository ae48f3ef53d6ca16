/**
 * Discovery configuration: custom identifiers with Macie's keyword / ignore-word / distance
 * rules, allow lists, disabled built-ins, minimum confidence, column-name context, and the
 * deadline that keeps a user pattern from hanging a scan.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { classifyColumns } from '../../src/discovery/classify-columns.js'
import type { Span } from '../../src/discovery/detector.js'
import {
  DEFAULT_DISCOVERY_CONFIG,
  parseDiscoveryConfig,
  type DiscoveryConfig,
} from '../../src/discovery/discovery-config.js'
import {
  createDiscoveryEngine,
  humanize,
  type DiscoveryEngine,
} from '../../src/discovery/discovery-engine.js'
import { PatternSandbox } from '../../src/discovery/pattern-sandbox.js'
import { redactedPreview } from '../../src/discovery/preview.js'
import { isStrongroomError } from '../../src/errors.js'

function config(doc: unknown): DiscoveryConfig {
  const { config: c, issues } = parseDiscoveryConfig(doc)
  expect(issues).toEqual([])
  return c
}

/** Only spans of `type`: other detectors may find other things in the same text. */
function only(spans: readonly Span[], type: string): Span[] {
  return spans.filter((s) => s.type === type)
}

const engines: DiscoveryEngine[] = []
function engine(doc: unknown): DiscoveryEngine {
  const e = createDiscoveryEngine(config(doc))
  engines.push(e)
  return e
}
afterEach(() => {
  for (const e of engines.splice(0)) e.close()
})

describe('discovery configuration validation', () => {
  it('lists every problem with its path and never echoes a value', () => {
    const secretish = 'TOPSECRET-CANARY-VALUE'
    const { issues } = parseDiscoveryConfig({
      minConfidence: 2,
      colour: 'blue',
      disable: ['Not An Id'],
      regexDeadlineMs: 1,
      customIdentifiers: [
        { name: 'employee id', regex: '(a+)+' },
        { name: 'OK_ONE', regex: 'x', keywords: ['ab'], ignoreWords: ['abc'], maxMatchDistance: 0 },
        { name: 'OK_ONE', regex: `(${secretish}`, sensitivity: 'extreme', score: 0 },
        'not a mapping',
      ],
      allowList: { values: [''], patterns: ['(a|aa)*'], extra: 1 },
      overrides: { 'not a dataset': { c: 'PERSON' }, 'crm.people': { c: 'lower case' } },
    })
    const paths = issues.map((i) => i.path)
    expect(paths).toEqual(
      expect.arrayContaining([
        'discovery.minConfidence',
        'discovery.colour',
        'discovery.disable[0]',
        'discovery.regexDeadlineMs',
        'discovery.customIdentifiers[0].name',
        'discovery.customIdentifiers[0].regex',
        'discovery.customIdentifiers[1].keywords[0]',
        'discovery.customIdentifiers[1].ignoreWords[0]',
        'discovery.customIdentifiers[1].maxMatchDistance',
        'discovery.customIdentifiers[2].name',
        'discovery.customIdentifiers[2].regex',
        'discovery.customIdentifiers[2].sensitivity',
        'discovery.customIdentifiers[2].score',
        'discovery.customIdentifiers[3]',
        'discovery.allowList.values[0]',
        'discovery.allowList.patterns[0]',
        'discovery.allowList.extra',
        'discovery.overrides.not a dataset',
        'discovery.overrides.crm.people.c',
      ]),
    )
    expect(issues.length).toBeGreaterThanOrEqual(19)
    expect(JSON.stringify(issues)).not.toContain(secretish)
  })

  it('an absent section gives the defaults', () => {
    expect(parseDiscoveryConfig(undefined)).toEqual({
      config: DEFAULT_DISCOVERY_CONFIG,
      issues: [],
    })
  })
})

describe('custom identifiers (Macie rules)', () => {
  it('reports a regex match as its own entity type', () => {
    const e = engine({ customIdentifiers: [{ name: 'EMPLOYEE_ID', regex: 'EMP-[0-9]{6}' }] })
    const spans = only(e.scan('badge EMP-123456 issued'), 'EMPLOYEE_ID')
    expect(spans).toEqual([{ type: 'EMPLOYEE_ID', start: 6, end: 16, score: 0.9 }])
    expect(e.entityTypes()).toContain('EMPLOYEE_ID')
  })

  it('with keywords, needs one ending within maxMatchDistance before the match end', () => {
    const e = engine({
      customIdentifiers: [
        {
          name: 'PROJECT_CODE',
          regex: 'P[0-9]{5}',
          keywords: ['project'],
          maxMatchDistance: 20,
        },
      ],
    })
    const found = (text: string, columnName?: string) =>
      only(e.scan(text, columnName === undefined ? {} : { columnName }), 'PROJECT_CODE').map(
        (s) => s.start,
      )
    expect(found('Project code: P12345')).toEqual([14])
    // Keyword after the match does not count; neither does one too far before it.
    expect(found('P12345 is the project')).toEqual([])
    expect(found(`project ${'x'.repeat(30)} P12345`)).toEqual([])
    // The column name is a keyword for structured data.
    expect(found('P12345', 'project_id')).toEqual([0])
  })

  it('ignore words (case-sensitive) drop matches that contain them', () => {
    const e = engine({
      customIdentifiers: [{ name: 'TICKET', regex: 'TCK-[A-Z0-9]{4}', ignoreWords: ['TEST'] }],
    })
    expect(only(e.scan('TCK-TEST and TCK-9A7B'), 'TICKET').map((s) => s.start)).toEqual([13])
  })

  it('a custom type gets its configured sensitivity in column classification', () => {
    const e = engine({
      customIdentifiers: [{ name: 'EMPLOYEE_ID', regex: 'EMP-[0-9]{6}', sensitivity: 'high' }],
    })
    const [f] = classifyColumns(
      [{ name: 'c9', values: ['EMP-000001', 'EMP-000002', 'EMP-000003'] }],
      e,
    )
    expect(f).toMatchObject({ entityType: 'EMPLOYEE_ID', sensitivity: 'high', share: 1 })
  })
})

describe('allow lists, disabled built-ins, minimum confidence', () => {
  const text = 'write to noreply@example.com or jane@corp.example'

  it('allowed values and patterns are never reported', () => {
    const emails = (e: DiscoveryEngine) => only(e.scan(text), 'EMAIL_ADDRESS').map((s) => s.start)
    expect(emails(engine({}))).toEqual([9, 32])
    expect(emails(engine({ allowList: { values: ['noreply@example.com'] } }))).toEqual([32])
    expect(emails(engine({ allowList: { patterns: ['[a-z]+@corp\\.example'] } }))).toEqual([9])
  })

  it('disables built-ins by detector id or by entity type', () => {
    const emails = (e: DiscoveryEngine) => only(e.scan(text), 'EMAIL_ADDRESS').length
    expect(emails(engine({ disable: ['EMAIL_ADDRESS'] }))).toBe(0)
    expect(emails(engine({ disable: ['email'] }))).toBe(0)
    expect(emails(engine({ disable: ['url'] }))).toBe(2)
  })

  it('the minimum confidence drops weaker spans', () => {
    const scores = engine({})
      .scan('SSN 078-05-1120, or just 219-09-9999')
      .map((s) => s.score)
    const strict = engine({ minConfidence: Math.max(...scores) })
    expect(strict.scan('SSN 078-05-1120, or just 219-09-9999').length).toBeLessThanOrEqual(
      scores.length,
    )
    expect(engine({ minConfidence: 1 }).scan('plain words only')).toEqual([])
  })
})

describe('column names as context', () => {
  it('humanizes snake, camel and kebab names', () => {
    expect(humanize('date_of_birth')).toBe('date of birth')
    expect(humanize('dateOfBirth')).toBe('date of birth')
    expect(humanize('DOB-2')).toBe('dob 2')
  })

  it('offsets stay those of the value, and nothing is found inside the name', () => {
    const e = engine({})
    const spans = only(
      e.scan('a@example.com', { columnName: 'contact_a@example.com' }),
      'EMAIL_ADDRESS',
    )
    expect(spans).toEqual([expect.objectContaining({ type: 'EMAIL_ADDRESS', start: 0, end: 13 })])
  })
})

describe('pattern sandbox deadline', () => {
  it('stops a pattern that runs past its deadline with ERR_DISCOVERY_REGEX_TIMEOUT', () => {
    // Passes the static check (no nested quantifier) but is polynomial: four adjacent
    // unbounded runs over the same characters try O(n^4) splits before failing.
    const box = new PatternSandbox({ patterns: [{ source: '\\d+\\d+\\d+\\d+x' }], deadlineMs: 50 })
    try {
      const started = performance.now()
      let caught: unknown
      try {
        box.match('1'.repeat(3000))
      } catch (e) {
        caught = e
      }
      expect(isStrongroomError(caught, 'ERR_DISCOVERY_REGEX_TIMEOUT')).toBe(true)
      // The caller got control back near the deadline, not after the regex finished.
      expect(performance.now() - started).toBeLessThan(5000)
      // Fail closed: the sandbox refuses further work rather than report partial results.
      expect(() => box.match('x')).toThrow(/deadline/)
    } finally {
      box.close()
    }
  })

  it('answers ordinary calls synchronously, match offsets in UTF-16 units', () => {
    const box = new PatternSandbox({
      patterns: [{ source: 'K-[0-9]{3}' }],
      allow: [{ source: 'K-000' }],
    })
    try {
      expect(box.match('é K-123 😀 K-000')).toEqual([
        [
          [2, 7],
          [11, 16],
        ],
      ])
      expect(box.allowed(['K-000', 'K-123'])).toEqual([true, false])
    } finally {
      box.close()
    }
  })
})

describe('redacted previews', () => {
  it('show shape, never the value', () => {
    expect(redactedPreview('jane.doe@example.com', 'EMAIL_ADDRESS')).toBe('j•••@e•••.com')
    expect(redactedPreview('4539 5787 6362 1486', 'CREDIT_CARD')).toBe('••••••••••••1486')
    expect(redactedPreview('078-05-1120', 'US_SSN')).toBe('•••-••-••••')
    expect(redactedPreview('Maria Garcia', 'PERSON')).toBe('M••• G•••')
    expect([...redactedPreview('x'.repeat(200), 'NOTE')].length).toBeLessThanOrEqual(32)
  })
})
