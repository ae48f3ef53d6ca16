/**
 * Row filters declared on `permit` policies with `@rowFilter("…")`, e.g.
 * `@rowFilter("region = principal.region and deleted is null")`.
 *
 * The language is deliberately tiny: `column = operand`, `column != operand`,
 * `column in (operand, …)`, `column is null`, `column is not null`, joined by `and` / `or`
 * with parentheses. An operand is a constant (`'text'`, a number, `true`, `false`) or
 * `principal.<attribute>`. There is no `not`: with only monotone connectives, treating SQL's
 * unknown as false gives exactly SQL's WHERE semantics, so the JS predicate and the SQL agree
 * and NULL never matches a comparison.
 *
 * Safety: nothing is evaluated; names must be ASCII identifiers that are columns of the
 * dataset (quoted in the SQL), and every value becomes a `?` parameter, never SQL text.
 */
import { StrongroomError } from '../errors.js'
import type { PrincipalInfo, Scalar } from './model.js'
import { levelOf } from './model.js'

/** A value a filter compares to: a constant, or an attribute of the requesting principal. */
export type RowFilterOperand =
  | { readonly kind: 'const'; readonly value: string | number | boolean }
  | { readonly kind: 'principal'; readonly attribute: string }

/** One condition on one column. */
export type RowFilter =
  | {
      readonly kind: 'compare'
      readonly column: string
      readonly operator: '=' | '!='
      readonly operand: RowFilterOperand
    }
  | { readonly kind: 'in'; readonly column: string; readonly operands: readonly RowFilterOperand[] }
  | { readonly kind: 'null'; readonly column: string; readonly negated: boolean }

/** A parsed filter: conditions joined by `and` / `or`. */
export type RowFilterExpr =
  | RowFilter
  | { readonly kind: 'and'; readonly items: readonly RowFilterExpr[] }
  | { readonly kind: 'or'; readonly items: readonly RowFilterExpr[] }

/** A filter ready for DuckDB (`?` parameters) and the same test as a JS predicate. */
export interface CompiledRowFilter {
  /** SQL boolean expression with `?` placeholders; `TRUE` for all rows, `FALSE` for none. */
  readonly sql: string
  /** Values for the placeholders, in order. */
  readonly params: readonly Scalar[]
  /** True when the row passes; a missing cell counts as NULL. */
  readonly matches: (row: Readonly<Record<string, unknown>>) => boolean
}

const MAX_LENGTH = 2000
const MAX_DEPTH = 16
const MAX_IN_ITEMS = 256
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/

type Token =
  | { t: 'ident'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'number'; v: number; at: number }
  | { t: 'punct'; v: '=' | '!=' | '(' | ')' | ',' | '.'; at: number }

function invalid(message: string): StrongroomError {
  return new StrongroomError('ERR_AUTHZ_POLICY_INVALID', `invalid @rowFilter: ${message}`)
}

function tokenize(src: string): Token[] {
  if (src.length > MAX_LENGTH) throw invalid(`longer than ${MAX_LENGTH} characters`)
  const out: Token[] = []
  let i = 0
  while (i < src.length) {
    const ch = src[i] ?? ''
    const code = ch.charCodeAt(0)
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))
      const v = m?.[0] ?? ch
      out.push({ t: 'ident', v, at: i })
      i += v.length
    } else if (/[0-9]/.test(ch) || (ch === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i))
      const v = m?.[0] ?? ch
      const n = Number(v)
      if (!Number.isFinite(n) || (!v.includes('.') && !Number.isSafeInteger(n))) {
        throw invalid(`number out of range at offset ${i}`)
      }
      out.push({ t: 'number', v: n, at: i })
      i += v.length
    } else if (ch === "'") {
      // SQL-style literal: '' inside stands for one quote.
      let v = ''
      let j = i + 1
      for (;;) {
        if (j >= src.length) throw invalid(`unterminated string at offset ${i}`)
        const c = src[j] ?? ''
        if (c === "'") {
          if (src[j + 1] === "'") {
            v += "'"
            j += 2
            continue
          }
          break
        }
        if (c.charCodeAt(0) < 0x20 || c === '\u007f') {
          throw invalid(`control character in string at offset ${j}`)
        }
        v += c
        j++
      }
      out.push({ t: 'string', v, at: i })
      i = j + 1
    } else if (ch === '!' && src[i + 1] === '=') {
      out.push({ t: 'punct', v: '!=', at: i })
      i += 2
    } else if (ch === '<' && src[i + 1] === '>') {
      out.push({ t: 'punct', v: '!=', at: i })
      i += 2
    } else if (ch === '=' || ch === '(' || ch === ')' || ch === ',' || ch === '.') {
      out.push({ t: 'punct', v: ch, at: i })
      i++
    } else {
      // Everything else (comment markers, semicolons, NUL, non-ASCII look-alikes) is refused.
      throw invalid(`unexpected character (code ${code}) at offset ${i}`)
    }
  }
  return out
}

const KEYWORDS = new Set(['and', 'or', 'in', 'is', 'not', 'null', 'true', 'false', 'principal'])

class Parser {
  #pos = 0
  constructor(private readonly tokens: Token[]) {}

  parse(): RowFilterExpr {
    if (this.tokens.length === 0) throw invalid('empty filter')
    const e = this.#or(0)
    const rest = this.tokens[this.#pos]
    if (rest !== undefined) throw invalid(`unexpected token at offset ${rest.at}`)
    return e
  }

  #peekWord(word: string): boolean {
    const t = this.tokens[this.#pos]
    return t?.t === 'ident' && t.v.toLowerCase() === word
  }

  #expectWord(word: string): void {
    if (!this.#peekWord(word)) throw invalid(`expected ${word} ${this.#where()}`)
    this.#pos++
  }

  #peekPunct(p: string): boolean {
    const t = this.tokens[this.#pos]
    return t?.t === 'punct' && t.v === p
  }

  #expectPunct(p: string): void {
    if (!this.#peekPunct(p)) throw invalid(`expected "${p}" ${this.#where()}`)
    this.#pos++
  }

  #where(): string {
    const t = this.tokens[this.#pos]
    return t === undefined ? 'at end' : `at offset ${t.at}`
  }

  #or(depth: number): RowFilterExpr {
    const items = [this.#and(depth)]
    while (this.#peekWord('or')) {
      this.#pos++
      items.push(this.#and(depth))
    }
    return items.length === 1 && items[0] !== undefined ? items[0] : { kind: 'or', items }
  }

  #and(depth: number): RowFilterExpr {
    const items = [this.#primary(depth)]
    while (this.#peekWord('and')) {
      this.#pos++
      items.push(this.#primary(depth))
    }
    return items.length === 1 && items[0] !== undefined ? items[0] : { kind: 'and', items }
  }

  #primary(depth: number): RowFilterExpr {
    if (depth >= MAX_DEPTH) throw invalid(`nested deeper than ${MAX_DEPTH}`)
    if (this.#peekPunct('(')) {
      this.#pos++
      const e = this.#or(depth + 1)
      this.#expectPunct(')')
      return e
    }
    const column = this.#identifier()
    if (this.#peekPunct('=') || this.#peekPunct('!=')) {
      const t = this.tokens[this.#pos++]
      const operator = t?.t === 'punct' && t.v === '!=' ? '!=' : '='
      return { kind: 'compare', column, operator, operand: this.#operand() }
    }
    if (this.#peekWord('in')) {
      this.#pos++
      this.#expectPunct('(')
      const operands = [this.#operand()]
      while (this.#peekPunct(',')) {
        this.#pos++
        operands.push(this.#operand())
        if (operands.length > MAX_IN_ITEMS) throw invalid(`more than ${MAX_IN_ITEMS} in-list items`)
      }
      this.#expectPunct(')')
      return { kind: 'in', column, operands }
    }
    if (this.#peekWord('is')) {
      this.#pos++
      const negated = this.#peekWord('not')
      if (negated) this.#pos++
      this.#expectWord('null')
      return { kind: 'null', column, negated }
    }
    throw invalid(`expected =, !=, in or is ${this.#where()}`)
  }

  #identifier(): string {
    const t = this.tokens[this.#pos]
    if (t?.t !== 'ident' || KEYWORDS.has(t.v.toLowerCase()) || !IDENT.test(t.v)) {
      throw invalid(`expected a column name ${this.#where()}`)
    }
    this.#pos++
    return t.v
  }

  #operand(): RowFilterOperand {
    const t = this.tokens[this.#pos]
    if (t === undefined) throw invalid('expected a value at end')
    if (t.t === 'string' || t.t === 'number') {
      this.#pos++
      return { kind: 'const', value: t.v }
    }
    if (t.t === 'ident') {
      const w = t.v.toLowerCase()
      if (w === 'true' || w === 'false') {
        this.#pos++
        return { kind: 'const', value: w === 'true' }
      }
      if (w === 'principal') {
        this.#pos++
        this.#expectPunct('.')
        const a = this.tokens[this.#pos]
        if (a?.t !== 'ident' || !IDENT.test(a.v))
          throw invalid(`expected an attribute ${this.#where()}`)
        this.#pos++
        return { kind: 'principal', attribute: a.v }
      }
    }
    throw invalid(`expected a value at offset ${t.at}`)
  }
}

/** Parses a `@rowFilter` annotation; throws `ERR_AUTHZ_POLICY_INVALID` naming the offset. */
export function parseRowFilter(text: string): RowFilterExpr {
  return new Parser(tokenize(text)).parse()
}

/** Every column a filter names. */
export function filterColumns(e: RowFilterExpr): string[] {
  if (e.kind === 'and' || e.kind === 'or') return [...new Set(e.items.flatMap(filterColumns))]
  return [e.column]
}

/** The value of `principal.<attribute>` for filters: built-in fields, then `attributes`. */
export function principalAttribute(p: PrincipalInfo, attribute: string): Scalar {
  switch (attribute) {
    case 'id':
      return p.id
    case 'region':
      // No region declared is a missing attribute (NULL), which matches no row.
      return p.region === '' ? null : p.region
    case 'mfa':
      return p.mfa
    case 'clearance':
      return levelOf(p.clearance) ?? null
    default: {
      const attrs = p.attributes ?? {}
      // Own properties only: `principal.constructor` must not reach the prototype.
      return Object.prototype.hasOwnProperty.call(attrs, attribute)
        ? (attrs[attribute] ?? null)
        : null
    }
  }
}

function cell(row: Readonly<Record<string, unknown>>, column: string): unknown {
  return Object.prototype.hasOwnProperty.call(row, column) ? row[column] : undefined
}

/**
 * What a column holds, as far as comparisons go. With kinds known, a comparison between a
 * value and a column of another kind (a number attribute against a text column) matches no
 * row, in SQL and in JS alike, instead of failing on a cast inside the engine.
 */
export type FilterColumnKind = 'string' | 'number' | 'boolean' | 'other'

/** The comparison kind of a value; null and undefined have none. */
function kindOf(v: unknown): FilterColumnKind | undefined {
  if (v === null || v === undefined) return undefined
  if (typeof v === 'string') return 'string'
  if (typeof v === 'number' || typeof v === 'bigint') return 'number'
  if (typeof v === 'boolean') return 'boolean'
  return 'other'
}

/** Cell equality as SQL's `=` decides it: NULL never equal, numbers by value (5n = 5). */
function equal(a: unknown, b: Scalar): boolean {
  if (a === null || a === undefined || b === null) return false
  if (typeof b === 'number' && (typeof a === 'bigint' || typeof a === 'number'))
    return Number(a) === b
  return a === b
}

/** True when `v` may be compared with a column of `kind` (unknown kind: anything may). */
function comparable(kind: FilterColumnKind | undefined, v: Scalar): boolean {
  return kind === undefined || v === null || (kind !== 'other' && kindOf(v) === kind)
}

interface Built {
  sql: string
  params: Scalar[]
  test: (row: Readonly<Record<string, unknown>>) => boolean
}

const NEVER: Built = { sql: 'FALSE', params: [], test: () => false }

function build(
  e: RowFilterExpr,
  columns: ReadonlySet<string>,
  p: PrincipalInfo,
  kinds: ReadonlyMap<string, FilterColumnKind> | undefined,
): Built {
  if (e.kind === 'and' || e.kind === 'or') {
    const parts = e.items.map((i) => build(i, columns, p, kinds))
    const tests = parts.map((x) => x.test)
    return {
      sql: `(${parts.map((x) => x.sql).join(e.kind === 'and' ? ' AND ' : ' OR ')})`,
      params: parts.flatMap((x) => x.params),
      test: e.kind === 'and' ? (r) => tests.every((t) => t(r)) : (r) => tests.some((t) => t(r)),
    }
  }
  if (!IDENT.test(e.column) || !columns.has(e.column)) {
    throw new StrongroomError(
      'ERR_AUTHZ_POLICY_INVALID',
      'a @rowFilter names a column the dataset does not have',
      {
        details: { column: IDENT.test(e.column) ? e.column : '(invalid name)' },
      },
    )
  }
  // The name is a validated ASCII identifier and a known column; quoting keeps keywords safe.
  const col = `"${e.column}"`
  const value = (o: RowFilterOperand): Scalar =>
    o.kind === 'const' ? o.value : principalAttribute(p, o.attribute)
  const kind = kinds?.get(e.column)
  switch (e.kind) {
    case 'compare': {
      const v = value(e.operand)
      const name = e.column
      if (!comparable(kind, v)) return NEVER
      return {
        sql: `${col} ${e.operator === '=' ? '=' : '<>'} ?`,
        params: [v],
        test:
          e.operator === '='
            ? (r) => equal(cell(r, name), v)
            : (r) => {
                const c = cell(r, name)
                return c !== null && c !== undefined && v !== null && !equal(c, v)
              },
      }
    }
    case 'in': {
      // Values of another kind than the column's can match nothing: they are left out.
      const vs = e.operands.map(value).filter((v) => comparable(kind, v))
      const name = e.column
      if (vs.length === 0) return NEVER
      return {
        sql: `${col} IN (${vs.map(() => '?').join(', ')})`,
        params: vs,
        test: (r) => {
          const c = cell(r, name)
          return vs.some((v) => equal(c, v))
        },
      }
    }
    case 'null': {
      const name = e.column
      return {
        sql: `${col} IS ${e.negated ? 'NOT ' : ''}NULL`,
        params: [],
        test: e.negated
          ? (r) => {
              const c = cell(r, name)
              return c !== null && c !== undefined
            }
          : (r) => {
              const c = cell(r, name)
              return c === null || c === undefined
            },
      }
    }
  }
}

/**
 * Compiles the filters of the permits that allowed a read into one predicate. The permits
 * are alternatives, so their filters are OR-ed; a permit without a filter (`null`) allows
 * every row; no permit at all allows none. Throws `ERR_AUTHZ_POLICY_INVALID` when a filter
 * names a column that is not in `columns`.
 *
 * @example
 * ```ts
 * compileRowFilters([parseRowFilter('region = principal.region')], { columns, principal })
 * // { sql: '"region" = ?', params: ['eu'], matches: (row) => … }
 * ```
 */
export function compileRowFilters(
  filters: readonly (RowFilterExpr | null)[],
  target: {
    readonly columns: readonly string[]
    readonly principal: PrincipalInfo
    /** What each column holds, when known: comparisons across kinds match nothing. */
    readonly kinds?: ReadonlyMap<string, FilterColumnKind>
  },
): CompiledRowFilter {
  if (filters.some((f) => f === null)) return { sql: 'TRUE', params: [], matches: () => true }
  if (filters.length === 0) return { sql: 'FALSE', params: [], matches: () => false }
  const columns = new Set(target.columns)
  const parts = filters.flatMap((f) =>
    f === null ? [] : [build(f, columns, target.principal, target.kinds)],
  )
  if (parts.length === 1 && parts[0] !== undefined) {
    const only = parts[0]
    return { sql: only.sql, params: only.params, matches: only.test }
  }
  const tests = parts.map((x) => x.test)
  return {
    sql: `(${parts.map((x) => x.sql).join(' OR ')})`,
    params: parts.flatMap((x) => x.params),
    matches: (r) => tests.some((t) => t(r)),
  }
}
