/**
 * The Cedar policy engine: one validated, versioned policy set, and decisions over it.
 *
 * Cost model: parsing the schema and the policies happens once (`preparse*`); each decision
 * is one `statefulIsAuthorized` call carrying only the user, the dataset and (for a column)
 * the column. Decisions are cached in an LRU keyed by the policy set (version and content),
 * the content of the entities involved, the action, the resource and the context, so a
 * changed role, tag or classification is a new key rather than a stale hit.
 *
 * Inside Cedar, a call's price is mostly turning entity attributes into values, so entities
 * carry only the attributes some policy of the set can name (see {@link referencedNames}),
 * and a plan builds its user and dataset entities once and a column entity only for a shape
 * the cache has not answered.
 */
import { createHash } from 'node:crypto'
import type { EntityJson } from '@cedar-policy/cedar-wasm/nodejs'
import {
  preparsePolicySet,
  preparseSchema,
  statefulIsAuthorized,
} from '@cedar-policy/cedar-wasm/nodejs'
import { StrongroomError } from '../errors.js'
import type { ColumnFacts, Uid } from './entities.js'
import {
  columnEntity,
  columnFacts,
  columnUid,
  datasetEntity,
  lakeEntity,
  userEntity,
} from './entities.js'
import { Lru } from './lru.js'
import type { ColumnInfo, DatasetInfo, PrincipalInfo } from './model.js'
import type { LoadedPolicy, PolicySource } from './policy-set.js'
import { loadPolicySet } from './policy-set.js'
import type { CompiledRowFilter, RowFilterExpr } from './row-filter.js'
import { compileRowFilters, filterColumns } from './row-filter.js'
import type { ActionName } from './schema.js'
import { COLUMN_ACTIONS, LAKE_ACTIONS, STRONGROOM_CEDAR_SCHEMA, isActionName } from './schema.js'

/** Options of {@link PolicyEngine.create}. */
export interface PolicyEngineOptions {
  /** Cedar schema text; the Strongroom schema by default. */
  readonly schema?: string
  /** Policy texts (or named files); each may hold several policies, each with an `@id`. */
  readonly policies: readonly (string | PolicySource)[]
  /** The version id of this policy set, e.g. `default-1` or a content hash. */
  readonly version: string
  /** Decisions kept in the LRU cache (default 10,000; 0 disables the cache). */
  readonly cacheSize?: number
  /**
   * Check every request's entities against the schema inside Cedar (default false). The
   * engine builds entities itself from typed objects, and the test suite checks that they
   * conform; the per-call check roughly doubles the cost of a decision. Turn it on for a
   * custom schema whose attributes need schema-driven parsing (extension types).
   */
  readonly validateEntities?: boolean
}

/** The request context. `destinationRegion` is required for `export`. */
export interface RequestContext {
  /** Why the data is used, e.g. `training`, `analytics`. */
  readonly purpose?: string
  readonly destinationRegion?: string
}

/** One authorization request. */
export interface AuthorizationRequest {
  readonly principal: PrincipalInfo
  /** One of the schema's `ACTIONS`; anything else is `ERR_AUTHZ_UNKNOWN_ACTION`. */
  readonly action: string
  /** A dataset, or one of its columns. */
  readonly resource: { readonly dataset: DatasetInfo; readonly column?: string }
  readonly context?: RequestContext
}

/** A lake-wide request: the resource is the lake itself. */
export interface LakeAuthorizationRequest {
  readonly principal: PrincipalInfo
  readonly action: string
  readonly context?: RequestContext
}

/** An evaluation error of one policy. */
export interface PolicyError {
  readonly policyId: string
  readonly message: string
}

/** The answer to one request. */
export interface AuthorizationResult {
  readonly decision: 'allow' | 'deny'
  /**
   * The determining policies: the permits that allowed, or the forbids that denied; empty
   * for a deny by default (no permit matched).
   */
  readonly policies: readonly string[]
  readonly errors: readonly PolicyError[]
}

/** How one column is served. */
export type ColumnAccess = 'plaintext' | 'masked' | 'hidden'

/** The plan of one column. */
export interface ColumnDecision {
  readonly column: string
  readonly access: ColumnAccess
  /** The policies that decided it (see {@link AuthorizationResult.policies}). */
  readonly policies: readonly string[]
}

/** A read plan request. */
export interface ColumnPlanRequest {
  readonly principal: PrincipalInfo
  readonly dataset: DatasetInfo
  /** Columns to plan; all of the dataset's by default. */
  readonly columns?: readonly string[]
  readonly purpose?: string
}

/** How a read is served: per column access, and the rows the principal may see. */
export interface ColumnPlan {
  /** The decision on `read` of the whole dataset; a deny hides every column. */
  readonly dataset: AuthorizationResult
  readonly columns: readonly ColumnDecision[]
  /** The row filter from the permits that allowed the dataset read (`FALSE` on deny). */
  readonly rowFilter: CompiledRowFilter
  readonly errors: readonly PolicyError[]
}

/** One policy named in an explanation. */
export interface ExplainedPolicy {
  readonly id: string
  readonly effect: 'permit' | 'forbid'
  readonly description: string | undefined
  readonly rowFilter: string | undefined
}

/** Why a request was decided as it was. */
export interface Explanation extends AuthorizationResult {
  readonly determining: readonly ExplainedPolicy[]
  /** One sentence, naming policy ids only. */
  readonly summary: string
}

/** Counters for tests and benchmarks. */
export interface EngineStats {
  /** Decisions evaluated by Cedar (wasm calls). */
  readonly evaluations: number
  /** Decisions answered from the cache. */
  readonly cacheHits: number
  readonly cacheSize: number
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22)
}

/** The user entity with its content key, built once per request or plan. */
interface Party {
  readonly entity: EntityJson
  readonly key: string
}

const SEP = '\u0001'
const LAKE: Party = { entity: lakeEntity(), key: 'lake' }
const ACTION_UIDS = new Map<string, Uid>()

/** The action's uid, one frozen object per action (the request holds it by reference). */
function actionUid(action: ActionName): Uid {
  let uid = ACTION_UIDS.get(action)
  if (uid === undefined) {
    uid = Object.freeze({ type: 'Action', id: action })
    ACTION_UIDS.set(action, uid)
  }
  return uid
}

/**
 * Every name a policy text could use to reach an entity attribute: `.name`, `has name`,
 * `["name"]` and `has "name"` all spell the name as a word of the text. Null when a string
 * holds a character escape (`"t\u{61}gs"`), which could spell a name no word shows: then
 * nothing is left out. Annotations and comments only add words: more attributes kept, never
 * fewer.
 */
export function referencedNames(texts: readonly string[]): ReadonlySet<string> | null {
  const names = new Set<string>()
  for (const t of texts) {
    // Cedar strings spell characters with `\x41` and `\u{41}`; other escapes (`\"`, `\n`)
    // cannot form a letter.
    if (/\\[uUxX]/.test(t)) return null
    for (const m of t.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) names.add(m[0])
  }
  return names
}

/**
 * The entity with only the attributes the policies can name. Cedar reads an attribute only
 * through its name (`==` and `in` on entities compare uids and parents), so an attribute no
 * policy names cannot change a decision; leaving it out only saves its conversion.
 */
function pruned(entity: EntityJson, names: ReadonlySet<string> | null): EntityJson {
  if (names === null) return entity
  const attrs: Record<string, unknown> = {}
  let dropped = false
  for (const [k, v] of Object.entries(entity.attrs)) {
    if (names.has(k)) attrs[k] = v
    else dropped = true
  }
  return dropped ? { ...entity, attrs: attrs as EntityJson['attrs'] } : entity
}

/**
 * A validated, versioned Cedar policy set and the decisions over it.
 *
 * @example
 * ```ts
 * const engine = PolicyEngine.create({ policies: DEFAULT_POLICIES, version: DEFAULT_POLICY_VERSION })
 * const plan = engine.planColumns({ principal, dataset, purpose: 'training' })
 * ```
 */
export class PolicyEngine {
  /** The version id given at creation. */
  readonly version: string
  readonly #policies: ReadonlyMap<string, LoadedPolicy>
  readonly #namesColumns: boolean
  readonly #setId: string
  readonly #schemaId: string | undefined
  /** Attribute names the policies can reach; null keeps every attribute. */
  readonly #names: ReadonlySet<string> | null
  readonly #cache: Lru<string, AuthorizationResult>
  #evaluations = 0
  #cacheHits = 0

  private constructor(
    version: string,
    policies: ReadonlyMap<string, LoadedPolicy>,
    namesColumns: boolean,
    setId: string,
    schemaId: string | undefined,
    names: ReadonlySet<string> | null,
    cacheSize: number,
  ) {
    this.version = version
    this.#policies = policies
    this.#namesColumns = namesColumns
    this.#setId = setId
    this.#schemaId = schemaId
    this.#names = names
    this.#cache = new Lru(cacheSize)
  }

  /**
   * Validates every policy against the schema and prepares the set for evaluation. Throws
   * `ERR_AUTHZ_POLICY_INVALID` listing every problem found in any policy.
   */
  static create(options: PolicyEngineOptions): PolicyEngine {
    if (options.version.length === 0) {
      throw new StrongroomError('ERR_AUTHZ_POLICY_INVALID', 'the policy set needs a version id')
    }
    const schema = options.schema ?? STRONGROOM_CEDAR_SCHEMA
    const loaded = loadPolicySet(schema, options.policies)
    const staticPolicies: Record<string, string> = {}
    for (const p of loaded.policies.values()) staticPolicies[p.id] = p.text
    // Preparsed sets live in a process-wide table keyed by id: the id carries the content
    // hash so two engines never share a slot unless their sets are identical.
    const setId = `strongroom:${options.version}:${digest(staticPolicies)}`
    const schemaId = `strongroom-schema:${digest(schema)}`
    const ps = preparsePolicySet(setId, { staticPolicies })
    const ss = preparseSchema(schemaId, schema)
    for (const answer of [ps, ss]) {
      if (answer.type === 'failure') {
        throw new StrongroomError(
          'ERR_AUTHZ_POLICY_INVALID',
          'the policy set could not be prepared',
          {
            issues: answer.errors.map((e) => ({
              code: 'ERR_AUTHZ_POLICY_INVALID' as const,
              path: 'policies',
              message: e.message,
            })),
          },
        )
      }
    }
    const validate = options.validateEntities === true
    return new PolicyEngine(
      options.version,
      loaded.policies,
      loaded.namesColumns,
      setId,
      validate ? schemaId : undefined,
      // Schema validation wants every declared attribute, so nothing is left out then.
      validate ? null : referencedNames(Object.values(staticPolicies)),
      options.cacheSize ?? 10_000,
    )
  }

  /** The ids of the policies in the set. */
  policyIds(): string[] {
    return [...this.#policies.keys()]
  }

  /** One policy of the set by id: its effect and Cedar text. */
  policy(id: string): { readonly effect: 'permit' | 'forbid'; readonly text: string } | undefined {
    const p = this.#policies.get(id)
    return p === undefined ? undefined : { effect: p.effect, text: p.text }
  }

  /** Cache and evaluation counters. */
  stats(): EngineStats {
    return {
      evaluations: this.#evaluations,
      cacheHits: this.#cacheHits,
      cacheSize: this.#cache.size,
    }
  }

  /** Empties the decision cache (e.g. for a cold-cache measurement). */
  clearCache(): void {
    this.#cache.clear()
  }

  /** Decides one request. Unknown actions and columns throw; a deny is a result, not a throw. */
  authorize(request: AuthorizationRequest): AuthorizationResult {
    const action = checkAction(request.action)
    const { dataset, column } = request.resource
    const context = contextFor(action, request.context)
    const user = this.#party(userEntity(request.principal))
    const ds = this.#party(datasetEntity(dataset))
    if (column === undefined) return this.#decide(user, ds, action, null, context)
    if (!COLUMN_ACTIONS.has(action)) {
      throw new StrongroomError(
        'ERR_AUTHZ_UNKNOWN_RESOURCE',
        'the action applies to whole datasets only',
        {
          details: { action, column },
        },
      )
    }
    const info = findColumn(dataset, column)
    return this.#decide(user, ds, action, this.#columnTarget(dataset, info), context)
  }

  /**
   * Decides a lake-wide request (`admin`, `manageKeys`, `managePolicy`, `list` on
   * `Lake::"lake"`): managing principals, policies and every dataset's keys.
   */
  authorizeLake(request: LakeAuthorizationRequest): AuthorizationResult {
    const action = checkAction(request.action)
    if (!LAKE_ACTIONS.has(action)) {
      throw new StrongroomError(
        'ERR_AUTHZ_UNKNOWN_RESOURCE',
        'the action applies to datasets only',
        {
          details: { action },
        },
      )
    }
    const context = contextFor(action, request.context)
    return this.#decide(this.#party(userEntity(request.principal)), LAKE, action, null, context)
  }

  /** Like {@link authorize}, but throws `ERR_AUTHZ_DENIED` on deny. */
  assertAuthorized(request: AuthorizationRequest): AuthorizationResult {
    const r = this.authorize(request)
    if (r.decision === 'deny') {
      const by =
        r.policies.length === 0 ? 'no permit policy matched' : `denied by ${r.policies.join(', ')}`
      throw new StrongroomError(
        'ERR_AUTHZ_DENIED',
        `${String(request.action)} is not allowed: ${by}`,
        {
          details: { action: String(request.action), dataset: request.resource.dataset.id },
        },
      )
    }
    return r
  }

  /**
   * Plans a read: the dataset `read` decision, then per column `plaintext` (readPlaintext
   * allowed, or read allowed and the column not protected), `masked` (read allowed, the
   * column protected: pii, sensitivity high, or classified) or `hidden`. Columns with equal attributes
   * share one evaluation unless a policy names a column entity.
   */
  planColumns(request: ColumnPlanRequest): ColumnPlan {
    const { dataset, principal } = request
    const context = contextFor('read', { purpose: request.purpose ?? '' })
    const names = request.columns ?? dataset.columns.map((c) => c.name)
    const infos = names.map((n) => findColumn(dataset, n))
    const user = this.#party(userEntity(principal))
    const ds = this.#party(datasetEntity(dataset))
    const whole = this.#decide(user, ds, 'read', null, context)
    if (whole.decision === 'deny') {
      return {
        dataset: whole,
        columns: infos.map((c) => ({ column: c.name, access: 'hidden', policies: whole.policies })),
        rowFilter: compileRowFilters([], { columns: [], principal }),
        errors: whole.errors,
      }
    }
    const errors: PolicyError[] = [...whole.errors]
    const columns = infos.map((info): ColumnDecision => {
      const target = this.#columnTarget(dataset, info)
      const ask = (action: ActionName): AuthorizationResult => {
        const r = this.#decide(user, ds, action, target, context)
        errors.push(...r.errors)
        return r
      }
      const plain = (): AuthorizationResult => ask('readPlaintext')
      const read = (): AuthorizationResult => ask('read')
      // Ask first the question most likely to settle the column alone.
      if (target.facts.protected) {
        const p = plain()
        if (p.decision === 'allow')
          return { column: info.name, access: 'plaintext', policies: p.policies }
        const r = read()
        return {
          column: info.name,
          access: r.decision === 'allow' ? 'masked' : 'hidden',
          policies:
            r.decision === 'allow' ? r.policies : [...new Set([...r.policies, ...p.policies])],
        }
      }
      const r = read()
      if (r.decision === 'allow')
        return { column: info.name, access: 'plaintext', policies: r.policies }
      const p = plain()
      return {
        column: info.name,
        access: p.decision === 'allow' ? 'plaintext' : 'hidden',
        policies:
          p.decision === 'allow' ? p.policies : [...new Set([...r.policies, ...p.policies])],
      }
    })
    return { dataset: whole, columns, rowFilter: this.#rowFilter(whole, request, errors), errors }
  }

  /** Decides a request and says why: the determining policies with their descriptions. */
  explain(request: AuthorizationRequest): Explanation {
    const r = this.authorize(request)
    const determining = r.policies.map((id): ExplainedPolicy => {
      const p = this.#policies.get(id)
      return {
        id,
        effect: p?.effect ?? 'forbid',
        description: p?.description,
        rowFilter:
          p?.rowFilter === null || p === undefined ? undefined : describeFilter(p.rowFilter),
      }
    })
    let summary: string
    if (r.decision === 'allow') {
      summary = `allowed by ${determining.map((d) => `permit "${d.id}"`).join(', ')}`
    } else if (determining.length === 0) {
      summary = 'denied by default: no permit policy matched'
    } else {
      summary = `denied by ${determining.map((d) => `forbid "${d.id}"`).join(', ')}`
    }
    if (r.errors.length > 0) {
      summary += `; evaluation errors in ${[...new Set(r.errors.map((e) => e.policyId))].join(', ')}`
    }
    return { ...r, determining, summary }
  }

  #columnTarget(dataset: DatasetInfo, info: ColumnInfo): ColumnTarget {
    const facts = columnFacts(dataset, info)
    const sig = JSON.stringify([facts.tags, facts.classification, facts.sensitivity, facts.pii])
    // Without policies that name columns, a decision depends on the attributes only, so
    // equal columns share a cache key (and thus one evaluation).
    const key = this.#namesColumns ? `${columnUid(dataset.id, info.name).id}${SEP}${sig}` : sig
    // Built on the first cache miss only: a warm plan never builds column entities.
    let entity: EntityJson | undefined
    const names = this.#names
    return {
      key,
      facts,
      entity: () => (entity ??= pruned(columnEntity(dataset, info, facts), names)),
    }
  }

  /** The entity as Cedar gets it, and its content key (the entity's own JSON text). */
  #party(entity: EntityJson): Party {
    // The text is the key itself rather than a hash of it: exact, and cheaper than hashing
    // for the few hundred bytes of a user or dataset.
    return { entity: pruned(entity, this.#names), key: JSON.stringify(entity) }
  }

  #rowFilter(
    whole: AuthorizationResult,
    request: ColumnPlanRequest,
    errors: PolicyError[],
  ): CompiledRowFilter {
    const columns = request.dataset.columns.map((c) => c.name)
    const known = new Set(columns)
    const filters: (RowFilterExpr | null)[] = []
    for (const id of whole.policies) {
      const f = this.#policies.get(id)?.rowFilter ?? null
      if (f !== null) {
        const missing = filterColumns(f).filter((c) => !known.has(c))
        if (missing.length > 0) {
          // Fail closed: a filter that cannot be applied contributes no rows.
          errors.push({
            policyId: id,
            message: `@rowFilter names unknown columns: ${missing.join(', ')}`,
          })
          continue
        }
      }
      filters.push(f)
    }
    const kinds = new Map(
      request.dataset.columns.flatMap((c) =>
        c.kind === undefined ? [] : ([[c.name, c.kind]] as const),
      ),
    )
    return compileRowFilters(filters, { columns, principal: request.principal, kinds })
  }

  #decide(
    user: Party,
    ds: Party,
    action: ActionName,
    column: ColumnTarget | null,
    context: Context,
  ): AuthorizationResult {
    const key = [
      this.#setId,
      user.key,
      ds.key,
      action,
      column === null ? '' : column.key,
      context.key,
    ].join(SEP)
    const hit = this.#cache.get(key)
    if (hit !== undefined) {
      this.#cacheHits++
      return hit
    }
    this.#evaluations++
    const target = column?.entity()
    const resource = target === undefined ? ds.entity.uid : target.uid
    const entities =
      target === undefined ? [user.entity, ds.entity] : [user.entity, ds.entity, target]
    const answer = statefulIsAuthorized({
      principal: user.entity.uid,
      action: actionUid(action),
      resource,
      context: context.value,
      preparsedPolicySetId: this.#setId,
      ...(this.#schemaId === undefined ? {} : { preparsedSchemaName: this.#schemaId }),
      // The request is built here from typed objects; validating it again per call costs
      // more than the decision itself.
      validateRequest: false,
      entities,
    })
    if (answer.type === 'failure') {
      throw new StrongroomError('ERR_INTERNAL', 'the policy engine could not evaluate a request', {
        details: { action, errors: answer.errors.length },
      })
    }
    const { decision, diagnostics } = answer.response
    const errors = diagnostics.errors.map((e) => ({
      policyId: e.policyId,
      message: e.error.message,
    }))
    // Cedar skips a policy whose condition errors; for a guardrail that would mean failing
    // open, so an erroring forbid denies.
    const brokenForbids = errors
      .map((e) => e.policyId)
      .filter((id) => this.#policies.get(id)?.effect !== 'permit')
    // Frozen: cached results are shared by every caller that hits the same key.
    const result: AuthorizationResult = Object.freeze(
      brokenForbids.length > 0
        ? {
            decision: 'deny' as const,
            policies: Object.freeze([...new Set(brokenForbids)].sort()),
            errors: Object.freeze(errors),
          }
        : {
            decision,
            policies: Object.freeze([...diagnostics.reason].sort()),
            errors: Object.freeze(errors),
          },
    )
    this.#cache.set(key, result)
    return result
  }
}

interface ColumnTarget {
  /** The column entity, built when first needed. */
  readonly entity: () => EntityJson
  readonly key: string
  readonly facts: ColumnFacts
}

interface Context {
  readonly value: Record<string, string>
  readonly key: string
}

function checkAction(action: string): ActionName {
  if (!isActionName(action)) {
    throw new StrongroomError(
      'ERR_AUTHZ_UNKNOWN_ACTION',
      'the action is not one of the schema actions',
      {
        details: { action: action.slice(0, 64) },
      },
    )
  }
  return action
}

function findColumn(dataset: DatasetInfo, name: string): ColumnInfo {
  const c = dataset.columns.find((x) => x.name === name)
  if (c === undefined) {
    throw new StrongroomError('ERR_AUTHZ_UNKNOWN_RESOURCE', 'the dataset has no such column', {
      details: { dataset: dataset.id, column: name.slice(0, 128) },
    })
  }
  return c
}

function contextFor(action: ActionName, ctx: RequestContext | undefined): Context {
  const purpose = ctx?.purpose ?? ''
  if (action !== 'export') return { value: { purpose }, key: purpose }
  const destinationRegion = ctx?.destinationRegion
  if (destinationRegion === undefined || destinationRegion === '') {
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'export needs a destination region', {
      hint: 'pass context.destinationRegion',
    })
  }
  return { value: { purpose, destinationRegion }, key: `${purpose}${SEP}${destinationRegion}` }
}

/** A filter as readable text (column names and operators; constants shown as `?`). */
function describeFilter(e: RowFilterExpr): string {
  switch (e.kind) {
    case 'and':
    case 'or':
      return `(${e.items.map(describeFilter).join(` ${e.kind} `)})`
    case 'compare':
      return `${e.column} ${e.operator} ${e.operand.kind === 'principal' ? `principal.${e.operand.attribute}` : '?'}`
    case 'in':
      return `${e.column} in (${e.operands.map((o) => (o.kind === 'principal' ? `principal.${o.attribute}` : '?')).join(', ')})`
    case 'null':
      return `${e.column} is ${e.negated ? 'not ' : ''}null`
  }
}
