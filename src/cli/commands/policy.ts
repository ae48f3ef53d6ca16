/**
 * `policy validate|explain|simulate`: checks policy files against the Cedar schema, explains
 * one decision, and replays a matrix of expected decisions (for CI). No lake is needed: the
 * principals and datasets come from an entities file, and only decisions are printed.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { parse as parseYaml } from 'yaml'
import {
  ACTIONS,
  COLUMN_ACTIONS,
  DEFAULT_POLICIES,
  LEVELS,
  PolicyEngine,
  isActionName,
  type ColumnInfo,
  type DatasetInfo,
  type Explanation,
  type PolicySource,
  type PrincipalInfo,
  type Sensitivity,
} from '../../access/index.js'
import { isDatasetName } from '../../core/names.js'
import { StrongroomError, isStrongroomError, type ErrorIssue } from '../../errors.js'
import { EXIT } from '../exit-codes.js'
import { table } from '../output.js'
import type { CliContext } from './context.js'

/** Principals and datasets by id, as an entities file declares them. */
export interface PolicyEntities {
  readonly principals: ReadonlyMap<string, PrincipalInfo>
  readonly datasets: ReadonlyMap<string, DatasetInfo>
}

/** A parsed `dataset:NS.NAME` or `column:NS.NAME.COLUMN`. */
export interface ResourceRef {
  readonly dataset: string
  readonly column?: string
}

/** The outcomes a simulated request may expect. */
export const EXPECTATIONS = ['allow', 'deny', 'plaintext', 'masked', 'hidden'] as const

/** One expected outcome. */
export type Expectation = (typeof EXPECTATIONS)[number]

/** One request of a simulation matrix. */
export interface SimulatedRequest {
  readonly as: string
  readonly action: string
  readonly resource: string
  readonly purpose?: string
  readonly destinationRegion?: string
  readonly expect: Expectation
}

/** The outcome of one simulated request. */
export interface SimulationRow extends SimulatedRequest {
  readonly got: Expectation
  readonly ok: boolean
  readonly policies: readonly string[]
}

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0

/** Collects problems with a path each, so a file is reported whole rather than one at a time. */
class Issues {
  readonly list: ErrorIssue[] = []
  add(path: string, message: string): void {
    this.list.push({ code: 'ERR_CONFIG_INVALID', path, message })
  }
  /** Flags fields outside `allowed`: a misspelt field would otherwise be silently ignored. */
  unknownKeys(obj: Json, allowed: readonly string[], path: string): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) this.add(`${path}.${k}`, 'unknown field')
    }
  }
  throwIfAny(what: string): void {
    if (this.list.length > 0) {
      const n = this.list.length
      throw new StrongroomError(
        'ERR_CONFIG_INVALID',
        `the ${what} is invalid: ${n} problem${n === 1 ? '' : 's'}`,
        { issues: this.list, hint: 'fix every listed field; see docs/access.md' },
      )
    }
  }
}

function stringList(v: unknown, path: string, issues: Issues): string[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v) || !v.every(isString)) {
    issues.add(path, 'must be a list of non-empty strings')
    return []
  }
  return v
}

function level(v: unknown, path: string, issues: Issues): Sensitivity | number | undefined {
  if (typeof v === 'string' && (LEVELS as readonly string[]).includes(v)) return v as Sensitivity
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < LEVELS.length) return v
  issues.add(path, `must be one of ${LEVELS.join(', ')} (or 0..${LEVELS.length - 1})`)
  return undefined
}

function textLevel(v: unknown, path: string, issues: Issues): Sensitivity | undefined {
  if (v === undefined) return undefined
  const l = level(v, path, issues)
  return typeof l === 'number' ? LEVELS[l] : l
}

function requiredString(obj: Json, key: string, path: string, issues: Issues): string {
  const v = obj[key]
  if (!isString(v)) {
    issues.add(`${path}.${key}`, 'is required and must be a non-empty string')
    return ''
  }
  return v
}

function principalOf(v: unknown, path: string, issues: Issues): PrincipalInfo | undefined {
  if (!isObject(v)) {
    issues.add(path, 'must be a mapping')
    return undefined
  }
  issues.unknownKeys(v, ['id', 'roles', 'clearance', 'region', 'mfa'], path)
  const id = requiredString(v, 'id', path, issues)
  const roles = stringList(v['roles'], `${path}.roles`, issues)
  const clearance = level(v['clearance'], `${path}.clearance`, issues)
  const region = requiredString(v, 'region', path, issues)
  const mfa = v['mfa'] ?? false
  if (typeof mfa !== 'boolean') issues.add(`${path}.mfa`, 'must be true or false')
  if (clearance === undefined || typeof mfa !== 'boolean') return undefined
  return { id, roles, clearance, region, mfa }
}

function columnOf(v: unknown, path: string, issues: Issues): ColumnInfo | undefined {
  if (!isObject(v)) {
    issues.add(path, 'must be a mapping')
    return undefined
  }
  issues.unknownKeys(v, ['name', 'tags', 'classification', 'sensitivity', 'pii'], path)
  const name = requiredString(v, 'name', path, issues)
  const tags = stringList(v['tags'], `${path}.tags`, issues)
  const classification = v['classification'] ?? null
  if (classification !== null && !isString(classification)) {
    issues.add(`${path}.classification`, 'must be an entity type such as EMAIL_ADDRESS')
  }
  const sensitivity = textLevel(v['sensitivity'], `${path}.sensitivity`, issues)
  const pii = v['pii']
  if (pii !== undefined && typeof pii !== 'boolean') issues.add(`${path}.pii`, 'must be a boolean')
  return {
    name,
    tags,
    classification: isString(classification) ? classification : null,
    ...(sensitivity === undefined ? {} : { sensitivity }),
    ...(typeof pii === 'boolean' ? { pii } : {}),
  }
}

function datasetOf(v: unknown, path: string, issues: Issues): DatasetInfo | undefined {
  if (!isObject(v)) {
    issues.add(path, 'must be a mapping')
    return undefined
  }
  issues.unknownKeys(
    v,
    ['name', 'owner', 'region', 'tags', 'sensitivity', 'purposes', 'columns'],
    path,
  )
  const name = requiredString(v, 'name', path, issues)
  if (name !== '' && !isDatasetName(name)) {
    issues.add(`${path}.name`, 'must be a dataset name NAMESPACE.NAME')
  }
  const owner = requiredString(v, 'owner', path, issues)
  const region = requiredString(v, 'region', path, issues)
  const tags = stringList(v['tags'], `${path}.tags`, issues)
  const sensitivity = textLevel(v['sensitivity'], `${path}.sensitivity`, issues)
  const purposes = stringList(v['purposes'], `${path}.purposes`, issues)
  const rawColumns = v['columns'] ?? []
  const columns: ColumnInfo[] = []
  if (!Array.isArray(rawColumns)) {
    issues.add(`${path}.columns`, 'must be a list of columns')
  } else {
    const seen = new Set<string>()
    rawColumns.forEach((c, i) => {
      const col = columnOf(c, `${path}.columns[${i}]`, issues)
      if (col === undefined) return
      if (seen.has(col.name)) issues.add(`${path}.columns[${i}].name`, 'duplicate column name')
      seen.add(col.name)
      columns.push(col)
    })
  }
  return {
    id: name,
    owner,
    region,
    tags,
    purposes,
    columns,
    ...(sensitivity === undefined ? {} : { sensitivity }),
  }
}

/**
 * Maps an entities document (`principals:` and `datasets:`) onto the model types. Throws
 * `ERR_CONFIG_INVALID` listing every problem with its path; `prefix` roots the paths (e.g.
 * `entities` when the document is nested in a simulation file).
 */
export function parseEntities(doc: unknown, prefix = ''): PolicyEntities {
  const issues = new Issues()
  const at = (p: string): string => (prefix === '' ? p : `${prefix}.${p}`)
  const principals = new Map<string, PrincipalInfo>()
  const datasets = new Map<string, DatasetInfo>()
  if (!isObject(doc)) {
    issues.add(prefix === '' ? '$' : prefix, 'must be a mapping with principals and datasets')
    issues.throwIfAny('entities file')
    return { principals, datasets }
  }
  issues.unknownKeys(doc, ['principals', 'datasets'], prefix === '' ? '$' : prefix)
  const list = (key: string): unknown[] => {
    const v = doc[key] ?? []
    if (Array.isArray(v)) return v
    issues.add(at(key), 'must be a list')
    return []
  }
  list('principals').forEach((raw, i) => {
    const p = principalOf(raw, at(`principals[${i}]`), issues)
    if (p === undefined) return
    if (principals.has(p.id)) issues.add(at(`principals[${i}].id`), 'duplicate principal id')
    principals.set(p.id, p)
  })
  list('datasets').forEach((raw, i) => {
    const d = datasetOf(raw, at(`datasets[${i}]`), issues)
    if (d === undefined) return
    if (datasets.has(d.id)) issues.add(at(`datasets[${i}].name`), 'duplicate dataset name')
    datasets.set(d.id, d)
  })
  issues.throwIfAny('entities file')
  return { principals, datasets }
}

/** Parses `dataset:NS.NAME` or `column:NS.NAME.COLUMN`; undefined when malformed. */
export function parseResource(text: string): ResourceRef | undefined {
  const colon = text.indexOf(':')
  if (colon < 0) return undefined
  const kind = text.slice(0, colon)
  const parts = text.slice(colon + 1).split('.')
  if (parts.length < 2) return undefined
  const dataset = `${parts[0] ?? ''}.${parts[1] ?? ''}`
  if (!isDatasetName(dataset)) return undefined
  if (kind === 'dataset' && parts.length === 2) return { dataset }
  // A column name may itself hold dots: everything after the dataset name is the column.
  const column = parts.slice(2).join('.')
  if (kind === 'column' && column.length > 0) return { dataset, column }
  return undefined
}

async function readDoc(file: string, what: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    throw new StrongroomError('ERR_INPUT_NOT_FOUND', `the ${what} cannot be read`, {
      details: { file },
    })
  }
  try {
    // YAML is a superset of JSON, so one parser takes both.
    return parseYaml(text) as unknown
  } catch (e) {
    throw new StrongroomError('ERR_CONFIG_INVALID', `the ${what} is not valid YAML or JSON`, {
      cause: e,
      details: { file },
    })
  }
}

/** Loads an entities file (YAML or JSON). */
export async function loadEntities(file: string): Promise<PolicyEntities> {
  return parseEntities(await readDoc(file, 'entities file'))
}

/** Reads policy files: every `*.cedar` of a folder (sorted), or the files given. */
export async function loadPolicyFiles(paths: readonly string[]): Promise<PolicySource[]> {
  const sources: PolicySource[] = []
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined)
    if (info === undefined) {
      throw new StrongroomError('ERR_INPUT_NOT_FOUND', 'a policy file or folder does not exist', {
        details: { path },
      })
    }
    const files = info.isDirectory()
      ? (await readdir(path))
          .filter((f) => f.endsWith('.cedar'))
          .sort()
          .map((f) => join(path, f))
      : [path]
    for (const file of files) sources.push({ name: file, text: await readFile(file, 'utf8') })
  }
  return sources
}

/** The `@id`s a policy text declares, to name the file of a policy in schema errors. */
function declaredIds(text: string): string[] {
  return [...text.matchAll(/@id\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)/g)].map((m) => m[1] ?? '')
}

/**
 * Builds an engine over the shipped defaults (unless `defaults` is false) and the user files.
 * Schema errors name a policy id only; the file holding that id is added to the issue path.
 */
export async function buildEngine(
  paths: readonly string[],
  defaults = true,
): Promise<PolicyEngine> {
  const user = await loadPolicyFiles(paths)
  const sources: PolicySource[] = [...(defaults ? DEFAULT_POLICIES : []), ...user]
  try {
    return PolicyEngine.create({ policies: sources, version: 'cli', cacheSize: 1_000 })
  } catch (e) {
    if (!isStrongroomError(e, 'ERR_AUTHZ_POLICY_INVALID') || e.issues.length === 0) throw e
    const fileOf = new Map<string, string>()
    for (const s of sources) for (const id of declaredIds(s.text)) fileOf.set(id, s.name)
    const issues = e.issues.map((i) => {
      const file = fileOf.get(i.path)
      return file === undefined ? i : { ...i, path: `${file} (${i.path})` }
    })
    throw new StrongroomError(e.code, e.message, {
      issues,
      ...(e.hint === undefined ? {} : { hint: e.hint }),
    })
  }
}

function findParties(
  entities: PolicyEntities,
  as: string,
  resource: string,
): { principal: PrincipalInfo; dataset: DatasetInfo; ref: ResourceRef } {
  const principal = entities.principals.get(as)
  if (principal === undefined) {
    throw new StrongroomError(
      'ERR_AUTHZ_UNKNOWN_PRINCIPAL',
      'the entities file declares no such principal',
      { details: { principal: as.slice(0, 128) } },
    )
  }
  const ref = parseResource(resource)
  if (ref === undefined) {
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'the resource is malformed', {
      hint: 'write dataset:NS.NAME or column:NS.NAME.COLUMN',
    })
  }
  const dataset = entities.datasets.get(ref.dataset)
  if (dataset === undefined) {
    throw new StrongroomError(
      'ERR_AUTHZ_UNKNOWN_RESOURCE',
      'the entities file declares no such dataset',
      { details: { dataset: ref.dataset } },
    )
  }
  return { principal, dataset, ref }
}

/** Checks a simulation matrix whole, against the entities, listing every problem. */
export function parseMatrix(doc: unknown, entities: PolicyEntities): SimulatedRequest[] {
  const issues = new Issues()
  const raw = isObject(doc) ? doc['requests'] : undefined
  if (!Array.isArray(raw) || raw.length === 0) {
    issues.add('requests', 'must be a non-empty list of requests')
    issues.throwIfAny('simulation file')
    return []
  }
  const out: SimulatedRequest[] = []
  raw.forEach((r, i) => {
    const path = `requests[${i}]`
    if (!isObject(r)) {
      issues.add(path, 'must be a mapping')
      return
    }
    const before = issues.list.length
    issues.unknownKeys(
      r,
      ['as', 'action', 'resource', 'purpose', 'destinationRegion', 'expect'],
      path,
    )
    const as = requiredString(r, 'as', path, issues)
    if (as !== '' && !entities.principals.has(as)) {
      issues.add(`${path}.as`, 'no principal with this id in the entities')
    }
    const action = requiredString(r, 'action', path, issues)
    if (action !== '' && !isActionName(action)) {
      issues.add(`${path}.action`, `must be one of ${ACTIONS.join(', ')}`)
    }
    const resource = requiredString(r, 'resource', path, issues)
    const ref = resource === '' ? undefined : parseResource(resource)
    if (resource !== '' && ref === undefined) {
      issues.add(`${path}.resource`, 'must be dataset:NS.NAME or column:NS.NAME.COLUMN')
    }
    const dataset = ref === undefined ? undefined : entities.datasets.get(ref.dataset)
    if (ref !== undefined && dataset === undefined) {
      issues.add(`${path}.resource`, 'no dataset with this name in the entities')
    }
    if (ref?.column !== undefined && dataset !== undefined) {
      if (!dataset.columns.some((c) => c.name === ref.column)) {
        issues.add(`${path}.resource`, 'the dataset has no such column')
      }
      if (isActionName(action) && !COLUMN_ACTIONS.has(action)) {
        issues.add(`${path}.action`, 'this action applies to whole datasets only')
      }
    }
    for (const key of ['purpose', 'destinationRegion'] as const) {
      if (r[key] !== undefined && !isString(r[key])) {
        issues.add(`${path}.${key}`, 'must be a non-empty string')
      }
    }
    if (action === 'export' && !isString(r['destinationRegion'])) {
      issues.add(`${path}.destinationRegion`, 'export needs a destination region')
    }
    const expect = r['expect']
    if (!(EXPECTATIONS as readonly unknown[]).includes(expect)) {
      issues.add(`${path}.expect`, `must be one of ${EXPECTATIONS.join(', ')}`)
    } else if (
      expect !== 'allow' &&
      expect !== 'deny' &&
      !(action === 'read' && ref?.column !== undefined)
    ) {
      issues.add(`${path}.expect`, 'plaintext, masked and hidden apply to read on a column')
    }
    if (issues.list.length > before) return
    out.push({
      as,
      action,
      resource,
      expect: expect as Expectation,
      ...(isString(r['purpose']) ? { purpose: r['purpose'] } : {}),
      ...(isString(r['destinationRegion']) ? { destinationRegion: r['destinationRegion'] } : {}),
    })
  })
  issues.throwIfAny('simulation file')
  return out
}

/** Evaluates one request: a decision, or for an access expectation the column's read plan. */
export function simulateOne(
  engine: PolicyEngine,
  entities: PolicyEntities,
  req: SimulatedRequest,
): SimulationRow {
  const { principal, dataset, ref } = findParties(entities, req.as, req.resource)
  let got: Expectation
  let policies: readonly string[]
  if (req.expect === 'allow' || req.expect === 'deny') {
    const r = engine.authorize({
      principal,
      action: req.action,
      resource: ref.column === undefined ? { dataset } : { dataset, column: ref.column },
      context: {
        ...(req.purpose === undefined ? {} : { purpose: req.purpose }),
        ...(req.destinationRegion === undefined
          ? {}
          : { destinationRegion: req.destinationRegion }),
      },
    })
    got = r.decision
    policies = r.policies
  } else {
    const plan = engine.planColumns({
      principal,
      dataset,
      columns: [ref.column ?? ''],
      ...(req.purpose === undefined ? {} : { purpose: req.purpose }),
    })
    const col = plan.columns[0]
    got = col?.access ?? 'hidden'
    policies = col?.policies ?? []
  }
  return { ...req, got, ok: got === req.expect, policies }
}

function requestLabel(r: SimulatedRequest): string {
  const ctx = [
    r.purpose === undefined ? '' : `purpose=${r.purpose}`,
    r.destinationRegion === undefined ? '' : `to=${r.destinationRegion}`,
  ].filter((s) => s !== '')
  return `${r.as} ${r.action} ${r.resource}${ctx.length === 0 ? '' : ` (${ctx.join(', ')})`}`
}

/** Registers `policy validate`, `policy explain` and `policy simulate`. */
interface ExplainOptions {
  readonly as: string
  readonly action: string
  readonly resource: string
  readonly purpose?: string
  readonly destinationRegion?: string
  readonly policies?: string
}

function context(opts: ExplainOptions) {
  return {
    ...(opts.purpose === undefined ? {} : { purpose: opts.purpose }),
    ...(opts.destinationRegion === undefined ? {} : { destinationRegion: opts.destinationRegion }),
  }
}

/** `policy explain` over an entities file and policy files. */
async function explainOnFiles(opts: ExplainOptions & { entities: string }): Promise<Explanation> {
  const entities = await loadEntities(opts.entities)
  const engine = await buildEngine(opts.policies === undefined ? [] : [opts.policies])
  const { principal, dataset, ref } = findParties(entities, opts.as, opts.resource)
  return engine.explain({
    principal,
    action: opts.action,
    resource: ref.column === undefined ? { dataset } : { dataset, column: ref.column },
    context: context(opts),
  })
}

/** `policy explain` over the lake: its principals, datasets and policy version in force. */
async function explainOnLake(cli: CliContext, opts: ExplainOptions): Promise<Explanation> {
  if (opts.policies !== undefined) {
    throw new StrongroomError(
      'ERR_USAGE_INVALID_ARGUMENT',
      '--policies applies with --entities; the lake uses its policy version in force',
      { hint: 'compare candidate files with `strongroom policy diff FILES`' },
    )
  }
  const ref = parseResource(opts.resource)
  if (ref === undefined) {
    throw new StrongroomError(
      'ERR_USAGE_INVALID_ARGUMENT',
      'a resource is dataset:NS.NAME or column:NS.NAME.COLUMN',
    )
  }
  return cli.withLake((lake) =>
    lake.explainAccess({
      as: opts.as,
      action: opts.action,
      dataset: ref.dataset,
      ...(ref.column === undefined ? {} : { column: ref.column }),
      ...context(opts),
    }),
  )
}

/** Registers `policy …` and returns the group, so the lake's policy commands can join it. */
export function registerPolicyCommands(cli: CliContext): Command {
  const { program, out, setExit } = cli
  const policy = program
    .command('policy')
    .description('validate Cedar policies, explain a decision, simulate a request matrix')

  policy
    .command('validate')
    .description('validate the default policies plus policy files (*.cedar) against the schema')
    .argument('[paths...]', 'policy files, or folders of *.cedar files')
    .option('--no-defaults', 'leave out the shipped default policies')
    .action(async (paths: string[], opts: { defaults: boolean }) => {
      const engine = await buildEngine(paths, opts.defaults)
      const ids = engine.policyIds()
      out(
        { valid: true, policies: ids },
        () => `OK: ${ids.length} policies valid\n${ids.map((id) => `  ${id}\n`).join('')}`,
      )
    })

  policy
    .command('explain')
    .description(
      "explain one decision (over an entities file, or the lake's principals, datasets and policies in force)",
    )
    .option('--entities <file>', 'principals and datasets (YAML or JSON); the lake when omitted')
    .requiredOption('--as <principal>', 'principal id')
    .requiredOption('--action <action>', `one of ${ACTIONS.join(', ')}`)
    .requiredOption('--resource <ref>', 'dataset:NS.NAME or column:NS.NAME.COLUMN')
    .option('--purpose <purpose>', 'the request purpose, e.g. training')
    .option('--destination-region <region>', 'destination region (export)')
    .option(
      '--policies <path>',
      'policy file or folder of *.cedar added to the defaults (files only)',
    )
    .action(
      async (opts: {
        entities?: string
        as: string
        action: string
        resource: string
        purpose?: string
        destinationRegion?: string
        policies?: string
      }) => {
        if (opts.action === 'export' && opts.destinationRegion === undefined) {
          throw new StrongroomError(
            'ERR_USAGE_INVALID_ARGUMENT',
            'export needs a destination region',
            {
              hint: 'pass --destination-region REGION',
            },
          )
        }
        const x =
          opts.entities === undefined
            ? await explainOnLake(cli, opts)
            : await explainOnFiles({ ...opts, entities: opts.entities })
        out(
          {
            decision: x.decision,
            summary: x.summary,
            policies: x.determining,
            errors: x.errors,
          },
          () =>
            `${x.decision.toUpperCase()}: ${x.summary}\n` +
            (x.determining.length === 0
              ? ''
              : table(
                  ['POLICY', 'EFFECT', 'DESCRIPTION'],
                  x.determining.map((d) => [d.id, d.effect, d.description ?? '']),
                )) +
            x.errors.map((e) => `error in ${e.policyId}: ${e.message}\n`).join(''),
        )
      },
    )

  policy
    .command('simulate')
    .description('evaluate a matrix of requests against expectations; exit 9 on any mismatch')
    .argument('<file>', 'the matrix (YAML or JSON): requests, and optionally entities')
    .option('--entities <file>', 'principals and datasets, unless the matrix holds them')
    .option('--policies <path>', 'policy file or folder of *.cedar added to the defaults')
    .action(async (file: string, opts: { entities?: string; policies?: string }) => {
      const doc = await readDoc(file, 'simulation file')
      const inline = isObject(doc) ? doc['entities'] : undefined
      if (inline !== undefined && opts.entities !== undefined) {
        throw new StrongroomError(
          'ERR_USAGE_INVALID_ARGUMENT',
          'entities are given both inline and with --entities',
          { hint: 'keep one of them' },
        )
      }
      if (inline === undefined && opts.entities === undefined) {
        throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'no entities to simulate over', {
          hint: 'pass --entities FILE or add an entities: section to the matrix',
        })
      }
      const entities =
        opts.entities === undefined
          ? parseEntities(inline, 'entities')
          : await loadEntities(opts.entities)
      if (isObject(doc)) {
        const issues = new Issues()
        issues.unknownKeys(doc, ['entities', 'requests'], '$')
        issues.throwIfAny('simulation file')
      }
      const requests = parseMatrix(doc, entities)
      const engine = await buildEngine(opts.policies === undefined ? [] : [opts.policies])
      const rows = requests.map((r) => simulateOne(engine, entities, r))
      const mismatches = rows.filter((r) => !r.ok).length
      if (mismatches > 0) setExit(EXIT.problemsFound)
      out(
        { requests: rows, total: rows.length, mismatches },
        () =>
          table(
            ['#', 'REQUEST', 'EXPECTED', 'GOT', 'RESULT', 'POLICIES'],
            rows.map((r, i) => [
              i + 1,
              requestLabel(r),
              r.expect,
              r.got,
              r.ok ? 'ok' : 'MISMATCH',
              r.policies.length === 0 ? '(default deny)' : r.policies.join(', '),
            ]),
          ) + `${rows.length} request(s), ${mismatches} mismatch(es)\n`,
      )
    })
  return policy
}
