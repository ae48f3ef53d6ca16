/**
 * A fast path for hashing stored records: turns the JSON text of a record straight into
 * the UTF-8 bytes of its canonical form without the `hash` member, without building the
 * record as objects first.
 *
 * It accepts only a restricted form of JSON for which the result provably equals
 * `UTF-8(canonicalizeWithout(JSON.parse(text), 'hash'))` (canonical.ts), and gives up on
 * anything else, so the caller falls back to exactly that (slower) computation:
 *
 * - no whitespace between tokens; the text is one object, nested at most 16 deep;
 * - strings without escapes, control characters or surrogates (so the text's characters
 *   are the string's value, which `canonicalize` prints unescaped: `"` and `\` would need
 *   an escape, and a surrogate may be a lone one, which it rejects);
 * - numbers whose text is how ECMAScript prints their value (`String(Number(t)) === t`:
 *   no `-0`, `1.0`, `1E2`, leading zeros or digits beyond double precision);
 * - member names distinct within an object (`JSON.parse` keeps the last of two equal
 *   names, in the first one's place); the top-level `hash`, `seq` and `prevHash` are a
 *   string, a positive integer below 10^15 and a string, as a stored record has them.
 *
 * For such text `JSON.parse` yields plain objects, arrays, the same strings and numbers,
 * and `canonicalize` prints every value as the text has it, so the only difference is
 * member order: members are written sorted by name (UTF-16 code units; for strings
 * without surrogates that is also UTF-8 byte order), the top-level `hash` left out.
 *
 * Records are written as `JSON.stringify` prints them (`sqlite-audit-store.ts`), which is
 * this form whenever their strings need no escape: ids cannot hold control characters, so
 * in practice only a `"` or `\` in a name, or a non-BMP character, takes the slow path.
 */

/** The deepest nesting accepted; deeper text (at most 32 is canonical) falls back. */
const MAX_NEST = 16

/** The most digits of an integer taken without a check: 15 digits are below 2^53. */
const SIMPLE_INT_DIGITS = 15

/**
 * Runs up to this many bytes are moved by a loop, longer ones by `copyWithin` (measured:
 * no clear difference between 0 and 48; a call per short run costs about what a loop does).
 */
const SHORT_RUN = 32

/** Free bytes the caller gets before the canonical form (the hash chain's prefix). */
export const PREFIX_ROOM = 32

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const MINUS = 0x2d
const PLUS = 0x2b
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d

/**
 * Where {@link canonicalRecordText} puts its results: one object, reused from call to
 * call, rather than a new one per record.
 */
export interface RecordText {
  /** The top-level `seq`. */
  seq: number
  /** The top-level `prevHash` (not checked to be a hash). */
  prevHash: string
  /** The top-level `hash` (not checked to be a hash). */
  hash: string
  /** Where the canonical form starts in the buffer; `PREFIX_ROOM` free bytes precede it. */
  start: number
  /** Its length in bytes. */
  length: number
}

// Scanner state for one call. Module-level rather than an object per record: this runs
// once per verified record, and calls never nest or interleave (nothing here awaits).
// The text is written into the caller's buffer as UTF-8 and scanned there. Its values
// are already canonical bytes, so only members move: those of a nested object with names
// out of order are rewritten in place (through a spare area after the text), then the
// top-level members are copied, in name order and without `hash`, to the output area.
const NONE = Buffer.alloc(0)
let buf: Buffer = NONE
let end = 0
let spare = 0
let p = 0
// Per member of the objects being scanned, SLOTS numbers: its name's start and end, the
// start and end of its `"name":value` bytes, and a sort key made of the name's first
// three bytes (0 past its end, which no name byte is, so a shorter name sorts first, as
// it should). One stack shared by all nesting levels.
const SLOTS = 5
let members = new Int32Array(SLOTS * 64)
let sp = 0
let order = new Int32Array(64)
let seqValue = 0
let prevHashAt = -1
let hashAt = -1
// Where the output area starts, and where the canonical form ends in it.
let outStart = 0
let w = 0

/**
 * The bytes `target` needs for {@link canonicalRecordText} of a text of `length` UTF-16
 * code units: the text as UTF-8 (at most three bytes per code unit), a spare area and the
 * output area as large, and the prefix room.
 */
export function recordTextRoom(length: number): number {
  return 6 * length + PREFIX_ROOM + 2
}

/**
 * Writes `UTF-8(canonicalizeWithout(JSON.parse(text), 'hash'))` into `target`, and sets
 * `result` to where it is and to the record's `seq`, `prevHash` and `hash`. Returns false
 * when `text` is not in the restricted form (module comment): then nothing is known about
 * it (`result` is garbage), and the caller must parse and canonicalize it.
 *
 * `target` needs {@link recordTextRoom} bytes; all of them may be overwritten.
 */
export function canonicalRecordText(text: string, target: Buffer, result: RecordText): boolean {
  buf = target
  end = target.write(text, 0, 'utf8')
  // A quote past the end stops every string scan; `string()` then sees it is outside.
  target[end] = QUOTE
  spare = end + 1
  outStart = end + 1 + PREFIX_ROOM
  p = 0
  seqValue = 0
  prevHashAt = -1
  hashAt = -1
  sp = 0
  const ok = target[0] === OPEN_OBJECT && object(1) && p === end && prevHashAt > 0 && hashAt > 0
  if (ok && seqValue > 0) {
    const ascii = end === text.length
    result.seq = seqValue
    result.prevHash = stringAt(text, prevHashAt, ascii)
    result.hash = stringAt(text, hashAt, ascii)
    result.start = outStart
    result.length = w - outStart
  }
  buf = NONE
  return ok && seqValue > 0
}

/** The value of the string token whose opening quote was at byte `at` of the text. */
function stringAt(text: string, at: number, ascii: boolean): string {
  // All-ASCII text (one byte per code unit) gives the characters by byte position.
  if (ascii) return text.slice(at + 1, text.indexOf('"', at + 1))
  const s = buf
  let close = at + 1
  while (s[close] !== QUOTE) close++
  return s.toString('utf8', at + 1, close)
}

function value(depth: number): boolean {
  const c = buf[p]
  if (c === QUOTE) return string()
  if (c === OPEN_OBJECT) return depth < MAX_NEST && object(depth + 1)
  if (c === OPEN_ARRAY) return depth < MAX_NEST && array(depth + 1)
  if (c === MINUS || (c !== undefined && c >= ZERO && c <= NINE)) return number() !== -2
  // `true`, `false` and `null` print as themselves.
  if (c === 0x74) return literal('true')
  if (c === 0x66) return literal('false')
  if (c === 0x6e) return literal('null')
  return false
}

function literal(word: string): boolean {
  const n = word.length
  if (p + n > end) return false
  for (let i = 0; i < n; i++) if (buf[p + i] !== word.charCodeAt(i)) return false
  p += n
  return true
}

/**
 * Skips a string token; false if it has an escape (`\`), a control character, a
 * character beyond U+FFFF (a surrogate pair in UTF-16: names would sort differently in
 * UTF-8 than in UTF-16) or U+FFFD (what Node's UTF-8 encoder makes of a lone surrogate,
 * which `canonicalize` rejects, so the two cannot be told apart in the bytes). Without
 * these, the token's characters are its value, and `canonicalize` prints it as it is.
 */
function string(): boolean {
  const s = buf
  let i = p + 1
  for (;;) {
    const c = s[i] as number
    if (c === QUOTE) break
    // One test for the rare bytes: controls, `\`, and lead bytes 0xEF and above.
    if (c < 0x20 || c === BACKSLASH || c >= 0xef) {
      if (c < 0x20 || c === BACKSLASH || c >= 0xf0) return false
      if (s[i + 1] === 0xbf && s[i + 2] === 0xbd) return false // U+FFFD
    }
    i++
  }
  if (i >= end) return false
  p = i + 1
  return true
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= ZERO && c <= NINE
}

/**
 * Skips a number token (JSON grammar, RFC 8259 §6) if it is how ECMAScript prints its
 * value. Returns the value when it is a non-negative integer of at most 15 digits (what a
 * `seq` must be), -1 for any other accepted number, -2 to give up.
 */
function number(): number {
  const s = buf
  const start = p
  let i = p
  if (s[i] === MINUS) i++
  const intStart = i
  const first = s[i]
  let int = 0
  if (first === ZERO) i++
  else if (first !== undefined && first > ZERO && first <= NINE) {
    for (let c = s[i]; isDigit(c); c = s[++i]) int = int * 10 + (c as number) - ZERO
  } else return -2
  const digits = i - intStart
  let simple = true
  if (s[i] === DOT) {
    simple = false
    i++
    if (!isDigit(s[i])) return -2
    while (isDigit(s[i])) i++
  }
  const e = s[i]
  if (e === 0x65 || e === 0x45) {
    simple = false
    i++
    if (s[i] === PLUS || s[i] === MINUS) i++
    if (!isDigit(s[i])) return -2
    while (isDigit(s[i])) i++
  }
  if (i > end) return -2
  const negative = intStart > start
  let result = -1
  if (simple && digits <= SIMPLE_INT_DIGITS) {
    // An integer below 10^15 is exact in a double and prints as its digits; only `-0`
    // prints otherwise (as `0`).
    if (negative && first === ZERO) return -2
    if (!negative) result = int
  } else {
    const token = s.toString('latin1', start, i)
    if (String(Number(token)) !== token) return -2
  }
  p = i
  return result
}

function array(depth: number): boolean {
  p++
  if (buf[p] === CLOSE_ARRAY) {
    p++
    return true
  }
  for (;;) {
    if (!value(depth)) return false
    const c = buf[p++]
    if (c === CLOSE_ARRAY) return true
    if (c !== COMMA) return false
  }
}

/** Compares member names `a` and `b` (indexes into `members`) by bytes. */
function compareNames(a: number, b: number): number {
  const m = members
  const d = (m[a + 4] as number) - (m[b + 4] as number)
  if (d !== 0) return d
  const s = buf
  const as = m[a] as number
  const al = (m[a + 1] as number) - as
  const bs = m[b] as number
  const bl = (m[b + 1] as number) - bs
  const n = al < bl ? al : bl
  for (let i = 3; i < n; i++) {
    const c = (s[as + i] as number) - (s[bs + i] as number)
    if (c !== 0) return c
  }
  return al - bl
}

function pushMember(nameStart: number, nameEnd: number, segStart: number, segEnd: number): void {
  if (sp + SLOTS > members.length) {
    const grown = new Int32Array(members.length * 2)
    grown.set(members)
    members = grown
  }
  const m = members
  const s = buf
  const len = nameEnd - nameStart
  m[sp] = nameStart
  m[sp + 1] = nameEnd
  m[sp + 2] = segStart
  m[sp + 3] = segEnd
  m[sp + 4] =
    (len > 0 ? (s[nameStart] as number) << 16 : 0) |
    (len > 1 ? (s[nameStart + 1] as number) << 8 : 0) |
    (len > 2 ? (s[nameStart + 2] as number) : 0)
  sp += SLOTS
}

/** True when the name from `start` to `nameEnd` is the ASCII `name`. */
function isName(start: number, nameEnd: number, name: string): boolean {
  if (nameEnd - start !== name.length) return false
  for (let i = 0; i < name.length; i++) if (buf[start + i] !== name.charCodeAt(i)) return false
  return true
}

function object(depth: number): boolean {
  p++
  const base = sp
  const top = depth === 1
  const first = p
  let sorted = true
  if (buf[p] === CLOSE_OBJECT) {
    p++
    return true
  }
  for (;;) {
    if (buf[p] !== QUOTE) return false
    const segStart = p
    const nameStart = p + 1
    if (!string()) return false
    const nameEnd = p - 1
    if (buf[p] !== COLON) return false
    p++
    if (top && isName(nameStart, nameEnd, 'hash')) {
      // Cut out below; a second one would be ambiguous.
      if (hashAt >= 0 || buf[p] !== QUOTE) return false
      hashAt = p
      if (!string()) return false
    } else {
      if (top && isName(nameStart, nameEnd, 'seq')) {
        const n = buf[p] === QUOTE ? -2 : number()
        if (n < 0) return false
        seqValue = n
      } else if (top && isName(nameStart, nameEnd, 'prevHash')) {
        if (buf[p] !== QUOTE) return false
        prevHashAt = p
        if (!string()) return false
      } else if (!value(depth)) {
        return false
      }
      const at = sp
      pushMember(nameStart, nameEnd, segStart, p)
      if (at > base) {
        const c = compareNames(at - SLOTS, at)
        if (c === 0) return false // a duplicate name
        if (c > 0) sorted = false
      }
    }
    const c = buf[p++]
    if (c === CLOSE_OBJECT) break
    if (c !== COMMA) return false
  }
  if (top) {
    // Always rewritten: the `hash` member goes, and the object ends the canonical form.
    if (!rewrite(base, first, p - 1, true)) return false
  } else if (!sorted && !rewrite(base, first, p - 1, false)) {
    return false
  }
  sp = base
  return true
}

/**
 * Puts the members of an object (entries from `base` in `members`), which lie between
 * `from` (after its `{`) and `to` (its `}`), in name order, joined by commas: a nested
 * object in place (it keeps its length); the top-level one, without its `hash` member and
 * closed by `}`, in the output area, setting `w` to where it ends.
 */
function rewrite(base: number, from: number, to: number, top: boolean): boolean {
  const count = (sp - base) / SLOTS
  if (order.length < count) order = new Int32Array(count * 2)
  const ord = order
  for (let k = 0; k < count; k++) {
    const at = base + k * SLOTS
    let j = k - 1
    while (j >= 0 && compareNames(ord[j] as number, at) > 0) {
      ord[j + 1] = ord[j] as number
      j--
    }
    // Equal names were only compared when adjacent in the text; now they are adjacent.
    if (j >= 0 && compareNames(ord[j] as number, at) === 0) return false
    ord[j + 1] = at
  }
  const m = members
  const s = buf
  let shift = 0
  let j = outStart
  if (top) {
    s[j++] = OPEN_OBJECT
  } else {
    // Copied out to the spare area, then back in order.
    s.copyWithin(spare, from, to)
    shift = spare - from
    j = from
  }
  for (let k = 0; k < count; k++) {
    const at = ord[k] as number
    if (k > 0) s[j++] = COMMA
    const a = (m[at + 2] as number) + shift
    const b = (m[at + 3] as number) + shift
    if (b - a > SHORT_RUN) {
      s.copyWithin(j, a, b)
      j += b - a
    } else {
      for (let i = a; i < b; i++) s[j++] = s[i] as number
    }
  }
  if (top) {
    s[j++] = CLOSE_OBJECT
    w = j
    return true
  }
  return j === to
}
