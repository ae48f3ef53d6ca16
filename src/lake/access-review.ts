/**
 * Reviews of who can do what: `access review DATASET` (every principal's dataset actions and
 * column access, as Lake Formation's permission view shows them) and `access unused --days N`
 * (role grants no allowed request used in N days, from the audit trail, as IAM Access
 * Analyzer reports unused access). Both are administration and return decisions, never data.
 */
import type { ColumnAccess, Explanation, PolicyEngine } from '../access/engine.js'
import { ACTIONS, type ActionName } from '../access/schema.js'
import type { AuditQuery, AuditRecord } from '../audit/audit-event.js'
import { unknownPrincipal } from '../catalog/access-rules.js'
import { StrongroomError } from '../errors.js'
import {
  authorizeDataset,
  authorizeLake,
  datasetInfo,
  engineForVersion,
  principalInfoOf,
} from './access-control.js'
import { requireDataset } from './datasets.js'
import type { LakeContext } from './context.js'
import { checkPurpose } from './read-access.js'

/** One principal's access to one dataset. */
export interface PrincipalAccess {
  readonly principal: string
  readonly roles: readonly string[]
  /** Dataset-level actions the principal is allowed. */
  readonly actions: readonly ActionName[]
  /** Per column: plaintext, masked or hidden (all hidden when `read` is denied). */
  readonly columns: Readonly<Record<string, ColumnAccess>>
  /** The row filter of its reads, as SQL with `?` for bound values (`TRUE`: all rows). */
  readonly rowFilter: string
}

/** The review of one dataset. */
export interface AccessReview {
  readonly dataset: string
  readonly purpose: string
  readonly policyVersion: number
  readonly columns: readonly string[]
  readonly principals: readonly PrincipalAccess[]
}

const DATASET_ACTIONS: readonly ActionName[] = ACTIONS.filter((a) => a !== 'export')

/**
 * Who can do what to a dataset, for a purpose (default `analytics`): for every principal in
 * the catalog, the dataset actions allowed (`export` to the dataset's own region) and each
 * column's access. Needs `admin` on the dataset.
 */
export async function accessReview(
  ctx: LakeContext,
  dataset: string,
  options: { purpose?: string } = {},
): Promise<AccessReview> {
  const purpose = checkPurpose(options.purpose ?? 'analytics')
  const { info } = await authorizeDataset(ctx, dataset, 'admin')
  const record = await ctx.catalog.getPolicyVersion()
  const engine = engineForVersion(record)
  const principals: PrincipalAccess[] = []
  for (const p of await ctx.catalog.listPrincipals()) {
    const principal = principalInfoOf(p)
    const actions: ActionName[] = DATASET_ACTIONS.filter(
      (action) =>
        engine.authorize({ principal, action, resource: { dataset: info }, context: { purpose } })
          .decision === 'allow',
    )
    if (
      engine.authorize({
        principal,
        action: 'export',
        resource: { dataset: info },
        context: { purpose, destinationRegion: info.region === '' ? '-' : info.region },
      }).decision === 'allow'
    ) {
      actions.push('export')
    }
    const plan = engine.planColumns({ principal, dataset: info, purpose })
    principals.push({
      principal: p.id,
      roles: principal.roles,
      actions,
      columns: Object.fromEntries(plan.columns.map((c) => [c.column, c.access])),
      rowFilter: plan.rowFilter.sql,
    })
  }
  return {
    dataset: info.id,
    purpose,
    policyVersion: record?.version ?? 0,
    columns: info.columns.map((c) => c.name),
    principals,
  }
}

/** One role grant nobody used in the window. */
export interface UnusedGrant {
  readonly principal: string
  readonly role: string
  readonly grantedAt: Date
  /** The last allowed request that used the grant, if any is on record. */
  readonly lastUsed: Date | null
}

/** What `access unused` found. */
export interface UnusedAccess {
  readonly days: number
  readonly since: Date
  readonly grants: readonly UnusedGrant[]
  /** Principals with no allowed request at all in the window. */
  readonly inactivePrincipals: readonly string[]
}

/** Ids of the permits whose scope or condition names `Role::"<role>"`. */
function permitsOfRole(engine: PolicyEngine, role: string): Set<string> {
  const needle = `Role::"${role}"`
  return new Set(
    engine.policyIds().filter((id) => {
      const p = engine.policy(id)
      return p !== undefined && p.effect === 'permit' && p.text.includes(needle)
    }),
  )
}

/**
 * Role grants older than `days` that no allowed request of their principal used in the last
 * `days` days. A request used a grant when one of the policies that allowed it is a permit
 * naming the role. Needs `admin` on the lake.
 */
export async function accessUnused(
  ctx: LakeContext,
  days: number,
  query: (q: AuditQuery) => Promise<AuditRecord[]>,
  now = new Date(),
): Promise<UnusedAccess> {
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'days is an integer from 1 to 3650')
  }
  await authorizeLake(ctx, 'admin')
  const since = new Date(now.getTime() - days * 86_400_000)
  const record = await ctx.catalog.getPolicyVersion()
  const engine = engineForVersion(record)
  const grants: UnusedGrant[] = []
  const inactive: string[] = []
  for (const p of await ctx.catalog.listPrincipals()) {
    const events = (await query({ principal: p.id })).filter(
      (e) => e.decision === 'allow' && e.outcome === 'success',
    )
    const recent = events.filter((e) => new Date(e.time) >= since)
    if (recent.length === 0 && p.createdAt < since) inactive.push(p.id)
    for (const g of p.roles) {
      if (g.grantedAt >= since) continue
      const permits = permitsOfRole(engine, g.role)
      const uses = events.filter((e) => e.policyIds.some((id) => permits.has(id)))
      const last = uses.at(-1)
      const lastUsed = last === undefined ? null : new Date(last.time)
      if (lastUsed === null || lastUsed < since) {
        grants.push({ principal: p.id, role: g.role, grantedAt: g.grantedAt, lastUsed })
      }
    }
  }
  return { days, since, grants, inactivePrincipals: inactive }
}

/** A decision to explain for another principal (`policy explain --as` on the lake). */
export interface ExplainRequest {
  readonly as: string
  readonly action: string
  readonly dataset: string
  readonly column?: string
  readonly purpose?: string
  readonly destinationRegion?: string
}

/**
 * Explains the decision the lake's policies in force would make for another principal over
 * the catalog's own principals and datasets: the decision and the deciding policies, never
 * data. Needs `managePolicy` on the lake (it shows what others may do).
 */
export async function explainAccess(
  ctx: LakeContext,
  request: ExplainRequest,
): Promise<Explanation> {
  await authorizeLake(ctx, 'managePolicy')
  const record = await ctx.catalog.getPrincipal(request.as).catch(() => undefined)
  if (record === undefined) {
    throw unknownPrincipal(request.as.slice(0, 128))
  }
  const ds = await requireDataset(ctx, request.dataset)
  const v = await ctx.catalog.getVersion(ds.id)
  const info = await datasetInfo(ctx, ds, v?.schema ?? { columns: [] })
  const engine = await ctx.access.engine()
  return engine.explain({
    principal: principalInfoOf(record),
    action: request.action,
    resource:
      request.column === undefined ? { dataset: info } : { dataset: info, column: request.column },
    context: {
      ...(request.purpose === undefined ? {} : { purpose: request.purpose }),
      ...(request.destinationRegion === undefined
        ? {}
        : { destinationRegion: request.destinationRegion }),
    },
  })
}
