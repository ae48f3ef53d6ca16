/**
 * The lake's policy set as versions in the catalog (`policy apply|versions|diff|rollback`).
 * Applying validates the whole set against the schema first (every problem listed, nothing
 * stored on any); each applied set, and each rollback, is a new append-only version, and the
 * newest is in force for every decision from then on. All of it is `managePolicy` on the lake.
 */
import { DEFAULT_POLICIES } from '../access/default-policies.js'
import { PolicyEngine } from '../access/engine.js'
import { loadPolicySet, type LoadedPolicy } from '../access/policy-set.js'
import { STRONGROOM_CEDAR_SCHEMA } from '../access/schema.js'
import type { PolicySourceRecord, PolicyVersionRecord } from '../catalog/catalog.js'
import { StrongroomError } from '../errors.js'
import { authorizeLake, policySourcesDigest } from './access-control.js'
import type { LakeContext } from './context.js'

/** A version as listed: its number, digest, author, comment and policy ids. */
export interface PolicyVersionSummary {
  readonly version: number
  readonly sha256: string
  readonly createdAt: Date | null
  readonly createdBy: string
  readonly comment: string
  readonly basedOn: number | null
  readonly policyIds: readonly string[]
  /** True for the version in force. */
  readonly current: boolean
}

/** Options of {@link applyPolicies}. */
export interface ApplyPoliciesOptions {
  /** Include the shipped default policies in the set (default true). */
  readonly includeDefaults?: boolean
  readonly comment?: string
}

/** What an apply did: the new version, or none when the set equals the one in force. */
export interface ApplyResult {
  readonly version: number
  readonly changed: boolean
  readonly diff: PolicyDiff
}

/** Differences between two policy sets, by policy id. */
export interface PolicyDiff {
  readonly from: number
  readonly to: number
  readonly added: readonly PolicyChange[]
  readonly removed: readonly PolicyChange[]
  readonly changed: readonly PolicyChange[]
  readonly unchanged: number
}

/** One policy that differs. */
export interface PolicyChange {
  readonly id: string
  readonly effect: 'permit' | 'forbid'
  readonly before?: string
  readonly after?: string
}

function sourcesOf(record: PolicyVersionRecord | undefined): readonly PolicySourceRecord[] {
  return record === undefined ? DEFAULT_POLICIES : record.sources
}

function policiesOf(sources: readonly PolicySourceRecord[]): ReadonlyMap<string, LoadedPolicy> {
  return loadPolicySet(STRONGROOM_CEDAR_SCHEMA, sources).policies
}

/** Compares two policy sets by policy id; text differences in white space only do not count. */
export function diffPolicySets(
  from: { version: number; sources: readonly PolicySourceRecord[] },
  to: { version: number; sources: readonly PolicySourceRecord[] },
): PolicyDiff {
  const a = policiesOf(from.sources)
  const b = policiesOf(to.sources)
  const norm = (t: string) => t.replace(/\s+/g, ' ').trim()
  const added: PolicyChange[] = []
  const removed: PolicyChange[] = []
  const changed: PolicyChange[] = []
  let unchanged = 0
  for (const [id, p] of b) {
    const old = a.get(id)
    if (old === undefined) added.push({ id, effect: p.effect, after: p.text })
    else if (norm(old.text) !== norm(p.text))
      changed.push({ id, effect: p.effect, before: old.text, after: p.text })
    else unchanged++
  }
  for (const [id, p] of a) if (!b.has(id)) removed.push({ id, effect: p.effect, before: p.text })
  const byId = (x: PolicyChange, y: PolicyChange) => x.id.localeCompare(y.id)
  return {
    from: from.version,
    to: to.version,
    added: added.sort(byId),
    removed: removed.sort(byId),
    changed: changed.sort(byId),
    unchanged,
  }
}

async function appendVersion(
  ctx: LakeContext,
  current: PolicyVersionRecord | undefined,
  sources: readonly PolicySourceRecord[],
  comment: string,
  basedOn: number | null,
): Promise<PolicyVersionRecord> {
  const record = await ctx.catalog.appendPolicyVersion({
    expectedVersion: current?.version ?? 0,
    sources,
    sha256: policySourcesDigest(sources),
    createdBy: ctx.principal,
    comment,
    basedOn,
  })
  if (record === undefined) {
    throw new StrongroomError(
      'ERR_CATALOG_CONFLICT',
      'Another policy change was applied at the same time; nothing was stored',
      { hint: 'run `strongroom policy diff` and apply again' },
    )
  }
  return record
}

/**
 * Validates `sources` (with the shipped defaults unless `includeDefaults: false`) and stores
 * them as the next policy version. Throws `ERR_AUTHZ_POLICY_INVALID` listing every problem,
 * storing nothing. An unchanged set stores no new version.
 */
export async function applyPolicies(
  ctx: LakeContext,
  sources: readonly PolicySourceRecord[],
  options: ApplyPoliciesOptions = {},
): Promise<ApplyResult> {
  await authorizeLake(ctx, 'managePolicy')
  const all = [...(options.includeDefaults === false ? [] : DEFAULT_POLICIES), ...sources].map(
    (s) => ({ name: s.name, text: s.text }),
  )
  // Validate exactly as the engine will load it, so an applied set always loads.
  PolicyEngine.create({ policies: all, version: 'candidate', cacheSize: 0 })
  const current = await ctx.catalog.getPolicyVersion()
  const next = { version: (current?.version ?? 0) + 1, sources: all }
  const diff = diffPolicySets({ version: current?.version ?? 0, sources: sourcesOf(current) }, next)
  if (policySourcesDigest(all) === (current?.sha256 ?? policySourcesDigest(DEFAULT_POLICIES))) {
    return { version: current?.version ?? 0, changed: false, diff }
  }
  const record = await appendVersion(ctx, current, all, options.comment ?? '', null)
  return { version: record.version, changed: true, diff: { ...diff, to: record.version } }
}

/** Every stored version, oldest first; version 0 (the shipped defaults) when none is. */
export async function policyVersions(ctx: LakeContext): Promise<PolicyVersionSummary[]> {
  await authorizeLake(ctx, 'managePolicy')
  const records = await ctx.catalog.listPolicyVersions()
  const last = records.at(-1)?.version ?? 0
  const defaults: PolicyVersionSummary = {
    version: 0,
    sha256: policySourcesDigest(DEFAULT_POLICIES),
    createdAt: null,
    createdBy: '',
    comment: 'shipped defaults',
    basedOn: null,
    policyIds: [...policiesOf(DEFAULT_POLICIES).keys()],
    current: last === 0,
  }
  return [
    defaults,
    ...records.map((r) => ({
      version: r.version,
      sha256: r.sha256,
      createdAt: r.createdAt,
      createdBy: r.createdBy,
      comment: r.comment,
      basedOn: r.basedOn,
      policyIds: [...policiesOf(r.sources).keys()],
      current: r.version === last,
    })),
  ]
}

async function versionSources(
  ctx: LakeContext,
  version: number,
): Promise<readonly PolicySourceRecord[]> {
  if (version === 0) return DEFAULT_POLICIES
  const r = await ctx.catalog.getPolicyVersion(version)
  if (r === undefined) {
    throw new StrongroomError('ERR_VERSION_NOT_FOUND', `No policy version ${String(version)}`, {
      hint: 'list them with `strongroom policy versions`',
      details: { version },
    })
  }
  return r.sources
}

/**
 * The differences between two versions (0 is the shipped defaults), or between the version
 * in force and candidate `sources` when those are given.
 */
export async function diffPolicies(
  ctx: LakeContext,
  from: number | undefined,
  to: number | readonly PolicySourceRecord[] | undefined,
  options: { includeDefaults?: boolean } = {},
): Promise<PolicyDiff> {
  await authorizeLake(ctx, 'managePolicy')
  const current = (await ctx.catalog.getPolicyVersion())?.version ?? 0
  const a = from ?? current
  if (typeof to === 'object') {
    const candidate = [...(options.includeDefaults === false ? [] : DEFAULT_POLICIES), ...to]
    return diffPolicySets(
      { version: a, sources: await versionSources(ctx, a) },
      { version: -1, sources: candidate },
    )
  }
  const b = to ?? current
  return diffPolicySets(
    { version: a, sources: await versionSources(ctx, a) },
    { version: b, sources: await versionSources(ctx, b) },
  )
}

/**
 * Puts an older version's texts back in force as a new version (history is never
 * rewritten); 0 restores the shipped defaults.
 */
export async function rollbackPolicies(ctx: LakeContext, version: number): Promise<ApplyResult> {
  await authorizeLake(ctx, 'managePolicy')
  const sources = await versionSources(ctx, version)
  PolicyEngine.create({ policies: sources, version: 'candidate', cacheSize: 0 })
  const current = await ctx.catalog.getPolicyVersion()
  const diff = diffPolicySets(
    { version: current?.version ?? 0, sources: sourcesOf(current) },
    { version: (current?.version ?? 0) + 1, sources },
  )
  const record = await appendVersion(
    ctx,
    current,
    sources.map((s) => ({ name: s.name, text: s.text })),
    `rollback to version ${String(version)}`,
    version,
  )
  return { version: record.version, changed: true, diff: { ...diff, to: record.version } }
}
