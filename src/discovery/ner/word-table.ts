/**
 * A read-only hash table from folded words to flag bits that can be probed with a word still
 * inside its text. An ASCII word is hashed and compared in lowercase on the fly, so the hot
 * path of the named-entity detectors allocates no key string per word and skips `Map`'s
 * generic string hashing: on ~80-character texts the lookups dominated the scan time.
 */

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

/** ASCII lowercase of one UTF-16 code unit (other code units unchanged). */
function lowerAscii(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c
}

// Each slot holds [hash, entry + 1, flags, offset of the key in the pool] side by side, so
// that a probe and a hit's flags come from one cache line, and a hit is confirmed against
// the compact pool rather than a string somewhere in the heap: the table is too large to
// stay cached between short texts, and every avoided memory load counts.
const STRIDE = 4

/** Folded words and their non-zero flags, with open addressing over a power-of-two table. */
export class WordTable {
  readonly #keys: string[]
  /** {@link STRIDE} ints per slot; entry + 1 of 0 marks an empty slot. */
  readonly #slots: Int32Array
  /** Every key's UTF-16 code units, each key followed by a 0 (no key holds U+0000). */
  readonly #pool: Uint16Array
  readonly #mask: number

  /** Copies `entries` (folded word → flags); entries with flags 0 are dropped. */
  constructor(entries: ReadonlyMap<string, number>) {
    this.#keys = []
    const flags: number[] = []
    for (const [key, f] of entries) {
      if (f === 0) continue
      this.#keys.push(key)
      flags.push(f)
    }
    // Load factor at most 3/4 keeps linear probing short.
    let size = 16
    while (size * 3 < this.#keys.length * 4) size *= 2
    this.#slots = new Int32Array(size * STRIDE)
    this.#mask = size - 1
    let poolSize = 0
    for (const key of this.#keys) poolSize += key.length + 1
    this.#pool = new Uint16Array(poolSize)
    let offset = 0
    for (let id = 0; id < this.#keys.length; id++) {
      const key = this.#keys[id] as string
      const h = hashString(key)
      let slot = h & this.#mask
      while (this.#slots[slot * STRIDE + 1] !== 0) slot = (slot + 1) & this.#mask
      this.#slots[slot * STRIDE] = h
      this.#slots[slot * STRIDE + 1] = id + 1
      this.#slots[slot * STRIDE + 2] = flags[id] as number
      this.#slots[slot * STRIDE + 3] = offset
      for (let k = 0; k < key.length; k++) this.#pool[offset + k] = key.charCodeAt(k)
      offset += key.length + 1
    }
  }

  /** How many words the table holds. */
  get size(): number {
    return this.#keys.length
  }

  /** The slot of the folded word `key`, or -1. */
  find(key: string): number {
    const h = hashString(key)
    const slots = this.#slots
    let slot = h & this.#mask
    for (;;) {
      const at = slot * STRIDE
      const id = (slots[at + 1] as number) - 1
      if (id < 0) return -1
      if (slots[at] === h && this.#keys[id] === key) return at
      slot = (slot + 1) & this.#mask
    }
  }

  /**
   * The slot of `text.slice(start, end)` lowercased, or -1. Only for ASCII words, whose
   * folded form is their ASCII lowercase; callers fold other words and use {@link find}.
   */
  findAscii(text: string, start: number, end: number): number {
    let h = FNV_OFFSET
    for (let i = start; i < end; i++) h = Math.imul(h ^ lowerAscii(text.charCodeAt(i)), FNV_PRIME)
    return this.probe(h, text, start, end)
  }

  /**
   * {@link findAscii} with the word's hash already computed: FNV-1a over the lowercase
   * UTF-16 code units from 0x811c9dc5 with prime 0x01000193, as `Math.imul` yields it.
   */
  probe(h: number, text: string, start: number, end: number): number {
    const len = end - start
    const slots = this.#slots
    let slot = h & this.#mask
    for (;;) {
      const at = slot * STRIDE
      const id = (slots[at + 1] as number) - 1
      if (id < 0) return -1
      if (slots[at] === h && this.#matches(slots[at + 3] as number, text, start, len)) return at
      slot = (slot + 1) & this.#mask
    }
  }

  /** True when the pooled key at `offset` is `text.slice(start, start + len)` lowercased. */
  #matches(offset: number, text: string, start: number, len: number): boolean {
    const pool = this.#pool
    if (pool[offset + len] !== 0) return false
    for (let k = 0; k < len; k++) {
      if (pool[offset + k] !== lowerAscii(text.charCodeAt(start + k))) return false
    }
    return true
  }

  /** The folded word at `slot`, a value {@link find} or {@link findAscii} returned. */
  key(slot: number): string {
    return this.#keys[(this.#slots[slot + 1] as number) - 1] as string
  }

  /** The flags at `slot`, a value {@link find} or {@link findAscii} returned. */
  flags(slot: number): number {
    return this.#slots[slot + 2] as number
  }
}

function hashString(s: string): number {
  let h = FNV_OFFSET
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME)
  return h
}
