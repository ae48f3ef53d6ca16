/**
 * Checks shared by both backends for privacy budgets and the release ledger: every problem
 * of a call is listed in one `ERR_USAGE_INVALID_ARGUMENT`, before anything is read.
 */
import { StrongroomError, type ErrorIssue } from '../errors.js'
import type { PrivacyBudgetState, PrivacyReleaseInput } from './catalog.js'

/** Longest amount text: exact rationals from repeated composition can grow long. */
const MAX_AMOUNT_LENGTH = 20_000
const MAX_PRINCIPAL_LENGTH = 256
const MAX_LABEL_LENGTH = 64

/** A non-negative exact number: integer, decimal or fraction (`12`, `0.3`, `3/10`). */
const AMOUNT = /^[0-9]+(\.[0-9]+)?(\/[0-9]+)?$/
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udfff]/u

type Draft = Omit<ErrorIssue, 'code'>

function isAmount(v: unknown): v is string {
  if (typeof v !== 'string' || v.length > MAX_AMOUNT_LENGTH || !AMOUNT.test(v)) return false
  const slash = v.indexOf('/')
  // A zero denominator is not a number.
  return slash < 0 || /[1-9]/.test(v.slice(slash + 1))
}

function isText(v: unknown, max: number): v is string {
  return typeof v === 'string' && v !== '' && [...v].length <= max && !CONTROL.test(v)
}

function amountProblems(
  value: Record<string, unknown>,
  fields: readonly string[],
  prefix: string,
): Draft[] {
  return fields
    .filter((f) => !isAmount(value[f]))
    .map((f) => ({
      path: `${prefix}${f}`,
      message: 'An amount is exact non-negative text: an integer, a decimal or a fraction "p/q".',
    }))
}

function invalid(problems: readonly Draft[], datasetId: unknown): never {
  throw new StrongroomError(
    'ERR_USAGE_INVALID_ARGUMENT',
    `${String(problems.length)} problem(s) in the privacy budget update.`,
    {
      issues: problems.map((p) => ({ code: 'ERR_USAGE_INVALID_ARGUMENT', ...p })),
      details: { datasetId: typeof datasetId === 'string' ? datasetId : '' },
    },
  )
}

/** Checks a dataset id argument (non-empty, no NUL, which PostgreSQL TEXT cannot hold). */
export function checkPrivacyDatasetId(datasetId: unknown): void {
  if (typeof datasetId !== 'string' || datasetId === '' || datasetId.includes('\u0000')) {
    invalid([{ path: 'datasetId', message: 'A dataset id is a non-empty string.' }], datasetId)
  }
}

/**
 * Checks a `casPrivacyBudget` call. The port is typed, but JavaScript callers are not, so
 * every field's type is checked too.
 */
export function checkPrivacyCas(
  datasetId: unknown,
  expectedVersion: unknown,
  next: unknown,
  release: unknown,
): void {
  const problems: Draft[] = []
  if (typeof datasetId !== 'string' || datasetId === '' || datasetId.includes('\u0000')) {
    problems.push({ path: 'datasetId', message: 'A dataset id is a non-empty string.' })
  }
  if (
    typeof expectedVersion !== 'number' ||
    !Number.isSafeInteger(expectedVersion) ||
    expectedVersion < 0
  ) {
    problems.push({ path: 'expectedVersion', message: 'A version is an integer >= 0.' })
  }
  if (typeof next !== 'object' || next === null) {
    problems.push({ path: 'next', message: 'The budget state must be an object.' })
  } else {
    const n = next as Record<keyof PrivacyBudgetState, unknown>
    problems.push(
      ...amountProblems(
        n,
        ['epsilonTotal', 'deltaTotal', 'epsilonPure', 'deltaApprox', 'rho'],
        'next.',
      ),
    )
    if (typeof n.releases !== 'number' || !Number.isSafeInteger(n.releases) || n.releases < 0) {
      problems.push({ path: 'next.releases', message: 'Releases is an integer >= 0.' })
    }
  }
  if (release !== undefined) {
    if (typeof release !== 'object' || release === null) {
      problems.push({ path: 'release', message: 'A release must be an object.' })
    } else {
      const r = release as Record<keyof PrivacyReleaseInput, unknown>
      if (!isText(r.principal, MAX_PRINCIPAL_LENGTH)) {
        problems.push({
          path: 'release.principal',
          message: `A principal is 1 to ${String(MAX_PRINCIPAL_LENGTH)} characters, no control characters.`,
        })
      }
      for (const f of ['aggregate', 'mechanism'] as const) {
        if (!isText(r[f], MAX_LABEL_LENGTH)) {
          problems.push({
            path: `release.${f}`,
            message: `A label is 1 to ${String(MAX_LABEL_LENGTH)} characters, no control characters.`,
          })
        }
      }
      problems.push(...amountProblems(r, ['epsilon', 'delta', 'rho'], 'release.'))
    }
  }
  if (problems.length > 0) invalid(problems, datasetId)
}
