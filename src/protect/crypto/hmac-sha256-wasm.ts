/**
 * HMAC-SHA-256 over a whole column in WebAssembly, for tokenizing millions of values.
 *
 * The module is not shipped as a binary: {@link hmacModuleBytes} writes its bytes at load from
 * the code below (SHA-256 fully unrolled, FIPS 180-4 §6.2.2), so what runs is what is read
 * here, and nothing is downloaded or vendored. Four messages with the same number of blocks
 * are hashed at once, one per lane of 128-bit SIMD (i32x4), the usual multi-buffer layout;
 * the others one at a time with native 32-bit rotates. Either way the 64 rounds run without
 * loop control or array traffic (the working variables and the 16-word message schedule live
 * in locals), and a batch costs one call. Equality with node's HMAC is checked by the RFC
 * 4231 vectors and property tests.
 *
 * Memory layout (byte offsets; words are i32 in the platform's little-endian order):
 * - `0..32`: inner pad state, `32..64`: outer pad state (key material, like the fields of
 *   `HmacSha256`).
 * - `64..192`: the padded last block or two of a message hashed alone; `192..704`: the same
 *   for each of four lanes; `704..768`: the token alphabet.
 * - from {@link INPUT_AT}: the batch, laid out by the caller: message bytes, then the
 *   `count + 1` byte offsets of the messages, then 32 output bytes per message.
 */
import { createHmac } from 'node:crypto'

import { SHA256_K, hmacPadStates } from './hmac-sha256.js'
import type { SymbolFormat } from './token-symbols.js'

const K = SHA256_K

const SCRATCH = 64
/** Four lanes' padded tails, 128 bytes each. */
const TAILS = 192
/** The token alphabet, up to 64 bytes (`704..768`). */
const ALPHABET = 704
/** First byte the caller may use for a batch. */
export const INPUT_AT = 1024
/** Bytes read past a message's end by the 8-byte tail copy: the caller keeps them addressable. */
export const INPUT_SLACK = 8
const PAGE = 65536
/** Largest memory asked for: 2 GiB keeps every address a non-negative i32 in JavaScript. */
const MAX_MEMORY = 2 ** 31

// WebAssembly opcodes (core spec §5.4) used below.
const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i32Load8U: 0x2d,
  i64Load: 0x29,
  i32Store: 0x36,
  i64Store: 0x37,
  i32Store8: 0x3a,
  i32Const: 0x41,
  i64Const: 0x42,
  if: 0x04,
  return: 0x0f,
  call: 0x10,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtU: 0x49,
  i32LeU: 0x4d,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i32Rotl: 0x77,
  i32Rotr: 0x78,
} as const
// SIMD opcodes (after the 0xfd prefix), WebAssembly 2.0 §5.4.8.
const SIMD_OP = {
  i8x16Shuffle: 0x0d,
  i32x4Splat: 0x11,
  i32x4ExtractLane: 0x1b,
  i32x4ReplaceLane: 0x1c,
  v128And: 0x4e,
  v128Or: 0x50,
  v128Xor: 0x51,
  i32x4Shl: 0xab,
  i32x4ShrU: 0xad,
  i32x4Add: 0xae,
} as const
/** Byte indices that reverse each 4-byte lane: big-endian words from little-endian loads. */
const BSWAP32 = [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12]
const VOID = 0x40
const I32 = 0x7f
const V128 = 0x7b
/** Function indices. */
const F_ONE = 1
const F_FOUR = 2

function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}

function sleb(n: number): number[] {
  const out: number[] = []
  n |= 0
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b)
      return out
    }
    out.push(b | 0x80)
  }
}

/** A function body under construction: one method per instruction used. */
class Code {
  #buf = new Uint8Array(1 << 16)
  #n = 0
  /** The bytes written so far. */
  get bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#n)
  }
  #byte(b: number): void {
    if (this.#n === this.#buf.length) {
      const bigger = new Uint8Array(2 * this.#n)
      bigger.set(this.#buf)
      this.#buf = bigger
    }
    this.#buf[this.#n++] = b
  }
  #uleb(n: number): void {
    for (; n >= 0x80; n >>>= 7) this.#byte((n & 0x7f) | 0x80)
    this.#byte(n)
  }
  op(...b: number[]): this {
    for (let i = 0; i < b.length; i++) this.#byte(b[i]!)
    return this
  }
  get(l: number): this {
    this.#byte(OP.localGet)
    this.#uleb(l)
    return this
  }
  set(l: number): this {
    this.#byte(OP.localSet)
    this.#uleb(l)
    return this
  }
  tee(l: number): this {
    this.#byte(OP.localTee)
    this.#uleb(l)
    return this
  }
  i32(v: number): this {
    this.#byte(OP.i32Const)
    for (const b of sleb(v)) this.#byte(b)
    return this
  }
  /** `i32.load offset=at` (alignment hint 4 bytes; unaligned addresses still work). */
  load(at: number): this {
    this.#byte(OP.i32Load)
    this.#byte(2)
    this.#uleb(at)
    return this
  }
  store(at: number): this {
    this.#byte(OP.i32Store)
    this.#byte(2)
    this.#uleb(at)
    return this
  }
  /** A SIMD instruction: the 0xfd prefix, the opcode as LEB128, then immediates. */
  simd(op: number, ...imm: number[]): this {
    this.#byte(0xfd)
    this.#uleb(op)
    return this.op(...imm)
  }
}

/** Locals of one function: parameters first, then declared locals of each type in order. */
class Locals {
  readonly #types: number[] = []
  constructor(readonly params: number) {}
  #add(type: number): number {
    this.#types.push(type)
    return this.params + this.#types.length - 1
  }
  i32(): number {
    return this.#add(I32)
  }
  v128(): number {
    return this.#add(V128)
  }
  /** The locals declaration of a function body: runs of one type. */
  declaration(): number[] {
    const runs: [number, number][] = []
    for (const t of this.#types) {
      const last = runs[runs.length - 1]
      if (last !== undefined && last[1] === t) last[0]++
      else runs.push([1, t])
    }
    return [...uleb(runs.length), ...runs.flatMap(([n, t]) => [...uleb(n), t])]
  }
}

/** A function body: its size, its locals' declaration, then its code. */
function body(locals: Locals, c: Code): Uint8Array {
  c.op(OP.end)
  const head = locals.declaration()
  const code = c.bytes
  return concat([uleb(head.length + code.length), head, code])
}

function concat(parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** The locals of a message's tail: see {@link tail}. */
interface TailLocals {
  readonly start: number
  readonly len: number
  readonly nfull: number
  readonly total: number
  readonly t: number
  readonly t1: number
  readonly k: number
  readonly src: number
}

/** Declares the i32 locals {@link TailLocals} names, in that order. */
function tailLocals(loc: Locals): TailLocals {
  return {
    start: loc.i32(),
    len: loc.i32(),
    nfull: loc.i32(),
    total: loc.i32(),
    t: loc.i32(),
    t1: loc.i32(),
    k: loc.i32(),
    src: loc.i32(),
  }
}

/**
 * Reads message m's bounds (`start`, `len` from the offsets at param 1) and writes its padded
 * last block or two at `scratch` (128 bytes): the `len mod 64` tail bytes, 0x80, zeros, and
 * the bit length of the inner message (64 + len) * 8 big-endian (FIPS 180-4 §5.1.1). Sets
 * `nfull`, the whole 64-byte blocks read in place, and `total`, all blocks.
 */
function tail(c: Code, m: () => void, x: TailLocals, scratch: number): void {
  const rem = x.t1
  c.get(1)
  m()
  c.i32(2).op(OP.i32Shl, OP.i32Add).tee(x.t).load(0).set(x.start)
  c.get(x.t).load(4).get(x.start).op(OP.i32Sub).set(x.len)
  c.get(x.len).i32(6).op(OP.i32ShrU).set(x.nfull)
  c.get(x.len).i32(63).op(OP.i32And).set(rem)
  // The tail goes to the zeroed scratch 8 bytes at a time; the up to 7 bytes copied past it
  // are cleared by a zero store at rem, then 0x80 marks the end.
  for (let k = 0; k < 128; k += 8) c.i32(scratch + k).op(OP.i64Const, 0, OP.i64Store, 3, 0)
  c.get(x.start).get(x.nfull).i32(6).op(OP.i32Shl, OP.i32Add).set(x.src)
  c.i32(0).set(x.k)
  c.op(OP.block, VOID, OP.loop, VOID)
  c.get(x.k).get(rem).op(OP.i32GeU, OP.brIf, 1)
  c.get(x.k).get(x.src).get(x.k).op(OP.i32Add, OP.i64Load, 3, 0, OP.i64Store, 3)
  c.op(...uleb(scratch))
  c.get(x.k).i32(8).op(OP.i32Add).set(x.k)
  c.op(OP.br, 0, OP.end, OP.end)
  c.get(rem).op(OP.i64Const, 0, OP.i64Store, 0, ...uleb(scratch))
  c.get(rem)
    .i32(0x80)
    .op(OP.i32Store8, 0, ...uleb(scratch))
  // One tail block if 0x80 and the 8-byte length fit after the rem bytes, else two.
  c.i32(1).i32(2).get(rem).i32(56).op(OP.i32LtU, OP.select).tee(x.t)
  c.get(x.nfull).op(OP.i32Add).set(x.total)
  c.get(x.t).i32(6).op(OP.i32Shl)
  c.get(x.len).i32(64).op(OP.i32Add).i32(3).op(OP.i32Shl).set(x.t)
  bswap(c, x.t)
  c.store(scratch - 4)
}

/** Pushes local `x` byte-swapped (wasm has no bswap): rotl 8 and rotr 8, masked. */
function bswap(c: Code, x: number): void {
  c.get(x).i32(8).op(OP.i32Rotl).i32(0x00ff00ff).op(OP.i32And)
  c.get(x)
    .i32(8)
    .op(OP.i32Rotr)
    .i32(0xff00ff00 | 0)
    .op(OP.i32And, OP.i32Or)
}

/** The register-like locals of one SHA-256 compression. */
interface ShaLocals {
  /** Chaining value. */
  readonly s: readonly number[]
  /** Working variables a..h. */
  readonly v: readonly number[]
  /** Message schedule, 16 words in a ring. */
  readonly w: readonly number[]
  readonly t1: number
}

function shaLocals(loc: Locals, type: 'i32' | 'v128'): ShaLocals {
  const one = (): number => (type === 'i32' ? loc.i32() : loc.v128())
  const n = (k: number): number[] => Array.from({ length: k }, one)
  return { s: n(8), v: n(8), w: n(16), t1: one() }
}

/** The arithmetic of a compression on one lane (i32) or four (i32x4). */
interface Lanes {
  add(c: Code): void
  and(c: Code): void
  or(c: Code): void
  xor(c: Code): void
  shr(c: Code, x: number, n: number): void
  rotr(c: Code, x: number, n: number): void
  konst(c: Code, k: number): void
}

const SCALAR: Lanes = {
  add: (c) => c.op(OP.i32Add),
  and: (c) => c.op(OP.i32And),
  or: (c) => c.op(OP.i32Or),
  xor: (c) => c.op(OP.i32Xor),
  shr: (c, x, n) => c.get(x).i32(n).op(OP.i32ShrU),
  rotr: (c, x, n) => c.get(x).i32(n).op(OP.i32Rotr),
  konst: (c, k) => c.i32(k),
}

// i32x4 has no rotate: x >>> n | x << (32 - n).
const SIMD: Lanes = {
  add: (c) => c.simd(SIMD_OP.i32x4Add),
  and: (c) => c.simd(SIMD_OP.v128And),
  or: (c) => c.simd(SIMD_OP.v128Or),
  xor: (c) => c.simd(SIMD_OP.v128Xor),
  shr: (c, x, n) => c.get(x).i32(n).simd(SIMD_OP.i32x4ShrU),
  rotr: (c, x, n) => {
    c.get(x)
      .i32(n)
      .simd(SIMD_OP.i32x4ShrU)
      .get(x)
      .i32(32 - n)
      .simd(SIMD_OP.i32x4Shl)
    c.simd(SIMD_OP.v128Or)
  },
  konst: (c, k) => c.i32(k).simd(SIMD_OP.i32x4Splat),
}

/**
 * One SHA-256 compression: the chaining value `x.s` absorbs the block whose word `k` is
 * pushed by `word(k)`; `state`, if given, then sets `x.s` (after the words were read from
 * it). Fully unrolled: the working variables rotate roles by renaming, so no instruction
 * moves them, and W[t] for t ≥ 16 overwrites W[t mod 16] in place.
 */
function compress(
  c: Code,
  ops: Lanes,
  x: ShaLocals,
  word: (k: number) => void,
  state?: () => void,
): void {
  for (let k = 0; k < 16; k++) {
    word(k)
    c.set(x.w[k]!)
  }
  state?.()
  for (let k = 0; k < 8; k++) c.get(x.s[k]!).set(x.v[k]!)
  // v[n] holds working variable n (a = 0 … h = 7) of the current round.
  let v = x.v.slice()
  for (let t = 0; t < 64; t++) {
    const w = x.w[t & 15]!
    if (t >= 16) {
      // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]   (§6.2.2 step 1)
      const w2 = x.w[(t - 2) & 15]!
      const w15 = x.w[(t - 15) & 15]!
      ops.rotr(c, w2, 17)
      ops.rotr(c, w2, 19)
      ops.xor(c)
      ops.shr(c, w2, 10)
      ops.xor(c)
      c.get(x.w[(t - 7) & 15]!)
      ops.add(c)
      ops.rotr(c, w15, 7)
      ops.rotr(c, w15, 18)
      ops.xor(c)
      ops.shr(c, w15, 3)
      ops.xor(c)
      ops.add(c)
      c.get(w)
      ops.add(c)
      c.set(w)
    }
    const [a, b, cc, d, e, f, g, h] = v as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ]
    // T1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t], with Ch = g ^ (e & (f ^ g)).
    c.get(h)
    ops.rotr(c, e, 6)
    ops.rotr(c, e, 11)
    ops.xor(c)
    ops.rotr(c, e, 25)
    ops.xor(c)
    ops.add(c)
    c.get(g).get(e).get(f).get(g)
    ops.xor(c)
    ops.and(c)
    ops.xor(c)
    ops.add(c)
    ops.konst(c, K[t]!)
    ops.add(c)
    c.get(w)
    ops.add(c)
    c.tee(x.t1)
    // d += T1; h = T1 + Σ0(a) + Maj(a, b, c), with Maj = (a & b) | (c & (a | b)).
    c.get(d)
    ops.add(c)
    c.set(d)
    c.get(x.t1)
    ops.rotr(c, a, 2)
    ops.rotr(c, a, 13)
    ops.xor(c)
    ops.rotr(c, a, 22)
    ops.xor(c)
    ops.add(c)
    c.get(a).get(b)
    ops.and(c)
    c.get(cc).get(a).get(b)
    ops.or(c)
    ops.and(c)
    ops.or(c)
    ops.add(c)
    c.set(h)
    // The new a is the old h's local; every other variable shifts one role down.
    v = [h, a, b, cc, d, e, f, g]
  }
  for (let k = 0; k < 8; k++) {
    c.get(x.s[k]!).get(v[k]!)
    ops.add(c)
    c.set(x.s[k]!)
  }
}

/** Outer block word k: the inner digest (words 0..7), then padding for 64 + 32 bytes. */
function outerWord(k: number): number {
  return k === 8 ? 0x80000000 | 0 : k === 15 ? (64 + 32) * 8 : 0
}

/** `hmac(count, offs, out)`: groups of four in SIMD where their block counts agree. */
function hmacMain(): Uint8Array {
  const loc = new Locals(3)
  const i = loc.i32()
  const c = new Code()
  c.op(OP.block, VOID, OP.loop, VOID)
  c.get(i).get(0).op(OP.i32GeU, OP.brIf, 1)
  c.get(i).i32(4).op(OP.i32Add).get(0).op(OP.i32LeU, OP.if, VOID)
  c.get(i).get(1).get(2).op(OP.call, F_FOUR, OP.if, VOID)
  c.get(i).i32(4).op(OP.i32Add).set(i).op(OP.br, 2, OP.end, OP.end)
  c.get(i).get(1).get(2).op(OP.call, F_ONE)
  c.get(i).i32(1).op(OP.i32Add).set(i).op(OP.br, 0, OP.end, OP.end)
  return body(loc, c)
}

/**
 * `one(m, offs, out)`: MACs the bytes `[offs[m], offs[m+1])` with the pad states at 0 and 32
 * and writes the 8 MAC words (as numbers, not bytes) at `out + 32m`.
 */
function hmacOne(): Uint8Array {
  const loc = new Locals(3)
  const tl = tailLocals(loc)
  const j = loc.i32()
  const bp = loc.i32()
  const x = shaLocals(loc, 'i32')
  const c = new Code()
  tail(c, () => c.get(0), tl, SCRATCH)
  // Inner hash: the pad state absorbs the whole blocks in place, then the scratch blocks.
  for (let k = 0; k < 8; k++)
    c.i32(0)
      .load(4 * k)
      .set(x.s[k]!)
  c.i32(SCRATCH).get(tl.start).get(tl.nfull).op(OP.i32Eqz, OP.select).set(bp)
  c.i32(0).set(j)
  c.op(OP.loop, VOID)
  compress(c, SCALAR, x, (k) => {
    c.get(bp)
      .load(4 * k)
      .set(tl.t)
    bswap(c, tl.t)
  })
  // bp moves on by a block, or to the scratch once the whole blocks are done.
  c.i32(SCRATCH).get(bp).i32(64).op(OP.i32Add)
  c.get(j).i32(1).op(OP.i32Add).tee(j).get(tl.nfull).op(OP.i32Eq, OP.select).set(bp)
  c.get(j).get(tl.total).op(OP.i32LtU, OP.brIf, 0, OP.end)
  // Outer hash: the outer pad state absorbs one block, the inner digest then padding.
  compress(
    c,
    SCALAR,
    x,
    (k) => (k < 8 ? c.get(x.s[k]!) : c.i32(outerWord(k))),
    () => {
      for (let k = 0; k < 8; k++)
        c.i32(0)
          .load(32 + 4 * k)
          .set(x.s[k]!)
    },
  )
  c.get(2).get(0).i32(5).op(OP.i32Shl, OP.i32Add).set(tl.t)
  for (let k = 0; k < 8; k++)
    c.get(tl.t)
      .get(x.s[k]!)
      .store(4 * k)
  return body(loc, c)
}

/**
 * `four(m, offs, out) -> ok`: MACs messages m..m+3 at once, one per i32x4 lane, when they
 * have the same number of blocks (ok = 1); otherwise does nothing that matters (ok = 0).
 * Each lane's block words are gathered from its own address, then byte-swapped in one
 * shuffle.
 */
function hmacFour(): Uint8Array {
  const loc = new Locals(3)
  const tl = tailLocals(loc)
  const start = [loc.i32(), loc.i32(), loc.i32(), loc.i32()]
  const nfull = [loc.i32(), loc.i32(), loc.i32(), loc.i32()]
  const bp = [loc.i32(), loc.i32(), loc.i32(), loc.i32()]
  const total = loc.i32()
  const j = loc.i32()
  const tmp = loc.v128()
  const x = shaLocals(loc, 'v128')
  const c = new Code()
  for (let l = 0; l < 4; l++) {
    tail(c, () => c.get(0).i32(l).op(OP.i32Add), tl, TAILS + 128 * l)
    c.get(tl.start).set(start[l]!).get(tl.nfull).set(nfull[l]!)
    if (l === 0) c.get(tl.total).set(total)
    else c.get(tl.total).get(total).op(OP.i32Ne, OP.if, VOID).i32(0).op(OP.return, OP.end)
  }
  for (let k = 0; k < 8; k++)
    c.i32(0)
      .load(4 * k)
      .simd(SIMD_OP.i32x4Splat)
      .set(x.s[k]!)
  c.i32(0).set(j)
  c.op(OP.loop, VOID)
  // Each lane reads block j in place, or from its scratch once past its whole blocks.
  for (let l = 0; l < 4; l++) {
    c.get(start[l]!).get(j).i32(6).op(OP.i32Shl, OP.i32Add)
    c.i32(TAILS + 128 * l)
      .get(j)
      .get(nfull[l]!)
      .op(OP.i32Sub)
      .i32(6)
      .op(OP.i32Shl, OP.i32Add)
    c.get(j).get(nfull[l]!).op(OP.i32LtU, OP.select).set(bp[l]!)
  }
  compress(c, SIMD, x, (k) => {
    c.get(bp[0]!)
      .load(4 * k)
      .simd(SIMD_OP.i32x4Splat)
    for (let l = 1; l < 4; l++)
      c.get(bp[l]!)
        .load(4 * k)
        .simd(SIMD_OP.i32x4ReplaceLane, l)
    c.tee(tmp)
      .get(tmp)
      .simd(SIMD_OP.i8x16Shuffle, ...BSWAP32)
  })
  c.get(j).i32(1).op(OP.i32Add).tee(j).get(total).op(OP.i32LtU, OP.brIf, 0, OP.end)
  compress(
    c,
    SIMD,
    x,
    (k) => (k < 8 ? c.get(x.s[k]!) : c.i32(outerWord(k)).simd(SIMD_OP.i32x4Splat)),
    () => {
      for (let k = 0; k < 8; k++)
        c.i32(0)
          .load(32 + 4 * k)
          .simd(SIMD_OP.i32x4Splat)
          .set(x.s[k]!)
    },
  )
  for (let l = 0; l < 4; l++) {
    c.get(2).get(0).i32(l).op(OP.i32Add).i32(5).op(OP.i32Shl, OP.i32Add).set(tl.t)
    for (let k = 0; k < 8; k++) {
      c.get(tl.t)
        .get(x.s[k]!)
        .simd(SIMD_OP.i32x4ExtractLane, l)
        .store(4 * k)
    }
  }
  c.i32(1)
  return body(loc, c)
}

/**
 * `symbols(count, out, dst, symbols, bits, lastMask)`: the token characters of the MACs at
 * `out` (8 words each) to `dst` (`symbols` bytes each), with the alphabet at
 * {@link ALPHABET}: the arithmetic of `writeSymbols` in `token-symbols.ts`. Reads one word
 * past the last MAC (masked off).
 */
function symbolsBody(): Uint8Array {
  const loc = new Locals(6)
  const [count, out, dst, symbols, bits, lastMask] = [0, 1, 2, 3, 4, 5]
  const m = loc.i32()
  const j = loc.i32()
  const p = loc.i32()
  const end = loc.i32()
  const v = loc.i32()
  const wp = loc.i32()
  const mask = loc.i32()
  const c = new Code()
  c.i32(1).get(bits).op(OP.i32Shl).i32(1).op(OP.i32Sub).set(mask)
  c.op(OP.block, VOID, OP.loop, VOID)
  c.get(m).get(count).op(OP.i32GeU, OP.brIf, 1)
  c.i32(0).set(j).i32(0).set(p)
  c.op(OP.loop, VOID)
  // wp = out + 32m + 4 (p >>> 5); end = (p & 31) + bits
  c.get(out).get(m).i32(5).op(OP.i32Shl, OP.i32Add).get(p).i32(5).op(OP.i32ShrU).i32(2)
  c.op(OP.i32Shl, OP.i32Add).set(wp)
  c.get(p).i32(31).op(OP.i32And).get(bits).op(OP.i32Add).set(end)
  // v = end <= 32 ? w0 >>> (32 - end) : w0 << (end - 32) | w1 >>> (64 - end)
  c.get(wp).load(0).i32(32).get(end).op(OP.i32Sub, OP.i32ShrU)
  c.get(wp).load(0).get(end).i32(32).op(OP.i32Sub, OP.i32Shl)
  c.get(wp).load(4).i32(64).get(end).op(OP.i32Sub, OP.i32ShrU, OP.i32Or)
  c.get(end).i32(32).op(OP.i32LeU, OP.select).set(v)
  c.get(dst).get(j).op(OP.i32Add)
  c.get(v)
    .get(mask)
    .op(OP.i32And, OP.i32Load8U, 0, ...uleb(ALPHABET), OP.i32Store8, 0, 0)
  c.get(p).get(bits).op(OP.i32Add).set(p)
  c.get(j).i32(1).op(OP.i32Add).tee(j).get(symbols).op(OP.i32LtU, OP.brIf, 0, OP.end)
  // The last symbol again, its padding bits cleared.
  c.get(dst).get(symbols).op(OP.i32Add).i32(1).op(OP.i32Sub)
  c.get(v)
    .get(lastMask)
    .op(OP.i32And, OP.i32Load8U, 0, ...uleb(ALPHABET), OP.i32Store8, 0, 0)
  c.get(dst).get(symbols).op(OP.i32Add).set(dst)
  c.get(m).i32(1).op(OP.i32Add).set(m).op(OP.br, 0, OP.end, OP.end)
  return body(loc, c)
}

function section(id: number, ...parts: (Uint8Array | readonly number[])[]): Uint8Array {
  const payload = concat(parts)
  return concat([[id, ...uleb(payload.length)], payload])
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Buffer.from(s, 'latin1')]
}

/** The bytes of the module: one memory, `hmac(count, offs, out)` and `symbols(…)`. */
export function hmacModuleBytes(): Uint8Array {
  const v3 = [0x60, 3, I32, I32, I32]
  return concat([
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    // types: 0 = (i32 × 3) -> (), 1 = (i32 × 3) -> i32, 2 = (i32 × 6) -> ()
    section(1, [3, ...v3, 0, ...v3, 1, I32, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]),
    // functions: hmac, one, four, symbols
    section(3, [4, 0, 0, 1, 2]),
    section(5, [1, 0x00, 1]),
    section(7, [
      3,
      ...name('memory'),
      0x02,
      0,
      ...name('hmac'),
      0x00,
      0,
      ...name('symbols'),
      0x00,
      3,
    ]),
    section(10, [4], hmacMain(), hmacOne(), hmacFour(), symbolsBody()),
  ])
}
/** The few members of the WebAssembly JS API used here (the project has no DOM typings). */
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object
  readonly Instance: new (
    module: object,
    imports: object,
  ) => {
    readonly exports: Record<string, unknown>
  }
}

/**
 * An HMAC-SHA-256 key loaded into its own WebAssembly instance. The caller lays a batch out
 * from {@link INPUT_AT} (see the module comment) through {@link HmacSha256Wasm.bytes} and
 * {@link HmacSha256Wasm.words}, then calls {@link HmacSha256Wasm.run}. Not safe to share
 * between concurrent batches; calls are synchronous, so one instance per key per thread is.
 */
export class HmacSha256Wasm {
  readonly #memory: WasmMemory
  readonly #hmac: (count: number, offs: number, out: number) => void
  readonly #symbols: (...args: [number, number, number, number, number, number]) => void
  #alphabet: Uint8Array | undefined
  #bytes: Uint8Array
  #words: Int32Array

  /** The compiled module once known: null where it cannot be used. */
  static #compiled: object | null | undefined

  /**
   * The compiled module, or null where WebAssembly or its SIMD is unavailable (e.g. `node
   * --jitless`): callers then fall back to `HmacSha256`. Generated and compiled once per
   * process, synchronously (about 50 KB; tens of milliseconds, mostly the generator's first
   * run).
   */
  static #module(): object | null {
    if (HmacSha256Wasm.#compiled !== undefined) return HmacSha256Wasm.#compiled
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
    let module: object | null
    try {
      module = api === undefined ? null : new api.Module(hmacModuleBytes())
      if (module !== null && !HmacSha256Wasm.#selfTest(module)) module = null
    } catch {
      module = null
    }
    HmacSha256Wasm.#compiled = module
    return module
  }

  /**
   * Runs both code paths (a SIMD group of four, then one message alone) against node's HMAC.
   * Functions compile lazily, so an engine that cannot run them fails here, and so would one
   * that ran them wrongly: either way the TypeScript HMAC is used instead of wrong tokens.
   */
  static #selfTest(module: object): boolean {
    const key = Buffer.alloc(32, 0x5a)
    const messages = ['a', 'bb', 'ccc', 'dddd', 'e'.repeat(130)].map((m) => Buffer.from(m))
    const h = new HmacSha256Wasm(module, hmacPadStates(key))
    const total = messages.reduce((n, m) => n + m.length, 0)
    const offsAt = (INPUT_AT + total + INPUT_SLACK + 3) & ~3
    const outAt = offsAt + 4 * (messages.length + 1)
    if (!h.reserve(outAt + 32 * messages.length)) return false
    let pos = INPUT_AT
    messages.forEach((m, i) => {
      h.words[(offsAt >> 2) + i] = pos
      h.bytes.set(m, pos)
      pos += m.length
    })
    h.words[(offsAt >> 2) + messages.length] = pos
    h.run(messages.length, offsAt, outAt)
    return messages.every((m, i) => {
      const want = createHmac('sha256', key).update(m).digest()
      for (let k = 0; k < 8; k++) {
        if (h.words[(outAt >> 2) + 8 * i + k] !== want.readInt32BE(4 * k)) return false
      }
      return true
    })
  }

  private constructor(module: object, states: Int32Array) {
    const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly
    const { exports } = new api.Instance(module, {})
    this.#memory = exports['memory'] as WasmMemory
    this.#hmac = exports['hmac'] as (count: number, offs: number, out: number) => void
    this.#symbols = exports['symbols'] as (...args: number[]) => void
    this.#bytes = new Uint8Array(this.#memory.buffer)
    this.#words = new Int32Array(this.#memory.buffer)
    this.#words.set(states, 0)
  }

  /**
   * An instance for the key whose pad states are `states` (from `hmacPadStates`), or
   * undefined where WebAssembly is unavailable.
   */
  static create(states: Int32Array): HmacSha256Wasm | undefined {
    const module = HmacSha256Wasm.#module()
    return module === null ? undefined : new HmacSha256Wasm(module, states)
  }

  /** The instance memory as bytes; replaced when {@link HmacSha256Wasm.reserve} grows it. */
  get bytes(): Uint8Array {
    return this.#bytes
  }

  /** The instance memory as i32 words; replaced when {@link HmacSha256Wasm.reserve} grows it. */
  get words(): Int32Array {
    return this.#words
  }

  /**
   * Grows the memory so that bytes `[0, end)` exist. False when it cannot (a 32-bit memory
   * ends at 4 GiB; `memory.grow` reports failure instead of throwing).
   */
  reserve(end: number): boolean {
    const have = this.#memory.buffer.byteLength
    if (end <= have) return true
    if (end > MAX_MEMORY || this.#memory.grow(Math.ceil((end - have) / PAGE)) < 0) return false
    this.#bytes = new Uint8Array(this.#memory.buffer)
    this.#words = new Int32Array(this.#memory.buffer)
    return true
  }

  /**
   * Writes the token characters of the `count` MACs at byte `outAt` (as left by
   * {@link HmacSha256Wasm.run}) to `dstAt`, `format.symbols` bytes each; 4 bytes after the
   * last MAC must be addressable.
   */
  symbols(count: number, outAt: number, dstAt: number, format: SymbolFormat): void {
    if (this.#alphabet !== format.alphabet) {
      this.#bytes.set(format.alphabet, ALPHABET)
      this.#alphabet = format.alphabet
    }
    this.#symbols(count, outAt, dstAt, format.symbols, format.bits, format.lastMask)
  }

  /** Bytes `[start, end)` of the memory as a Latin-1 string. */
  latin1(start: number, end: number): string {
    return Buffer.from(this.#memory.buffer).toString('latin1', start, end)
  }

  /**
   * MACs `count` messages: message m is the bytes `[offs[m], offs[m + 1])` where `offs` is the
   * i32 array at byte `offsAt`; its 8 MAC words go to word `outAt / 4 + 8m`. Both addresses are
   * multiples of 4, the messages lie in `[INPUT_AT, offs[count])`, followed by
   * {@link INPUT_SLACK} addressable bytes. Zeroes the messages and the scratch before
   * returning.
   */
  run(count: number, offsAt: number, outAt: number): void {
    this.#hmac(count, offsAt, outAt)
    // The messages and the padded tails copied from them are plaintext: clear them now.
    this.#bytes.fill(0, SCRATCH, ALPHABET)
    this.#bytes.fill(0, INPUT_AT, this.#words[(offsAt >> 2) + count])
  }
}
