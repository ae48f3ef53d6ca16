/**
 * `strongroom.yaml`: which backends a lake uses. It holds no secrets: the passphrase
 * comes from `STRONGROOM_PASSPHRASE` (or the caller), the PKCS#11 PIN from the variable
 * the config names, database passwords from the connection URL's environment variable.
 */
import {
  DEFAULT_DISCOVERY_CONFIG,
  parseDiscoveryConfig,
  type DiscoveryConfig,
} from '../discovery/discovery-config.js'
import { readFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { parse } from 'yaml'
import { StrongroomError, type ErrorIssue } from '../errors.js'

/** Catalog backend settings. */
export type CatalogConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string }

/** Audit store backend settings. */
export type AuditConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string }

/** Object store backend settings. */
export type ObjectStoreConfig =
  | { readonly kind: 'fs'; readonly path: string }
  | {
      readonly kind: 's3'
      readonly bucket: string
      readonly prefix?: string
      readonly endpoint?: string
      readonly region?: string
      readonly forcePathStyle?: boolean
    }

/** Key provider settings. */
export type KeyProviderConfig =
  | { readonly kind: 'local'; readonly path: string }
  | {
      readonly kind: 'pkcs11'
      readonly module: string
      readonly tokenLabel: string
      readonly keyLabel: string
      /** Name of the environment variable holding the user PIN. */
      readonly pinEnv: string
    }

/** Lineage settings. */
export interface LineageConfig {
  /** An OpenLineage HTTP endpoint (e.g. Marquez `http://host:5000/api/v1/lineage`). */
  readonly url?: string
}

/** Processing engine settings. */
export interface EngineConfig {
  /** A tmpfs folder for anonymous in-memory files (never a disk folder). */
  readonly scratchDir: string
  /** Input bytes per data file chunk. */
  readonly chunkBytes: number
  /**
   * DuckDB worker threads. Ingest already converts two chunks at once, each on its own
   * thread, so 1 (the default) keeps both cores busy with the least memory.
   */
  readonly threads: number
}

/** Access-control settings (`access:`). */
export interface AccessConfig {
  /**
   * Where this lake and its local exports live (`eu`, `us-east-1`). A dataset without a
   * `region=` tag is in this region, and a local export's destination is this region.
   * Empty: undeclared.
   */
  readonly region: string
}

/** A lake's resolved configuration (paths absolute). */
export interface LakeConfig {
  readonly root: string
  readonly catalog: CatalogConfig
  readonly objectStore: ObjectStoreConfig
  readonly keyProvider: KeyProviderConfig
  readonly audit: AuditConfig
  readonly lineage: LineageConfig
  readonly engine: EngineConfig
  /** Discovery settings: custom identifiers, allow lists, overrides (`discovery:`). */
  readonly discovery: DiscoveryConfig
  /** Access-control settings (`access:`). */
  readonly access: AccessConfig
}

/** The file name of a lake's configuration, in its root folder. */
export const CONFIG_FILE = 'strongroom.yaml'

/** The configuration a new embedded lake gets: SQLite, a local folder, a keyring. */
export function defaultLakeConfig(root: string): LakeConfig {
  return {
    root,
    catalog: { kind: 'sqlite', path: join(root, 'catalog.db') },
    objectStore: { kind: 'fs', path: join(root, 'objects') },
    keyProvider: { kind: 'local', path: join(root, 'keyring.json') },
    audit: { kind: 'sqlite', path: join(root, 'audit.db') },
    lineage: {},
    engine: { scratchDir: '/dev/shm', chunkBytes: 16 * 1024 * 1024, threads: 1 },
    discovery: DEFAULT_DISCOVERY_CONFIG,
    access: { region: '' },
  }
}

/** Serializes a config to YAML with paths relative to the root where possible. */
export function configToYaml(config: LakeConfig): string {
  const rel = (p: string): string =>
    p.startsWith(config.root + '/') ? p.slice(config.root.length + 1) : p
  const lines = [
    '# Strongroom lake configuration. No secrets here: see README, "Configuration".',
    'version: 1',
  ]
  const c = config.catalog
  lines.push('catalog:', `  kind: ${c.kind}`)
  if (c.kind === 'sqlite') lines.push(`  path: ${JSON.stringify(rel(c.path))}`)
  else {
    lines.push(`  url: ${JSON.stringify(c.url)}`)
    if (c.schema !== undefined) lines.push(`  schema: ${c.schema}`)
  }
  const o = config.objectStore
  lines.push('objectStore:', `  kind: ${o.kind}`)
  if (o.kind === 'fs') lines.push(`  path: ${JSON.stringify(rel(o.path))}`)
  else {
    lines.push(`  bucket: ${JSON.stringify(o.bucket)}`)
    if (o.prefix !== undefined) lines.push(`  prefix: ${JSON.stringify(o.prefix)}`)
    if (o.endpoint !== undefined) lines.push(`  endpoint: ${JSON.stringify(o.endpoint)}`)
    if (o.region !== undefined) lines.push(`  region: ${JSON.stringify(o.region)}`)
    if (o.forcePathStyle !== undefined) lines.push(`  forcePathStyle: ${o.forcePathStyle}`)
  }
  const k = config.keyProvider
  lines.push('keyProvider:', `  kind: ${k.kind}`)
  if (k.kind === 'local') lines.push(`  path: ${JSON.stringify(rel(k.path))}`)
  else
    lines.push(
      `  module: ${JSON.stringify(k.module)}`,
      `  tokenLabel: ${JSON.stringify(k.tokenLabel)}`,
      `  keyLabel: ${JSON.stringify(k.keyLabel)}`,
      `  pinEnv: ${k.pinEnv}`,
    )
  const a = config.audit
  lines.push('audit:', `  kind: ${a.kind}`)
  if (a.kind === 'sqlite') lines.push(`  path: ${JSON.stringify(rel(a.path))}`)
  else {
    lines.push(`  url: ${JSON.stringify(a.url)}`)
    if (a.schema !== undefined) lines.push(`  schema: ${a.schema}`)
  }
  if (config.lineage.url !== undefined)
    lines.push('lineage:', `  url: ${JSON.stringify(config.lineage.url)}`)
  lines.push(
    'engine:',
    `  scratchDir: ${JSON.stringify(config.engine.scratchDir)}`,
    `  chunkBytes: ${config.engine.chunkBytes}`,
    `  threads: ${config.engine.threads}`,
  )
  if (config.access.region !== '') lines.push('access:', `  region: ${config.access.region}`)
  return lines.join('\n') + '\n'
}

type Obj = Record<string, unknown>

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Validates a parsed configuration document, collecting every problem.
 *
 * @throws StrongroomError `ERR_CONFIG_INVALID` with one issue per problem
 */
export function validateLakeConfig(root: string, doc: unknown): LakeConfig {
  const issues: ErrorIssue[] = []
  const bad = (path: string, message: string): void => {
    issues.push({ code: 'ERR_CONFIG_INVALID', path, message })
  }
  const abs = (p: string): string => (isAbsolute(p) ? p : join(root, p))
  const str = (o: Obj, key: string, path: string, required = true): string | undefined => {
    const v = o[key]
    if (v === undefined) {
      if (required) bad(`${path}.${key}`, 'is required')
      return undefined
    }
    if (typeof v !== 'string' || v.length === 0) {
      bad(`${path}.${key}`, 'must be a non-empty string')
      return undefined
    }
    return v
  }
  const defaults = defaultLakeConfig(root)
  if (!isObj(doc)) {
    bad('$', 'must be a mapping')
    throw new StrongroomError('ERR_CONFIG_INVALID', 'Configuration is invalid', { issues })
  }
  if (doc['version'] !== 1) bad('version', 'must be 1')
  const known = new Set([
    'version',
    'catalog',
    'objectStore',
    'keyProvider',
    'audit',
    'lineage',
    'engine',
    'discovery',
    'access',
  ])
  for (const k of Object.keys(doc)) if (!known.has(k)) bad(k, 'is not a known setting')

  let catalog: CatalogConfig = defaults.catalog
  const c = doc['catalog']
  if (c !== undefined) {
    if (!isObj(c)) bad('catalog', 'must be a mapping')
    else if (c['kind'] === 'sqlite')
      catalog = { kind: 'sqlite', path: abs(str(c, 'path', 'catalog') ?? 'catalog.db') }
    else if (c['kind'] === 'postgres') {
      const url = str(c, 'url', 'catalog') ?? ''
      const schema = str(c, 'schema', 'catalog', false)
      if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
        bad('catalog.schema', 'must be a lowercase identifier')
      catalog = {
        kind: 'postgres',
        url: expandEnv(url, 'catalog.url', bad),
        ...(schema === undefined ? {} : { schema }),
      }
    } else bad('catalog.kind', 'must be sqlite or postgres')
  }

  let objectStore: ObjectStoreConfig = defaults.objectStore
  const o = doc['objectStore']
  if (o !== undefined) {
    if (!isObj(o)) bad('objectStore', 'must be a mapping')
    else if (o['kind'] === 'fs')
      objectStore = { kind: 'fs', path: abs(str(o, 'path', 'objectStore') ?? 'objects') }
    else if (o['kind'] === 's3') {
      const bucket = str(o, 'bucket', 'objectStore') ?? ''
      const prefix = str(o, 'prefix', 'objectStore', false)
      const endpoint = str(o, 'endpoint', 'objectStore', false)
      const region = str(o, 'region', 'objectStore', false)
      const fps = o['forcePathStyle']
      if (fps !== undefined && typeof fps !== 'boolean')
        bad('objectStore.forcePathStyle', 'must be true or false')
      objectStore = {
        kind: 's3',
        bucket,
        ...(prefix === undefined ? {} : { prefix }),
        ...(endpoint === undefined ? {} : { endpoint }),
        ...(region === undefined ? {} : { region }),
        ...(typeof fps === 'boolean' ? { forcePathStyle: fps } : {}),
      }
    } else bad('objectStore.kind', 'must be fs or s3')
  }

  let keyProvider: KeyProviderConfig = defaults.keyProvider
  const k = doc['keyProvider']
  if (k !== undefined) {
    if (!isObj(k)) bad('keyProvider', 'must be a mapping')
    else if (k['kind'] === 'local')
      keyProvider = { kind: 'local', path: abs(str(k, 'path', 'keyProvider') ?? 'keyring.json') }
    else if (k['kind'] === 'pkcs11') {
      keyProvider = {
        kind: 'pkcs11',
        module: str(k, 'module', 'keyProvider') ?? '',
        tokenLabel: str(k, 'tokenLabel', 'keyProvider') ?? '',
        keyLabel: str(k, 'keyLabel', 'keyProvider') ?? '',
        pinEnv: str(k, 'pinEnv', 'keyProvider') ?? '',
      }
    } else bad('keyProvider.kind', 'must be local or pkcs11')
  }

  let audit: AuditConfig = defaults.audit
  const au = doc['audit']
  if (au !== undefined) {
    if (!isObj(au)) bad('audit', 'must be a mapping')
    else if (au['kind'] === 'sqlite')
      audit = { kind: 'sqlite', path: abs(str(au, 'path', 'audit') ?? 'audit.db') }
    else if (au['kind'] === 'postgres') {
      const url = str(au, 'url', 'audit') ?? ''
      const schema = str(au, 'schema', 'audit', false)
      if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
        bad('audit.schema', 'must be a lowercase identifier')
      audit = {
        kind: 'postgres',
        url: expandEnv(url, 'audit.url', bad),
        ...(schema === undefined ? {} : { schema }),
      }
    } else bad('audit.kind', 'must be sqlite or postgres')
  }

  let lineage: LineageConfig = defaults.lineage
  const li = doc['lineage']
  if (li !== undefined) {
    if (!isObj(li)) bad('lineage', 'must be a mapping')
    else {
      const url = str(li, 'url', 'lineage', false)
      if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url))
        bad('lineage.url', 'must be an http(s) URL')
      lineage = url === undefined ? {} : { url: expandEnv(url, 'lineage.url', bad) }
    }
  }

  let engine: EngineConfig = defaults.engine
  const e = doc['engine']
  if (e !== undefined) {
    if (!isObj(e)) bad('engine', 'must be a mapping')
    else {
      const scratchDir = str(e, 'scratchDir', 'engine', false) ?? defaults.engine.scratchDir
      const cb = e['chunkBytes']
      let chunkBytes = defaults.engine.chunkBytes
      if (cb !== undefined) {
        if (typeof cb !== 'number' || !Number.isInteger(cb) || cb < 64 * 1024 || cb > 1024 ** 3)
          bad('engine.chunkBytes', 'must be an integer from 65536 to 1073741824')
        else chunkBytes = cb
      }
      const th = e['threads']
      let threads = defaults.engine.threads
      if (th !== undefined) {
        if (typeof th !== 'number' || !Number.isInteger(th) || th < 1 || th > 256)
          bad('engine.threads', 'must be an integer from 1 to 256')
        else threads = th
      }
      engine = { scratchDir, chunkBytes, threads }
    }
  }
  let access: AccessConfig = defaults.access
  const ac = doc['access']
  if (ac !== undefined) {
    if (!isObj(ac)) bad('access', 'must be a mapping')
    else {
      for (const key of Object.keys(ac))
        if (key !== 'region') bad(`access.${key}`, 'is not a known setting')
      const region = str(ac, 'region', 'access', false) ?? ''
      if (!/^(?:[a-z][a-z0-9-]{0,63})?$/.test(region))
        bad('access.region', 'must be a lowercase region name such as eu or us-east-1')
      access = { region }
    }
  }
  const parsed = parseDiscoveryConfig(doc['discovery'])
  issues.push(...parsed.issues)
  const discovery = parsed.config
  if (issues.length > 0)
    throw new StrongroomError(
      'ERR_CONFIG_INVALID',
      `Configuration is invalid (${issues.length} problem(s))`,
      {
        issues,
        hint: `Fix ${CONFIG_FILE}; every problem is listed.`,
      },
    )
  return { root, catalog, objectStore, keyProvider, audit, lineage, engine, discovery, access }
}

/** Replaces `${NAME}` with environment variables, so secrets stay out of the file. */
function expandEnv(value: string, path: string, bad: (p: string, m: string) => void): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_m, name: string) => {
    const v = process.env[name]
    if (v === undefined) {
      bad(path, `refers to environment variable ${name}, which is not set`)
      return ''
    }
    return v
  })
}

/**
 * Loads `<root>/strongroom.yaml`.
 *
 * @throws StrongroomError `ERR_LAKE_NOT_INITIALIZED` when absent, `ERR_CONFIG_INVALID`
 */
export async function loadLakeConfig(root: string): Promise<LakeConfig> {
  let text: string
  try {
    text = await readFile(join(root, CONFIG_FILE), 'utf8')
  } catch (cause) {
    throw new StrongroomError(
      'ERR_LAKE_NOT_INITIALIZED',
      'No lake here: configuration file is missing',
      {
        cause,
        hint: 'Run `strongroom init` first, or point --lake / STRONGROOM_LAKE at an existing lake.',
        details: { file: CONFIG_FILE },
      },
    )
  }
  let doc: unknown
  try {
    doc = parse(text)
  } catch (cause) {
    throw new StrongroomError('ERR_CONFIG_INVALID', 'Configuration is not valid YAML', {
      cause,
      issues: [{ code: 'ERR_CONFIG_INVALID', path: '$', message: 'not valid YAML' }],
    })
  }
  return validateLakeConfig(root, doc)
}
