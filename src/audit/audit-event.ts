/**
 * Audit events: what happened, who did it, to what, with what outcome. Never a data value:
 * resources are named by dataset names, ids, versions and column names only.
 */

/** What was done. Dotted names group related actions. */
export type AuditAction =
  | 'lake.init'
  | 'dataset.ingest'
  | 'dataset.read'
  | 'dataset.export'
  | 'dataset.show'
  | 'keys.rotate'
  | 'keys.status'
  | 'lake.gc'
  | 'lake.doctor'
  | 'audit.checkpoint'
  | 'audit.verify'
  | 'audit.export'
  | 'auth.failed'
  | (string & {})

/** A resource an event touched. */
export interface AuditResource {
  readonly type: 'dataset' | 'column' | 'key' | 'lake' | 'audit'
  /** `namespace.name` for datasets; `namespace.name.column` for columns; an id otherwise. */
  readonly name: string
  readonly id?: string
  readonly version?: number
}

/** Where a request came from. */
export interface AuditClient {
  readonly kind: 'cli' | 'library' | 'server'
  /** Remote address (server mode). */
  readonly address?: string
}

/** The event a caller records; the log adds sequence, time and hashes. */
export interface AuditEventInput {
  readonly principal: string
  readonly action: AuditAction
  readonly resources: readonly AuditResource[]
  readonly purpose?: string
  /** The authorization decision; `allow` until access control decides otherwise. */
  readonly decision: 'allow' | 'deny'
  /** Ids of the policies that decided (empty until access control exists). */
  readonly policyIds: readonly string[]
  /** Correlates the events of one request (e.g. a read's start and its completion). */
  readonly requestId: string
  readonly outcome: 'success' | 'failure' | 'started'
  /** The error code of a failure. */
  readonly errorCode?: string
  readonly rows?: number
  readonly bytes?: number
  readonly client: AuditClient
}

/** A stored event: its place in the chain and its hash. */
export interface AuditRecord extends AuditEventInput {
  /** 1, 2, 3, … without gaps. */
  readonly seq: number
  /** ISO 8601 time with milliseconds, UTC. */
  readonly time: string
  /** Hex SHA-256 of the previous record (64 zeros for the first). */
  readonly prevHash: string
  /** Hex SHA-256 over `prevHash` and the canonical form of this record without `hash`. */
  readonly hash: string
}

/** A signed statement: "the chain up to `seq` has head `hash`". */
export interface AuditCheckpoint {
  /** 1, 2, 3, … */
  readonly number: number
  /** The last event covered. */
  readonly seq: number
  /** That event's hash: the chain head. */
  readonly hash: string
  readonly time: string
  /** Hash of the previous checkpoint's canonical form (64 zeros for the first). */
  readonly prevCheckpointHash: string
  /** Id of the signing key (hex SHA-256 of its raw public key, first 16 bytes). */
  readonly keyId: string
  /** Base64 Ed25519 signature over the canonical form of this checkpoint without it. */
  readonly signature: string
}

/** Filters for {@link AuditStore.query}. */
export interface AuditQuery {
  readonly principal?: string
  /** A dataset name (`namespace.name`) any resource of the event names. */
  readonly dataset?: string
  readonly action?: string
  readonly since?: Date
  readonly until?: Date
  /** At most this many events, newest last. */
  readonly limit?: number
}
