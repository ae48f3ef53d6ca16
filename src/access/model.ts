/**
 * The plain objects an authorization request is built from. They mirror what the catalog
 * knows (owner, tags, classifications, sensitivity), so the lake can fill them from it; the
 * engine turns them into Cedar entities itself.
 */
import type { Sensitivity } from '../catalog/catalog.js'
import { StrongroomError } from '../errors.js'

export type { Sensitivity }

/** Level names in rank order; a level's Cedar value is its index. */
export const LEVELS: readonly Sensitivity[] = ['none', 'low', 'medium', 'high']

/** The rank of a level as the schema stores it (0 none … 3 high), or undefined if unknown. */
export function levelOf(level: Sensitivity | number): number | undefined {
  if (typeof level === 'number') {
    return Number.isInteger(level) && level >= 0 && level < LEVELS.length ? level : undefined
  }
  const i = LEVELS.indexOf(level)
  return i < 0 ? undefined : i
}

/** A value a principal attribute or a row cell may hold, as row filters compare them. */
export type Scalar = string | number | boolean | null

/** Who asks: a user with its roles, clearance, region and session MFA state. */
export interface PrincipalInfo {
  readonly id: string
  /** Role ids; the user is `in Role::"<id>"` for each. A revoked role is simply absent. */
  readonly roles: readonly string[]
  /** The highest sensitivity the user may see, as a level name or its rank 0..3. */
  readonly clearance: Sensitivity | number
  readonly region: string
  /** True when the current session passed multi-factor authentication. */
  readonly mfa: boolean
  /** Further attributes row filters may compare to (`principal.<name>`); not given to Cedar. */
  readonly attributes?: Readonly<Record<string, Scalar>>
}

/** One column of a dataset, with its tags and classification. */
export interface ColumnInfo {
  readonly name: string
  /** `key` or `key=value`; a column tag overrides a dataset tag with the same key. */
  readonly tags?: readonly string[]
  /** Entity type of the column's classification, e.g. `EMAIL_ADDRESS`. */
  readonly classification?: string | null
  readonly sensitivity?: Sensitivity
  /** Explicit personal-data flag; a `pii` tag (not `pii=false`) sets it too. */
  readonly pii?: boolean
  /** What the column holds, for row filters (a value of another kind matches no row). */
  readonly kind?: 'string' | 'number' | 'boolean' | 'other'
}

/** A dataset with its columns: the resource side of a request. */
export interface DatasetInfo {
  /** `namespace.name`. */
  readonly id: string
  readonly owner: string
  readonly region: string
  readonly tags?: readonly string[]
  readonly sensitivity?: Sensitivity
  /** Purposes the data may be used for, e.g. `training`, `analytics`. */
  readonly purposes?: readonly string[]
  readonly columns: readonly ColumnInfo[]
}

/** Checks a principal's shape; a malformed principal is treated as unknown, never guessed at. */
export function checkPrincipal(p: PrincipalInfo): number {
  const clearance = levelOf(p.clearance)
  if (typeof p.id !== 'string' || p.id.length === 0 || clearance === undefined) {
    throw new StrongroomError(
      'ERR_AUTHZ_UNKNOWN_PRINCIPAL',
      'the principal is missing or malformed',
      {
        hint: 'give a non-empty user id and a clearance of none, low, medium or high',
      },
    )
  }
  return clearance
}

/** The key of a `key` or `key=value` tag. */
export function tagKey(tag: string): string {
  const eq = tag.indexOf('=')
  return eq < 0 ? tag : tag.slice(0, eq)
}

/**
 * A column's tags after inheritance: the dataset's tags, overridden per key by the column's
 * own (as Lake Formation resolves LF-tags), sorted.
 */
export function effectiveTags(dataset: DatasetInfo, column: ColumnInfo): string[] {
  const byKey = new Map<string, string>()
  for (const t of dataset.tags ?? []) byKey.set(tagKey(t), t)
  for (const t of column.tags ?? []) byKey.set(tagKey(t), t)
  return [...byKey.values()].sort()
}

/** True when the column holds personal data: flagged, or tagged `pii` (any value but false). */
export function isPii(tags: readonly string[], column: ColumnInfo): boolean {
  if (column.pii === true) return true
  return tags.some((t) => t === 'pii' || (tagKey(t) === 'pii' && t !== 'pii=false'))
}

/**
 * True when the column needs `readPlaintext` to be served in clear (with `read` alone it is
 * masked): personal data, sensitivity high, or any classification. A classified column stays
 * protected even when tagged `pii=false`, so a classification guardrail on `readPlaintext`
 * (such as the US_SSN one) cannot be sidestepped through plain `read`.
 */
export function isProtected(pii: boolean, sensitivity: number, classification: string): boolean {
  return pii || sensitivity >= 3 || classification !== ''
}
