import type { DiscoveryEngine } from '../discovery/discovery-engine.js'
import type { AuditClient, AuditEventInput } from '../audit/audit-event.js'
import type { Catalog } from '../catalog/catalog.js'
import type { LakeConfig } from '../config/config.js'
import type { DuckDbEngine } from '../formats/duckdb-engine.js'
import type { KeyProvider } from '../keys/key-provider.js'
import type { ObjectStore } from '../storage/object-store.js'
import type { AccessControl } from './access-control.js'
import type { KeyManager } from './key-manager.js'
import type { LineageSink } from './lineage-hooks.js'
import { throwIfAborted as abortIf } from '../lib/abort.js'

/**
 * Where operations report audit events. `record` resolves once the event is durable and
 * rejects (`ERR_AUDIT_UNAVAILABLE`) when it cannot be written: operations then fail closed.
 */
export interface AuditSink {
  record(event: AuditEventInput): Promise<unknown>
}

/**
 * What every lake operation works with: the ports (never the adapters behind them), the
 * processing engine and the key manager. Built once by the composition root.
 */
export interface LakeContext {
  readonly config: LakeConfig
  readonly catalog: Catalog
  readonly store: ObjectStore
  readonly keyProvider: KeyProvider
  readonly keys: KeyManager
  readonly engine: DuckDbEngine
  /** Who the operations run as (local mode: the OS user, see docs/threat-model.md). */
  readonly principal: string
  /** The audit trail every operation reports to. */
  readonly audit: AuditSink
  /** Which interface the operations come through. */
  readonly client: AuditClient
  /** Where lineage events and edges go. */
  readonly lineage: LineageSink
  /** The discovery engine configured by the lake's `discovery:` settings. */
  readonly discovery: DiscoveryEngine
  /** The acting principal and the policy set in force: every operation's decisions. */
  readonly access: AccessControl
}

/** Progress of a long operation, for progress bars. */
export interface ProgressEvent {
  readonly phase: 'ingest' | 'read' | 'rotate' | 'doctor' | 'gc'
  /** Units done (input bytes for ingest, files otherwise). */
  readonly done: number
  /** Units in all, when known. */
  readonly total?: number
}

/** Options shared by long operations. */
export interface OperationOptions {
  readonly signal?: AbortSignal
  readonly onProgress?: (event: ProgressEvent) => void
}

/** Throws `ERR_OPERATION_ABORTED` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  abortIf(signal, 'Operation aborted; nothing was committed')
}
