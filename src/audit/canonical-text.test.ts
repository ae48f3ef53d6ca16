import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { canonicalRecordText, recordTextRoom } from './canonical-text.js'
import type { RecordText } from './canonical-text.js'
import { canonicalizeWithout } from './canonical.js'

const HASH = 'ab'.repeat(32)
const PREV = 'cd'.repeat(32)

/**
 * What the fast path must equal: the canonical form of the parsed text without `hash`, and
 * its `seq`, `prevHash` and `hash`; `undefined` where that throws (then it must give up).
 */
function reference(text: string): { body: string; fields: unknown[] } | undefined {
  try {
    const r = JSON.parse(text) as Record<string, unknown>
    return { body: canonicalizeWithout(r, 'hash'), fields: [r.seq, r.prevHash, r.hash] }
  } catch {
    return undefined
  }
}

/** The fast path's answer, as `reference` gives it, or `undefined` when it gives up. */
function fast(text: string): { body: string; fields: unknown[] } | undefined {
  const buf = Buffer.alloc(recordTextRoom(text.length))
  const r: RecordText = { seq: 0, prevHash: '', hash: '', start: 0, length: 0 }
  if (!canonicalRecordText(text, buf, r)) return undefined
  // The room before the form is free for the chain prefix.
  expect(r.start).toBeGreaterThanOrEqual(32)
  return {
    body: buf.toString('utf8', r.start, r.start + r.length),
    fields: [r.seq, r.prevHash, r.hash],
  }
}

/** Asserts the fast path is never wrong: it gives up, or agrees with the reference. */
function agrees(text: string): boolean {
  const got = fast(text)
  if (got === undefined) return false
  expect(got).toEqual(reference(text))
  return true
}

function record(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    principal: 'user1',
    action: 'dataset.read',
    resources: [{ type: 'dataset', name: 'crm.customers', version: 3 }],
    purpose: 'training',
    decision: 'allow',
    policyIds: ['default', 'pii'],
    requestId: 'b309d421-ae44-436d-9999-4f95ff567c8f',
    outcome: 'success',
    rows: 12,
    bytes: 1.5,
    client: { kind: 'server', address: '10.0.0.7' },
    seq: 42,
    time: '2026-01-01T00:00:00.000Z',
    prevHash: PREV,
    hash: HASH,
    ...over,
  }
}

describe('canonicalRecordText (fast path of hashing a stored record)', () => {
  it('takes a record as JSON.stringify writes it, sorting every level, without hash', () => {
    const text = JSON.stringify(record())
    expect(agrees(text)).toBe(true)
    expect(fast(text)?.body).toBe(canonicalizeWithout(record(), 'hash'))
    expect(fast(text)?.fields).toEqual([42, PREV, HASH])
  })

  it('takes canonical text, hash first, last or alone with the required fields', () => {
    const r = record()
    expect(agrees(JSON.stringify({ hash: HASH, ...r }))).toBe(true)
    expect(agrees(JSON.stringify({ ...r, hash: HASH }))).toBe(true)
    expect(agrees(`{"hash":"${HASH}","prevHash":"${PREV}","seq":1}`)).toBe(true)
    expect(agrees(`{"seq":1,"prevHash":"${PREV}","hash":"${HASH}"}`)).toBe(true)
  })

  it('takes non-ASCII BMP text (names sort by code unit, bytes are UTF-8)', () => {
    const r = record({ principal: 'Zoë 山田', purpose: 'café \u2028 \u007f', é: 1, z: 2, ﬀ: 3 })
    expect(agrees(JSON.stringify(r))).toBe(true)
  })

  // Each is valid JSON that canonicalizes differently from its text, or not at all, or is
  // not JSON: the fast path must give up (the slow path then gives the exact answer).
  const giveUp: [string, string][] = [
    ['whitespace', `{"seq": 1,"prevHash":"${PREV}","hash":"${HASH}"}`],
    ['an escape', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","a":"x\\u0041"}`],
    ['an escaped quote', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","a":"\\""}`],
    ['-0', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","a":-0}`],
    ['1.0', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","a":1.0}`],
    ['1E2', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","a":1E2}`],
    ['a leading zero', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","a":01}`],
    ['beyond 2^53', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","a":9007199254740993}`],
    ['a duplicate name', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","a":1,"b":2,"a":3}`],
    ['a duplicate hash', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","hash":"${PREV}"}`],
    ['a duplicate seq', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","seq":2}`],
    ['a nested duplicate', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","a":{"x":1,"x":2}}`],
    ['a lone surrogate', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","a":"\uD800"}`],
    ['a surrogate pair', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","😀":1,"ﬀ":2}`],
    ['U+FFFD', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","a":"\uFFFD"}`],
    ['a control character', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","a":"\u0001"}`],
    ['a string seq', `{"seq":"1","prevHash":"${PREV}","hash":"${HASH}"}`],
    ['seq 0', `{"seq":0,"prevHash":"${PREV}","hash":"${HASH}"}`],
    ['a fractional seq', `{"seq":1.5,"prevHash":"${PREV}","hash":"${HASH}"}`],
    ['no seq', `{"prevHash":"${PREV}","hash":"${HASH}"}`],
    ['no hash', `{"seq":1,"prevHash":"${PREV}"}`],
    ['a numeric hash', `{"seq":1,"prevHash":"${PREV}","hash":1}`],
    ['a null prevHash', `{"seq":1,"prevHash":null,"hash":"${HASH}"}`],
    ['an array', `[{"seq":1,"prevHash":"${PREV}","hash":"${HASH}"}]`],
    ['trailing text', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}"}x`],
    ['truncated text', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}`],
    ['a bad literal', `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","a":tru}`],
    [
      'deep nesting',
      `{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","a":${'['.repeat(20)}${']'.repeat(20)}}`,
    ],
  ]
  it.each(giveUp)('gives up on %s', (_, text) => {
    expect(fast(text)).toBeUndefined()
  })

  it('takes numbers that print as written', () => {
    for (const n of [
      '0',
      '-1',
      '1.5',
      '-0.25',
      '1e+30',
      '1e-7',
      '123456789012345',
      '1.7976931348623157e+308',
    ]) {
      expect(agrees(`{"seq":1,"prevHash":"${PREV}","hash":"${HASH}","n":${n}}`), n).toBe(true)
    }
  })

  it('agrees with parse + canonicalize on generated records (fast-check)', () => {
    const scalar = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
    )
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 4 }),
      object: fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 5 }),
    })).object
    let taken = 0
    fc.assert(
      fc.property(json, fc.nat({ max: 1e12 }), (extra, seq) => {
        const r = { ...extra, seq: seq + 1, prevHash: PREV, hash: HASH }
        if (agrees(JSON.stringify(r))) taken++
      }),
      { numRuns: 2000 },
    )
    // Most generated records have nothing that needs the slow path.
    expect(taken).toBeGreaterThan(200)
  })

  it('is never wrong about edited text (fast-check: random edits of a record)', () => {
    const base = JSON.stringify(record())
    const edit = fc.tuple(
      fc.nat({ max: base.length - 1 }),
      fc.nat({ max: 3 }),
      fc.constantFrom(
        '"',
        ',',
        ':',
        '{',
        '}',
        '[',
        ']',
        '0',
        '-',
        '.',
        'e',
        ' ',
        '\\',
        'a',
        'é',
        '\u0000',
        '',
      ),
    )
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let text = base
        for (const [at, cut, insert] of edits)
          text = text.slice(0, at) + insert + text.slice(at + cut)
        const got = fast(text)
        if (got !== undefined) expect(got).toEqual(reference(text))
      }),
      { numRuns: 3000 },
    )
  })
})
