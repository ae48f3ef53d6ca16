/**
 * A protection plan: a spec compiled against one input schema (and, for classification
 * rules, the input's column classifications) into one column transform per input column.
 * {@link protectBatch} then applies the plan to record batches, a whole column per call.
 *
 * Compilation reports every problem at once: spec shape, unknown columns, missing subject
 * columns, unreadable hierarchies and FPE domains too small for the sampled values.
 */
import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import type { ColumnTransformation } from '../catalog/catalog.js'
import type { CellValue, RecordBatch } from '../core/batch.js'
import type { ColumnSchema, ColumnType } from '../core/schema.js'
import type { DetectorRegistry } from '../discovery/detector.js'
import { StrongroomError, isStrongroomError, type ErrorIssue } from '../errors.js'
import { loadHierarchy, type Hierarchy } from './anonymize/hierarchy.js'
import { AesSiv } from './crypto/siv.js'
import { sivDecryptColumn, sivDomainKey, sivEncryptColumn } from './crypto/siv-column.js'
import { createTokenizer, type Tokenizer } from './crypto/token.js'
import { ALPHABET_PRESETS } from './fpe/alphabet.js'
import { CardNumberFpe, EmailFpe, SeparatedFpe } from './fpe/formats.js'
import { deriveTransformKey } from './keys.js'
import {
  checkSpecAgainstSchema,
  type AlphabetSpec,
  type ColumnRule,
  type ParsedSpec,
  type ProtectTransform,
} from './spec.js'
import { bucketDates } from './transforms/bucket-date.js'
import { bucketNumbers, type NumberBucketSpec } from './transforms/bucket-number.js'
import { DateShifter, dateShiftKey, type SubjectId } from './transforms/date-shift.js'
import { maskColumn } from './transforms/mask.js'
import { redactColumn } from './transforms/redact.js'
import { redactText, type SpanReplacement } from './transforms/redact-text.js'
import { replaceWithTypeTag } from './transforms/type-tag.js'
import { TokenVault, type VaultStore } from './vault/token-vault.js'

/** What the plan does to one input column (names and transforms only, never values). */
export interface ColumnProtection {
  readonly column: string
  readonly transform: ProtectTransform
  /** Whether a column rule, a classification rule, or nothing (kept as is) decided. */
  readonly source: 'column' | 'classification' | 'none'
  /** The classified entity type, when classifications were given and found one. */
  readonly entityType?: string
  /** True when the column is left out of the output. */
  readonly dropped: boolean
}

/**
 * Applies one column's transform to a column of values. Only the `vault` transform is
 * asynchronous (its store round trips); apply such a plan with {@link protectBatchAsync}.
 */
type ColumnFn = (
  values: readonly CellValue[],
  batch: RecordBatch,
) => CellValue[] | Promise<CellValue[]>

interface Step {
  readonly inputIndex: number
  readonly fn: ColumnFn | undefined
}

/** A compiled plan; apply it with {@link protectBatch}. */
export interface ProtectPlan {
  /** The input columns the plan was compiled for, in order. */
  readonly input: readonly ColumnSchema[]
  /** The output columns: dropped ones removed, transformed ones now text. */
  readonly output: readonly ColumnSchema[]
  /** One entry per input column. */
  readonly columns: readonly ColumnProtection[]
  /** Output column steps, in output order. */
  readonly steps: readonly Step[]
  /** Zeroes key material the plan holds (the token vault's keys); call once done with it. */
  readonly dispose?: () => void
}

/** Options for {@link compileProtectPlan}. */
export interface CompileOptions {
  /** The input's columns. */
  readonly schema: readonly ColumnSchema[]
  /** Column name → discovered entity type (`NONE` or absent: unclassified). */
  readonly classifications?: ReadonlyMap<string, string>
  /**
   * The transform master key (32 bytes), or a function fetching it, called only when a keyed
   * transform is used (so a spec without one needs no key).
   */
  readonly master?: Uint8Array | (() => Promise<Uint8Array | undefined>) | undefined
  /** Detectors for `redact-text`. */
  readonly registry: DetectorRegistry
  /** Default minimum span score for `redact-text` (0..1). Default 0.5. */
  readonly minScore?: number
  /** Sampled rows of the input, used to check FPE domains before anything is written. */
  readonly sample?: RecordBatch
  /** The token vault's store (a lake's catalog); without it a `vault` rule is a spec issue. */
  readonly vault?: VaultStore | undefined
  /** The dataset's subject column: the `vault` transform's default `subject`. */
  readonly subjectColumn?: string | null | undefined
}

const KEYED: ReadonlySet<ProtectTransform> = new Set([
  'token',
  'pseudonym',
  'fpe',
  'fpe-card',
  'fpe-email',
  'date-shift',
  'vault',
])

/** The transforms that need the master key. */
export function isKeyedRule(rule: ColumnRule): boolean {
  return KEYED.has(rule.transform) || (rule.transform === 'redact-text' && rule.replace === 'token')
}

function alphabetOf(a: AlphabetSpec | undefined, fallback: string): string {
  if (a === undefined) return fallback
  return typeof a === 'string' ? ALPHABET_PRESETS[a] : a.characters
}

/** A value as text for the text transforms; `undefined` for bytes (not text). */
function textOf(v: CellValue, type: ColumnType): string | undefined {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v)
  if (v instanceof Date) return type === 'date' ? v.toISOString().slice(0, 10) : v.toISOString()
  return undefined
}

function notText(transform: string, row: number): StrongroomError {
  return new StrongroomError(
    'ERR_PROTECT_INVALID_VALUE',
    `${transform}: value is not text or a number (row ${row})`,
    { details: { row, transform } },
  )
}

function texts(
  values: readonly CellValue[],
  type: ColumnType,
  transform: string,
): (string | null)[] {
  return values.map((v, row) => {
    if (v === null) return null
    const t = textOf(v, type)
    if (t === undefined) throw notText(transform, row)
    return t
  })
}

/** Runs a one-value function over a column, nulls passing through. */
function perValue(
  values: readonly CellValue[],
  type: ColumnType,
  transform: string,
  fn: (s: string) => string,
): CellValue[] {
  const out = new Array<CellValue>(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (v === null) {
      out[i] = null
      continue
    }
    const t = textOf(v, type)
    if (t === undefined) throw notText(transform, i)
    try {
      out[i] = fn(t)
    } catch (e) {
      if (!isStrongroomError(e)) throw e
      throw new StrongroomError(e.code, `${transform}: ${e.message} (row ${i})`, {
        details: { ...e.details, row: i, transform },
      })
    }
  }
  return out
}

interface BuildContext {
  readonly master: Uint8Array
  /** The plan's token vault, when a `vault` rule is used (created with the master key). */
  readonly vault?: TokenVault | undefined
  readonly defaultSubject?: string | null | undefined
  readonly registry: DetectorRegistry
  readonly minScore: number
  readonly schema: readonly ColumnSchema[]
  readonly hierarchies: ReadonlyMap<string, Hierarchy>
  readonly baseDir: string
}

function fpeKey(master: Uint8Array, domain: string): Buffer {
  return deriveTransformKey(master, { purpose: 'fpe', domain, length: 32 })
}

/** Builds the column function of one rule. `undefined` means: drop the column. */
function build(
  rule: ColumnRule,
  column: ColumnSchema,
  entityType: string | undefined,
  ctx: BuildContext,
): ColumnFn | undefined {
  const name = column.name
  const type = column.type
  switch (rule.transform) {
    case 'keep':
      return (values) => [...values]
    case 'token': {
      const tok = createTokenizer(ctx.master, rule.domain ?? name, {
        ...(rule.encoding === undefined ? {} : { encoding: rule.encoding }),
        ...(rule.bits === undefined ? {} : { bits: rule.bits }),
        ...(rule.normalize === undefined ? {} : { normalize: rule.normalize }),
      })
      return (values) =>
        tok.tokenize(
          values.map((v, row) => {
            if (
              v === null ||
              typeof v === 'string' ||
              typeof v === 'number' ||
              typeof v === 'bigint'
            )
              return v
            const t = textOf(v, type)
            if (t === undefined) throw notText('token', row)
            return t
          }),
        )
    }
    case 'pseudonym': {
      const siv = new AesSiv(sivDomainKey(ctx.master, rule.domain ?? name))
      const encoding = rule.encoding ?? 'base64url'
      return (values) => {
        const input = values.map((v, row) => {
          if (v === null || v instanceof Uint8Array) return v
          const t = textOf(v, type)
          if (t === undefined) throw notText('pseudonym', row)
          return t
        })
        return sivEncryptColumn(siv, input).map((b) => (b === null ? null : b.toString(encoding)))
      }
    }
    case 'fpe': {
      const fpe = new SeparatedFpe(fpeKey(ctx.master, rule.domain ?? name), {
        alphabet: alphabetOf(rule.alphabet, ALPHABET_PRESETS.digits),
      })
      return (values) => perValue(values, type, 'fpe', (s) => fpe.encrypt(s))
    }
    case 'fpe-card': {
      const fpe = new CardNumberFpe(fpeKey(ctx.master, rule.domain ?? name), {
        ...(rule.keepLast4 === undefined ? {} : { keepLast4: rule.keepLast4 }),
        ...(rule.keepPrefix === undefined ? {} : { keepPrefix: rule.keepPrefix }),
      })
      return (values) => perValue(values, type, 'fpe-card', (s) => fpe.encrypt(s))
    }
    case 'fpe-email': {
      const fpe = new EmailFpe(fpeKey(ctx.master, rule.domain ?? name), {
        alphabet: alphabetOf(rule.alphabet, ALPHABET_PRESETS.base62),
      })
      return (values) => perValue(values, type, 'fpe-email', (s) => fpe.encrypt(s))
    }
    case 'mask': {
      const options = {
        ...(rule.keepFirst === undefined ? {} : { keepFirst: rule.keepFirst }),
        ...(rule.keepLast === undefined ? {} : { keepLast: rule.keepLast }),
        ...(rule.char === undefined ? {} : { maskChar: rule.char }),
        ...(rule.keepSeparators === undefined ? {} : { keepSeparators: rule.keepSeparators }),
      }
      return (values) => maskColumn(texts(values, type, 'mask'), options)
    }
    case 'redact-text': {
      const replace = rule.replace ?? 'tag'
      const domain = rule.domain
      const tokenizers = new Map<string, Tokenizer>()
      const replacement: SpanReplacement =
        replace === 'tag'
          ? { kind: 'tag' }
          : replace === 'mask'
            ? { kind: 'mask', ...(rule.char === undefined ? {} : { maskChar: rule.char }) }
            : {
                kind: 'token',
                tokenizer: (entity: string) => {
                  let t = tokenizers.get(entity)
                  if (t === undefined) {
                    t = createTokenizer(ctx.master, domain ?? `text-${entity.toLowerCase()}`)
                    tokenizers.set(entity, t)
                  }
                  return t
                },
              }
      const options = {
        registry: ctx.registry,
        minScore: rule.minScore ?? ctx.minScore,
        replacement,
        ...(rule.entities === undefined ? {} : { entityTypes: rule.entities }),
      }
      return (values) => redactText(texts(values, type, 'redact-text'), options)
    }
    case 'redact': {
      const mode = rule.mode ?? 'drop'
      if (mode === 'drop') return undefined
      const spec =
        mode === 'null' ? { mode } : { mode, value: (rule as { value?: string }).value ?? '' }
      return (values) => {
        const r = redactColumn(values, spec)
        return r.drop ? [] : r.values
      }
    }
    case 'date-shift': {
      const shifter = new DateShifter(dateShiftKey(ctx.master, rule.domain ?? 'default'), {
        maxDays: rule.maxDays,
        ...(rule.allowZero === undefined ? {} : { allowZero: rule.allowZero }),
      })
      const subjectIndex = ctx.schema.findIndex((c) => c.name === rule.subjectColumn)
      const subjectType = ctx.schema[subjectIndex]?.type ?? 'string'
      return (values, batch) => {
        const subjects = (batch.values[subjectIndex] ?? []).map((v, row): SubjectId | null => {
          if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint')
            return v
          const t = textOf(v, subjectType)
          if (t === undefined) throw notText('date-shift', row)
          return t
        })
        const dates = values.map((v, row) => {
          if (v === null || typeof v === 'string' || v instanceof Date) return v
          throw new StrongroomError(
            'ERR_PROTECT_INVALID_VALUE',
            `date-shift: not a date (row ${row})`,
            {
              details: { row, transform: 'date-shift' },
            },
          )
        })
        return shifter.shiftColumn(dates, subjects)
      }
    }
    case 'bucket': {
      const spec: NumberBucketSpec =
        rule.boundaries !== undefined
          ? { boundaries: rule.boundaries }
          : {
              width: rule.width ?? 1,
              ...(rule.origin === undefined ? {} : { origin: rule.origin }),
            }
      return (values) =>
        bucketNumbers(
          values.map((v, row) => {
            if (
              v === null ||
              typeof v === 'string' ||
              typeof v === 'number' ||
              typeof v === 'bigint'
            )
              return v
            throw notText('bucket', row)
          }),
          spec,
        )
    }
    case 'bucket-date':
      return (values) =>
        bucketDates(
          values.map((v, row) => {
            if (v === null || typeof v === 'string' || v instanceof Date) return v
            throw notText('bucket-date', row)
          }),
          rule.granularity,
        )
    case 'generalize': {
      const h = ctx.hierarchies.get(resolve(ctx.baseDir, rule.hierarchy))
      if (h === undefined) throw new StrongroomError('ERR_INTERNAL', 'hierarchy not loaded')
      const level = rule.level
      const top = rule.onMissing === 'top'
      return (values) =>
        perValue(values, type, 'generalize', (s) => {
          const path = h.path(s)
          if (path !== undefined) return path[level]!
          if (top) return '*'
          throw new StrongroomError(
            'ERR_PROTECT_INVALID_VALUE',
            'the hierarchy does not cover the value',
          )
        })
    }
    case 'tag': {
      const entity =
        rule.entity ?? (entityType !== undefined && entityType !== 'NONE' ? entityType : 'REDACTED')
      return (values) => replaceWithTypeTag(values, entity)
    }
    case 'vault': {
      const vault = ctx.vault
      const subjectName = rule.subject ?? ctx.defaultSubject
      if (vault === undefined || subjectName == null)
        throw new StrongroomError('ERR_INTERNAL', 'vault rule compiled without a vault or subject')
      const domain = rule.domain ?? name
      const subjectIndex = ctx.schema.findIndex((c) => c.name === subjectName)
      const subjectType = ctx.schema[subjectIndex]?.type ?? 'string'
      const scalar = (v: CellValue, t: ColumnType, row: number) => {
        if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint')
          return v
        const text = textOf(v, t)
        if (text === undefined) throw notText('vault', row)
        return text
      }
      // One column batch, one vault call (two store round trips at most).
      return (values, batch) =>
        vault.tokenizeColumn(
          domain,
          (batch.values[subjectIndex] ?? []).map((v, row) => scalar(v, subjectType, row)),
          values.map((v, row) => scalar(v, type, row)),
        )
    }
  }
}

/** The output column of a transformed input column. */
function outputColumn(rule: ColumnRule, column: ColumnSchema): ColumnSchema {
  const same =
    rule.transform === 'keep' ||
    (rule.transform === 'redact' && rule.mode === 'null') ||
    (rule.transform === 'date-shift' && (column.type === 'date' || column.type === 'timestamp'))
  return same
    ? column
    : { name: column.name, type: 'string', physicalType: 'VARCHAR', nullable: true }
}

async function loadHierarchies(
  rules: readonly { rule: ColumnRule; path: string }[],
  baseDir: string,
  issues: ErrorIssue[],
): Promise<Map<string, Hierarchy>> {
  const out = new Map<string, Hierarchy>()
  const failed = new Set<string>()
  for (const { rule, path } of rules) {
    if (rule.transform !== 'generalize') continue
    const file = resolve(baseDir, rule.hierarchy)
    let h = out.get(file)
    if (h === undefined && !failed.has(file)) {
      try {
        h = await loadHierarchy(file)
        out.set(file, h)
      } catch (e) {
        failed.add(file)
        const missing = (e as NodeJS.ErrnoException).code === 'ENOENT'
        issues.push({
          code: 'ERR_PROTECT_SPEC_INVALID',
          path: `${path}.hierarchy`,
          message: missing
            ? 'the hierarchy file does not exist'
            : isStrongroomError(e)
              ? `the hierarchy file is invalid: ${e.message}`
              : 'the hierarchy file cannot be read',
        })
      }
    }
    if (h !== undefined && rule.level >= h.height)
      issues.push({
        code: 'ERR_PROTECT_SPEC_INVALID',
        path: `${path}.level`,
        message: `level must be below the hierarchy's ${h.height} levels`,
      })
  }
  return out
}

/**
 * Compiles a parsed spec against an input. Column rules win over classification rules;
 * columns matched by neither are kept as they are.
 *
 * @throws StrongroomError `ERR_PROTECT_SPEC_INVALID` listing every problem (issues with
 *   `ERR_PROTECT_DOMAIN_TOO_SMALL` or `ERR_PROTECT_INVALID_ALPHABET` codes where they apply);
 *   then `ERR_PROTECT_KEY_MISSING` when a keyed transform is used without a master key.
 */
export async function compileProtectPlan(
  parsed: ParsedSpec,
  options: CompileOptions,
): Promise<ProtectPlan> {
  const { spec } = parsed
  const schema = options.schema
  const issues: ErrorIssue[] = [
    ...parsed.issues,
    ...checkSpecAgainstSchema(
      parsed,
      schema.map((c) => c.name),
    ),
  ]
  const invalidColumns = new Set(parsed.columnNames.filter((n) => spec.columns[n] === undefined))
  const chosen: {
    column: ColumnSchema
    protection: ColumnProtection
    rule: ColumnRule
    path: string
  }[] = []
  for (const column of schema) {
    const entity = options.classifications?.get(column.name)
    const entityType = entity !== undefined && entity !== 'NONE' ? entity : undefined
    const own = spec.columns[column.name]
    const byClass = entityType === undefined ? undefined : spec.classifications[entityType]
    const rule: ColumnRule = own ??
      (invalidColumns.has(column.name) ? undefined : byClass) ?? { transform: 'keep' }
    const source =
      own !== undefined
        ? 'column'
        : byClass !== undefined && !invalidColumns.has(column.name)
          ? 'classification'
          : 'none'
    const path =
      source === 'classification' ? `classifications.${entityType}` : `columns.${column.name}`
    chosen.push({
      column,
      rule,
      path,
      protection: {
        column: column.name,
        transform: rule.transform,
        source,
        ...(entityType === undefined ? {} : { entityType }),
        dropped: rule.transform === 'redact' && (rule.mode ?? 'drop') === 'drop',
      },
    })
  }
  const hierarchies = await loadHierarchies(chosen, spec.baseDir, issues)
  const ctxFor = (master: Uint8Array): BuildContext => ({
    master,
    registry: options.registry,
    minScore: options.minScore ?? 0.5,
    schema,
    hierarchies,
    baseDir: spec.baseDir,
  })

  // FPE domains depend on the values, not the key: check the sample under a throwaway key so
  // these problems are listed with the others, before any key is needed.
  const sample = options.sample
  if (sample !== undefined) {
    const probe = ctxFor(randomBytes(32))
    for (const { column, rule, path } of chosen) {
      if (
        rule.transform !== 'fpe' &&
        rule.transform !== 'fpe-card' &&
        rule.transform !== 'fpe-email'
      )
        continue
      const at = sample.columns.findIndex((c) => c.name === column.name)
      if (at < 0) continue
      try {
        // FPE steps are synchronous; awaiting keeps any other step's outcome observed.
        await build(rule, column, undefined, probe)?.(sample.values[at] ?? [], sample)
      } catch (e) {
        if (isStrongroomError(e, 'ERR_PROTECT_DOMAIN_TOO_SMALL'))
          issues.push({
            code: 'ERR_PROTECT_DOMAIN_TOO_SMALL',
            path,
            message: `values of column ${column.name} are too short for FF1 (radix^length < 1,000,000)`,
          })
        else if (!isStrongroomError(e, 'ERR_PROTECT_INVALID_VALUE')) throw e
      }
    }
  }
  issues.push(...vaultIssues(chosen, options))
  if (issues.length > 0) {
    throw new StrongroomError(
      'ERR_PROTECT_SPEC_INVALID',
      `The protection spec is invalid (${issues.length} problem(s))`,
      { issues, hint: 'Fix each listed path; nothing was written.' },
    )
  }
  const keyed = chosen.some((c) => isKeyedRule(c.rule))
  const master: Uint8Array | undefined = !keyed
    ? undefined
    : options.master instanceof Uint8Array || options.master === undefined
      ? options.master
      : await options.master()
  if (keyed && master === undefined)
    throw new StrongroomError(
      'ERR_PROTECT_KEY_MISSING',
      'The spec uses keyed transforms but no transform key was given',
      {
        hint: 'Pass --key-file FILE or set STRONGROOM_PROTECT_KEY (or export from a lake).',
      },
    )
  const usesVault = chosen.some((c) => c.rule.transform === 'vault' && !c.protection.dropped)
  const vault =
    usesVault && master !== undefined && options.vault !== undefined
      ? new TokenVault(master, options.vault)
      : undefined
  const ctx: BuildContext = {
    ...ctxFor(master ?? new Uint8Array(32)),
    vault,
    defaultSubject: options.subjectColumn,
  }
  const steps: Step[] = []
  const output: ColumnSchema[] = []
  chosen.forEach(({ column, rule, protection }, inputIndex) => {
    if (protection.dropped) return
    steps.push({ inputIndex, fn: build(rule, column, protection.entityType, ctx) })
    output.push(outputColumn(rule, column))
  })
  return {
    input: schema,
    output,
    columns: chosen.map((c) => c.protection),
    steps,
    ...(vault === undefined ? {} : { dispose: () => vault.close() }),
  }
}

/**
 * Problems of `vault` rules: the vault lives in a lake's catalog, so a plan without one (a
 * standalone `protect FILE`) cannot use it; and each rule needs a subject column, its own
 * `subject` or the dataset's subject column, present in the input.
 */
function vaultIssues(
  chosen: readonly { rule: ColumnRule; path: string }[],
  options: CompileOptions,
): ErrorIssue[] {
  const issues: ErrorIssue[] = []
  const known = new Set(options.schema.map((c) => c.name))
  for (const { rule, path } of chosen) {
    if (rule.transform !== 'vault') continue
    if (options.vault === undefined)
      issues.push({
        code: 'ERR_PROTECT_SPEC_INVALID',
        path: `${path}.transform`,
        message:
          'the vault transform needs a lake (its token vault is in the catalog): use ingest --protect or read --protect',
      })
    const subject = rule.subject ?? options.subjectColumn ?? undefined
    if (subject === undefined)
      issues.push({
        code: 'ERR_PROTECT_SPEC_INVALID',
        path: `${path}.subject`,
        message:
          'the vault transform needs a subject column: set subject, or declare the dataset subject column',
      })
    else if (rule.subject === undefined && !known.has(subject))
      issues.push({
        code: 'ERR_PROTECT_SPEC_INVALID',
        path: `${path}.subject`,
        message: `the dataset subject column ${subject} is not in the input; set subject`,
      })
  }
  return issues
}

/**
 * Applies a plan to one batch: each output column is its input column transformed whole;
 * dropped columns are left out. `firstRow` (the batch's first row in the whole input) makes
 * row numbers in errors absolute.
 *
 * @throws StrongroomError `ERR_DATASET_SCHEMA_MISMATCH` when the batch's columns are not the
 *   plan's input; `ERR_PROTECT_INVALID_VALUE` (with `column` and `row`) for a value the
 *   column's transform cannot handle.
 */
export function protectBatch(batch: RecordBatch, plan: ProtectPlan, firstRow = 0): RecordBatch {
  checkBatch(batch, plan)
  const values = plan.steps.map((step) => {
    const column = batch.values[step.inputIndex] ?? []
    if (step.fn === undefined) return column
    let out: CellValue[] | Promise<CellValue[]>
    try {
      out = step.fn(column, batch)
    } catch (e) {
      throw located(e, plan, step, firstRow)
    }
    if (out instanceof Promise) {
      // Never left dangling: the vault call's outcome is observed, then the caller told.
      out.catch(() => undefined)
      throw new StrongroomError(
        'ERR_INTERNAL',
        'The plan has a vault transform: apply it with protectBatchAsync',
      )
    }
    return out
  })
  return { columns: plan.output, values, rowCount: batch.rowCount }
}

/**
 * {@link protectBatch} for plans with asynchronous steps (the `vault` transform, which
 * calls the token vault's store once per column batch). Columns are transformed in order.
 */
export async function protectBatchAsync(
  batch: RecordBatch,
  plan: ProtectPlan,
  firstRow = 0,
): Promise<RecordBatch> {
  checkBatch(batch, plan)
  const values: (readonly CellValue[])[] = []
  for (const step of plan.steps) {
    const column = batch.values[step.inputIndex] ?? []
    if (step.fn === undefined) {
      values.push(column)
      continue
    }
    try {
      values.push(await step.fn(column, batch))
    } catch (e) {
      throw located(e, plan, step, firstRow)
    }
  }
  return { columns: plan.output, values, rowCount: batch.rowCount }
}

function checkBatch(batch: RecordBatch, plan: ProtectPlan): void {
  if (
    batch.columns.length !== plan.input.length ||
    batch.columns.some((c, i) => c.name !== plan.input[i]!.name)
  ) {
    throw new StrongroomError(
      'ERR_DATASET_SCHEMA_MISMATCH',
      'The batch does not match the protection plan',
    )
  }
}

/** A step's error with the column name and the absolute row added. */
function located(e: unknown, plan: ProtectPlan, step: Step, firstRow: number): unknown {
  if (!isStrongroomError(e)) return e
  const name = plan.input[step.inputIndex]!.name
  const local = e.details['row']
  const row = typeof local === 'number' ? firstRow + local : undefined
  return new StrongroomError(
    e.code,
    `${e.message.replace(/\s*\(row \d+\)/g, '')} (column ${name}${row === undefined ? '' : `, row ${row}`})`,
    {
      details: { ...e.details, column: name, ...(row === undefined ? {} : { row }) },
      ...(e.hint === undefined ? {} : { hint: e.hint }),
    },
  )
}

/**
 * Decrypts pseudonyms made by the `pseudonym` transform (same master key and domain): the
 * reversal that tokens, by design, do not allow.
 *
 * @throws StrongroomError `ERR_CRYPTO_INTEGRITY` (with the row) for a value that is not a
 *   pseudonym of this domain.
 */
export function revealPseudonyms(
  master: Uint8Array,
  domain: string,
  values: readonly (string | null)[],
  encoding: 'base64url' | 'hex' = 'base64url',
): (string | null)[] {
  const siv = new AesSiv(sivDomainKey(master, domain))
  const bytes = values.map((v) => (v === null ? null : Buffer.from(v, encoding)))
  return sivDecryptColumn(siv, bytes).map((b) => (b === null ? null : b.toString('utf8')))
}

/**
 * How a transform shows in column-level lineage: `identity` for kept columns, `tokenized`
 * for keyed replacements (token, pseudonym, FPE), `masked` when the value is hidden (mask,
 * redaction, type tags), `transformed` for generalizations (date shifts, buckets, hierarchies).
 */
export function lineageTransformation(transform: ProtectTransform): ColumnTransformation {
  switch (transform) {
    case 'keep':
      return 'identity'
    case 'token':
    case 'pseudonym':
    case 'fpe':
    case 'fpe-card':
    case 'fpe-email':
      return 'tokenized'
    case 'mask':
    case 'redact':
    case 'redact-text':
    case 'tag':
      return 'masked'
    case 'date-shift':
    case 'bucket':
    case 'bucket-date':
    case 'generalize':
      return 'transformed'
    case 'vault':
      return 'tokenized'
  }
}
