/**
 * Character masking: hide a value's characters behind a mask character, optionally keeping
 * the first and last few (`****-****-****-1111`).
 */
import type { Column } from './column.js'
import { invalidValue, mapColumn, specError } from './column.js'

/** Options for {@link maskColumn}. */
export interface MaskOptions {
  /** Characters kept in clear at the start. Default 0. */
  readonly keepFirst?: number
  /** Characters kept in clear at the end. Default 0. */
  readonly keepLast?: number
  /** The mask character, one code point. Default `*`. */
  readonly maskChar?: string
  /**
   * Keep characters that are neither letters nor digits (`-`, ` `, `@`, `.`) as they are;
   * they then do not count towards `keepFirst`/`keepLast`. Default false.
   */
  readonly keepSeparators?: boolean
}

const SURROGATE = /[\uD800-\uDFFF]/
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u

/**
 * A reusable masker for one set of options: validates once, then masks values.
 *
 * Characters are counted in code points, so an emoji is one character. A value no longer
 * than `keepFirst + keepLast` (maskable characters) is masked completely: a mask never
 * reveals a whole value.
 *
 * @example
 * ```ts
 * const m = new Masker({ keepLast: 4, keepSeparators: true })
 * m.mask('4111-1111-1111-1111') // '****-****-****-1111'
 * ```
 */
export class Masker {
  readonly #first: number
  readonly #last: number
  readonly #char: string
  readonly #separators: boolean
  readonly #runs: string[] = ['']

  constructor(options: MaskOptions = {}) {
    const first = options.keepFirst ?? 0
    const last = options.keepLast ?? 0
    const char = options.maskChar ?? '*'
    if (!Number.isInteger(first) || first < 0) {
      throw specError('mask', 'keepFirst', 'keepFirst must be an integer >= 0')
    }
    if (!Number.isInteger(last) || last < 0) {
      throw specError('mask', 'keepLast', 'keepLast must be an integer >= 0')
    }
    if (typeof char !== 'string' || [...char].length !== 1) {
      throw specError('mask', 'maskChar', 'maskChar must be exactly one character')
    }
    this.#first = first
    this.#last = last
    this.#char = char
    this.#separators = options.keepSeparators ?? false
  }

  /** Masks one string. */
  mask(value: string): string {
    if (!this.#separators && !SURROGATE.test(value)) {
      // Fast path: UTF-16 code units are code points.
      const n = value.length
      const first = this.#first
      const last = this.#last
      if (first + last >= n) return this.#run(n)
      return value.slice(0, first) + this.#run(n - first - last) + value.slice(n - last)
    }
    const chars = Array.from(value)
    const maskable: number[] = []
    for (let i = 0; i < chars.length; i++) {
      if (!this.#separators || WORD_CHAR.test(chars[i]!)) maskable.push(i)
    }
    const n = maskable.length
    const reveal = this.#first + this.#last < n
    for (let k = 0; k < n; k++) {
      if (reveal && (k < this.#first || k >= n - this.#last)) continue
      chars[maskable[k]!] = this.#char
    }
    return chars.join('')
  }

  /** `n` mask characters, cached per length. */
  #run(n: number): string {
    let r = this.#runs[n]
    if (r === undefined) {
      r = this.#char.repeat(n)
      if (n < 1024) this.#runs[n] = r
    }
    return r
  }
}

/**
 * Masks a column of strings (numbers are masked as their decimal text); nulls stay null.
 * Another value type throws `ERR_PROTECT_INVALID_VALUE` with its row.
 *
 * @example
 * ```ts
 * maskColumn(['ann@example.com', null], { keepFirst: 1, keepSeparators: true })
 * // ['a**@*******.***', null]
 * ```
 */
export function maskColumn(
  values: Column<string | number | bigint>,
  options: MaskOptions = {},
): (string | null)[] {
  const m = new Masker(options)
  return mapColumn(values, (v, row) => {
    if (typeof v === 'string') return m.mask(v)
    if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'bigint') {
      return m.mask(String(v))
    }
    throw invalidValue('mask', row, 'value is not a string or a finite number')
  })
}
