/**
 * A static check for regular expressions that can backtrack catastrophically.
 *
 * JavaScript's engine backtracks, so a pattern such as `(a+)+$` takes exponential time on
 * `aaaa…b`. The check walks the pattern source and refuses the shapes behind almost every
 * known ReDoS: a quantified group whose body is itself quantified (star height above one)
 * and an unbounded quantified group holding an alternation whose branches can overlap.
 * User patterns also may not use backreferences or lookaround (which defeat any linear
 * bound). The check is conservative: it refuses some safe patterns, never the reverse for
 * the shapes it knows; user patterns additionally run under a deadline
 * (see `pattern-sandbox.ts`), which catches the polynomial cases a static check misses.
 */

/** Why a pattern was refused. */
export interface RegexProblem {
  readonly reason:
    | 'syntax'
    | 'too-long'
    | 'nested-quantifier'
    | 'quantified-alternation'
    | 'backreference'
    | 'lookaround'
  readonly message: string
}

/** Options for {@link checkRegex}. */
export interface RegexCheckOptions {
  /** Built-in patterns use lookbehind to anchor matches; user patterns may not. */
  readonly allowLookaround?: boolean
  /** Longest accepted source, in characters (Macie allows 512). Default 512. */
  readonly maxLength?: number
  /** Flags to compile with, for the syntax check. Default `''`. */
  readonly flags?: string
  /** Built-in patterns use backreferences to a separator (`\d{3}([ -]?)\d{2}\1`). */
  readonly allowBackreferences?: boolean
  /**
   * Tolerate a quantified group holding bounded quantifiers when the group's own bound is
   * at most this (`(?:[ -]?\d){11,18}`): backtracking is then bounded by a constant per
   * start position. Unset for user patterns, which get the strict rule.
   */
  readonly nestedBound?: number
}

/** A quantifier bound above this counts as unbounded: `(a|aa){1,1000}` still explodes. */
const SMALL_BOUND = 16

interface Frame {
  /** The group holds a variable quantifier (directly or in a nested group). */
  quantified: boolean
  /** The group holds a top-level `|`. */
  alternation: boolean
  /** The group holds an unbounded quantifier (`*`, `+`, `{n,}`). */
  unbounded: boolean
}

/**
 * Problems with `source` as a regular expression; empty when it is accepted.
 *
 * @example
 * ```ts
 * checkRegex('(a+)+$')          // [{ reason: 'nested-quantifier', … }]
 * checkRegex('EMP-[0-9]{6}')    // []
 * ```
 */
export function checkRegex(source: string, options: RegexCheckOptions = {}): RegexProblem[] {
  const problems: RegexProblem[] = []
  const maxLength = options.maxLength ?? 512
  if (source.length === 0) {
    return [{ reason: 'syntax', message: 'the pattern is empty' }]
  }
  if (source.length > maxLength) {
    problems.push({ reason: 'too-long', message: `the pattern is longer than ${maxLength}` })
  }
  try {
    new RegExp(source, options.flags ?? '')
  } catch {
    return [...problems, { reason: 'syntax', message: 'the pattern does not compile' }]
  }
  const add = (p: RegexProblem): void => {
    if (!problems.some((q) => q.reason === p.reason)) problems.push(p)
  }

  const stack: Frame[] = [{ quantified: false, alternation: false, unbounded: false }]
  // What the most recent atom was, so a following quantifier knows what it applies to.
  let last: { kind: 'none' } | { kind: 'atom' } | { kind: 'group'; frame: Frame } = {
    kind: 'none',
  }
  let i = 0
  const n = source.length
  while (i < n) {
    const c = source[i]
    if (c === '\\') {
      const next = source[i + 1] ?? ''
      const backref = /[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<')
      if (backref && options.allowBackreferences !== true) {
        add({ reason: 'backreference', message: 'backreferences are not allowed' })
      }
      i += next === 'u' && source[i + 2] === '{' ? source.indexOf('}', i) + 1 || n : 2
      last = { kind: 'atom' }
      continue
    }
    if (c === '[') {
      // A character class is one atom; skip to its unescaped closing bracket.
      i += 1
      if (source[i] === '^') i += 1
      if (source[i] === ']') i += 1
      while (i < n && source[i] !== ']') i += source[i] === '\\' ? 2 : 1
      i += 1
      last = { kind: 'atom' }
      continue
    }
    if (c === '(') {
      if (source.startsWith('(?=', i) || source.startsWith('(?!', i)) {
        if (options.allowLookaround !== true)
          add({ reason: 'lookaround', message: 'lookahead is not allowed' })
      } else if (source.startsWith('(?<=', i) || source.startsWith('(?<!', i)) {
        if (options.allowLookaround !== true)
          add({ reason: 'lookaround', message: 'lookbehind is not allowed' })
      }
      stack.push({ quantified: false, alternation: false, unbounded: false })
      i += source.startsWith('(?', i) ? skipGroupPrefix(source, i) : 1
      last = { kind: 'none' }
      continue
    }
    if (c === ')') {
      const frame = stack.length > 1 ? stack.pop() : undefined
      i += 1
      if (frame === undefined) continue
      // A quantified atom inside makes the enclosing group "quantified" too, for star height.
      const parent = stack[stack.length - 1]
      if (parent !== undefined && frame.quantified) parent.quantified = true
      if (parent !== undefined && frame.unbounded) parent.unbounded = true
      last = { kind: 'group', frame }
      continue
    }
    if (c === '|') {
      const top = stack[stack.length - 1]
      if (top !== undefined) top.alternation = true
      i += 1
      last = { kind: 'none' }
      continue
    }
    const q = readQuantifier(source, i)
    if (q !== undefined) {
      const top = stack[stack.length - 1]
      if (last.kind === 'group') {
        const unbounded = q.max === undefined || q.max > SMALL_BOUND
        const repeats = q.max === undefined || q.max > 1
        const tolerated =
          options.nestedBound !== undefined &&
          q.max !== undefined &&
          q.max <= options.nestedBound &&
          !last.frame.unbounded
        if (last.frame.quantified && repeats && !tolerated) {
          add({
            reason: 'nested-quantifier',
            message: 'a quantified group contains another quantifier (catastrophic backtracking)',
          })
        }
        if (last.frame.alternation && unbounded) {
          add({
            reason: 'quantified-alternation',
            message: 'an alternation is repeated without a small bound (catastrophic backtracking)',
          })
        }
      }
      // Only a variable count (`+`, `{2,5}`) creates ambiguity; `{3}` matches one way.
      if (top !== undefined && q.max !== q.min) top.quantified = true
      if (top !== undefined && q.max === undefined) top.unbounded = true
      i = q.end
      last = { kind: 'none' }
      continue
    }
    i += 1
    last = { kind: 'atom' }
  }
  return problems
}

/** Length of a group's `(?:`, `(?<name>`, `(?=`, `(?<=`, `(?i:` prefix. */
function skipGroupPrefix(source: string, i: number): number {
  if (source.startsWith('(?<', i) && source[i + 3] !== '=' && source[i + 3] !== '!') {
    const close = source.indexOf('>', i)
    return close < 0 ? 3 : close - i + 1
  }
  if (source.startsWith('(?<=', i) || source.startsWith('(?<!', i)) return 4
  const colon = source.indexOf(':', i)
  if (source[i + 2] === '=' || source[i + 2] === '!') return 3
  return colon < 0 ? 2 : colon - i + 1
}

/** A quantifier at `i` (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each optionally lazy). */
function readQuantifier(
  source: string,
  i: number,
): { min: number; max: number | undefined; end: number } | undefined {
  const c = source[i]
  let result: { min: number; max: number | undefined; end: number } | undefined
  if (c === '*') result = { min: 0, max: undefined, end: i + 1 }
  else if (c === '+') result = { min: 1, max: undefined, end: i + 1 }
  else if (c === '?') result = { min: 0, max: 1, end: i + 1 }
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24))
    if (m === null) return undefined
    const min = Number(m[1])
    const max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3])
    result = { min, max, end: i + m[0].length }
  }
  if (result !== undefined && source[result.end] === '?') result.end += 1
  return result
}
