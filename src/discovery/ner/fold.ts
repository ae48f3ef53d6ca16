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
    folded = fold(lower)
    memo.set(lower, folded)
  }
  return folded
}

function fold(lower: string): string {
  // ß, æ, ø, đ, ł do not decompose under NFD; spell them the way name lists transliterate.
  return lower
    .normalize('NFD')
    .replace(MARKS_RE, '')
    .replace(/ß/g, 'ss')
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'o')
    .replace(/đ/g, 'd')
    .replace(/ł/g, 'l')
    .replace(/þ/g, 'th')
    .replace(/ð/g, 'd')
}
