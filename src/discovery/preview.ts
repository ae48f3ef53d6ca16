/**
 * Redacted previews of matched values: enough shape for a person to recognise what was
 * found (`j•••@e•••.com`, `••••••••••••1111`), never enough to recover the value. They are
 * what the catalog stores and what reports show without `--reveal`.
 */

const DOT = '•'
/** Longest preview, in code points. */
const MAX_PREVIEW = 32

/** The value's shape: letters and digits masked, separators kept. */
function shape(value: string): string {
  return value.replace(/[\p{L}\p{N}]/gu, DOT)
}

function firstThenMask(part: string): string {
  const chars = [...part]
  if (chars.length <= 1) return DOT
  return `${chars[0] ?? ''}${DOT.repeat(3)}`
}

/**
 * A preview of `value` found as `entityType`.
 *
 * - cards: only the last four digits, as PCI DSS allows for display;
 * - email: first character of the local part and of the domain, and the top-level domain;
 * - names, organizations, places: the first letter of each word;
 * - anything else: the shape only (`•••-••-••••`).
 *
 * @example
 * ```ts
 * redactedPreview('jane.doe@example.com', 'EMAIL_ADDRESS') // 'j•••@e•••.com'
 * ```
 */
export function redactedPreview(value: string, entityType: string): string {
  let out: string
  switch (entityType) {
    case 'CREDIT_CARD': {
      const digits = value.replace(/\D/g, '')
      out =
        digits.length >= 12 ? `${DOT.repeat(digits.length - 4)}${digits.slice(-4)}` : shape(value)
      break
    }
    case 'EMAIL_ADDRESS': {
      const at = value.lastIndexOf('@')
      if (at <= 0) {
        out = shape(value)
        break
      }
      const domain = value.slice(at + 1)
      const dot = domain.lastIndexOf('.')
      const tld = dot > 0 ? domain.slice(dot) : ''
      out = `${firstThenMask(value.slice(0, at))}@${firstThenMask(dot > 0 ? domain.slice(0, dot) : domain)}${tld}`
      break
    }
    case 'PERSON':
    case 'ORGANIZATION':
    case 'LOCATION':
      out = value
        .split(/(\s+)/)
        .map((w) => (/\s/.test(w) ? w : firstThenMask(w)))
        .join('')
      break
    default:
      out = shape(value)
  }
  const chars = [...out]
  return chars.length > MAX_PREVIEW ? `${chars.slice(0, MAX_PREVIEW - 1).join('')}…` : out
}
