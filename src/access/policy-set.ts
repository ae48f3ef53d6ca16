/**
 * Loads policy texts into one validated set. Every problem in every text is collected first
 * and reported together, so an author fixes a set in one pass instead of error by error.
 *
 * Cedar's `validate` answers `success` even when policies are invalid; the real verdict is
 * in `validationErrors`, so both parse failures and validation errors count as failures.
 */
import type { DetailedError } from '@cedar-policy/cedar-wasm/nodejs'
import {
  checkParseSchema,
  policySetTextToParts,
  policyToJson,
  validate,
} from '@cedar-policy/cedar-wasm/nodejs'
import type { ErrorIssue } from '../errors.js'
import { StrongroomError, isStrongroomError } from '../errors.js'
import type { RowFilterExpr } from './row-filter.js'
import { parseRowFilter } from './row-filter.js'

/** One policy file: a name for messages, and Cedar text holding one or more policies. */
export interface PolicySource {
  readonly name: string
  readonly text: string
}

/** One policy of a loaded set. */
export interface LoadedPolicy {
  /** The `@id` annotation. */
  readonly id: string
  readonly effect: 'permit' | 'forbid'
  /** The policy's Cedar text. */
  readonly text: string
  /** The `@description` annotation, when present. */
  readonly description: string | undefined
  /** The parsed `@rowFilter`, or null when the policy has none. */
  readonly rowFilter: RowFilterExpr | null
  /** The source the policy came from. */
  readonly source: string
}

/** A validated policy set. */
export interface LoadedPolicySet {
  readonly policies: ReadonlyMap<string, LoadedPolicy>
  /**
   * True when some policy names a column entity (`Column::"…"`). Column decisions then depend
   * on the column's identity, not only on its attributes, and may not be shared between
   * columns with equal attributes.
   */
  readonly namesColumns: boolean
}

function cedarMessage(e: DetailedError): string {
  return e.help === null || e.help === '' ? e.message : `${e.message} (${e.help})`
}

/**
 * Parses every source, checks `@id` annotations and `@rowFilter`s, and validates the whole
 * set against `schema`. Throws one `ERR_AUTHZ_POLICY_INVALID` whose `issues` list every problem.
 */
export function loadPolicySet(
  schema: string,
  sources: readonly (string | PolicySource)[],
): LoadedPolicySet {
  const issues: ErrorIssue[] = []
  const issue = (path: string, message: string): void => {
    issues.push({ code: 'ERR_AUTHZ_POLICY_INVALID', path, message })
  }

  const schemaParse = checkParseSchema(schema)
  if (schemaParse.type === 'failure') {
    for (const e of schemaParse.errors) issue('schema', cedarMessage(e))
  }

  const policies = new Map<string, LoadedPolicy>()
  // Every parsed policy, under its @id or a stand-in, so validation still covers it.
  const forValidation: Record<string, string> = {}
  let namesColumns = false

  sources.forEach((src, si) => {
    const source = typeof src === 'string' ? `policies[${si}]` : src.name
    const text = typeof src === 'string' ? src : src.text
    const parts = policySetTextToParts(text)
    if (parts.type === 'failure') {
      for (const e of parts.errors) issue(source, cedarMessage(e))
      return
    }
    if (parts.policy_templates.length > 0) issue(source, 'policy templates are not supported')
    parts.policies.forEach((policyText, pi) => {
      const where = `${source}#${pi + 1}`
      const json = policyToJson(policyText)
      if (json.type === 'failure') {
        for (const e of json.errors) issue(where, cedarMessage(e))
        return
      }
      const annotations = json.json.annotations ?? {}
      const id = annotations['id']
      let key = where
      if (id === undefined || id === '') {
        issue(where, 'the policy has no @id annotation')
      } else if (policies.has(id) || Object.hasOwn(forValidation, id)) {
        issue(where, `duplicate @id "${id}"`)
      } else {
        key = id
      }
      forValidation[key] = policyText
      if (/"type":"Column"/.test(JSON.stringify(json.json))) namesColumns = true

      let rowFilter: RowFilterExpr | null = null
      const rf = annotations['rowFilter']
      if (rf !== undefined) {
        // Name the policy by its id when it has one, as schema errors do.
        const at = key === id ? id : where
        if (json.json.effect === 'forbid') {
          issue(at, '@rowFilter is allowed on permit policies only')
        } else {
          try {
            rowFilter = parseRowFilter(rf)
          } catch (e) {
            if (!isStrongroomError(e)) throw e
            issue(at, e.message)
          }
        }
      }
      if (key === id) {
        policies.set(id, {
          id,
          effect: json.json.effect,
          text: policyText,
          description: annotations['description'],
          rowFilter,
          source,
        })
      }
    })
  })

  if (schemaParse.type === 'success' && Object.keys(forValidation).length > 0) {
    const answer = validate({
      schema,
      policies: { staticPolicies: forValidation },
      validationSettings: { mode: 'strict' },
    })
    if (answer.type === 'failure') {
      for (const e of answer.errors) issue('policies', cedarMessage(e))
    } else {
      for (const v of answer.validationErrors) issue(v.policyId, cedarMessage(v.error))
    }
  }

  if (issues.length > 0) {
    throw new StrongroomError(
      'ERR_AUTHZ_POLICY_INVALID',
      `the policy set is invalid: ${issues.length} problem${issues.length === 1 ? '' : 's'}`,
      { issues, hint: 'fix every listed policy; see docs/access.md for the schema' },
    )
  }
  if (policies.size === 0) {
    // An empty set is valid Cedar, but it denies everything; it is almost always a mistake.
    throw new StrongroomError('ERR_AUTHZ_POLICY_INVALID', 'the policy set holds no policy')
  }
  return { policies, namesColumns }
}
