import { StrongroomError } from '../errors.js'

/** A dataset's qualified name, `namespace.name`. */
export interface DatasetName {
  readonly namespace: string
  readonly name: string
}

// Lowercase identifiers only: names become parts of object keys and file names, so the
// grammar excludes `/`, `\`, `..`, NUL, absolute paths and anything a shell would expand.
const PART = /^[a-z][a-z0-9_]{0,62}$/

/**
 * Parses and validates `namespace.name`. Each part starts with a lowercase letter and
 * holds lowercase letters, digits and `_`, 1 to 63 characters.
 *
 * @throws StrongroomError `ERR_DATASET_INVALID_NAME`
 */
export function parseDatasetName(qualified: string): DatasetName {
  const parts = qualified.split('.')
  const [namespace, name] = parts
  if (
    parts.length !== 2 ||
    namespace === undefined ||
    name === undefined ||
    !PART.test(namespace) ||
    !PART.test(name)
  ) {
    throw new StrongroomError(
      'ERR_DATASET_INVALID_NAME',
      'Dataset name is not of the form namespace.name',
      {
        hint: 'Use two lowercase identifiers joined by a dot, e.g. crm.customers (letters, digits, _).',
        // Only the length is echoed: the rejected string may be hostile (NUL, traversal).
        details: { length: qualified.length },
      },
    )
  }
  return { namespace, name }
}

/** True when `s` is a valid `namespace.name` (without throwing). */
export function isDatasetName(s: string): boolean {
  const parts = s.split('.')
  return parts.length === 2 && parts.every((p) => PART.test(p))
}

/** Formats a dataset name as `namespace.name`. */
export function formatDatasetName(n: DatasetName): string {
  return `${n.namespace}.${n.name}`
}
