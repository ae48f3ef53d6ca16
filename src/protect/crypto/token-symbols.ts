/**
 * Writing the leading bits of a MAC as token characters: `b` bits per symbol (hex 4, base32
 * 5, base64url 6), most significant first, the last symbol padded with zero bits (RFC 4648
 * without '='). The same arithmetic runs in WebAssembly for batches (`hmac-sha256-wasm.ts`).
 */

/** How a MAC becomes token characters. */
export interface SymbolFormat {
  /** The alphabet's character codes, `2^bits` of them, all below 0x80. */
  readonly alphabet: Uint8Array
  /** Bits per symbol. */
  readonly bits: number
  /** Symbols per token: `ceil(tokenBits / bits)`. */
  readonly symbols: number
  /** Keeps the bits of the last symbol that are token bits; the rest are padding. */
  readonly lastMask: number
}

/** The format of `tokenBits`-bit tokens over `chars` (`2^bitsPerSymbol` ASCII characters). */
export function symbolFormat(
  chars: string,
  bitsPerSymbol: number,
  tokenBits: number,
): SymbolFormat {
  const symbols = Math.ceil(tokenBits / bitsPerSymbol)
  const pad = symbols * bitsPerSymbol - tokenBits
  return {
    alphabet: Uint8Array.from(chars, (c) => c.charCodeAt(0)),
    bits: bitsPerSymbol,
    symbols,
    lastMask: ((1 << bitsPerSymbol) - 1) & ~((1 << pad) - 1),
  }
}

/**
 * The token characters of the MAC in `words[at..at + 8)` (big-endian words) at `dst[to..]`.
 * Symbol j is bits `[j·b, j·b + b)`, taken from one word or across two.
 */
export function writeSymbols(
  words: Int32Array,
  at: number,
  format: SymbolFormat,
  dst: Uint8Array,
  to: number,
): void {
  const { alphabet, bits: b, symbols: n } = format
  const mask = (1 << b) - 1
  let v = 0
  for (let j = 0, p = 0; j < n; j++, p += b) {
    const wi = at + (p >>> 5)
    const end = (p & 31) + b
    v =
      end <= 32
        ? words[wi]! >>> (32 - end)
        : (words[wi]! << (end - 32)) | ((words[wi + 1] ?? 0) >>> (64 - end))
    dst[to + j] = alphabet[v & mask]!
  }
  dst[to + n - 1] = alphabet[v & format.lastMask]!
}
