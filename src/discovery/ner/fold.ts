/**
 * Lookup keys for gazetteers: lowercase, without diacritics, so "Mikolčić", "MIKOLCIC" and
 * "mikolcic" meet at one key.
 */

// Combining marks left by NFD decomposition.
const MARKS_RE = /\p{M}/gu
const NON_ASCII_RE = /[\u0080-\uffff]/

// Folding a non-ASCII word (NFD and nine replacements) costs far more than a lookup, and
// the same names recur from text to text; bounded so that a long scan cannot grow it forever.
const MEMO_LIMIT = 20_000
const memo = new Map<string, string>()

/** `word` lowercased with its diacritics removed (`"Ñúñez"` → `"nunez"`). */
export function foldKey(word: string): string {
  const lower = word.toLowerCase()
  // Already-lowercase ASCII (the common case) comes back as the same string.
  if (!NON_ASCII_RE.test(lower)) return lower
  let folded = memo.get(lower)
  if (folded === undefined) {
    if (memo.size >= MEMO_LIMIT) memo.clear()
    folded = foldLatin(lower) ?? fold(lower)
    memo.set(lower, folded)
  }
  return folded
}

// The letters `fold` transliterates after NFD.
const UNDECOMPOSED_RE = /[ßæøđłþð]/

function fold(lower: string): string {
  const bare = lower.normalize('NFD').replace(MARKS_RE, '')
  // Most words hold none of them: one test spares seven passes that change nothing.
  if (!UNDECOMPOSED_RE.test(bare)) return bare
  // ß, æ, ø, đ, ł do not decompose under NFD; spell them the way name lists transliterate.
  return bare
    .replace(/ß/g, 'ss')
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'o')
    .replace(/đ/g, 'd')
    .replace(/ł/g, 'l')
    .replace(/þ/g, 'th')
    .replace(/ð/g, 'd')
}

/** Code units below this (ASCII, Latin-1 and Latin Extended-A) are folded by table. */
const LATIN_END = 0x180

/**
 * A folder by table for words of ASCII, Latin-1 and Latin Extended-A characters (nearly every
 * accented name: "Ñúñez", "Dvořák", "Łukasz"), whose table holds `foldChar` of each character
 * (undefined: not folded alone). For these characters a word's fold is its characters' folds
 * joined: none of them is a combining mark or has a context-dependent lower case, so NFD,
 * mark removal, lowercasing and one-character replacements all work character by character.
 * A table read per character costs far less than NFD and a Unicode regex per new word. The
 * folder answers undefined for any other word: the caller folds it in full.
 */
export function latinFolder(
  foldChar: (ch: string) => string | undefined,
): (s: string) => string | undefined {
  const table: (string | undefined)[] = []
  for (let c = 0; c < LATIN_END; c++) table.push(foldChar(String.fromCharCode(c)))
  return (s) => {
    let out = ''
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      const f = c < LATIN_END ? table[c] : undefined
      if (f === undefined) return undefined
      out += f
    }
    return out
  }
}

/** {@link fold} by table, for words of Latin characters (see {@link latinFolder}). */
const foldLatin = latinFolder(fold)
