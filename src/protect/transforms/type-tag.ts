/**
 * Replace-with-type-tag: every value becomes the name of what it was (`<EMAIL_ADDRESS>`), so
 * text stays readable for training while the value is gone.
 */
import type { Column } from './column.js'
import { mapColumn, specError } from './column.js'

const ENTITY_RE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/

/**
 * The tag for an entity type: `<TYPE>`. Throws `ERR_PROTECT_SPEC_INVALID` unless the type is
 * UPPER_SNAKE, the form detectors use (`EMAIL_ADDRESS`, `US_SSN`).
 *
 * @example
 * ```ts
 * typeTag('EMAIL_ADDRESS') // '<EMAIL_ADDRESS>'
 * ```
 */
export function typeTag(entityType: string): string {
  if (typeof entityType !== 'string' || !ENTITY_RE.test(entityType)) {
    throw specError('type-tag', 'entityType', 'entityType must be UPPER_SNAKE')
  }
  return `<${entityType}>`
}

/**
 * Replaces every non-null value with the tag of `entityType`; nulls stay null.
 *
 * @example
 * ```ts
 * replaceWithTypeTag(['ann@example.com', null], 'EMAIL_ADDRESS') // ['<EMAIL_ADDRESS>', null]
 * ```
 */
export function replaceWithTypeTag(values: Column<unknown>, entityType: string): (string | null)[] {
  const tag = typeTag(entityType)
  return mapColumn(values, () => tag)
}
