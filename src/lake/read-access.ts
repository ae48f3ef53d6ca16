/**
 * The authorize → plan step of every read and export: the Cedar decisions for the dataset
 * and each column, turned into what the read path executes (the visible columns, how each
 * masked column is masked, the row predicate pushed into the engine) and the policy ids the
 * audit event carries.
 */
import type { ColumnDecision } from '../access/engine.js'
import type { ColumnInfo } from '../access/model.js'
import type { VersionRecord } from '../catalog/catalog.js'
import { formatDatasetName } from '../core/names.js'
import type { ColumnSchema } from '../core/schema.js'
import { StrongroomError } from '../errors.js'
import type { RowPredicate } from '../formats/engine.js'
import type { ColumnRule } from '../protect/spec.js'
import { accessDenied, datasetInfo, type DatasetDecision } from './access-control.js'
import type { LakeContext } from './context.js'

/** A purpose: a lowercase word such as `training`, `analytics`, `support`. */
export const PURPOSE = /^[a-z][a-z0-9_-]{0,63}$/

/** How a read is allowed to proceed. */
export interface ReadAccess {
  /** Columns served, in the order asked for (the schema's order by default). */
  readonly columns: readonly string[]
  /** Served columns that are masked, with the transform that masks them. */
  readonly masked: ReadonlyMap<string, ColumnRule>
  /** Columns left out because the principal may not see them (when none were named). */
  readonly hidden: readonly string[]
  /** The row predicate; undefined when every row may be read. */
  readonly where: RowPredicate | undefined
  /** Every policy that took part in allowing the read, sorted. */
  readonly policyIds: readonly string[]
  /** Per column decision, for explanations and `access review`. */
  readonly decisions: readonly ColumnDecision[]
}

/** What a read asks for. */
export interface ReadAccessRequest {
  /** Columns named by the caller; all the principal may see when omitted. */
  readonly columns?: readonly string[] | undefined
  /** Why the data is read; required. */
  readonly purpose: string | undefined
  /** `export` also needs the dataset-level `export` permission for the destination. */
  readonly action: 'read' | 'export'
  /** Where an export's output goes (the lake's region when omitted). */
  readonly destinationRegion?: string | undefined
}

/** Checks a read's purpose; every read and export must state one. */
export function checkPurpose(purpose: string | undefined): string {
  if (purpose === undefined || purpose === '') {
    throw new StrongroomError(
      'ERR_USAGE_INVALID_ARGUMENT',
      'Every read and export states a purpose',
      {
        hint: 'pass --purpose (e.g. training, analytics, support)',
      },
    )
  }
  if (!PURPOSE.test(purpose)) {
    throw new StrongroomError(
      'ERR_USAGE_INVALID_ARGUMENT',
      'A purpose is a lowercase word: a-z, then up to 63 of a-z 0-9 _ -',
    )
  }
  return purpose
}

/** Entity types whose last four characters are what people use to recognise a value. */
const KEEP_LAST_FOUR = new Set([
  'CREDIT_CARD',
  'US_SSN',
  'US_ITIN',
  'PHONE_NUMBER',
  'IBAN_CODE',
  'US_BANK_NUMBER',
  'US_PASSPORT',
  'UK_NHS',
])

/**
 * How a masked column is served: text keeps its last four characters for the identifiers
 * people recognise by them (`***-**-6789`), else becomes its type tag (`<EMAIL_ADDRESS>`);
 * other types become NULL, since a masked number or date has no safe stand-in.
 */
export function maskRuleFor(column: ColumnSchema, info: ColumnInfo | undefined): ColumnRule {
  if (column.type !== 'string') return { transform: 'redact', mode: 'null' }
  const entity = info?.classification ?? null
  if (entity !== null && KEEP_LAST_FOUR.has(entity)) {
    return { transform: 'mask', keepLast: 4, keepSeparators: true }
  }
  return { transform: 'tag', entity: entity ?? 'REDACTED' }
}

/**
 * Authorizes a read (or export) of one version and plans it. Throws `ERR_AUTHZ_DENIED` when
 * the dataset (or, for an export, the destination) is denied, when a named column is hidden,
 * or when no column at all may be seen.
 */
export async function planReadAccess(
  ctx: LakeContext,
  decision: DatasetDecision,
  v: VersionRecord,
  request: ReadAccessRequest,
): Promise<ReadAccess> {
  const purpose = checkPurpose(request.purpose)
  const { ds, engine, principal } = decision
  // The dataset decision was made over the current version; an older one has its own columns.
  const info =
    v.version === ds.currentVersion ? decision.info : await datasetInfo(ctx, ds, v.schema)
  const name = formatDatasetName(ds)
  const mayList = () =>
    engine.authorize({ principal, action: 'list', resource: { dataset: info } }).decision ===
    'allow'
  const policies = new Set<string>()
  if (request.action === 'export') {
    if ((request.destinationRegion ?? ctx.config.access.region) === '') {
      throw new StrongroomError(
        'ERR_USAGE_INVALID_ARGUMENT',
        'An export needs a destination region',
        {
          hint: 'pass --region, or set access.region in strongroom.yaml',
        },
      )
    }
    const r = engine.authorize({
      principal,
      action: 'export',
      resource: { dataset: info },
      context: {
        purpose,
        destinationRegion: request.destinationRegion ?? ctx.config.access.region,
      },
    })
    if (r.decision === 'deny') throw accessDenied('export', name, r.policies, mayList())
    for (const p of r.policies) policies.add(p)
  }
  const plan = engine.planColumns({
    principal,
    dataset: info,
    purpose,
    ...(request.columns === undefined ? {} : { columns: request.columns }),
  })
  if (plan.dataset.decision === 'deny') {
    throw accessDenied('read', name, plan.dataset.policies, mayList())
  }
  for (const p of plan.dataset.policies) policies.add(p)
  const hidden = plan.columns.filter((c) => c.access === 'hidden').map((c) => c.column)
  if (request.columns !== undefined && hidden.length > 0) {
    // The caller named them, so naming them back reveals nothing new.
    throw new StrongroomError(
      'ERR_AUTHZ_DENIED',
      `read of column(s) ${hidden.join(', ')} of ${name} is not allowed`,
      { details: { action: 'read', dataset: name, columns: hidden.join(','), policies: '' } },
    )
  }
  const visible = plan.columns.filter((c) => c.access !== 'hidden')
  if (visible.length === 0) throw accessDenied('read', name, [], mayList())
  const schemaOf = new Map(v.schema.columns.map((c) => [c.name, c]))
  const infoOf = new Map(info.columns.map((c) => [c.name, c]))
  const masked = new Map<string, ColumnRule>()
  for (const c of visible) {
    for (const p of c.policies) policies.add(p)
    const col = schemaOf.get(c.column)
    if (c.access === 'masked' && col !== undefined) {
      masked.set(c.column, maskRuleFor(col, infoOf.get(c.column)))
    }
  }
  return {
    columns: visible.map((c) => c.column),
    masked,
    hidden,
    where:
      plan.rowFilter.sql === 'TRUE'
        ? undefined
        : { sql: plan.rowFilter.sql, params: plan.rowFilter.params },
    policyIds: [...policies].sort(),
    decisions: plan.columns,
  }
}
