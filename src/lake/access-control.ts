/**
 * Access control for lake operations: who the acting principal is (from the catalog), which
 * policy set is in force (the catalog's newest applied version, else the shipped defaults),
 * what Cedar sees of a dataset (owner, tags, classifications), and the decisions every
 * operation takes before it touches anything.
 */
import { createHash } from 'node:crypto'
import { PolicyEngine, type AuthorizationResult } from '../access/engine.js'
import { DEFAULT_POLICIES, DEFAULT_POLICY_VERSION } from '../access/default-policies.js'
import type { ColumnInfo, DatasetInfo, PrincipalInfo, Sensitivity } from '../access/model.js'
import type { ActionName } from '../access/schema.js'
import type {
  Catalog,
  DatasetRecord,
  PolicySourceRecord,
  PolicyVersionRecord,
} from '../catalog/catalog.js'
import { formatDatasetName, parseDatasetName } from '../core/names.js'
import type { ColumnType, DatasetSchema } from '../core/schema.js'
import { isStrongroomError, StrongroomError } from '../errors.js'
import type { LakeContext } from './context.js'
import { noteDecision } from './decisions.js'

/** The acting principal and the policy engine in force, both read from the catalog. */
export interface AccessControl {
  /** The engine of the policy version in force (built once per version). */
  engine(): Promise<PolicyEngine>
  /** The version in force: 0 for the shipped defaults. */
  policyVersion(): Promise<number>
  /** The acting principal; `ERR_AUTHZ_UNKNOWN_PRINCIPAL` when the catalog lacks it. */
  principal(): Promise<PrincipalInfo>
}

/** The version id engines of the catalog's policy version `n` carry. */
export function policyVersionId(record: PolicyVersionRecord | undefined): string {
  return record === undefined ? DEFAULT_POLICY_VERSION : `lake-${String(record.version)}`
}

/** Hex SHA-256 over policy sources, as stored with each policy version. */
export function policySourcesDigest(sources: readonly PolicySourceRecord[]): string {
  const canonical = JSON.stringify(sources.map((s) => [s.name, s.text]))
  return createHash('sha256').update(canonical).digest('hex')
}

/** The engine for a stored policy version (the shipped defaults when there is none). */
export function engineForVersion(record: PolicyVersionRecord | undefined): PolicyEngine {
  return PolicyEngine.create({
    policies: record === undefined ? DEFAULT_POLICIES : record.sources,
    version: policyVersionId(record),
  })
}

/** The {@link PrincipalInfo} of a catalog principal. */
export function principalInfoOf(record: {
  id: string
  clearance: number
  region: string
  mfa: boolean
  attributes: PrincipalInfo['attributes']
  roles: readonly { role: string }[]
}): PrincipalInfo {
  return {
    id: record.id,
    roles: record.roles.map((r) => r.role),
    clearance: record.clearance,
    region: record.region,
    mfa: record.mfa,
    attributes: record.attributes ?? {},
  }
}

/**
 * Access control over a catalog for one acting principal. The policy version is read on
 * every call (one small query), so an applied or rolled-back set takes effect at once; the
 * engine, whose preparation is the cost, is rebuilt only when the version changes.
 */
export function createAccessControl(catalog: Catalog, principalId: string): AccessControl {
  let cached: { version: number; engine: PolicyEngine } | undefined
  return {
    async engine() {
      const record = await catalog.getPolicyVersion()
      const version = record?.version ?? 0
      if (cached === undefined || cached.version !== version) {
        cached = { version, engine: engineForVersion(record) }
      }
      return cached.engine
    },
    async policyVersion() {
      return (await catalog.getPolicyVersion())?.version ?? 0
    },
    async principal() {
      const record = await catalog.getPrincipal(principalId).catch((e: unknown) => {
        // A name the catalog cannot even hold is as unknown as one it does not have.
        if (isStrongroomError(e, 'ERR_USAGE_INVALID_ARGUMENT')) return undefined
        throw e
      })
      if (record === undefined) {
        throw new StrongroomError(
          'ERR_AUTHZ_UNKNOWN_PRINCIPAL',
          'The acting principal is not registered in this lake',
          {
            hint: 'an administrator adds it: strongroom principal add NAME',
            details: { principal: principalId.slice(0, 128) },
          },
        )
      }
      return principalInfoOf(record)
    },
  }
}

const LEVEL_TAG = /^(none|low|medium|high)$/

/** How row filters compare each column type (dates and binaries compare with nothing). */
const KIND: Readonly<Record<ColumnType, 'string' | 'number' | 'boolean' | 'other'>> = {
  string: 'string',
  int64: 'number',
  float64: 'number',
  decimal: 'other',
  boolean: 'boolean',
  date: 'other',
  timestamp: 'other',
  binary: 'other',
  other: 'other',
}

/** The value of the `key=value` tag with this key, if any. */
function tagValue(tags: readonly string[], key: string): string | undefined {
  const t = tags.find((x) => x.startsWith(`${key}=`))
  return t?.slice(key.length + 1)
}

/**
 * What Cedar sees of a dataset: its owner; its tags; its region (`region=` tag, else the
 * lake's), sensitivity (`sensitivity=` tag) and purposes (`purposes=a,b` tag); and per
 * column the column's tags and its classification in force (type and sensitivity).
 */
export async function datasetInfo(
  ctx: LakeContext,
  ds: DatasetRecord,
  schema: DatasetSchema,
): Promise<DatasetInfo> {
  const [tags, classes] = await Promise.all([
    ctx.catalog.getTags(ds.id),
    ctx.catalog.currentClassifications(ds.id),
  ])
  const byColumn = new Map(classes.map((c) => [c.column, c]))
  const sensitivity = tagValue(tags.dataset, 'sensitivity')
  const purposes = tagValue(tags.dataset, 'purposes')
  const columns = schema.columns.map((col): ColumnInfo => {
    const c = byColumn.get(col.name)
    const classified = c !== undefined && c.entityType !== 'NONE'
    const own = tags.columns[col.name] ?? []
    const level = tagValue(own, 'sensitivity')
    return {
      name: col.name,
      kind: KIND[col.type],
      tags: own,
      classification: classified ? c.entityType : null,
      sensitivity:
        level !== undefined && LEVEL_TAG.test(level)
          ? (level as Sensitivity)
          : classified
            ? c.sensitivity
            : 'none',
      // A manual "not personal data" (NONE) classification clears the flag detection set.
      ...(classified ? { pii: true } : {}),
    }
  })
  return {
    id: formatDatasetName(ds),
    owner: ds.owner,
    region: tagValue(tags.dataset, 'region') ?? ctx.config.access.region,
    tags: tags.dataset,
    sensitivity:
      sensitivity !== undefined && LEVEL_TAG.test(sensitivity)
        ? (sensitivity as Sensitivity)
        : 'none',
    purposes:
      purposes === undefined
        ? []
        : purposes
            .split(',')
            .map((p) => p.trim())
            .filter((p) => p !== ''),
    columns,
  }
}

/** Request context of a dataset decision. */
export interface DecisionContext {
  readonly purpose?: string
  readonly destinationRegion?: string
}

/** A dataset decision that allowed, with what it was made over. */
export interface DatasetDecision {
  readonly ds: DatasetRecord
  readonly info: DatasetInfo
  readonly principal: PrincipalInfo
  readonly engine: PolicyEngine
  readonly result: AuthorizationResult
}

/**
 * The error of a denied request. The deciding policy ids are named only to a principal that
 * may list the dataset; anyone else gets the same answer for "denied" and "does not exist".
 */
export function accessDenied(
  action: string,
  dataset: string,
  policies: readonly string[],
  mayList: boolean,
): StrongroomError {
  const shown = mayList ? policies : []
  return new StrongroomError(
    'ERR_AUTHZ_DENIED',
    `${action} on ${dataset} is not allowed${shown.length > 0 ? ` (denied by ${shown.join(', ')})` : ''}`,
    {
      hint: 'ask the dataset owner or an administrator; `strongroom policy explain` shows why',
      details: { action, dataset, policies: shown.join(',') },
    },
  )
}

/** The dataset record and the schema of its current version (none before a commit). */
async function lookup(
  ctx: LakeContext,
  name: string,
): Promise<{ ds: DatasetRecord; schema: DatasetSchema } | undefined> {
  const { namespace, name: n } = parseDatasetName(name)
  const ds = await ctx.catalog.getDataset(namespace, n)
  if (ds === undefined) return undefined
  const v = ds.currentVersion === 0 ? undefined : await ctx.catalog.getVersion(ds.id)
  return { ds, schema: v?.schema ?? { columns: [] } }
}

/**
 * Decides `action` on a dataset for the acting principal and returns what the decision was
 * made over; throws `ERR_AUTHZ_DENIED` on deny. A dataset that does not exist is
 * `ERR_DATASET_NOT_FOUND` only for a principal allowed to `list` the lake; anyone else gets
 * the very error a denial gives.
 */
export async function authorizeDataset(
  ctx: LakeContext,
  name: string,
  action: ActionName,
  context: DecisionContext = {},
): Promise<DatasetDecision> {
  const [engine, principal] = await Promise.all([ctx.access.engine(), ctx.access.principal()])
  const found = await lookup(ctx, name)
  // A dataset created by an ingest that never committed is not there for anyone to read.
  if (found === undefined || (found.ds.currentVersion === 0 && action !== 'write')) {
    const mayList = engine.authorizeLake({ principal, action: 'list' }).decision === 'allow'
    if (mayList) {
      throw new StrongroomError('ERR_DATASET_NOT_FOUND', `No dataset ${name}`, {
        details: { dataset: name },
      })
    }
    throw accessDenied(action, name, [], false)
  }
  const info = await datasetInfo(ctx, found.ds, found.schema)
  const result = engine.authorize({
    principal,
    action,
    resource: { dataset: info },
    context: { purpose: context.purpose ?? '', ...destination(action, context) },
  })
  if (result.decision === 'deny') {
    const mayList =
      action === 'list' ||
      engine.authorize({ principal, action: 'list', resource: { dataset: info } }).decision ===
        'allow'
    throw accessDenied(action, name, result.policies, mayList)
  }
  noteDecision(result.policies)
  return { ds: found.ds, info, principal, engine, result }
}

function destination(action: ActionName, context: DecisionContext): DecisionContext {
  return action === 'export' ? { destinationRegion: context.destinationRegion ?? '' } : {}
}

/** Decides a lake-wide action (`admin`, `manageKeys`, `managePolicy`, `list`); throws on deny. */
export async function authorizeLake(
  ctx: LakeContext,
  action: 'admin' | 'manageKeys' | 'managePolicy' | 'list' | 'detokenize',
  context: DecisionContext = {},
): Promise<AuthorizationResult> {
  const [engine, principal] = await Promise.all([ctx.access.engine(), ctx.access.principal()])
  const result = engine.authorizeLake({
    principal,
    action,
    context: { purpose: context.purpose ?? '' },
  })
  if (result.decision === 'deny') {
    throw new StrongroomError(
      'ERR_AUTHZ_DENIED',
      `${action} on the lake is not allowed${result.policies.length > 0 ? ` (denied by ${result.policies.join(', ')})` : ''}`,
      {
        hint: 'ask an administrator (Role::"admin")',
        details: { action, dataset: 'lake', policies: result.policies.join(',') },
      },
    )
  }
  noteDecision(result.policies)
  return result
}

/** True when the acting principal may `list` the dataset (used to filter listings). */
export async function mayListDataset(
  ctx: LakeContext,
  engine: PolicyEngine,
  principal: PrincipalInfo,
  ds: DatasetRecord,
): Promise<boolean> {
  const v = ds.currentVersion === 0 ? undefined : await ctx.catalog.getVersion(ds.id)
  const info = await datasetInfo(ctx, ds, v?.schema ?? { columns: [] })
  return (
    engine.authorize({ principal, action: 'list', resource: { dataset: info } }).decision ===
    'allow'
  )
}

/**
 * Decides `write` for an ingest: on the dataset when it exists; when it does not, on the
 * dataset it would become (owned by the acting principal, in the lake's region, untagged),
 * so creating a dataset is allowed exactly where owning one would be.
 */
export async function authorizeWrite(ctx: LakeContext, name: string): Promise<AuthorizationResult> {
  const { namespace, name: n } = parseDatasetName(name)
  if ((await ctx.catalog.getDataset(namespace, n)) !== undefined) {
    return (await authorizeDataset(ctx, name, 'write')).result
  }
  const [engine, principal] = await Promise.all([ctx.access.engine(), ctx.access.principal()])
  const info: DatasetInfo = {
    id: `${namespace}.${n}`,
    owner: principal.id,
    region: ctx.config.access.region,
    columns: [],
  }
  const result = engine.authorize({ principal, action: 'write', resource: { dataset: info } })
  if (result.decision === 'deny') throw accessDenied('write', info.id, result.policies, true)
  noteDecision(result.policies)
  return result
}

/** Names (`namespace.name`) of the committed datasets the acting principal may `list`. */
export async function listableDatasets(ctx: LakeContext): Promise<Set<string>> {
  const [engine, principal] = await Promise.all([ctx.access.engine(), ctx.access.principal()])
  const out = new Set<string>()
  for (const ds of await ctx.catalog.listDatasets()) {
    if (ds.currentVersion === 0) continue
    if (await mayListDataset(ctx, engine, principal, ds)) out.add(formatDatasetName(ds))
  }
  return out
}
