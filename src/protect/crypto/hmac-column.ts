/**
 * HMAC-SHA-256 of a batch of strings in one call: the UTF-8 of the whole batch is written
 * into WebAssembly memory with one `TextEncoder.encodeInto`, MACed by {@link HmacSha256Wasm}
 * in one call, and the MACs read back as words, or as token characters decoded to one
 * string. Where WebAssembly is unavailable the same results come from {@link HmacSha256},
 * one value at a time.
 */
import { HmacSha256, hmacPadStates } from './hmac-sha256.js'
import { HmacSha256Wasm, INPUT_AT, INPUT_SLACK } from './hmac-sha256-wasm.js'
import { writeSymbols, type SymbolFormat } from './token-symbols.js'

const encoder = new TextEncoder()

/**
 * Largest batch, in UTF-16 units, laid out in WebAssembly memory (up to 3 bytes each, so
 * 12 MiB): a larger one (long texts) goes value by value through the TypeScript HMAC
 * instead. The memory never shrinks, so this bounds what a tokenizer keeps allocated.
 */
const MAX_BATCH_UNITS = 2 ** 22

/**
 * Smallest batch sent to WebAssembly by default. Below it the TypeScript HMAC costs less
 * than the first use of the module (generating and compiling it, once per process, tens of
 * milliseconds) and than an instance per key: a plan with a few short columns never pays.
 */
export const WASM_MIN_BATCH = 64

/**
 * MACs columns of strings under one key. Results are views into scratch memory, valid until
 * the next call. Calls are synchronous, so one instance per key per thread is safe.
 *
 * @example
 * ```ts
 * const mac = new HmacColumn(key)
 * const words = mac.macStrings(['a', 'b']) // 16 words: the MAC of 'a', then of 'b'
 * ```
 */
export class HmacColumn {
  readonly #js: HmacSha256
  /** The key's pad states, for the WebAssembly instance made at the first large batch. */
  readonly #states: Int32Array
  readonly #mode: boolean | undefined
  /** Not made yet (undefined), or unavailable or turned off (null). */
  #wasm: HmacSha256Wasm | null | undefined
  #lastInWasm = false
  #out = new Int32Array(0)
  #chars = Buffer.alloc(0)

  /**
   * @param key - any length, as for {@link HmacSha256}.
   * @param options.webAssembly - true to run every batch in WebAssembly, false never (the
   *   tests compare both paths); by default batches of {@link WASM_MIN_BATCH} values or more.
   */
  constructor(key: Uint8Array, options: { readonly webAssembly?: boolean } = {}) {
    this.#js = new HmacSha256(key)
    this.#mode = options.webAssembly
    this.#states = options.webAssembly === false ? new Int32Array(0) : hmacPadStates(key)
    this.#wasm = options.webAssembly === false ? null : undefined
  }

  /** True when the last batch ran in WebAssembly. */
  get lastBatchInWebAssembly(): boolean {
    return this.#lastInWasm
  }

  /** The WebAssembly instance for a batch of `count` values, made on first use; or null. */
  #instance(count: number): HmacSha256Wasm | null {
    if (this.#wasm === null) return null
    if (this.#mode === undefined && count < WASM_MIN_BATCH) return null
    if (this.#wasm === undefined) {
      this.#wasm = HmacSha256Wasm.create(this.#states) ?? null
      this.#states.fill(0)
    }
    return this.#wasm
  }

  /**
   * The MACs of the UTF-8 encodings of `strings[0..count)`: MAC m is words `[8m, 8m + 8)`,
   * big-endian words of the digest as signed 32-bit numbers. Overwritten by the next call.
   */
  macStrings(strings: readonly string[], count = strings.length): Int32Array {
    const wasm = this.#instance(count)
    const outAt = wasm === null ? -1 : this.#macWasm(wasm, strings, count, 0)
    this.#lastInWasm = outAt >= 0
    if (wasm === null || outAt < 0) return this.#macJs(strings, count)
    return wasm.words.subarray(outAt >> 2, (outAt >> 2) + 8 * count)
  }

  /**
   * The tokens of `strings[0..count)` in `format`, end to end as one Latin-1 string:
   * token m is characters `[m·symbols, (m + 1)·symbols)`.
   */
  tokens(strings: readonly string[], format: SymbolFormat, count = strings.length): string {
    const size = format.symbols * count
    const wasm = this.#instance(count)
    // Room for the characters after the MACs, and for the word read past the last MAC.
    const outAt = wasm === null ? -1 : this.#macWasm(wasm, strings, count, 4 + size)
    this.#lastInWasm = outAt >= 0
    if (wasm !== null && outAt >= 0) {
      const dstAt = outAt + 32 * count + 4
      wasm.symbols(count, outAt, dstAt, format)
      return wasm.latin1(dstAt, dstAt + size)
    }
    const words = this.#macJs(strings, count)
    if (this.#chars.length < size) this.#chars = Buffer.alloc(size)
    for (let m = 0; m < count; m++)
      writeSymbols(words, 8 * m, format, this.#chars, m * format.symbols)
    return this.#chars.toString('latin1', 0, size)
  }

  /**
   * Lays the batch out in WebAssembly memory, with `extra` bytes free after the MACs, and
   * MACs it; returns where the MACs are, or -1 to use the TypeScript path.
   */
  #macWasm(wasm: HmacSha256Wasm, strings: readonly string[], count: number, extra: number): number {
    let units = 0
    for (let m = 0; m < count; m++) units += strings[m]!.length
    if (units > MAX_BATCH_UNITS) return -1
    // UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
    const maxBytes = 3 * units
    const offsAt = (INPUT_AT + maxBytes + INPUT_SLACK + 3) & ~3
    const outAt = offsAt + 4 * (count + 1)
    if (!wasm.reserve(outAt + 32 * count + extra)) return -1
    const joined = count === strings.length ? strings.join('') : strings.slice(0, count).join('')
    const bytes = wasm.bytes
    const words = wasm.words
    const { written } = encoder.encodeInto(joined, bytes.subarray(INPUT_AT, INPUT_AT + maxBytes))
    const o = offsAt >> 2
    let pos = INPUT_AT
    if (written === joined.length) {
      // All ASCII: every string's byte length is its length.
      for (let m = 0; m < count; m++) {
        words[o + m] = pos
        pos += strings[m]!.length
      }
    } else {
      for (let m = 0; m < count; m++) {
        words[o + m] = pos
        pos += Buffer.byteLength(strings[m]!, 'utf8')
      }
      // Joining can pair a lone high surrogate ending one string with a lone low surrogate
      // starting the next (4 bytes instead of 3 + 3): then encode each string on its own.
      if (pos !== INPUT_AT + written) pos = this.#encodeEach(strings, count, bytes, words, o)
    }
    words[o + count] = pos
    wasm.run(count, offsAt, outAt)
    return outAt
  }

  #encodeEach(
    strings: readonly string[],
    count: number,
    bytes: Uint8Array,
    words: Int32Array,
    o: number,
  ): number {
    let pos = INPUT_AT
    for (let m = 0; m < count; m++) {
      const s = strings[m]!
      words[o + m] = pos
      pos += encoder.encodeInto(s, bytes.subarray(pos, pos + 3 * s.length)).written
    }
    return pos
  }

  #macJs(strings: readonly string[], count: number): Int32Array {
    if (this.#out.length < 8 * count) this.#out = new Int32Array(8 * count)
    const out = this.#out
    const h = this.#js
    for (let m = 0; m < count; m++) out.set(h.updateString(strings[m]!), 8 * m)
    return out.subarray(0, 8 * count)
  }
}
