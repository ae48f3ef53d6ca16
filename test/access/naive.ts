/**
 * An independent restatement of the default policy rules (docs/access.md) in plain
 * TypeScript, used as the oracle for the engine's decisions. It shares no code with
 * src/access: levels, tag inheritance and the plan rule are written out again here.
 */

export type Level = 'none' | 'low' | 'medium' | 'high'
const RANK: Record<Level, number> = { none: 0, low: 1, medium: 2, high: 3 }

export interface NPrincipal {
  id: string
  roles: string[]
  clearance: Level
  region: string
  mfa: boolean
  attributes?: Record<string, string | number | boolean | null>
}

export interface NColumn {
  name: string
  tags?: string[]
  classification?: string | null
  sensitivity?: Level
  pii?: boolean
}

export interface NDataset {
  id: string
  owner: string
  region: string
  tags?: string[]
  sensitivity?: Level
  purposes?: string[]
  columns: NColumn[]
}

export interface NContext {
  purpose: string
  destinationRegion?: string
}

/** Options that extend the default rules with the test-only "regional" permits. */
export interface NOptions {
  regional?: boolean
}

function key(tag: string): string {
  return tag.split('=')[0] ?? tag
}

/** Column tags after inheritance from the dataset (a column tag wins for its key). */
export function naiveTags(d: NDataset, c: NColumn): string[] {
  const own = c.tags ?? []
  const ownKeys = own.map(key)
  return [...(d.tags ?? []).filter((t) => !ownKeys.includes(key(t))), ...own]
}

export function naivePii(d: NDataset, c: NColumn): boolean {
  if (c.pii === true) return true
  for (const t of naiveTags(d, c)) {
    if (t === 'pii') return true
    if (t.startsWith('pii=') && t !== 'pii=false') return true
  }
  return false
}

export function naiveProtected(d: NDataset, c: NColumn): boolean {
  const classified =
    c.classification !== undefined && c.classification !== null && c.classification !== ''
  return naivePii(d, c) || (c.sensitivity ?? 'none') === 'high' || classified
}

const has = (p: NPrincipal, role: string): boolean => p.roles.includes(role)

/** The ids of the permits that are satisfied, and of the forbids that are. */
export function naiveEvaluate(
  p: NPrincipal,
  action: string,
  d: NDataset,
  c: NColumn | null,
  ctx: NContext,
  opts: NOptions = {},
): { permits: string[]; forbids: string[] } {
  const permits: string[] = []
  const forbids: string[] = []
  const clear = RANK[p.clearance]
  const dsSens = RANK[d.sensitivity ?? 'none']
  const purposes = d.purposes ?? []
  const plaintextLike = action === 'readPlaintext' || action === 'detokenize'
  if (c === null) {
    if (action === 'export' && ctx.destinationRegion !== d.region)
      forbids.push('guardrail-export-region')
    if (
      ctx.purpose === 'training' &&
      !purposes.includes('training') &&
      ['read', 'readPlaintext', 'export', 'detokenize'].includes(action)
    ) {
      forbids.push('guardrail-purpose-training-dataset')
    }
    if (
      d.owner === p.id &&
      ['read', 'readPlaintext', 'write', 'export', 'erase', 'list'].includes(action)
    ) {
      permits.push('owner-dataset-access')
    }
    if (has(p, 'admin') && ['admin', 'manageKeys', 'managePolicy', 'list'].includes(action)) {
      permits.push('admin-manage')
    }
    if (has(p, 'reader') && (action === 'read' || action === 'list') && clear >= dsSens) {
      permits.push('reader-dataset-by-clearance')
    }
    if (has(p, 'detokenizer') && action === 'detokenize') permits.push('detokenizer')
    if (
      opts.regional === true &&
      has(p, 'regional') &&
      action === 'read' &&
      (d.tags ?? []).includes('shared')
    ) {
      permits.push('regional-reader')
    }
  } else {
    const colSens = RANK[c.sensitivity ?? 'none']
    if (plaintextLike && (c.classification ?? '') === 'US_SSN' && !has(p, 'ssn-reader')) {
      forbids.push('guardrail-ssn-plaintext')
    }
    if (
      ctx.purpose === 'training' &&
      !purposes.includes('training') &&
      ['read', 'readPlaintext', 'detokenize'].includes(action)
    ) {
      forbids.push('guardrail-purpose-training-column')
    }
    if (d.owner === p.id && (action === 'read' || action === 'readPlaintext')) {
      permits.push('owner-column-access')
    }
    if (has(p, 'reader') && action === 'read' && clear >= colSens && clear >= dsSens) {
      permits.push('reader-column-by-clearance')
    }
    if (
      has(p, 'plaintext-reader') &&
      action === 'readPlaintext' &&
      clear >= colSens &&
      clear >= dsSens
    ) {
      permits.push('plaintext-reader-column')
    }
    if (has(p, 'detokenizer') && action === 'detokenize') permits.push('detokenizer')
    if (opts.regional === true && has(p, 'regional') && action === 'read' && !naivePii(d, c)) {
      permits.push('regional-column')
    }
  }
  return { permits: permits.sort(), forbids: forbids.sort() }
}

/** allow / deny and the determining policy ids, as Cedar defines them. */
export function naiveDecide(
  p: NPrincipal,
  action: string,
  d: NDataset,
  c: NColumn | null,
  ctx: NContext,
  opts: NOptions = {},
): { decision: 'allow' | 'deny'; policies: string[] } {
  const { permits, forbids } = naiveEvaluate(p, action, d, c, ctx, opts)
  if (forbids.length > 0) return { decision: 'deny', policies: forbids }
  if (permits.length > 0) return { decision: 'allow', policies: permits }
  return { decision: 'deny', policies: [] }
}

/** Per column access for a read plan. */
export function naivePlan(
  p: NPrincipal,
  d: NDataset,
  purpose: string,
  opts: NOptions = {},
): Record<string, 'plaintext' | 'masked' | 'hidden'> {
  const out: Record<string, 'plaintext' | 'masked' | 'hidden'> = {}
  const whole = naiveDecide(p, 'read', d, null, { purpose }, opts).decision === 'allow'
  for (const c of d.columns) {
    if (!whole) {
      out[c.name] = 'hidden'
      continue
    }
    const plain = naiveDecide(p, 'readPlaintext', d, c, { purpose }, opts).decision === 'allow'
    const read = naiveDecide(p, 'read', d, c, { purpose }, opts).decision === 'allow'
    out[c.name] = plain
      ? 'plaintext'
      : read
        ? naiveProtected(d, c)
          ? 'masked'
          : 'plaintext'
        : 'hidden'
  }
  return out
}

/**
 * The rows the test-only regional permit allows: `region = principal.region and status in
 * ('active', 'pending')`, with NULL never equal to anything. `all` when an unfiltered permit
 * also allowed the read.
 */
export function naiveRows(
  p: NPrincipal,
  d: NDataset,
  purpose: string,
  rows: Record<string, string | null>[],
): number[] {
  const { decision, policies } = naiveDecide(p, 'read', d, null, { purpose }, { regional: true })
  if (decision === 'deny') return []
  const unfiltered = policies.some((id) => id !== 'regional-reader')
  const out: number[] = []
  rows.forEach((r, i) => {
    const region = r['region'] ?? null
    const status = r['status'] ?? null
    const ok =
      region !== null &&
      region === p.region &&
      status !== null &&
      (status === 'active' || status === 'pending')
    if (unfiltered || ok) out.push(i)
  })
  return out
}
