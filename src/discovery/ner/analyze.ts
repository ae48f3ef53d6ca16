/**
 * One pass of rule-based named-entity recognition shared by the PERSON, ORGANIZATION,
 * TITLE and NRP detectors, so that they agree on who owns a word: a job title's capitalised
 * first word is not also a surname, a company's "Smith" is not also a person. The result of
 * the last text is cached, so four detectors over one text cost one analysis.
 */
import type { Span } from '../detector.js'
import {
  ORG_CUES_AFTER,
  ORG_CUE_VERBS,
  ORG_CUES_BEFORE,
  PERSON_CUES_AFTER,
  PERSON_CUES_BEFORE,
  STREET_WORDS_AFTER,
  STREET_WORDS_BEFORE,
} from '../gazetteers/people-words.js'
import { getLexicon, W as importedW } from './lexicon.js'
import type { Lexicon, NameSource } from './lexicon.js'
import { readTokens, wordSet } from './tokens.js'
import type { Tok } from './tokens.js'

// The flag values, bound once in this module: some loaders (tsx, which runs the benchmarks)
// turn each use of an imported binding into a getter call, and the analysis reads flags
// for every word.
const W = importedW

/** The spans of one text, by entity type. */
export interface NerResult {
  readonly person: Span[]
  readonly organization: Span[]
  readonly title: Span[]
  readonly nrp: Span[]
}

/** Scores the detectors emit; see `docs/entities.md`. */
export const NER_SCORES = {
  /** A first name followed by more name words, or a name after an honorific. */
  fullName: 0.85,
  /** A multi-word name with a known surname but an unknown first word. */
  surnameRun: 0.75,
  /** One capitalised known first name or surname. */
  singleName: 0.7,
  /** A known name that is also an everyday word or a place, backed by context. */
  weakName: 0.5,
  /** One lowercase known first name. */
  lowercaseName: 0.5,
  /** An unknown capitalised word with a person cue around it. */
  cuedUnknown: 0.45,
  /** An unknown capitalised word followed by a common verb ("Kaypa is …"): the default cut. */
  weaklyCuedUnknown: 0.4,
  /** An unknown capitalised word listed with a name ("Ewing" in "Turgeon, Guerra and Ewing"). */
  coordinated: 0.6,
  honorific: 0.85,
  jobTitle: 0.7,
  jobTitleSingle: 0.55,
  jobTitleRisky: 0.5,
  /** All-lowercase modifiers in mixed-case text ("a classical musician"): below the default cut. */
  jobTitleLowercase: 0.35,
  orgLegalSuffix: 0.85,
  orgInstitutional: 0.7,
  orgKnown: 0.75,
  orgCamelCase: 0.55,
  orgCued: 0.45,
  /** A capitalised run before an organisation word ("the Acme office", "Acme announced"). */
  orgCuedAfter: 0.6,
  /** An unknown capitalised word after a preposition: the default cut, below places. */
  orgFallback: 0.4,
  orgHyphenated: 0.5,
  nrp: 0.75,
  nrpBeforeName: 0.45,
} as const

const CUE_BEFORE = wordSet(PERSON_CUES_BEFORE)
const CUE_AFTER = wordSet(PERSON_CUES_AFTER)
// After-cues strong enough to make an unknown word a name: verbs of speech and feeling,
// possessives ("gave Aija his address"); not "is" or "and", which follow anything.
const STRONG_CUE_AFTER = wordSet([
  'said',
  'says',
  'told',
  'wrote',
  'writes',
  'asked',
  'replied',
  'answered',
  'shouted',
  'explained',
  'added',
  'smiled',
  'laughed',
  'cried',
  'yelled',
  'his',
  'her',
  'gave',
  'thinks',
  'knows',
  'wants',
  'likes',
  'loves',
  'feels',
  'married',
  'died',
])
const ORG_CUE = wordSet(ORG_CUES_BEFORE)
const ORG_CUE_VERB = wordSet(ORG_CUE_VERBS)
const ORG_CUE_PREP = wordSet(['at', 'for', 'by', 'with'])
const ORG_AFTER = wordSet(ORG_CUES_AFTER)
// Nouns that, after "the … ", make the words between an organisation's name, even names
// of people: "the Oliver Wyman office", "the Jones, Mitchell and Williams headquarters".
const ORG_NOUNS_AFTER = wordSet([
  'office',
  'offices',
  'headquarters',
  'hq',
  'branch',
  'employees',
  'staff',
  'shareholders',
  'board',
  'website',
  'app',
  'platform',
  'customers',
  'products',
])
// Prepositions before an unknown capitalised word that make it an organisation or a place;
// a location detector's higher score takes the places.
const ORG_OR_PLACE_PREP = wordSet(['from', 'at', 'for', 'of', 'with', 'by', 'to', 'joined'])
const STREET_AFTER = wordSet(STREET_WORDS_AFTER)
const STREET_BEFORE = wordSet(STREET_WORDS_BEFORE)
// Suffixes that mark a company even in lowercase text.
const STRONG_LEGAL = wordSet([
  'inc',
  'incorporated',
  'ltd',
  'limited',
  'llc',
  'llp',
  'plc',
  'gmbh',
  'corp',
  'corporation',
  'company',
  'group',
  'holdings',
])
// Short legal forms that are only suffixes when written in capitals ("SA", "AG", "Co.").
const CAPS_ONLY_SUFFIX = wordSet(['sa', 'ag', 'kg', 'nv', 'bv', 'oy', 'lp', 'co', 'sas', 'spa'])
// Occupations that are also machines or software parts ("device driver", "user agent").
const RISKY_HEADS = wordSet([
  'driver',
  'agent',
  'worker',
  'helper',
  'guard',
  'tender',
  'keeper',
  'handler',
  'setter',
  'cutter',
  'printer',
  'controller',
  'compiler',
  'collector',
  'developer',
  'loader',
  'sorter',
  'mover',
  'packer',
  'polisher',
  'sander',
  'caster',
  'finisher',
  'logger',
  'scheduler',
  'dispenser',
  'associate',
  'executive',
  'model',
  'assistant',
  'editor',
  'writer',
  'reader',
])
// Punctuation ending a sentence, by character code: a word never starts with punctuation,
// so a token's first code tells these one-character tokens apart without spelling them.
const SENTENCE_END = new Set(
  [
    '.',
    '!',
    '?',
    ':',
    ';',
    '"',
    '“',
    '”',
    '>',
    '(',
    ')',
    '[',
    ']',
    '|',
    '*',
    '•',
    '-',
    '–',
    '—',
  ].map((c) => c.charCodeAt(0)),
)
const DOT = 0x2e
const COMMA = 0x2c
const AMPERSAND = 0x26
const COLON = 0x3a
const QUOTE = 0x22
const BANG = 0x21
const QUESTION = 0x3f
const DIRECTIONS = [-1, 1] as const
const MAX_NAME_WORDS = 4
// The word indices of the name being read, reused from name to name.
const nameWords = new Int32Array(MAX_NAME_WORDS)
const MAX_JOB_MODIFIERS = 6

// The default gazetteer is built when this module loads, not on the first scan: the build
// takes a few hundred milliseconds, which would otherwise land on one unlucky first call
// (and on the per-call time budgets of the linear-time tests).
getLexicon('compromise+faker')

let lastText: string | undefined
let lastSource: NameSource | undefined
let lastResult: NerResult | undefined

/** The named entities of `text`; the last text's result is reused. */
export function analyze(text: string, source: NameSource = 'compromise+faker'): NerResult {
  if (text === lastText && source === lastSource && lastResult !== undefined) return lastResult
  const result = new Analysis(text, getLexicon(source)).run()
  lastText = text
  lastSource = source
  lastResult = result
  return result
}

const NAME_BITS = W.FIRST | W.LAST
const OWN_TITLE = 1
const OWN_ORG = 2
const OWN_PERSON = 3

let ownerScratch = new Uint8Array(256)
let honorScratch = new Uint8Array(256)

/** The passes over one text, in order: honorifics, job titles, organisations, people, NRP. */
class Analysis {
  readonly toks: Tok[]
  readonly n: number
  /** Which entity claimed each token (0 none). */
  readonly owner: Uint8Array
  /** 1 where the token follows an honorific. */
  readonly afterHonorific: Uint8Array
  /** No upper-case letter anywhere: names are written in lowercase too. */
  readonly allLower: boolean
  /** The OR of every token's flags. */
  readonly anyFlags: number
  /** Some word starts with a capital. */
  readonly anyCap: boolean
  readonly title: Span[] = []
  readonly organization: Span[] = []
  readonly person: Span[] = []
  readonly nrp: Span[] = []

  constructor(
    text: string,
    readonly lex: Lexicon,
  ) {
    const list = readTokens(text, lex)
    this.toks = list.toks
    this.n = this.toks.length
    // Scratch reused from text to text (one analysis runs at a time): allocating two arrays
    // per ~80-character text showed in profiles. Every read is at an index below n.
    if (ownerScratch.length < this.n) {
      ownerScratch = new Uint8Array(this.n * 2)
      honorScratch = new Uint8Array(this.n * 2)
    } else {
      ownerScratch.fill(0, 0, this.n)
      honorScratch.fill(0, 0, this.n)
    }
    this.owner = ownerScratch
    this.afterHonorific = honorScratch
    this.allLower = list.allLower
    this.anyFlags = list.anyFlags
    this.anyCap = list.anyCap
  }

  run(): NerResult {
    // Each pass starts from a token with its trigger flag (or a capital); skip the passes
    // whose trigger the text lacks.
    const f = this.anyFlags
    if ((f & W.HONORIFIC) !== 0) this.honorifics()
    if ((f & W.JOB_HEAD) !== 0) this.jobTitles()
    if ((f & W.ORG_SUFFIX) !== 0) this.suffixedOrganizations()
    if ((f & W.ORG_PREFIX) !== 0 && this.anyCap) this.prefixedOrganizations()
    this.framedOrganizations()
    if (this.anyCap || this.allLower || this.title.length > 0) this.people()
    if (this.person.length > 0) this.coordinatedPeople()
    if ((f & W.NRP) !== 0 && this.anyCap) this.nationalities()
    if (this.anyCap) this.otherOrganizations()
    return {
      person: this.person,
      organization: this.organization,
      title: this.title,
      nrp: this.nrp,
    }
  }

  /**
   * The token at `i`, undefined outside the text. Reads that may fall before the first token
   * go through here: a negative index is no array index, and V8 looks it up as a property
   * name, far slower than a read past the end.
   */
  tok(i: number): Tok | undefined {
    return i >= 0 ? this.toks[i] : undefined
  }

  has(i: number, flag: number): boolean {
    return ((this.tok(i)?.flags ?? 0) & flag) !== 0
  }

  claim(a: number, b: number, who: number): void {
    for (let k = a; k <= b; k++) this.owner[k] = who
  }

  sentenceStart(i: number): boolean {
    const t = this.toks[i]
    if (t === undefined || t.lineStart) return true
    const p = this.tok(i - 1)
    return p === undefined || SENTENCE_END.has(p.code)
  }

  /** A word that may be part of a name: not a number, function word or honorific. */
  nameWord(t: Tok | undefined): t is Tok {
    return t !== undefined && t.nameable
  }

  honorifics(): void {
    for (let i = 0; i < this.n; i++) {
      const t = this.toks[i] as Tok
      if (!t.word || (t.flags & W.HONORIFIC) === 0) continue
      let j = i + 1
      let end = t.end
      const dot = this.toks[j]
      if (dot !== undefined && dot.code === DOT && dot.start === t.end) {
        end = dot.end
        j++
      }
      const next = this.toks[j]
      if (!this.nameWord(next) || next.lineStart) continue
      const ambiguous = (t.flags & W.AMBIGUOUS_HONORIFIC) !== 0
      if (ambiguous && ((!t.cap && end === t.end) || !next.cap)) continue
      if (!next.cap && (next.flags & NAME_BITS) === 0 && !this.allLower) continue
      this.title.push({ type: 'TITLE', start: t.start, end, score: NER_SCORES.honorific })
      this.claim(i, j - 1, OWN_TITLE)
      this.afterHonorific[j] = 1
    }
  }

  jobTitles(): void {
    for (let h = 0; h < this.n; h++) {
      const head = this.toks[h] as Tok
      if (!head.word || (head.flags & W.JOB_HEAD) === 0 || this.owner[h] !== 0) continue
      if (head.cap && !head.lower && head.text === head.text.toUpperCase()) continue
      const [start, words, capStart] = head.cap ? this.titleCaseStart(h) : this.sentenceCaseStart(h)
      if (words === 0) {
        // A lone head noun is a title only when capitalised mid-sentence ("… Publicist …").
        if (!head.cap || this.sentenceStart(h) || (head.flags & W.COMMON) !== 0) continue
        if (head.keyIn(RISKY_HEADS)) continue
        this.pushTitle(h, h, NER_SCORES.jobTitleSingle)
        continue
      }
      let score: number = head.keyIn(RISKY_HEADS) ? NER_SCORES.jobTitleRisky : NER_SCORES.jobTitle
      if (!capStart && !this.allLower) score = NER_SCORES.jobTitleLowercase
      this.pushTitle(start, h, score)
    }
  }

  pushTitle(a: number, b: number, score: number): void {
    const first = this.toks[a] as Tok
    const last = this.toks[b] as Tok
    this.title.push({ type: 'TITLE', start: first.start, end: last.end, score })
    if (score >= NER_SCORES.jobTitleRisky) this.claim(a, b, OWN_TITLE)
  }

  /** Sentence case ("Food cooking machine operator"): lowercase modifiers after a capital. */
  sentenceCaseStart(h: number): [number, number, boolean] {
    let k = h - 1
    let start = h
    let words = 0
    while (k >= 0 && words < MAX_JOB_MODIFIERS) {
      const t = this.toks[k] as Tok
      if (this.owner[k] !== 0 || (this.toks[k + 1] as Tok).lineStart) break
      // "Crushing, grinding, and polishing machine tender": lists of modifiers.
      if ((t.word && t.keyIs('and')) || t.code === COMMA) {
        const before = this.tok(k - 1)
        if (before === undefined || !before.word || (before.flags & W.FUNCTION) !== 0) break
        k--
        continue
      }
      if (!t.word || (t.flags & (W.FUNCTION | W.HONORIFIC)) !== 0) break
      if (t.numeric) break
      if ((t.flags & NAME_BITS) !== 0 && (t.flags & W.COMMON) === 0 && !t.cap) break
      if (t.cap) {
        if ((t.flags & W.JOB_HEAD) !== 0 && k !== h - 1) break
        // "Republican leaders", "Paris bakers": a group or place, not a title's first word.
        if ((t.flags & (W.NRP | W.PLACE)) !== 0 || isStrongName(t)) break
        return [k, words + 1, true]
      }
      start = k
      words++
      k--
    }
    return [start, words, false]
  }

  /** Title case ("Systems Administrator"): capitalised modifiers that are not names. */
  titleCaseStart(h: number): [number, number, boolean] {
    let k = h - 1
    let start = h
    let words = 0
    while (k >= 0 && words < 3) {
      const t = this.toks[k] as Tok
      if (!t.word || !t.cap || this.owner[k] !== 0) break
      if ((t.flags & (W.FUNCTION | W.HONORIFIC | W.PLACE)) !== 0) break
      if ((t.flags & NAME_BITS) !== 0 && (t.flags & W.COMMON) === 0) break
      if ((this.toks[k + 1] as Tok).lineStart || t.acronym) break
      start = k
      words++
      k--
    }
    return [start, words, true]
  }

  suffixedOrganizations(): void {
    for (let s = 0; s < this.n; s++) {
      const suf = this.toks[s] as Tok
      if (!suf.word || (suf.flags & W.ORG_SUFFIX) === 0 || this.owner[s] !== 0) continue
      if (suf.keyIn(CAPS_ONLY_SUFFIX) && !suf.cap) continue
      const strong = suf.keyIn(STRONG_LEGAL) || suf.keyIn(CAPS_ONLY_SUFFIX)
      if (!suf.cap && !strong) continue
      // "Analytics Ltd.": the last suffix of a run closes the name.
      const following = this.toks[s + 1]
      if (following !== undefined && following.word && (following.flags & W.ORG_SUFFIX) !== 0) {
        if (following.cap === suf.cap && !following.lineStart) continue
      }
      let k = s - 1
      let start = s
      let words = 0
      while (k >= 0 && words < 5) {
        const t = this.toks[k] as Tok
        if (this.owner[k] !== 0 || (this.toks[k + 1] as Tok).lineStart) break
        // "and Sons", "& Company", "Bank of …": the connector belongs to the name.
        if (t.code === AMPERSAND || t.keyIs('and') || t.keyIs('of')) {
          const before = this.tok(k - 1)
          if (before !== undefined && before.word && before.cap === suf.cap && words < 4) {
            k--
            continue
          }
          break
        }
        if (!t.word) {
          // Initials: "H. J. Wilson & Company".
          const before = this.tok(k - 1)
          if (
            t.code === DOT &&
            before !== undefined &&
            before.word &&
            before.end - before.start === 1
          ) {
            k--
            continue
          }
          break
        }
        if ((t.flags & (W.FUNCTION | W.HONORIFIC)) !== 0) break
        if (suf.cap ? !t.cap : !t.lower) break
        if (!suf.cap && words >= 3) break
        start = k
        words++
        k--
      }
      if (words === 0) continue
      let end = suf.end
      const dot = this.toks[s + 1]
      if (dot !== undefined && dot.code === DOT && dot.start === suf.end && suf.key.length <= 4) {
        end = dot.end
      }
      const score = strong ? NER_SCORES.orgLegalSuffix : NER_SCORES.orgInstitutional
      const first = this.toks[start] as Tok
      this.organization.push({ type: 'ORGANIZATION', start: first.start, end, score })
      this.claim(start, s, OWN_ORG)
    }
  }

  /** "University of X", "Bank of X". */
  prefixedOrganizations(): void {
    for (let p = 0; p + 2 < this.n; p++) {
      const t = this.toks[p] as Tok
      if (!t.cap || (t.flags & W.ORG_PREFIX) === 0 || this.owner[p] !== 0) continue
      if (this.toks[p + 1]?.keyIs('of') !== true) continue
      let e = p + 1
      while (e + 1 < this.n && e - p < 5 && this.owner[e + 1] === 0) {
        const nx = this.toks[e + 1] as Tok
        if (!nx.word || !nx.cap || nx.lineStart) break
        e++
      }
      if (e === p + 1) continue
      const last = this.toks[e] as Tok
      this.organization.push({
        type: 'ORGANIZATION',
        start: t.start,
        end: last.end,
        score: NER_SCORES.orgInstitutional,
      })
      this.claim(p, e, OWN_ORG)
    }
  }

  /** "the X office", "the X, Y and Z headquarters": a name framed by an organisation noun. */
  framedOrganizations(): void {
    for (let i = 1; i < this.n; i++) {
      // "the" is a function word: testing the flag first spares reading every token's key.
      const article = this.toks[i - 1] as Tok
      if ((article.flags & W.FUNCTION) === 0 || !article.keyIs('the') || this.owner[i] !== 0) {
        continue
      }
      const first = this.toks[i] as Tok
      if (!this.nameWord(first) || (!first.cap && !this.allLower)) continue
      let e = i
      let words = 1
      while (e + 1 < this.n && words < 6) {
        const nx = this.toks[e + 1] as Tok
        if (nx.lineStart || this.owner[e + 1] !== 0) break
        if (nx.code === COMMA || nx.code === AMPERSAND || nx.keyIs('and')) {
          const after = this.toks[e + 2]
          if (after === undefined || !this.nameWord(after) || after.cap !== first.cap) break
          e += 2
          words++
          continue
        }
        if (!this.nameWord(nx) || nx.cap !== first.cap || nx.keyIn(ORG_NOUNS_AFTER)) break
        e++
        words++
      }
      const noun = this.toks[e + 1]
      if (noun === undefined || !noun.word || !noun.keyIn(ORG_NOUNS_AFTER)) continue
      if (this.plainCommon(i) && words === 1) continue
      const last = this.toks[e] as Tok
      this.organization.push({
        type: 'ORGANIZATION',
        start: first.start,
        end: last.bareEnd,
        score: NER_SCORES.orgCuedAfter,
      })
      this.claim(i, e, OWN_ORG)
      i = e
    }
  }

  people(): void {
    const words = nameWords
    for (let i = 0; i < this.n; i++) {
      const t = this.toks[i] as Tok
      if (this.owner[i] !== 0 || !this.nameWord(t)) continue
      const honored = this.afterHonorific[i] === 1
      if (!t.cap && !honored && !(this.allLower && (t.flags & W.FIRST) !== 0)) continue
      if ((t.flags & (W.NAME_SUFFIX | W.PARTICLE)) !== 0 && !t.cap) continue
      if ((t.flags & NAME_BITS) === 0 && t.innerCap && isCamelCase(t.text)) continue
      words[0] = i
      const count = this.extendName(words, t)
      // The name is words[from] to words[count - 1]: dropping a leading word moves `from`.
      let from = 0
      // Leading everyday words ("Celebrating Anna") are not part of the name.
      while (count - from > 1 && this.plainCommon(words[from] as number)) from++
      // A sentence's first word is capitalised anyway: "Yesterday Anna …".
      if (count - from > 1 && this.sentenceStart(words[from] as number)) {
        const w0 = this.toks[words[from] as number] as Tok
        const w1 = this.toks[words[from + 1] as number] as Tok
        if ((w0.flags & NAME_BITS) === 0 && (w1.flags & NAME_BITS) !== 0) from++
      }
      const a = words[from] as number
      const b = words[count - 1] as number
      const endTok = this.nameSuffixEnd(b)
      i = endTok
      if (this.streetLike(a, b)) continue
      const score = this.scoreName(words, from, count)
      if (score === 0) continue
      const first = this.toks[a] as Tok
      const lastTok = this.toks[endTok] as Tok
      const end = endTok === b ? lastTok.bareEnd : lastTok.end
      this.person.push({ type: 'PERSON', start: first.start, end, score })
      this.claim(a, endTok, OWN_PERSON)
    }
  }

  /** Extends the name starting at words[0] into `words`; returns how many words it has. */
  extendName(words: Int32Array, t: Tok): number {
    let j = words[0] as number
    let count = 1
    while (count < MAX_NAME_WORDS) {
      let k = j + 1
      // Particles ("van der") and initials ("J.") sit inside a name.
      while (k < this.n && k - j <= 2 && this.has(k, W.PARTICLE) && this.toks[k]?.lower === true)
        k++
      const initial = this.toks[k]
      if (
        t.cap &&
        initial !== undefined &&
        initial.word &&
        initial.end - initial.start === 1 &&
        initial.cap &&
        this.toks[k + 1]?.code === DOT
      ) {
        k += 2
      }
      const next = this.toks[k]
      if (!this.nameWord(next) || this.owner[k] !== 0 || next.lineStart) break
      if ((next.flags & W.NAME_SUFFIX) !== 0 && next.end - next.start <= 3) break
      if (t.cap !== next.cap || next.keyIn(STREET_AFTER)) break
      if (!t.cap) {
        // Lowercase text: a first name takes one more word, a surname or an unknown word.
        if (count > 1) break
        if ((next.flags & (W.COMMON | W.PLACE)) !== 0 && (next.flags & W.LAST) === 0) break
        if ((next.flags & (W.JOB_HEAD | W.ORG_SUFFIX)) !== 0) break
      } else if ((next.flags & W.COMMON) !== 0 && (next.flags & NAME_BITS) === 0) break
      words[count++] = k
      j = k
    }
    return count
  }

  /** The last token of a name with its suffix ("Jr.", "MD") when one follows. */
  nameSuffixEnd(b: number): number {
    const suf = this.toks[b + 1]
    if (suf === undefined || !suf.word || (suf.flags & W.NAME_SUFFIX) === 0) return b
    if (suf.lineStart || this.owner[b + 1] !== 0) return b
    if (!suf.cap && !this.allLower) return b
    const dot = this.toks[b + 2]
    return dot !== undefined && dot.code === DOT && dot.start === suf.end ? b + 2 : b + 1
  }

  plainCommon(i: number): boolean {
    const t = this.toks[i]
    return t !== undefined && (t.flags & W.COMMON) !== 0 && (t.flags & NAME_BITS) === 0
  }

  /** Street names ("John Street", "Rue Victor Hugo", "12 Anna Lane") and place phrases. */
  streetLike(a: number, b: number): boolean {
    const before = this.tok(a - 1)
    const after = this.toks[b + 1]
    if (after !== undefined && after.word && after.keyIn(STREET_AFTER)) return true
    if (before !== undefined && before.word) {
      if (before.cap && before.keyIn(STREET_BEFORE)) return true
      if (before.numeric) return true
    }
    if (b > a && (this.toks[a] as Tok).keyIn(this.lex.placeStarts)) {
      let phrase = ''
      for (let k = a; k <= b; k++) {
        const t = this.toks[k] as Tok
        if (t.word) phrase += phrase === '' ? t.key : ' ' + t.key
      }
      if (this.lex.isPlacePhrase(phrase)) return true
    }
    return false
  }

  cueBefore(a: number): boolean {
    const p1 = this.tok(a - 1)
    return p1 !== undefined && p1.word && p1.keyIn(CUE_BEFORE)
  }

  cueAfter(b: number, strong = false): boolean {
    const nx = this.toks[b + 1]
    if (nx === undefined) return false
    if (nx.word) return nx.keyIn(strong ? STRONG_CUE_AFTER : CUE_AFTER)
    // An appositive: "Anna, the nurse, said".
    return nx.code === COMMA && this.toks[b + 2]?.keyIs('the') === true
  }

  /** The score of the name ws[from] to ws[count - 1], 0 when it is no name. */
  scoreName(ws: Int32Array, from: number, count: number): number {
    const a = ws[from] as number
    const b = ws[count - 1] as number
    if (this.afterHonorific[a] === 1) return NER_SCORES.fullName
    const w1 = this.toks[a] as Tok
    const strong1 = isStrongName(w1)
    if (count - from >= 2) {
      let anyStrong = false
      let anyName = false
      let anyCommon = false
      for (let k = from + 1; k < count; k++) {
        const t = this.toks[ws[k] as number] as Tok
        if (isStrongName(t)) anyStrong = true
        if ((t.flags & NAME_BITS) !== 0) anyName = true
        else if ((t.flags & W.COMMON) !== 0) anyCommon = true
      }
      const first = (w1.flags & W.FIRST) !== 0
      if (strong1 && first) return w1.cap ? NER_SCORES.fullName : NER_SCORES.singleName
      if (strong1 || anyStrong) return NER_SCORES.surnameRun
      if (first && !anyCommon) return NER_SCORES.surnameRun
      if ((anyName || first) && (this.cueBefore(a) || this.cueAfter(b))) return NER_SCORES.weakName
      return 0
    }
    const initial = this.sentenceStart(a)
    const marked = this.markedAsName(a, b)
    if (!w1.cap) {
      // A lone lowercase word is a name only with a known first name and a cue around it.
      if (!strong1 || (w1.flags & W.FIRST) === 0) return 0
      return this.cueBefore(a) || this.cueAfter(b) || marked ? NER_SCORES.lowercaseName : 0
    }
    if (strong1) return NER_SCORES.singleName
    if ((w1.flags & NAME_BITS) !== 0) {
      return (!initial && this.cueBefore(a)) || this.cueAfter(b) ? NER_SCORES.weakName : 0
    }
    if ((w1.flags & (W.COMMON | W.PLACE | W.NRP | W.KNOWN_ORG | W.ORG_SUFFIX)) !== 0) return 0
    if (w1.end - w1.start < 3) return 0
    const cued = (!initial && this.cueBefore(a)) || this.cueAfter(b, true) || marked
    if (cued) return NER_SCORES.cuedUnknown
    return this.cueAfter(b) && !initial ? NER_SCORES.weaklyCuedUnknown : 0
  }

  /**
   * Punctuation that marks a name: a possessive ("Hleb's address"), a speaker label at a
   * line or quote start ("Luis: …"), a vocative ("…, Anna!").
   */
  markedAsName(a: number, b: number): boolean {
    const last = this.toks[b] as Tok
    if (last.bareEnd < last.end) return true
    const nx = this.toks[b + 1]
    const pv = this.tok(a - 1)
    if (
      nx !== undefined &&
      !nx.word &&
      nx.code === COLON &&
      (this.sentenceStart(a) || pv?.code === QUOTE)
    ) {
      return true
    }
    return pv?.code === COMMA && nx !== undefined && (nx.code === BANG || nx.code === QUESTION)
  }

  /** Unknown capitalised words listed with a found name: "Turgeon, Guerra and Ewing". */
  coordinatedPeople(): void {
    const found = this.person.length
    for (let p = 0; p < found; p++) {
      const span = this.person[p] as Span
      const a = this.indexAt(span.start)
      const b = this.indexAt(span.end - 1)
      for (const dir of DIRECTIONS) {
        let edge = dir < 0 ? a : b
        for (let steps = 0; steps < 6; steps++) {
          const sep = this.tok(edge + dir)
          if (sep === undefined || (sep.code !== COMMA && !sep.keyIs('and') && !sep.keyIs('or')))
            break
          let k = edge + 2 * dir
          if (sep.code === COMMA && this.tok(k)?.keyIs('and') === true) k += dir
          const t = this.tok(k)
          if (!this.nameWord(t) || this.owner[k] !== 0 || t.cap !== (this.toks[a] as Tok).cap) break
          if ((t.flags & (W.COMMON | W.PLACE)) !== 0 && (t.flags & NAME_BITS) === 0) break
          if (t.acronym) break
          // A comma joins list items only: "Anna, Ben and Carl", not "Hi Anna, I'm …".
          if (sep.code === COMMA && dir > 0) {
            const after = this.toks[k + 1]
            if (
              after !== undefined &&
              after.code !== COMMA &&
              !after.keyIs('and') &&
              !after.keyIs('or') &&
              after.word
            )
              break
          }
          this.person.push({
            type: 'PERSON',
            start: t.start,
            end: t.bareEnd,
            score: NER_SCORES.coordinated,
          })
          this.claim(k, k, OWN_PERSON)
          edge = k
        }
      }
    }
  }

  /** The token starting at or containing `offset` (tokens are sorted). */
  indexAt(offset: number): number {
    let lo = 0
    let hi = this.n - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if ((this.toks[mid] as Tok).start <= offset) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  nationalities(): void {
    for (let i = 0; i < this.n; i++) {
      const t = this.toks[i] as Tok
      if (!t.word || (t.flags & W.NRP) === 0 || this.owner[i] !== 0 || !t.cap) continue
      // "Laos", "Jordan": a country name that some list also has as a group word.
      if ((t.flags & W.PLACE) !== 0) continue
      if ((t.flags & W.AMBIGUOUS_NRP) !== 0 && this.sentenceStart(i)) continue
      // "Dawn French": after a capitalised first name it is a surname.
      const prev = this.tok(i - 1)
      if (
        prev !== undefined &&
        prev.word &&
        prev.cap &&
        (prev.flags & (W.FIRST | W.FUNCTION)) === W.FIRST
      ) {
        continue
      }
      const next = this.toks[i + 1]
      const beforeName = next !== undefined && next.word && next.cap && !next.lineStart
      this.nrp.push({
        type: 'NRP',
        start: t.start,
        end: t.bareEnd,
        score: beforeName ? NER_SCORES.nrpBeforeName : NER_SCORES.nrp,
      })
    }
  }

  /** Well-known names, CamelCase brands, double surnames and cued capitalised words. */
  otherOrganizations(): void {
    for (let i = 0; i < this.n; i++) {
      const t = this.toks[i] as Tok
      if (!t.word || this.owner[i] !== 0 || !t.cap || t.acronym) continue
      let score = 0
      let e = i
      if ((t.flags & W.KNOWN_ORG) !== 0) score = NER_SCORES.orgKnown
      else if ((t.flags & NAME_BITS) === 0 && t.innerCap && isCamelCase(t.text))
        score = NER_SCORES.orgCamelCase
      else if (this.doubleSurname(t) && !this.has(i - 1, W.FIRST)) score = NER_SCORES.orgHyphenated
      else if ((t.flags & (NAME_BITS | W.COMMON | W.PLACE | W.NRP | W.FUNCTION)) === 0) {
        e = this.capitalRunEnd(i)
        const after = this.toks[e + 1]
        if (after !== undefined && after.word && after.keyIn(ORG_AFTER))
          score = NER_SCORES.orgCuedAfter
        else if (this.orgCue(i)) score = NER_SCORES.orgCued
        else if (!this.sentenceStart(i) && this.tok(i - 1)?.keyIn(ORG_OR_PLACE_PREP) === true) {
          score = NER_SCORES.orgFallback
        }
      }
      if (score === 0) continue
      const last = this.toks[e] as Tok
      this.organization.push({ type: 'ORGANIZATION', start: t.start, end: last.bareEnd, score })
      this.claim(i, e, OWN_ORG)
      i = e
    }
  }

  /** The last token of the capitalised run starting at `i` (at most four words). */
  capitalRunEnd(i: number): number {
    let e = i
    while (e + 1 < this.n && e - i < 3 && this.owner[e + 1] === 0) {
      const nx = this.toks[e + 1] as Tok
      if (!nx.word || !nx.cap || nx.lineStart || (nx.flags & W.FUNCTION) !== 0) break
      e++
    }
    return e
  }

  doubleSurname(t: Tok): boolean {
    // Folding adds no hyphen: a word without one is rejected before its key is spelt.
    if (!t.text.includes('-')) return false
    const dash = t.key.indexOf('-')
    if (dash <= 0 || t.key.indexOf('-', dash + 1) >= 0) return false
    return (
      (this.lex.flags(t.key.slice(0, dash)) & W.LAST) !== 0 &&
      (this.lex.flags(t.key.slice(dash + 1)) & W.LAST) !== 0
    )
  }

  orgCue(i: number): boolean {
    const p1 = this.tok(i - 1)
    if (p1 === undefined || !p1.word) return false
    if (p1.keyIn(ORG_CUE)) return true
    const p2 = this.tok(i - 2)
    return p1.keyIn(ORG_CUE_PREP) && p2 !== undefined && p2.keyIn(ORG_CUE_VERB)
  }
}

function isStrongName(t: Tok): boolean {
  return (t.flags & NAME_BITS) !== 0 && (t.flags & (W.COMMON | W.PLACE | W.NRP)) === 0
}

// An inner capital after a lowercase letter ("MysticWeb"), not a Mc/Mac/O' surname.
const CAMEL_RE = /^\p{Lu}\p{Ll}+\p{Lu}\p{Ll}/u
const SURNAME_PREFIX_RE = /^(?:Mc|Mac|De|Di|La|Le|Van|Von|Du|Da|Fitz)\p{Lu}/u

function isCamelCase(word: string): boolean {
  return CAMEL_RE.test(word) && !SURNAME_PREFIX_RE.test(word)
}
