/**
 * Builds the Cedar entities of one request from the plain objects of `model.ts`. Only the
 * entities a decision can reach are built (the user, the dataset, the column): crossing the
 * wasm boundary costs per entity, and role entities are not needed because a user's parents
 * already carry its role memberships.
 */
import type { EntityJson } from '@cedar-policy/cedar-wasm/nodejs'
import type { ColumnInfo, DatasetInfo, PrincipalInfo } from './model.js'
import { checkPrincipal, effectiveTags, isPii, isProtected, levelOf } from './model.js'

/** A Cedar entity uid. */
export interface Uid {
  readonly type: string
  readonly id: string
}

/** The uid of a user. */
export function userUid(id: string): Uid {
  return { type: 'User', id }
}

/** The uid of the lake, the resource of lake-wide administration. */
export const LAKE_UID: Uid = Object.freeze({ type: 'Lake', id: 'lake' })

/** The lake entity (no attributes). */
export function lakeEntity(): EntityJson {
  return { uid: LAKE_UID, attrs: {}, parents: [] }
}

/** The uid of a dataset. */
export function datasetUid(id: string): Uid {
  return { type: 'Dataset', id }
}

/** The uid of a column: `<dataset>/<column>` (dataset names hold no `/`). */
export function columnUid(dataset: string, column: string): Uid {
  return { type: 'Column', id: `${dataset}/${column}` }
}

/** The user entity, with its roles as parents. */
export function userEntity(p: PrincipalInfo): EntityJson {
  const clearance = checkPrincipal(p)
  return {
    uid: userUid(p.id),
    attrs: { clearance, region: p.region, mfa: p.mfa },
    parents: [...new Set(p.roles)].sort().map((r) => ({ type: 'Role', id: r })),
  }
}

/** The dataset entity. */
export function datasetEntity(d: DatasetInfo): EntityJson {
  return {
    uid: datasetUid(d.id),
    attrs: {
      owner: { __entity: userUid(d.owner) },
      region: d.region,
      tags: [...new Set(d.tags ?? [])].sort(),
      sensitivity: levelOf(d.sensitivity ?? 'none') ?? 0,
      purposes: [...new Set(d.purposes ?? [])].sort(),
    },
    parents: [],
  }
}

/** The attributes a column decision depends on, after tag inheritance. */
export interface ColumnFacts {
  readonly tags: readonly string[]
  readonly classification: string
  readonly sensitivity: number
  readonly pii: boolean
  /** Needs `readPlaintext` to be served in clear. */
  readonly protected: boolean
}

/** Resolves a column's effective attributes. */
export function columnFacts(d: DatasetInfo, c: ColumnInfo): ColumnFacts {
  const tags = effectiveTags(d, c)
  const pii = isPii(tags, c)
  const sensitivity = levelOf(c.sensitivity ?? 'none') ?? 0
  const classification = c.classification ?? ''
  return {
    tags,
    classification,
    sensitivity,
    pii,
    protected: isProtected(pii, sensitivity, classification),
  }
}

/** The column entity, a member of its dataset. */
export function columnEntity(d: DatasetInfo, c: ColumnInfo, facts = columnFacts(d, c)): EntityJson {
  return {
    uid: columnUid(d.id, c.name),
    attrs: {
      dataset: { __entity: datasetUid(d.id) },
      tags: [...facts.tags],
      classification: facts.classification,
      sensitivity: facts.sensitivity,
      pii: facts.pii,
    },
    parents: [datasetUid(d.id)],
  }
}
