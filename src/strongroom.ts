/**
 * The composition root: reads a lake's configuration, wires the adapters behind the
 * ports, and exposes every operation as one typed object. The CLI (and later the server)
 * is a thin layer over {@link Strongroom}.
 */
import type { DiscoveryConfig } from './discovery/discovery-config.js'
import { createDiscoveryEngine } from './discovery/discovery-engine.js'
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises'
import { randomUUID } from 'node:crypto'
import { join, resolve } from 'node:path'
import { userInfo } from 'node:os'
import type { Catalog, Classification, LineageEdge, PrincipalRecord } from './catalog/catalog.js'
import {
  CONFIG_FILE,
  configToYaml,
  defaultLakeConfig,
  loadLakeConfig,
  type LakeConfig,
} from './config/config.js'
import type { RecordBatch } from './core/batch.js'
import { isStrongroomError, StrongroomError } from './errors.js'
import { createDuckDbEngine } from './formats/duckdb-engine.js'
import type { OutputSink } from './formats/engine.js'
import type { KeyProvider } from './keys/key-provider.js'
import type {
  AuditCheckpoint,
  AuditClient,
  AuditQuery,
  AuditRecord,
  AuditResource,
} from './audit/audit-event.js'
import { createAuditLog, type AuditLog } from './audit/audit-log.js'
import type { AuditStore } from './audit/audit-store.js'
import { exportAudit, type ExportAuditResult } from './audit/export.js'
import { loadOrCreateSigningKey, type AuditSigner } from './audit/signing-key.js'
import { verifyAuditStore, type VerifyResult } from './audit/verify.js'
import { newId } from './core/ids.js'
import { checkPrincipalId, checkRoleId } from './catalog/access-rules.js'
import { isDatasetName } from './core/names.js'
import { createHttpLineageEmitter, createNoopLineageEmitter } from './lineage/emitter.js'
import { runEventsFromEdges } from './lineage/openlineage.js'
import { lineageGraph, type LineageGraph, type LineageGraphOptions } from './lineage/graph.js'
import { audited, auditedLookup, datasetResource, decidedStream, guarded } from './lake/audited.js'
import {
  addPrincipal,
  grantRole,
  listPrincipals,
  removePrincipal,
  revokeRole,
  setPrincipal,
  type PrincipalOptions,
} from './lake/principals.js'
import {
  applyPolicies,
  diffPolicies,
  policyVersions,
  rollbackPolicies,
  type ApplyPoliciesOptions,
  type ApplyResult,
  type PolicyDiff,
  type PolicyVersionSummary,
} from './lake/policies.js'
import type { Explanation } from './access/engine.js'
import {
  accessReview,
  accessUnused,
  explainAccess,
  type ExplainRequest,
  type AccessReview,
  type UnusedAccess,
} from './lake/access-review.js'
import {
  authorizeDataset,
  authorizeLake,
  authorizeWrite,
  createAccessControl,
  listableDatasets,
} from './lake/access-control.js'
import type { LakeContext, OperationOptions } from './lake/context.js'
import {
  describeDataset,
  listDatasets,
  listVersions,
  type DatasetDescription,
  type DatasetSummary,
  type VersionSummary,
} from './lake/describe.js'
import { ingest, type IngestFormat, type IngestOptions, type IngestResult } from './lake/ingest.js'
import { KeyManager } from './lake/key-manager.js'
import { listFindings, type NamedFinding } from './lake/findings.js'
import {
  DP_PURPOSE,
  dpAuditPurpose,
  listPrivacyReleases,
  planDpQuery,
  privacyBudgetStatus,
  runDpQuery,
  setPrivacyBudget,
  type DpQueryOptions,
  type DpQueryResult,
  type NamedPrivacyRelease,
  type PrivacyBudgetStatus,
} from './lake/privacy-budget.js'
import type { RationalLike } from './protect/dp/index.js'
import {
  scanDataset,
  scanFile as scanFileWith,
  type ScanOptions,
  type ScanReport,
} from './lake/scan.js'
import {
  classificationHistory,
  classify,
  datasetMetadata,
  searchDatasets,
  setDescription,
  setTags,
  type ClassifyOptions,
  type DatasetMetadata,
  type SearchHit,
  type SearchQuery,
} from './lake/metadata.js'
import { datasetRef, identityColumns, traceRun } from './lake/lineage-hooks.js'
import { keyStatus, rotateKeys, type KeyStatus, type RotateResult } from './lake/keys.js'
import { doctor, gc, type DoctorResult, type GcOptions, type GcResult } from './lake/maintenance.js'
import {
  detokenize,
  forgetSubject,
  type DetokenizeOptions,
  type DetokenizeResult,
  type ForgetSubjectOptions,
  type ForgetSubjectResult,
} from './lake/vault.js'
import {
  authorizeRead,
  governedBatches,
  readToFile,
  type ExportOptions,
  type OutputFormat,
  type ProtectExportOptions,
  type ReadOptions,
  type ReadToFileResult,
} from './lake/read.js'
import { lineageTransformation } from './protect/plan.js'
import type { ObjectStore } from './storage/object-store.js'

/** The catalog setting holding the lake's id (lineage namespaces use it). */
const LAKE_ID_SETTING = 'lake.id'

/** The audit resource for lake-wide operations. */
const LAKE: AuditResource = { type: 'lake', name: 'lake' }

/** The audit resource naming a principal (an id, never personal data beyond it). */
function principalResource(id: string): AuditResource {
  return { type: 'lake', name: `principal:${id.slice(0, 128)}` }
}

/** The audit resource naming a role. */
function roleResource(role: string): AuditResource {
  return { type: 'lake', name: `role:${role.slice(0, 64)}` }
}

/** The audit resource naming a policy version. */
function policyResource(version: number): AuditResource {
  return { type: 'lake', name: 'policy', version }
}

/** The audit resource for operations on the audit trail itself. */
const AUDIT: AuditResource = { type: 'audit', name: 'audit' }

function metadataResources(dataset: string, column?: string): AuditResource[] {
  // The dataset is always named, so a query by dataset finds column-level changes too.
  return column === undefined
    ? [datasetResource(dataset)]
    : [datasetResource(dataset), { type: 'column', name: `${dataset}.${column}` }]
}

function datasetOrFile(name: string): AuditResource {
  // Lineage can be asked about a file path; the resource then names the lake, not the path.
  return isDatasetName(name) ? datasetResource(name) : LAKE
}

function checkAuditQuery(filter: AuditQuery): void {
  const { since, until, limit } = filter
  const bad = (message: string): never => {
    throw new StrongroomError('ERR_AUDIT_QUERY_INVALID', message)
  }
  if (since !== undefined && Number.isNaN(since.getTime())) bad('since is not a valid time')
  if (until !== undefined && Number.isNaN(until.getTime())) bad('until is not a valid time')
  if (since !== undefined && until !== undefined && since > until) bad('since is after until')
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    bad('limit must be a positive integer')
}

/** How to open a lake. */
export interface StrongroomOptions {
  /** The lake folder (holds `strongroom.yaml`; for the embedded default, everything). */
  readonly root: string
  /** Keyring passphrase for the local key provider; else `STRONGROOM_PASSPHRASE`. */
  readonly passphrase?: string
  /** Who operations run as; defaults to the OS user (local mode, see the threat model). */
  readonly principal?: string
  /** Which interface calls come through, for the audit trail (default: library). */
  readonly client?: AuditClient
}

/** How to create a lake. */
export interface InitOptions extends StrongroomOptions {
  /** Backends other than the embedded default. */
  readonly config?: Partial<Omit<LakeConfig, 'root'>>
  /** scrypt cost (log2 N) for the keyring; lower only in tests. */
  readonly kdfLogN?: number
}

function passphraseOf(options: StrongroomOptions): string {
  const p = options.passphrase ?? process.env['STRONGROOM_PASSPHRASE']
  if (p === undefined || p.length === 0)
    throw new StrongroomError('ERR_KEYS_NO_PASSPHRASE', 'No keyring passphrase given', {
      hint: 'Set STRONGROOM_PASSPHRASE (or pass passphrase in code).',
    })
  return p
}

async function openCatalog(config: LakeConfig): Promise<Catalog> {
  const c = config.catalog
  switch (c.kind) {
    case 'sqlite': {
      const { createSqliteCatalog } = await import('./catalog/sqlite/sqlite-catalog.js')
      return createSqliteCatalog({ path: c.path })
    }
    case 'postgres': {
      const { createPostgresCatalog } = await import('./catalog/postgres/postgres-catalog.js')
      return createPostgresCatalog({
        connectionString: c.url,
        ...(c.schema === undefined ? {} : { schema: c.schema }),
      })
    }
  }
}

async function openStore(config: LakeConfig): Promise<ObjectStore> {
  const o = config.objectStore
  switch (o.kind) {
    case 'fs': {
      const { createFsObjectStore } = await import('./storage/fs/fs-object-store.js')
      return createFsObjectStore({ root: o.path })
    }
    case 's3': {
      const { createS3ObjectStore } = await import('./storage/s3/s3-object-store.js')
      return createS3ObjectStore(o)
    }
  }
}

async function openKeyProvider(
  config: LakeConfig,
  options: StrongroomOptions,
): Promise<KeyProvider> {
  const k = config.keyProvider
  switch (k.kind) {
    case 'local': {
      const { createLocalKeyProvider } = await import('./keys/local/local-key-provider.js')
      return createLocalKeyProvider({ path: k.path, passphrase: passphraseOf(options) })
    }
    case 'pkcs11': {
      const pin = process.env[k.pinEnv]
      if (pin === undefined || pin.length === 0)
        throw new StrongroomError('ERR_KEYS_NO_PASSPHRASE', 'No PKCS#11 PIN given', {
          hint: `Set the environment variable ${k.pinEnv}.`,
        })
      const { createPkcs11KeyProvider } = await import('./keys/pkcs11/pkcs11-key-provider.js')
      return createPkcs11KeyProvider({
        modulePath: k.module,
        tokenLabel: k.tokenLabel,
        keyLabel: k.keyLabel,
        pin,
        createIfMissing: true,
      })
    }
  }
}

async function openAuditStore(config: LakeConfig): Promise<AuditStore> {
  const a = config.audit
  switch (a.kind) {
    case 'sqlite': {
      const { createSqliteAuditStore } = await import('./audit/sqlite/sqlite-audit-store.js')
      return createSqliteAuditStore({ path: a.path })
    }
    case 'postgres': {
      const { createPostgresAuditStore } = await import('./audit/postgres/postgres-audit-store.js')
      return createPostgresAuditStore({
        connectionString: a.url,
        ...(a.schema === undefined ? {} : { schema: a.schema }),
      })
    }
  }
}

/** Everything a lake handle holds: the operations' context and the audit machinery. */
interface Wired {
  readonly ctx: LakeContext
  readonly auditStore: AuditStore
  readonly auditLog: AuditLog
  readonly signer: AuditSigner
}

/**
 * Records a failed authentication (wrong passphrase or PIN) in the audit trail. The
 * signing key is out of reach without the key provider, so this appends an unsigned event;
 * the next signed checkpoint covers it.
 */
async function recordAuthFailure(
  auditStore: AuditStore,
  options: StrongroomOptions,
  code: string,
): Promise<void> {
  const unsigned: AuditSigner = {
    keyId: 'unavailable',
    publicKeyPem: '',
    sign: () => {
      throw new StrongroomError('ERR_KEYS_PROVIDER_UNAVAILABLE', 'Signing key unavailable')
    },
  }
  const log = createAuditLog({ store: auditStore, signer: unsigned, checkpointEvery: 1e9 })
  await log.record({
    principal: principalOf(options),
    action: 'auth.failed',
    resources: [LAKE],
    decision: 'deny',
    policyIds: [],
    requestId: randomUUID(),
    outcome: 'failure',
    errorCode: code,
    client: options.client ?? { kind: 'library' },
  })
  await log.close()
}

function principalOf(options: StrongroomOptions): string {
  return options.principal ?? process.env['STRONGROOM_USER'] ?? userInfo().username
}

/** Opens every port of a lake, closing what was opened if a later step fails. */
async function wire(config: LakeConfig, options: StrongroomOptions): Promise<Wired> {
  const opened: { close(): Promise<void> | void }[] = []
  try {
    // The audit store opens first: even a failed unlock is an event.
    const auditStore = await openAuditStore(config)
    await auditStore.open()
    opened.push(auditStore)
    const keyProvider = await openKeyProvider(config, options)
    try {
      await keyProvider.open()
    } catch (e) {
      if (isStrongroomError(e, 'ERR_KEYS_BAD_PASSPHRASE'))
        await recordAuthFailure(auditStore, options, e.code).catch(() => undefined)
      throw e
    }
    opened.push(keyProvider)
    const signer = await loadOrCreateSigningKey(auditStore, keyProvider)
    const auditLog = createAuditLog({ store: auditStore, signer, checkpointEvery: 1000 })
    opened.push(auditLog)
    const catalog = await openCatalog(config)
    await catalog.open()
    opened.push(catalog)
    const store = await openStore(config)
    await store.open()
    opened.push(store)
    const engine = await createDuckDbEngine({
      scratchDir: config.engine.scratchDir,
      threads: config.engine.threads,
    })
    opened.push(engine)
    const keys = new KeyManager(keyProvider, catalog)
    let lakeId = await catalog.getSetting(LAKE_ID_SETTING)
    if (lakeId === undefined) {
      lakeId = newId('lake')
      await catalog.setSetting(LAKE_ID_SETTING, lakeId)
    }
    const emitter =
      config.lineage.url === undefined
        ? createNoopLineageEmitter()
        : createHttpLineageEmitter({ url: config.lineage.url })
    opened.push(emitter)
    const discovery = createDiscoveryEngine(config.discovery)
    opened.push(discovery)
    const ctx: LakeContext = {
      config,
      catalog,
      store,
      keyProvider,
      keys,
      engine,
      principal: principalOf(options),
      audit: auditLog,
      client: options.client ?? { kind: 'library' },
      lineage: { lakeId, emitter },
      discovery,
      access: createAccessControl(catalog, principalOf(options)),
    }
    return { ctx, auditStore, auditLog, signer }
  } catch (e) {
    for (const o of opened.reverse()) await Promise.resolve(o.close()).catch(() => undefined)
    throw e
  }
}

/**
 * A handle on one lake. Every read and write goes through it.
 *
 * @example
 * ```ts
 * const lake = await createStrongroom({ root: './lake', passphrase })
 * await lake.ingest('customers.csv', { dataset: 'crm.customers' })
 * for await (const batch of lake.read('crm.customers', { columns: ['email'] })) …
 * await lake.close()
 * ```
 */
export class Strongroom {
  readonly #ctx: LakeContext
  readonly #auditStore: AuditStore
  readonly #auditLog: AuditLog
  readonly #signer: AuditSigner
  #closed = false

  /** @internal Use {@link createStrongroom} or {@link initStrongroom}. */
  constructor(wired: Wired) {
    this.#ctx = wired.ctx
    this.#auditStore = wired.auditStore
    this.#auditLog = wired.auditLog
    this.#signer = wired.signer
  }

  /** The resolved configuration. */
  get config(): LakeConfig {
    return this.#ctx.config
  }

  /** Which backend serves each port. */
  get backends(): { catalog: string; objectStore: string; keyProvider: string } {
    return {
      catalog: this.#ctx.catalog.kind,
      objectStore: this.#ctx.store.kind,
      keyProvider: this.#ctx.keyProvider.kind,
    }
  }

  /** Ingests a CSV, JSONL or Parquet file as a new dataset version. */
  ingest(path: string, options: IngestOptions): Promise<IngestResult> {
    const ctx = this.#ctx
    return audited(
      ctx,
      { action: 'dataset.ingest', resources: [datasetResource(options.dataset)] },
      async () => {
        await authorizeWrite(ctx, options.dataset)
        const run = await traceRun(ctx, 'ingest', options.dataset, [{ kind: 'file', path }])
        let r: IngestResult
        try {
          r = await ingest(ctx, path, options)
        } catch (e) {
          await run.fail(e)
          throw e
        }
        await run.complete(
          [{ kind: 'file', path, schema: r.schema }],
          [
            {
              ...datasetRef(ctx.lineage.lakeId, r.dataset, r.schema, {
                datasetId: r.datasetId,
                version: r.version,
              }),
              columnLineage: identityColumns(r.schema),
            },
          ],
        )
        return r
      },
      (r) => ({
        rows: r.rows,
        bytes: r.storedBytes,
        resources: [datasetResource(r.dataset, r.datasetId, r.version)],
      }),
    )
  }

  /** Lists the committed datasets the acting principal may `list`. */
  list(): Promise<DatasetSummary[]> {
    const ctx = this.#ctx
    return auditedLookup(ctx, { action: 'dataset.list', resources: [LAKE] }, async () => {
      const visible = await listableDatasets(ctx)
      return (await listDatasets(ctx)).filter((d) => visible.has(d.dataset))
    })
  }

  /** Schema, versions, files and key versions of a dataset. */
  show(dataset: string, version?: number): Promise<DatasetDescription> {
    const ctx = this.#ctx
    return auditedLookup(
      ctx,
      { action: 'dataset.show', resources: [datasetResource(dataset, undefined, version)] },
      async () => {
        await authorizeDataset(ctx, dataset, 'list')
        return describeDataset(ctx, dataset, version)
      },
    )
  }

  /** Versions of a dataset. */
  versions(dataset: string): Promise<VersionSummary[]> {
    const ctx = this.#ctx
    return auditedLookup(
      ctx,
      { action: 'dataset.versions', resources: [datasetResource(dataset)] },
      async () => {
        await authorizeDataset(ctx, dataset, 'list')
        return listVersions(ctx, dataset)
      },
    )
  }

  /**
   * Streams a dataset version as record batches, through authorization: `options.purpose`
   * is required; hidden columns are left out, masked ones masked, and only the rows the
   * policies allow are read. The audit event names the deciding policies.
   */
  read(dataset: string, options: ReadOptions = {}): AsyncIterable<RecordBatch> {
    const ctx = this.#ctx
    return decidedStream(
      ctx,
      {
        action: 'dataset.read',
        resources: [datasetResource(dataset, undefined, options.version)],
        ...(options.purpose === undefined ? {} : { purpose: options.purpose }),
      },
      () => authorizeRead(ctx, dataset, options),
      (r) => r.access.policyIds,
      (r) => governedBatches(ctx, r, options),
    )
  }

  /**
   * De-identifies a dataset version on its way to a file: {@link Strongroom.readToFile} with
   * a protection spec (a YAML/JSON path or a parsed spec). Keys come from the lake.
   */
  readProtected(
    dataset: string,
    spec: ProtectExportOptions['spec'],
    options: ReadOptions & { format: OutputFormat; out: string | OutputSink; sample?: number },
  ): Promise<ReadToFileResult> {
    const { sample, ...rest } = options
    return this.readToFile(dataset, {
      ...rest,
      protect: { spec, ...(sample === undefined ? {} : { sample }) },
    })
  }

  /**
   * Writes a dataset version to a file (`-` for stdout). With `protect`, the export goes
   * through a protection plan and its audit event names each column's transform.
   */
  readToFile(
    dataset: string,
    options: ReadOptions & {
      format: OutputFormat
      out: string | OutputSink
      protect?: ProtectExportOptions
      export?: ExportOptions
    },
  ): Promise<ReadToFileResult> {
    const ctx = this.#ctx
    return audited(
      ctx,
      {
        action: 'dataset.export',
        resources: [datasetResource(dataset, undefined, options.version)],
        ...(options.purpose === undefined ? {} : { purpose: options.purpose }),
      },
      async () => {
        // Only an export to a named file is a lineage edge; stdout and sinks leave no node.
        const out = options.out
        if (typeof out !== 'string' || out === '-') return readToFile(ctx, dataset, options)
        const run = await traceRun(ctx, 'export', dataset, [
          datasetRef(ctx.lineage.lakeId, dataset),
        ])
        let r: ReadToFileResult
        try {
          r = await readToFile(ctx, dataset, options)
        } catch (e) {
          await run.fail(e)
          throw e
        }
        await run.complete(
          [
            // A protected export's schema is the output's, not the dataset's.
            datasetRef(ctx.lineage.lakeId, r.dataset, r.protection ? undefined : r.schema, {
              datasetId: r.datasetId,
              version: r.version,
            }),
          ],
          [
            {
              kind: 'file',
              path: out,
              schema: r.schema,
              columnLineage: r.protection
                ? r.protection
                    .filter((p) => !p.dropped)
                    .map((p) => ({
                      target: p.column,
                      sources: [{ field: p.column }],
                      transformation: lineageTransformation(p.transform),
                    }))
                : identityColumns(r.schema),
            },
          ],
        )
        return r
      },
      (r) => ({
        rows: r.rows,
        bytes: r.bytes,
        policyIds: r.policyIds,
        resources: [
          datasetResource(r.dataset, r.datasetId, r.version),
          // A protected export names each column's transform (never a value or a key).
          ...(r.protection ?? []).map((p): AuditResource => ({
            type: 'column',
            name: `${r.dataset}.${p.column}`,
            id: `protect:${p.transform}${p.source === 'classification' ? `:${p.entityType ?? ''}` : ''}`,
          })),
        ],
      }),
    )
  }

  /**
   * Adds a principal (authorization attributes only). The first principal of a lake needs no
   * permission and becomes an administrator; after that, `admin` on the lake.
   */
  async addPrincipal(
    id: string,
    options: PrincipalOptions = {},
  ): Promise<{ principal: PrincipalRecord; bootstrapped: boolean }> {
    const ctx = this.#ctx
    checkPrincipalId(id)
    return audited(ctx, { action: 'principal.add', resources: [principalResource(id)] }, () =>
      addPrincipal(ctx, id, options),
    )
  }

  /** Changes a principal's clearance, region, MFA flag or attributes. */
  async setPrincipal(id: string, options: PrincipalOptions): Promise<PrincipalRecord> {
    const ctx = this.#ctx
    checkPrincipalId(id)
    return audited(ctx, { action: 'principal.set', resources: [principalResource(id)] }, () =>
      setPrincipal(ctx, id, options),
    )
  }

  /** Every principal with its roles. */
  principals(): Promise<PrincipalRecord[]> {
    const ctx = this.#ctx
    return auditedLookup(ctx, { action: 'principal.list', resources: [LAKE] }, () =>
      listPrincipals(ctx),
    )
  }

  /** Removes a principal and its role grants; false when there was none. */
  async removePrincipal(id: string): Promise<boolean> {
    const ctx = this.#ctx
    checkPrincipalId(id)
    return audited(ctx, { action: 'principal.remove', resources: [principalResource(id)] }, () =>
      removePrincipal(ctx, id),
    )
  }

  /** Grants a role to a principal; false when it already had it. */
  async grantRole(id: string, role: string): Promise<boolean> {
    const ctx = this.#ctx
    checkPrincipalId(id)
    checkRoleId(role)
    return audited(
      ctx,
      { action: 'role.grant', resources: [principalResource(id), roleResource(role)] },
      () => grantRole(ctx, id, role),
    )
  }

  /** Revokes a role; false when the principal did not have it. Takes effect at once. */
  async revokeRole(id: string, role: string): Promise<boolean> {
    const ctx = this.#ctx
    checkPrincipalId(id)
    checkRoleId(role)
    return audited(
      ctx,
      { action: 'role.revoke', resources: [principalResource(id), roleResource(role)] },
      () => revokeRole(ctx, id, role),
    )
  }

  /**
   * Validates and applies a policy set (with the shipped defaults unless
   * `includeDefaults: false`) as the next policy version; audited with the new version.
   */
  applyPolicies(
    sources: readonly { name: string; text: string }[],
    options: ApplyPoliciesOptions = {},
  ): Promise<ApplyResult> {
    const ctx = this.#ctx
    return audited(
      ctx,
      { action: 'policy.apply', resources: [LAKE] },
      () => applyPolicies(ctx, sources, options),
      (r) => ({ resources: [policyResource(r.version)] }),
    )
  }

  /** The stored policy versions (0: the shipped defaults), oldest first. */
  policyVersions(): Promise<PolicyVersionSummary[]> {
    const ctx = this.#ctx
    return auditedLookup(ctx, { action: 'policy.versions', resources: [LAKE] }, () =>
      policyVersions(ctx),
    )
  }

  /** Differences between two policy versions, or the version in force and candidate texts. */
  diffPolicies(
    from?: number,
    to?: number | readonly { name: string; text: string }[],
    options: { includeDefaults?: boolean } = {},
  ): Promise<PolicyDiff> {
    const ctx = this.#ctx
    return auditedLookup(ctx, { action: 'policy.diff', resources: [LAKE] }, () =>
      diffPolicies(ctx, from, to, options),
    )
  }

  /** Puts an older policy version back in force, as a new version. */
  rollbackPolicies(version: number): Promise<ApplyResult> {
    const ctx = this.#ctx
    return audited(
      ctx,
      { action: 'policy.rollback', resources: [policyResource(version)] },
      () => rollbackPolicies(ctx, version),
      (r) => ({ resources: [policyResource(version), policyResource(r.version)] }),
    )
  }

  /** Who can do what to a dataset, column by column (needs `admin` on it). */
  accessReview(dataset: string, options: { purpose?: string } = {}): Promise<AccessReview> {
    const ctx = this.#ctx
    return auditedLookup(
      ctx,
      { action: 'access.review', resources: [datasetResource(dataset)] },
      () => accessReview(ctx, dataset, options),
    )
  }

  /**
   * Explains the decision the policies in force would make for another principal (decisions
   * and deciding policies only, never data); needs `managePolicy` on the lake.
   */
  explainAccess(request: ExplainRequest): Promise<Explanation> {
    const ctx = this.#ctx
    return auditedLookup(
      ctx,
      { action: 'policy.explain', resources: [datasetResource(request.dataset)] },
      () => explainAccess(ctx, request),
    )
  }

  /** Role grants no allowed request used in the last `days` days (from the audit trail). */
  accessUnused(days: number): Promise<UnusedAccess> {
    const ctx = this.#ctx
    return auditedLookup(ctx, { action: 'access.unused', resources: [LAKE] }, async () => {
      await this.#auditLog.flush()
      return accessUnused(ctx, days, (q) => this.#auditStore.query(q))
    })
  }

  /** Rotates one dataset's key, or every dataset's. */
  rotateKeys(dataset?: string, options?: OperationOptions): Promise<RotateResult[]> {
    const ctx = this.#ctx
    return audited(
      ctx,
      {
        action: 'keys.rotate',
        resources: dataset === undefined ? [LAKE] : [datasetResource(dataset)],
      },
      async () => {
        if (dataset === undefined) await authorizeLake(ctx, 'manageKeys')
        else await authorizeDataset(ctx, dataset, 'manageKeys')
        return rotateKeys(ctx, dataset, options)
      },
      (rs) => ({
        resources: rs.flatMap((r) => [
          datasetResource(r.dataset),
          { type: 'key' as const, name: r.dataset, version: r.toKekVersion },
        ]),
      }),
    )
  }

  /** Which key version protects what. */
  keyStatus(): Promise<KeyStatus[]> {
    const ctx = this.#ctx
    return auditedLookup(ctx, { action: 'keys.status', resources: [LAKE] }, async () => {
      await authorizeLake(ctx, 'manageKeys')
      return keyStatus(ctx)
    })
  }

  /** Removes unreferenced objects. */
  gc(options?: GcOptions): Promise<GcResult> {
    const ctx = this.#ctx
    return audited(
      ctx,
      { action: 'lake.gc', resources: [LAKE] },
      async () => {
        await authorizeLake(ctx, 'admin')
        return gc(ctx, options)
      },
      (r) => ({ bytes: r.removedBytes }),
    )
  }

  /** Verifies every data file. */
  doctor(options?: OperationOptions): Promise<DoctorResult> {
    const ctx = this.#ctx
    return audited(
      ctx,
      { action: 'lake.doctor', resources: [LAKE] },
      async () => {
        await authorizeLake(ctx, 'admin')
        return doctor(ctx, options)
      },
      (r) => ({ bytes: r.bytesChecked }),
    )
  }

  /** Sets or clears (`null`) the description of a dataset, or of one column. */
  describe(dataset: string, text: string | null, options: { column?: string } = {}): Promise<void> {
    const ctx = this.#ctx
    return audited(
      ctx,
      { action: 'dataset.describe', resources: metadataResources(dataset, options.column) },
      async () => {
        await authorizeDataset(ctx, dataset, 'write')
        return setDescription(ctx, dataset, text, options.column)
      },
    )
  }

  /** Replaces the tags (`key` or `key=value`) of a dataset, or of one column. */
  tag(dataset: string, tags: readonly string[], options: { column?: string } = {}): Promise<void> {
    const ctx = this.#ctx
    return audited(
      ctx,
      { action: 'dataset.tag', resources: metadataResources(dataset, options.column) },
      async () => {
        // Tags decide access (LF-tags), so setting them is administration, not writing.
        await authorizeDataset(ctx, dataset, 'admin')
        return setTags(ctx, dataset, tags, options.column)
      },
    )
  }

  /** Classifies a column by hand; the manual entry outranks detection until replaced. */
  classify(dataset: string, options: ClassifyOptions): Promise<Classification[]> {
    const ctx = this.#ctx
    return audited(
      ctx,
      { action: 'dataset.classify', resources: metadataResources(dataset, options.column) },
      async () => {
        await authorizeDataset(ctx, dataset, 'admin')
        return classify(ctx, dataset, options)
      },
    )
  }

  /** Every classification recorded for a dataset (or a column), oldest first. */
  classificationHistory(dataset: string, column?: string): Promise<Classification[]> {
    const ctx = this.#ctx
    return auditedLookup(
      ctx,
      { action: 'dataset.classifications', resources: metadataResources(dataset, column) },
      async () => {
        await authorizeDataset(ctx, dataset, 'list')
        return classificationHistory(ctx, dataset, column)
      },
    )
  }

  /** Descriptions, tags and current classifications of a dataset. */
  metadata(dataset: string): Promise<DatasetMetadata> {
    const ctx = this.#ctx
    return auditedLookup(
      ctx,
      { action: 'dataset.show', resources: [datasetResource(dataset)] },
      async () => {
        await authorizeDataset(ctx, dataset, 'list')
        return datasetMetadata(ctx, dataset)
      },
    )
  }

  /**
   * Classifies the columns of a dataset from a sample of its rows (default 1,000) and
   * records the classifications and findings. With `reveal`, up to five matched values per
   * finding are returned (never stored); that is its own audited action,
   * `dataset.scan.reveal`, so who looked at sample values is on record.
   */
  scan(dataset: string, options: ScanOptions = {}): Promise<ScanReport> {
    const ctx = this.#ctx
    return audited(
      ctx,
      {
        action: options.reveal === true ? 'dataset.scan.reveal' : 'dataset.scan',
        resources: [datasetResource(dataset)],
      },
      () => scanDataset(ctx, dataset, options),
      (r) => ({ rows: r.rowsSampled }),
    )
  }

  /**
   * The discovery findings in force: per dataset, those of the newest scan of its current
   * version (counts, row numbers, redacted previews; never values).
   */
  findings(
    query: {
      dataset?: string
      minSensitivity?: 'low' | 'medium' | 'high'
      entityType?: string
      includeTestValues?: boolean
    } = {},
  ): Promise<NamedFinding[]> {
    const ctx = this.#ctx
    return auditedLookup(
      ctx,
      {
        action: 'findings.list',
        resources: query.dataset === undefined ? [] : [datasetResource(query.dataset)],
      },
      async () => {
        if (query.dataset !== undefined) {
          await authorizeDataset(ctx, query.dataset, 'list')
          return listFindings(ctx, query)
        }
        const visible = await listableDatasets(ctx)
        return (await listFindings(ctx, query)).filter((f) => visible.has(f.dataset))
      },
    )
  }

  /**
   * Sets a dataset's differential-privacy budget (total ε, and δ, default 0), creating it or
   * changing its totals while keeping what was spent. Totals may be lowered, but never below
   * what is spent (`ERR_DP_INVALID_PARAMETER`, nothing changes). Audited as `dp.budget.set`.
   */
  setPrivacyBudget(
    dataset: string,
    budget: { epsilon: RationalLike; delta?: RationalLike },
  ): Promise<PrivacyBudgetStatus> {
    const ctx = this.#ctx
    return audited(
      ctx,
      { action: 'dp.budget.set', resources: [datasetResource(dataset)] },
      async () => {
        await authorizeDataset(ctx, dataset, 'admin')
        return setPrivacyBudget(ctx, dataset, budget)
      },
    )
  }

  /**
   * A dataset's privacy budget: total, spent and remaining ε and δ, accumulated ρ and the
   * number of releases. `ERR_DP_BUDGET_EXCEEDED` when no budget is set.
   */
  privacyBudget(dataset: string): Promise<PrivacyBudgetStatus> {
    const ctx = this.#ctx
    return auditedLookup(
      ctx,
      { action: 'dp.budget.show', resources: [datasetResource(dataset)] },
      async () => {
        await authorizeDataset(ctx, dataset, 'list')
        return privacyBudgetStatus(ctx, dataset)
      },
    )
  }

  /** A dataset's privacy ledger, oldest first: who spent what, when; never a value. */
  privacyReleases(dataset: string): Promise<NamedPrivacyRelease[]> {
    const ctx = this.#ctx
    return auditedLookup(
      ctx,
      { action: 'dp.releases.list', resources: [datasetResource(dataset)] },
      async () => {
        await authorizeDataset(ctx, dataset, 'list')
        return listPrivacyReleases(ctx, dataset)
      },
    )
  }

  /**
   * A differentially private aggregate (count, sum, mean, histogram, quantile) of the
   * current version, charged to the dataset's privacy budget and recorded in its ledger.
   * Only the needed columns are read, through the one read path. A dataset without a
   * budget refuses (`ERR_DP_BUDGET_EXCEEDED`), as does one whose budget cannot pay.
   * Audited as `dataset.dp`; the event's purpose carries the charge, never a value or a
   * row count.
   */
  async dp(dataset: string, options: DpQueryOptions): Promise<DpQueryResult> {
    const ctx = this.#ctx
    // Decided before planning, so an unknown dataset and a denied one look alike.
    await guarded(ctx, { action: 'dataset.dp', resources: [datasetResource(dataset)] }, () =>
      authorizeDataset(ctx, dataset, 'read', { purpose: DP_PURPOSE }),
    )
    const plan = await planDpQuery(ctx, dataset, options)
    const purpose = dpAuditPurpose(plan)
    return audited(
      ctx,
      {
        action: 'dataset.dp',
        resources: [datasetResource(dataset)],
        ...(purpose === undefined ? {} : { purpose }),
      },
      () => runDpQuery(ctx, plan),
    )
  }

  /** Datasets by name or description text, owner, tag, classification or sensitivity. */
  search(query: SearchQuery): Promise<SearchHit[]> {
    const ctx = this.#ctx
    return auditedLookup(ctx, { action: 'dataset.search', resources: [LAKE] }, async () => {
      const visible = await listableDatasets(ctx)
      return (await searchDatasets(ctx, query)).filter((h) => visible.has(h.dataset))
    })
  }

  /**
   * Verifies the audit trail (hash chain, checkpoints, signatures) over a range of events.
   * The verification itself is then recorded.
   */
  async auditVerify(options: { from?: number; to?: number } = {}): Promise<VerifyResult> {
    const ctx = this.#ctx
    await auditedLookup(ctx, { action: 'audit.verify', resources: [AUDIT] }, () =>
      authorizeLake(ctx, 'admin'),
    )
    await this.#auditLog.flush()
    const result = await verifyAuditStore({
      store: this.#auditStore,
      publicKeyPem: this.#signer.publicKeyPem,
      ...(options.from === undefined ? {} : { from: options.from }),
      ...(options.to === undefined ? {} : { to: options.to }),
    })
    await auditedLookup(ctx, { action: 'audit.verify', resources: [AUDIT] }, () =>
      Promise.resolve(result),
    )
    return result
  }

  /** Audit events matching a filter, oldest first. */
  auditQuery(filter: AuditQuery = {}): Promise<AuditRecord[]> {
    const ctx = this.#ctx
    checkAuditQuery(filter)
    return auditedLookup(ctx, { action: 'audit.query', resources: [AUDIT] }, async () => {
      await authorizeLake(ctx, 'admin')
      await this.#auditLog.flush()
      return this.#auditStore.query(filter)
    })
  }

  /**
   * Writes the trail as JSONL (header with the public key, events, checkpoints) for
   * offline verification with `scripts/verify-audit-export.mjs`.
   */
  auditExport(
    out: (line: string) => Promise<void> | void,
    options: { from?: number; to?: number } = {},
  ): Promise<ExportAuditResult> {
    const ctx = this.#ctx
    return audited(ctx, { action: 'audit.export', resources: [AUDIT] }, async () => {
      await authorizeLake(ctx, 'admin')
      // A checkpoint now, so the export ends on a signed head.
      await this.#auditLog.checkpoint()
      return exportAudit(this.#auditStore, out, options)
    })
  }

  /** Writes a signed checkpoint over the events so far (none if nothing is new). */
  async auditCheckpoint(): Promise<AuditCheckpoint | undefined> {
    await this.#auditLog.flush()
    return this.#auditLog.checkpoint()
  }

  /** The audit signing key's public key (PEM) and id, for third-party verification. */
  auditPublicKey(): { keyId: string; publicKeyPem: string } {
    return { keyId: this.#signer.keyId, publicKeyPem: this.#signer.publicKeyPem }
  }

  /** The lineage graph around a dataset (or a file path). */
  lineage(name: string, options: LineageGraphOptions = {}): Promise<LineageGraph> {
    const ctx = this.#ctx
    return auditedLookup(
      ctx,
      { action: 'lineage.show', resources: [datasetOrFile(name)] },
      async () => {
        // A file's lineage can name any dataset, so it is the lake administrator's view.
        if (isDatasetName(name)) await authorizeDataset(ctx, name, 'list')
        else await authorizeLake(ctx, 'admin')
        return lineageGraph(ctx.catalog, name, options)
      },
    )
  }

  /**
   * Replays the recorded lineage (completed runs) as OpenLineage events to an HTTP
   * consumer such as Marquez (`POST /api/v1/lineage`), with retries and backoff.
   */
  emitLineage(url: string): Promise<{ events: number }> {
    const ctx = this.#ctx
    return audited(ctx, { action: 'lineage.emit', resources: [LAKE] }, async () => {
      await authorizeLake(ctx, 'admin')
      const datasets = await ctx.catalog.listDatasets()
      // Every run touches at least one dataset: its edges are found from the datasets' side.
      const byId = new Map<string, LineageEdge>()
      for (const d of datasets)
        for (const direction of ['upstream', 'downstream'] as const)
          for (const e of await ctx.catalog.listLineage({
            name: `${d.namespace}.${d.name}`,
            direction,
          }))
            byId.set(e.id, e)
      const edges = [...byId.values()]
      const events = runEventsFromEdges(edges, {
        lakeId: ctx.lineage.lakeId,
        datasetIds: new Map(datasets.map((d) => [`${d.namespace}.${d.name}`, d.id])),
      })
      const emitter = createHttpLineageEmitter({ url })
      try {
        for (const e of events) await emitter.emit(e)
      } finally {
        await emitter.close()
      }
      return { events: events.length }
    })
  }

  /**
   * The original values of `vault` tokens of a domain, one outcome per token (shredded and
   * unknown tokens say so). Audited as `vault.detokenize`; `authorize` runs before anything
   * is decrypted.
   */
  detokenize(options: DetokenizeOptions): Promise<DetokenizeResult> {
    return detokenize(this.#ctx, options)
  }

  /** Crypto-shreds one data subject of a token domain. Audited as `vault.forget`. */
  forgetSubject(options: ForgetSubjectOptions): Promise<ForgetSubjectResult> {
    return forgetSubject(this.#ctx, options)
  }

  /** Closes every backend and zeroes cached keys. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#ctx.keys.close()
    this.#ctx.discovery.close()
    await this.#ctx.lineage.emitter.close()
    await this.#ctx.engine.close()
    await this.#ctx.store.close()
    await this.#ctx.catalog.close()
    // Pending audit events are flushed before the key provider and the store go away.
    await this.#auditLog.close()
    await this.#auditStore.close()
    await this.#ctx.keyProvider.close()
  }
}

/**
 * Classifies the columns of a CSV, JSONL or Parquet file without ingesting it and without
 * a lake: the file is converted in memory and a sample of rows is scanned.
 */
export async function scanFile(
  path: string,
  options: ScanOptions & {
    format?: IngestFormat
    scratchDir?: string
    /** Discovery settings (custom identifiers, allow lists, …); the defaults when omitted. */
    discovery?: DiscoveryConfig
  } = {},
): Promise<ScanReport> {
  const engine = await createDuckDbEngine({
    scratchDir: options.scratchDir ?? '/dev/shm',
    threads: 1,
  })
  const discovery = createDiscoveryEngine(options.discovery)
  try {
    return await scanFileWith(engine, discovery, path, {
      ...(options.format === undefined ? {} : { format: options.format }),
      ...(options.sample === undefined ? {} : { sample: options.sample }),
      ...(options.reveal === undefined ? {} : { reveal: options.reveal }),
    })
  } finally {
    discovery.close()
    await engine.close()
  }
}

/**
 * Opens an existing lake.
 *
 * @throws StrongroomError `ERR_LAKE_NOT_INITIALIZED`, `ERR_KEYS_BAD_PASSPHRASE`, …
 */
export async function createStrongroom(options: StrongroomOptions): Promise<Strongroom> {
  const root = resolve(options.root)
  const config = await loadLakeConfig(root)
  return new Strongroom(await wire(config, options))
}

/**
 * Creates a new lake in `root` (an empty or missing folder) and opens it: writes
 * `strongroom.yaml`, creates the keyring (local provider) and the catalog.
 *
 * @throws StrongroomError `ERR_LAKE_ALREADY_INITIALIZED`, `ERR_KEYS_NO_PASSPHRASE`
 */
export async function initStrongroom(options: InitOptions): Promise<Strongroom> {
  const root = resolve(options.root)
  const exists = await stat(join(root, CONFIG_FILE)).then(
    () => true,
    () => false,
  )
  if (exists)
    throw new StrongroomError(
      'ERR_LAKE_ALREADY_INITIALIZED',
      'A lake already exists in this folder',
      {
        hint: 'Open it instead, or choose an empty folder.',
      },
    )
  const config: LakeConfig = { ...defaultLakeConfig(root), ...options.config, root }
  await mkdir(root, { recursive: true, mode: 0o700 })
  await chmod(root, 0o700)
  if (config.keyProvider.kind === 'local') {
    const { initLocalKeyring } = await import('./keys/local/local-key-provider.js')
    await initLocalKeyring({
      path: config.keyProvider.path,
      passphrase: passphraseOf(options),
      ...(options.kdfLogN === undefined ? {} : { kdf: { N: 2 ** options.kdfLogN } }),
    })
  }
  await writeFile(join(root, CONFIG_FILE), configToYaml(config), { mode: 0o600, flag: 'wx' })
  const wired = await wire(await loadLakeConfig(root), options)
  await auditedLookup(wired.ctx, { action: 'lake.init', resources: [LAKE] }, async () => {
    // The one who creates a lake is its first principal, and so its first administrator.
    await addPrincipal(wired.ctx, wired.ctx.principal, {
      clearance: 'high',
      region: config.access.region,
    })
  }).catch(async (e: unknown) => {
    await new Strongroom(wired).close()
    throw e
  })
  return new Strongroom(wired)
}
