/**
 * Numbering-plan validation of national phone numbers from libphonenumber-js's minimal
 * metadata, with every metadata pattern compiled once.
 *
 * `isValidPhoneNumber(text, country)` rebuilds `Metadata` objects and compiles a RegExp from a
 * metadata string at every step (tens of microseconds per call). {@link isValidNationalDigits}
 * takes the same steps on the same metadata — libphonenumber-js `parse` (IDD prefix, calling
 * code written without `+`, national prefix extraction, country resolution among countries
 * sharing a calling code) and `PhoneNumber#isValid` — for the only input the national phone
 * detector hands it: ASCII digits, where the text was digits joined by spaces, dots, dashes
 * and parentheses (no `+`, no extension, no letters). Its verdict equals libphonenumber's for
 * such texts; phone-plan.test.ts compares the two on every detector candidate of the
 * development data and on generated numbers.
 */
import metadata from 'libphonenumber-js/metadata.min.json'
import type { CountryCode } from 'libphonenumber-js'

/** One numbering plan of the metadata, its patterns compiled. */
interface Plan {
  readonly callingCode: string
  /** Countries with this calling code, main one first; undefined for a non-geographic one. */
  readonly sharing: readonly string[] | undefined
  /** Their plans, compiled at first need. */
  sharingPlans: readonly Plan[] | undefined
  /** International dialling prefix, anchored at the start (`^(?:…)`); countries only. */
  readonly idd: RegExp | undefined
  /** The national number pattern, matched entirely. */
  readonly national: RegExp
  readonly possibleLengths: readonly number[] | undefined
  /** National prefix for parsing (or the national prefix), anchored at the start. */
  readonly prefix: RegExp | undefined
  readonly prefixTransform: string | undefined
  /** Leading digits that tell this country from others sharing its calling code. */
  readonly leadingDigits: RegExp | undefined
  /** Number type patterns, or undefined when the plan has none (no type is checked then). */
  readonly types: readonly PlanType[] | undefined
}

/** A number type (fixed line, mobile, toll free…) of a plan. */
interface PlanType {
  readonly pattern: RegExp
  /** Lengths the type allows; undefined when neither the type nor the plan lists any. */
  readonly possibleLengths: readonly number[] | undefined
}

// Positions in a minified (version 4) numbering plan array; see libphonenumber-js
// metadata.js (NumberingPlan) for the same indices.
const CALLING_CODE = 0
const IDD_PREFIX = 1
const NATIONAL_NUMBER_PATTERN = 2
const POSSIBLE_LENGTHS = 3
const NATIONAL_PREFIX = 5
const NATIONAL_PREFIX_FOR_PARSING = 7
const NATIONAL_PREFIX_TRANSFORM_RULE = 8
const LEADING_DIGITS = 10
const TYPES = 11
// Fixed line, mobile, toll free, premium rate, personal number, voicemail, UAN, pager, VoIP,
// shared cost: getNumberType tries all of them, so validity is "any of them matches".
const TYPE_COUNT = 10

const MIN_LENGTH_FOR_NSN = 2
const MAX_LENGTH_FOR_NSN = 17
const MAX_LENGTH_COUNTRY_CODE = 3

const plans = new Map<string, Plan>()

/** A string field of a minified plan, undefined when absent (the metadata writes 0). */
function text(plan: readonly unknown[], index: number): string | undefined {
  const value = plan[index]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** A list of lengths of a minified plan or type, undefined when absent. */
function lengths(entry: readonly unknown[], index: number): readonly number[] | undefined {
  const value = entry[index]
  return Array.isArray(value) ? (value as number[]) : undefined
}

/** Compiles a minified numbering plan. */
function compile(entry: readonly unknown[]): Plan {
  const callingCode = String(entry[CALLING_CODE])
  const possibleLengths = lengths(entry, POSSIBLE_LENGTHS)
  const prefix = text(entry, NATIONAL_PREFIX_FOR_PARSING) ?? text(entry, NATIONAL_PREFIX)
  const idd = text(entry, IDD_PREFIX)
  const leading = text(entry, LEADING_DIGITS)
  const rawTypes = entry[TYPES]
  let types: PlanType[] | undefined
  if (Array.isArray(rawTypes) && rawTypes.length > 0) {
    types = []
    for (let i = 0; i < TYPE_COUNT; i++) {
      const type: unknown = rawTypes[i]
      // An absent type, or one whose pattern was dropped as a duplicate (""), never matches.
      if (!Array.isArray(type) || typeof type[0] !== 'string' || type[0] === '') continue
      types.push({
        pattern: new RegExp(`^(?:${type[0]})$`),
        possibleLengths: lengths(type, 1) ?? possibleLengths,
      })
    }
  }
  return {
    callingCode,
    sharing: countriesOf(callingCode),
    sharingPlans: undefined,
    // libphonenumber searches these unanchored and asks for a match at index 0: the same
    // as an anchored match.
    idd: idd === undefined ? undefined : new RegExp(`^(?:${idd})`),
    national: new RegExp(`^(?:${String(entry[NATIONAL_NUMBER_PATTERN])})$`),
    possibleLengths,
    prefix: prefix === undefined ? undefined : new RegExp(`^(?:${prefix})`),
    prefixTransform: text(entry, NATIONAL_PREFIX_TRANSFORM_RULE),
    leadingDigits: leading === undefined ? undefined : new RegExp(`^(?:${leading})`),
    types,
  }
}

/** The compiled plan of a country (compiled at first use). */
function countryPlan(country: string): Plan {
  let plan = plans.get(country)
  if (plan === undefined) {
    const entry: readonly unknown[] | undefined = metadata.countries[country as CountryCode]
    if (entry === undefined) throw new Error(`Unknown country: ${country}`)
    plan = compile(entry)
    plans.set(country, plan)
  }
  return plan
}

/** Countries sharing a calling code (main one first), or undefined for a non-geographic one. */
function countriesOf(callingCode: string): readonly string[] | undefined {
  const countries: readonly string[] | undefined = metadata.country_calling_codes[callingCode]
  if (countries === undefined || (countries.length === 1 && countries[0]?.length === 3)) {
    return undefined
  }
  return countries
}

/** The plan libphonenumber selects for a calling code: its main country's, or a non-geographic. */
function callingCodePlan(callingCode: string): Plan | undefined {
  const main = countriesOf(callingCode)?.[0]
  if (main !== undefined) return countryPlan(main)
  const key = `+${callingCode}`
  let plan = plans.get(key)
  if (plan === undefined) {
    const entry: readonly unknown[] | undefined = metadata.nonGeographic[callingCode]
    if (entry === undefined) return undefined
    plan = compile(entry)
    plans.set(key, plan)
  }
  return plan
}

/** True when a calling code exists (a country's or a non-geographic one). */
function hasCallingCode(callingCode: string): boolean {
  return countriesOf(callingCode) !== undefined || metadata.nonGeographic[callingCode] !== undefined
}

// libphonenumber asks the same questions of one number several times (the country of a
// national number while extracting it, again after, then its validity): the last answers of
// hasType and countryByCallingCode are kept.
let typedPlan: Plan | undefined
let typedNsn = ''
let typedAnswer = false
let resolvedSharing: readonly string[] | undefined
let resolvedNsn = ''
let resolvedPlan: Plan | undefined

/** libphonenumber's `getNumberType(…) !== undefined`. */
function hasType(plan: Plan, nsn: string): boolean {
  if (plan === typedPlan && nsn === typedNsn) return typedAnswer
  typedPlan = plan
  typedNsn = nsn
  typedAnswer = typeMatches(plan, nsn)
  return typedAnswer
}

function typeMatches(plan: Plan, nsn: string): boolean {
  if (plan.types === undefined || !plan.national.test(nsn)) return false
  for (const type of plan.types) {
    if (type.possibleLengths !== undefined && !type.possibleLengths.includes(nsn.length)) continue
    if (type.pattern.test(nsn)) return true
  }
  return false
}

/** libphonenumber's `isValid`: the types when the plan has them, else the national pattern. */
function planAccepts(plan: Plan, nsn: string): boolean {
  return plan.types === undefined ? plan.national.test(nsn) : hasType(plan, nsn)
}

/**
 * libphonenumber's `getCountryByCallingCode` for the calling code of `plan`: the plan of the
 * country a national number belongs to, if any.
 */
function countryByCallingCode(plan: Plan, nsn: string): Plan | undefined {
  if (plan.sharing === resolvedSharing && nsn === resolvedNsn) return resolvedPlan
  resolvedSharing = plan.sharing
  resolvedNsn = nsn
  resolvedPlan = resolveCountry(plan, nsn)
  return resolvedPlan
}

function resolveCountry(plan: Plan, nsn: string): Plan | undefined {
  if (plan.sharing === undefined) return undefined
  plan.sharingPlans ??= plan.sharing.map(countryPlan)
  const candidates = plan.sharingPlans
  if (candidates.length === 1) return candidates[0]
  for (const candidate of candidates) {
    if (candidate.leadingDigits !== undefined) {
      if (nsn !== '' && candidate.leadingDigits.test(nsn)) return candidate
    } else if (hasType(candidate, nsn)) {
      return candidate
    }
  }
  return undefined
}

/** libphonenumber's `checkNumberLength(…) === 'TOO_LONG'`. */
function tooLong(nsn: string, possibleLengths: readonly number[] | undefined): boolean {
  if (possibleLengths === undefined || possibleLengths.length === 0) return false
  return (possibleLengths[possibleLengths.length - 1] ?? 0) < nsn.length
}

/** libphonenumber's `checkNumberLength` answering TOO_SHORT or INVALID_LENGTH. */
function impossibleLength(nsn: string, possibleLengths: readonly number[] | undefined): boolean {
  if (possibleLengths === undefined) return false
  const min = possibleLengths[0]
  if (min === nsn.length) return false
  // An empty list compares like libphonenumber's: `undefined > n` is false, so INVALID_LENGTH.
  if (min !== undefined && min > nsn.length) return true
  if (tooLong(nsn, possibleLengths)) return false
  return possibleLengths.indexOf(nsn.length, 1) < 0
}

/**
 * libphonenumber's `extractNationalNumberFromPossiblyIncompleteNumber`: the number after the
 * national prefix (or what its transform rule makes of it).
 */
function stripNationalPrefix(digits: string, plan: Plan): string {
  if (digits === '' || plan.prefix === undefined) return digits
  const match = plan.prefix.exec(digits)
  if (match === null) return digits
  const groups = match.length - 1
  // A transform rule applies when the last capturing group matched something.
  const captured = groups > 0 && Boolean(match[groups])
  if (plan.prefixTransform !== undefined && captured) {
    return digits.replace(plan.prefix, plan.prefixTransform)
  }
  return digits.slice(match[0].length)
}

/**
 * libphonenumber's `extractNationalNumber`: strips a national prefix unless that spoils the
 * number (no longer matching the plan, or of a length the plan does not allow).
 */
function nationalNumber(digits: string, plan: Plan): string {
  const nsn = stripNationalPrefix(digits, plan)
  if (nsn === digits) return nsn
  if (plan.national.test(digits) && !plan.national.test(nsn)) return digits
  if (plan.possibleLengths !== undefined) {
    const country = countryByCallingCode(plan, nsn)
    const lengths = country === undefined ? plan.possibleLengths : country.possibleLengths
    if (impossibleLength(nsn, lengths)) return digits
  }
  return nsn
}

/**
 * Exactly `isValidPhoneNumber(text, country)` of libphonenumber-js (minimal metadata), for a
 * `text` made of ASCII digits, spaces, dots, dashes and parentheses whose digits are `digits`.
 */
export function isValidNationalDigits(digits: string, country: CountryCode): boolean {
  const home = countryPlan(country)
  let rest: string
  let plan: Plan | undefined
  // An international dialling prefix ("00 44 …") makes the rest an international number.
  const idd = home.idd?.exec(digits)
  const afterIdd = idd ? digits.slice(idd[0].length) : ''
  if (idd && afterIdd !== '' && afterIdd !== digits && afterIdd.charCodeAt(0) !== 48) {
    // Calling codes are prefix-free: the first one found among 1–3 digits is the one.
    let found: string | undefined
    for (let n = 1; n <= MAX_LENGTH_COUNTRY_CODE && n <= afterIdd.length; n++) {
      const code = afterIdd.slice(0, n)
      if (hasCallingCode(code)) {
        found = code
        break
      }
    }
    if (found === undefined) return false
    rest = afterIdd.slice(found.length)
    plan = callingCodePlan(found)
  } else if (
    digits.startsWith(home.callingCode) &&
    withoutPlusSign(digits, digits.slice(home.callingCode.length), home)
  ) {
    // The country's own calling code written without "+" ("39 06 …" for Italy).
    rest = digits.slice(home.callingCode.length)
    plan = callingCodePlan(home.callingCode)
  } else {
    rest = digits
    plan = home
  }
  if (plan === undefined || rest === '') return false
  const nsn = nationalNumber(rest, plan)
  // The exact country among those sharing the calling code, when one is found.
  plan = countryByCallingCode(plan, nsn) ?? plan
  if (nsn.length < MIN_LENGTH_FOR_NSN || nsn.length > MAX_LENGTH_FOR_NSN) return false
  return planAccepts(plan, nsn)
}

/**
 * libphonenumber's `extractCountryCallingCodeFromInternationalNumberWithoutPlusSign` test:
 * read the leading calling code as one when the number is only valid (or not too long)
 * without it.
 */
function withoutPlusSign(digits: string, shorter: string, home: Plan): boolean {
  const shorterNsn = nationalNumber(shorter, home)
  const nsn = nationalNumber(digits, home)
  return (
    (!home.national.test(nsn) && home.national.test(shorterNsn)) ||
    tooLong(nsn, home.possibleLengths)
  )
}

/** National significant number lengths a country's plan allows (empty when it lists none). */
export function planLengths(country: CountryCode): readonly number[] {
  return countryPlan(country).possibleLengths ?? []
}
