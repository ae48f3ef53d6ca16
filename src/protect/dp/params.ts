/**
 * Parameter checks shared by the accountant and releases. Each check appends to a list so a
 * caller gets every problem in one `ERR_DP_INVALID_PARAMETER`, not one per attempt.
 */
import { StrongroomError, type ErrorIssue } from '../../errors.js'
import { Rational, type RationalLike } from './rational.js'

/** Collected problems with a request. */
export type Issues = ErrorIssue[]

/** Adds one problem. */
export function addIssue(issues: Issues, path: string, message: string): void {
  issues.push({ code: 'ERR_DP_INVALID_PARAMETER', path, message })
}

/** Throws `ERR_DP_INVALID_PARAMETER` listing every issue, when there are any. */
export function throwIfIssues(issues: Issues, what: string): void {
  if (issues.length === 0) return
  const list = issues.map((i) => `${i.path}: ${i.message}`).join('; ')
  throw new StrongroomError('ERR_DP_INVALID_PARAMETER', `invalid ${what}: ${list}`, {
    issues,
    hint: 'fix the parameters listed',
  })
}

/** Reads an exact number, or records why it cannot be read. */
export function readRational(
  value: RationalLike | undefined,
  path: string,
  issues: Issues,
): Rational | undefined {
  if (value === undefined) return undefined
  try {
    return Rational.from(value)
  } catch {
    addIssue(issues, path, 'must be a finite number, a decimal string or a fraction "p/q"')
    return undefined
  }
}

/** Checks ε > 0 (when present). */
export function checkEpsilon(
  value: RationalLike | undefined,
  path: string,
  issues: Issues,
  required: boolean,
): Rational | undefined {
  if (value === undefined) {
    if (required) addIssue(issues, path, 'is required')
    return undefined
  }
  const r = readRational(value, path, issues)
  if (r !== undefined && r.sign() <= 0) {
    addIssue(issues, path, 'must be greater than 0')
    return undefined
  }
  return r
}

/** Checks 0 <= δ < 1 (when present). */
export function checkDelta(
  value: RationalLike | undefined,
  path: string,
  issues: Issues,
): Rational | undefined {
  const r = readRational(value, path, issues)
  if (r !== undefined && (r.sign() < 0 || r.gte(1))) {
    addIssue(issues, path, 'must be at least 0 and less than 1')
    return undefined
  }
  return r
}

/** Checks ρ > 0 (when present). */
export function checkRho(
  value: RationalLike | undefined,
  path: string,
  issues: Issues,
): Rational | undefined {
  const r = readRational(value, path, issues)
  if (r !== undefined && r.sign() <= 0) {
    addIssue(issues, path, 'must be greater than 0')
    return undefined
  }
  return r
}
