/**
 * Checks shared by both backends for principals, role grants and policy versions: every
 * problem of a call is listed in one `ERR_USAGE_INVALID_ARGUMENT` (paths name the field,
 * never its value), before anything is read or written.
 */
import { StrongroomError, type ErrorIssue } from '../errors.js'
import type {
  PolicySourceRecord,
  PolicyVersionInput,
  PrincipalInput,
  PrincipalRecord,
} from './catalog.js'

/**
 * A principal id: a user name, service name or e-mail-like login. No spaces, quotes or
 * control characters, so ids print and compare unambiguously and a Cedar entity uid built
 * from one cannot be confused with another.
 */
export const PRINCIPAL_ID = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/
/** A role id, as `Role::"<id>"` in policies. */
export const ROLE_ID = /^[a-z][a-z0-9_.-]{0,63}$/
/** A region name (`eu`, `us-east-1`); empty means none declared. */
export const REGION = /^(?:[a-z][a-z0-9-]{0,63})?$/
/** A principal attribute name, as `principal.<name>` in row filters. */
export const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

const MAX_ATTRIBUTES = 50
const MAX_ATTRIBUTE_TEXT = 256
const MAX_POLICY_SOURCES = 200
const MAX_POLICY_TEXT = 1_000_000
const MAX_COMMENT = 1000
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|[\ud800-\udfff]/u

type Draft = Omit<ErrorIssue, 'code'>

function invalid(what: string, problems: readonly Draft[]): never {
  throw new StrongroomError(
    'ERR_USAGE_INVALID_ARGUMENT',
    `${String(problems.length)} problem(s) in the ${what}.`,
    { issues: problems.map((p) => ({ code: 'ERR_USAGE_INVALID_ARGUMENT', ...p })) },
  )
}

/** Checks a principal id argument. */
export function checkPrincipalId(id: unknown, path = 'id'): void {
  if (typeof id !== 'string' || !PRINCIPAL_ID.test(id)) {
    invalid('principal', [
      {
        path,
        message:
          'A principal id is 1 to 128 of A-Z a-z 0-9 . _ @ + -, starting with a letter or digit.',
      },
    ])
  }
}

/** Checks a role id argument. */
export function checkRoleId(role: unknown, path = 'role'): void {
  if (typeof role !== 'string' || !ROLE_ID.test(role)) {
    invalid('role', [
      { path, message: 'A role id is a lowercase letter, then up to 63 of a-z 0-9 _ . -' },
    ])
  }
}

/** Checks a principal before it is stored. */
export function checkPrincipalInput(input: PrincipalInput): void {
  const problems: Draft[] = []
  if (typeof input.id !== 'string' || !PRINCIPAL_ID.test(input.id)) {
    problems.push({ path: 'id', message: 'A principal id is 1 to 128 of A-Z a-z 0-9 . _ @ + -' })
  }
  if (!Number.isInteger(input.clearance) || input.clearance < 0 || input.clearance > 3) {
    problems.push({ path: 'clearance', message: 'Clearance is a rank from 0 (none) to 3 (high).' })
  }
  if (typeof input.region !== 'string' || !REGION.test(input.region)) {
    problems.push({
      path: 'region',
      message: 'A region is a lowercase letter, then up to 63 of a-z 0-9 -, or empty.',
    })
  }
  if (typeof input.mfa !== 'boolean')
    problems.push({ path: 'mfa', message: 'mfa is true or false.' })
  const attrs = Object.entries(input.attributes)
  if (attrs.length > MAX_ATTRIBUTES) {
    problems.push({ path: 'attributes', message: `At most ${String(MAX_ATTRIBUTES)} attributes.` })
  }
  for (const [name, value] of attrs) {
    if (!ATTRIBUTE_NAME.test(name)) {
      problems.push({
        path: 'attributes',
        message: 'An attribute name is an ASCII identifier of at most 64 characters.',
      })
    }
    const ok =
      value === null ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (typeof value === 'string' && value.length <= MAX_ATTRIBUTE_TEXT && !CONTROL.test(value))
    if (!ok) {
      problems.push({
        path: `attributes.${ATTRIBUTE_NAME.test(name) ? name : '?'}`,
        message: `An attribute is null, a boolean, a finite number or text of at most ${String(MAX_ATTRIBUTE_TEXT)} printable characters.`,
      })
    }
  }
  if (typeof input.by !== 'string' || input.by === '' || CONTROL.test(input.by)) {
    problems.push({ path: 'by', message: 'Who makes the change is a non-empty name.' })
  }
  if (problems.length > 0) invalid('principal', problems)
}

/** Checks a policy version before it is appended. */
export function checkPolicyVersionInput(input: PolicyVersionInput): void {
  const problems: Draft[] = []
  if (!Number.isInteger(input.expectedVersion) || input.expectedVersion < 0) {
    problems.push({ path: 'expectedVersion', message: 'The expected version is an integer >= 0.' })
  }
  if (input.sources.length > MAX_POLICY_SOURCES) {
    problems.push({ path: 'sources', message: `At most ${String(MAX_POLICY_SOURCES)} sources.` })
  }
  let total = 0
  input.sources.forEach((src, i) => {
    if (typeof src.name !== 'string' || src.name === '' || CONTROL.test(src.name)) {
      problems.push({ path: `sources[${String(i)}].name`, message: 'A source has a name.' })
    }
    if (typeof src.text !== 'string' || src.text.includes('\u0000')) {
      problems.push({ path: `sources[${String(i)}].text`, message: 'A source is text.' })
    } else total += src.text.length
  })
  if (total > MAX_POLICY_TEXT) {
    problems.push({ path: 'sources', message: 'The policy texts exceed 1,000,000 characters.' })
  }
  if (!/^[0-9a-f]{64}$/.test(input.sha256)) {
    problems.push({ path: 'sha256', message: 'The digest is 64 lowercase hex digits.' })
  }
  if (typeof input.createdBy !== 'string' || input.createdBy === '') {
    problems.push({ path: 'createdBy', message: 'Who applies the set is a non-empty name.' })
  }
  if (typeof input.comment !== 'string' || input.comment.length > MAX_COMMENT) {
    problems.push({ path: 'comment', message: 'A comment has at most 1,000 characters.' })
  }
  // 0 is the shipped defaults, which a rollback may restore.
  if (input.basedOn !== null && (!Number.isInteger(input.basedOn) || input.basedOn < 0)) {
    problems.push({ path: 'basedOn', message: 'basedOn is a version number >= 0, or null.' })
  }
  if (problems.length > 0) invalid('policy version', problems)
}

/** The error for a principal the catalog does not have. */
export function unknownPrincipal(id: string): StrongroomError {
  return new StrongroomError('ERR_AUTHZ_UNKNOWN_PRINCIPAL', `No principal ${id}`, {
    hint: 'list principals with `strongroom principal ls`',
    details: { principal: id },
  })
}

/** The error for `principal add` of an existing principal. */
export function principalExists(id: string): StrongroomError {
  return new StrongroomError('ERR_AUTHZ_PRINCIPAL_EXISTS', `Principal ${id} already exists`, {
    hint: 'change it with `strongroom principal set`',
    details: { principal: id },
  })
}

/** Parses stored attributes JSON; a catalog that holds anything else is corrupt. */
export function parseAttributes(json: string): PrincipalRecord['attributes'] {
  const v: unknown = JSON.parse(json)
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new StrongroomError('ERR_CATALOG_CORRUPT', 'A principal has malformed attributes')
  }
  return v as PrincipalRecord['attributes']
}

/** Parses stored policy sources JSON; a catalog that holds anything else is corrupt. */
export function parsePolicySources(json: string): PolicySourceRecord[] {
  const v: unknown = JSON.parse(json)
  const ok =
    Array.isArray(v) &&
    v.every(
      (s: unknown) =>
        typeof s === 'object' &&
        s !== null &&
        typeof (s as Record<string, unknown>)['name'] === 'string' &&
        typeof (s as Record<string, unknown>)['text'] === 'string',
    )
  if (!ok) throw new StrongroomError('ERR_CATALOG_CORRUPT', 'A policy version is malformed')
  return (v as PolicySourceRecord[]).map((s) => ({ name: s.name, text: s.text }))
}
