/**
 * Canonical JSON for hashing and signing audit records and checkpoints, in the style of
 * RFC 8785 (JSON Canonicalization Scheme):
 *
 * - object members sorted by key, comparing UTF-16 code units (RFC 8785 §3.2.3), which is
 *   what `Array.prototype.sort` does for strings;
 * - no whitespace between tokens;
 * - strings as `JSON.stringify` escapes them (RFC 8785 §3.2.2.2 adopts the ECMAScript
 *   serialization); strings with lone surrogates are rejected (I-JSON, RFC 7493 §2.1),
 *   because a store that round-trips text through UTF-8 would silently replace them and
 *   the record would no longer verify;
 * - numbers as ECMAScript prints a finite number (RFC 8785 §3.2.2.3; `-0` prints `0`);
 *   `NaN`, `±Infinity` and `bigint` are rejected, since JSON cannot represent them;
 * - an object member whose value is `undefined` is omitted (as `JSON.stringify` does, so an
 *   optional field that is absent and one that is `undefined` hash the same); `undefined`,
 *   a function or a symbol anywhere else is rejected rather than turned into `null`.
 *
 * Only plain objects (prototype `Object.prototype` or `null`) and arrays are accepted as
 * containers: a `Date` or `Map` would otherwise serialize through `toJSON` or as `{}` and
 * two different values could hash alike.
 *
 * The standalone verifier `scripts/verify-audit-export.mjs` reimplements these rules; keep
 * the two in step (`test/security/audit-tamper.test.ts` checks they agree).
 */
import { StrongroomError } from '../errors.js'

/**
 * Nesting limit. Audit records are three levels deep; the limit turns a cyclic or
 * absurdly deep value into an error instead of a stack overflow.
 */
const MAX_DEPTH = 32

// Fast pre-check: most strings contain no surrogate at all, so the exact (slower)
// well-formedness check only runs when one is present.
const SURROGATE = /[\uD800-\uDFFF]/

/**
 * A failure deep inside a value. The path is assembled while the stack unwinds, so the
 * hot path (verifying hundreds of thousands of records) never builds path strings.
 */
class CanonicalFailure extends Error {
  readonly path: (string | number)[] = []
  constructor(readonly reason: string) {
    super(reason)
  }
}

function toError(f: CanonicalFailure): StrongroomError {
  let path = ''
  for (const p of f.path) path += typeof p === 'number' ? `[${p}]` : path === '' ? p : `.${p}`
  // The path names keys and indexes only, never the offending value.
  return new StrongroomError('ERR_AUDIT_INVALID', `cannot canonicalize: ${f.reason}`, {
    details: { path },
  })
}

function isWellFormed(s: string): boolean {
  if (!SURROGATE.test(s)) return true
  try {
    // encodeURIComponent throws URIError on a lone surrogate and on nothing else.
    encodeURIComponent(s)
    return true
  } catch {
    return false
  }
}

// Characters JSON.stringify would escape, plus surrogates (checked separately). A string
// without any is quoted directly: most audit strings are plain ids, and skipping the
// JSON.stringify call is a measurable part of verification throughput.
// eslint-disable-next-line no-control-regex -- control characters are what needs escaping
const NEEDS_CARE = /["\\\u0000-\u001f\uD800-\uDFFF]/

function str(s: string): string {
  if (!NEEDS_CARE.test(s)) return '"' + s + '"'
  if (!isWellFormed(s)) throw new CanonicalFailure('string contains a lone surrogate')
  return JSON.stringify(s)
}

// Quoted member names. Records have a fixed, small set of names; the cap keeps a
// hostile input with many distinct names from growing the cache without bound.
const KEY_CACHE = new Map<string, string>()
const KEY_CACHE_MAX = 1024

function key(k: string): string {
  let q = KEY_CACHE.get(k)
  if (q === undefined) {
    q = str(k)
    if (KEY_CACHE.size < KEY_CACHE_MAX) KEY_CACHE.set(k, q)
  }
  return q
}

/**
 * Sorts member names in place by UTF-16 code units (`<` on strings compares code units,
 * as RFC 8785 §3.2.3 requires). Insertion sort: objects here have a few dozen members at
 * most, and are often already sorted (parsed from canonical JSON), which costs one pass.
 */
function sortKeys(keys: string[]): string[] {
  // Larger objects take the library sort (same order, O(n log n)).
  if (keys.length > 32) return keys.sort()
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i] as string
    let j = i - 1
    while (j >= 0 && (keys[j] as string) > k) {
      keys[j + 1] = keys[j] as string
      j--
    }
    keys[j + 1] = k
  }
  return keys
}

function value(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      return str(v)
    case 'number':
      if (!Number.isFinite(v)) throw new CanonicalFailure('non-finite number')
      // String(n) equals JSON.stringify(n) for finite numbers, including -0 → "0".
      return String(v)
    case 'boolean':
      return v ? 'true' : 'false'
    case 'object':
      if (v === null) return 'null'
      if (depth >= MAX_DEPTH) throw new CanonicalFailure('value nested too deeply (or cyclic)')
      if (Array.isArray(v)) return array(v, depth + 1)
      return object(v, depth + 1, undefined)
    case 'undefined':
      throw new CanonicalFailure('undefined outside an object member')
    case 'bigint':
      throw new CanonicalFailure('bigint')
    case 'function':
    case 'symbol':
      throw new CanonicalFailure(typeof v)
  }
}

function array(a: readonly unknown[], depth: number): string {
  let out = '['
  for (let i = 0; i < a.length; i++) {
    if (i > 0) out += ','
    try {
      // An index that was never assigned reads as undefined and is rejected here too.
      out += value(a[i], depth)
    } catch (e) {
      if (e instanceof CanonicalFailure) e.path.unshift(i)
      throw e
    }
  }
  return out + ']'
}

function object(o: object, depth: number, omit: string | undefined): string {
  const proto: unknown = Object.getPrototypeOf(o)
  if (proto !== Object.prototype && proto !== null) {
    throw new CanonicalFailure('not a plain object')
  }
  const rec = o as Record<string, unknown>
  const keys = sortKeys(Object.keys(rec))
  let out = '{'
  let first = true
  for (const k of keys) {
    if (k === omit) continue
    const v = rec[k]
    if (v === undefined) continue
    if (!first) out += ','
    first = false
    // Outside the try: a bad member name is reported at the object's path, not its own.
    out += key(k)
    out += ':'
    try {
      out += value(v, depth)
    } catch (e) {
      if (e instanceof CanonicalFailure) e.path.unshift(k)
      throw e
    }
  }
  return out + '}'
}

/**
 * The canonical JSON text of `v` (rules in the module comment).
 *
 * @throws StrongroomError `ERR_AUDIT_INVALID` (with `details.path`) for a value JSON cannot
 * represent exactly: non-finite numbers, bigint, `undefined` in an array, lone surrogates,
 * non-plain objects, nesting deeper than 32.
 *
 * @example
 * ```ts
 * canonicalize({ b: [1, 'x'], a: -0 }) // '{"a":0,"b":[1,"x"]}'
 * ```
 */
export function canonicalize(v: unknown): string {
  try {
    return value(v, 0)
  } catch (e) {
    throw e instanceof CanonicalFailure ? toError(e) : e
  }
}

/**
 * The canonical JSON text of the plain object `o` without its top-level member `omit`.
 *
 * Hashing a record "without its `hash`" and a checkpoint "without its `signature`" this
 * way avoids copying every record during verification.
 */
export function canonicalizeWithout(o: object, omit: string): string {
  try {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      throw new CanonicalFailure('not a plain object')
    }
    return object(o, 1, omit)
  } catch (e) {
    throw e instanceof CanonicalFailure ? toError(e) : e
  }
}
