/**
 * A deterministic, seeded synthetic "customers" dataset that looks sensitive but is entirely
 * made up: names from short lists, reserved e-mail domains (RFC 2606), fictional phone
 * ranges (Ofcom drama numbers 07700 900xxx, NANP 555-01xx), test card BINs with a valid
 * Luhn digit. Used for tests, demos and benchmarks so no real personal data is ever needed.
 */
import { luhnCheckDigit, luhnValid } from '../lib/luhn.js'
import * as fs from 'node:fs'

/** One synthetic customer. */
export interface CustomerRow {
  readonly customer_id: number
  readonly full_name: string
  readonly email: string
  readonly phone: string
  readonly card_number: string
  readonly street_address: string
  readonly city: string
  readonly postcode: string
  readonly country: string
  /** `YYYY-MM-DD`. */
  readonly date_of_birth: string
  /** `YYYY-MM-DD HH:MM:SS`, UTC. */
  readonly signup_ts: string
  /** Two decimal places, may be negative, as text so it round-trips exactly. */
  readonly balance: string
  /** Free text that sometimes mentions an e-mail, phone or name; may contain commas, quotes and newlines. */
  readonly notes: string | null
}

/** Column order of {@link CustomerRow} in generated files. */
export const CUSTOMER_COLUMNS = [
  'customer_id',
  'full_name',
  'email',
  'phone',
  'card_number',
  'street_address',
  'city',
  'postcode',
  'country',
  'date_of_birth',
  'signup_ts',
  'balance',
  'notes',
] as const

/** Options for {@link generateCustomersCsv} and {@link generateCustomersJsonl}. */
export interface GenerateCustomersOptions {
  readonly rows: number
  readonly seed: number
}

const FIRST = [
  'Alice', 'Bob', 'Chloé', 'Dmitri', 'Esther', 'Farid', 'Grace', 'Hiroshi', 'Ines', 'Jamal',
  'Katarzyna', 'Liam', 'Mei', 'Nadia', 'Oscar', 'Priya', 'Quentin', 'Rosa', 'Sven', 'Tomás',
  'Uma', 'Viktor', 'Wen', 'Xavier', 'Yara', 'Zoltán',
] // prettier-ignore
const LAST = [
  'Smith', "O'Brien", 'Nguyen', 'García', 'Müller', 'Kowalski', 'Okafor', 'Rossi', 'Tanaka',
  'Johansson', 'Dubois', 'Haddad', 'Novák', 'Fernández', 'Kim', 'Patel', 'Silva', 'Cohen',
] // prettier-ignore
const STREETS = ['High', 'Station', 'Church', 'Mill', 'Park', 'Victoria', 'Green', 'Elm', 'Oak', 'Main'] // prettier-ignore
const SUFFIXES = ['Street', 'Road', 'Lane', 'Avenue', 'Close', 'Way']
const DOMAINS = ['example.com', 'example.org', 'example.net']

interface Country {
  readonly code: string
  readonly cities: readonly string[]
  readonly postcode: (r: Rng) => string
  readonly phone: (r: Rng) => string
}

const COUNTRIES: readonly Country[] = [
  {
    code: 'GB',
    cities: ['London', 'Leeds', 'Bristol', 'Glasgow', 'Cardiff'],
    postcode: (r) =>
      `${pick(r, ['SW', 'N', 'LS', 'BS', 'G', 'CF'])}${r.int(1, 20)} ${r.int(1, 9)}${letter(r)}${letter(r)}`,
    // Ofcom reserves 07700 900000-900999 for drama.
    phone: (r) => {
      const n = String(r.int(0, 999)).padStart(3, '0')
      return r.next() < 0.5 ? `+447700900${n}` : `07700 900${n}`
    },
  },
  {
    code: 'US',
    cities: ['Springfield', 'Riverside', 'Franklin', 'Greenville', 'Madison'],
    // Leading zeros are deliberate: postcodes are text, not numbers.
    postcode: (r) => String(r.int(0, 99999)).padStart(5, '0'),
    // NANP reserves 555-0100..0199 for fiction.
    phone: (r) => {
      const area = r.int(201, 989)
      const n = String(r.int(100, 199)).padStart(4, '0')
      return r.next() < 0.5 ? `+1${area}555${n}` : `(${area}) 555-${n}`
    },
  },
  {
    code: 'DE',
    cities: ['Berlin', 'Hamburg', 'München', 'Köln', 'Leipzig'],
    postcode: (r) => String(r.int(1067, 99998)).padStart(5, '0'),
    // 0170 1234xxx style, but within the 030 23125 xxx range Bundesnetzagentur keeps for media.
    phone: (r) => {
      const n = String(r.int(0, 999)).padStart(3, '0')
      return r.next() < 0.5 ? `+493023125${n}` : `030 23125${n}`
    },
  },
]

/** Test BIN prefixes published by card networks for testing, with total length. */
const CARD_BINS: readonly (readonly [string, number])[] = [
  ['411111', 16], // Visa test
  ['424242', 16], // Visa test (Stripe docs)
  ['555555', 16], // Mastercard test
  ['222300', 16], // Mastercard 2-series test
  ['378282', 15], // Amex test
]

/** Note generators; they get the row's own phone and e-mail so notes can leak them, as real notes do. */
const NOTE_TEMPLATES: readonly ((r: Rng, phone: string, email: string) => string | null)[] = [
  () => 'Prefers e-mail contact.',
  (_, phone) => `Called from ${phone}, asked about fees, refunds and "premium" tier.`,
  (_, __, email) => `Secondary address: ${email}`,
  (r) => `Spoke to ${pick(r, FIRST)} ${pick(r, LAST)} (spouse); said "call back later".`,
  () => 'Complaint logged:\nline two of the complaint, with a comma, and a "quote".',
  (r) => `VIP since ${r.int(2010, 2024)}; do not upsell`,
  () => null,
]

/** Lower-case ASCII e-mail stems, precomputed: per-row regex and case folding were the hot spot. */
const ASCII_FIRST = FIRST.map(asciiStem)
const ASCII_LAST = LAST.map(asciiStem)

function asciiStem(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
}

/** `00`..`99`, so dates are built without per-field padding. */
const PAD2 = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)))

/** sfc32: a small, fast, well-distributed seeded PRNG; deterministic across platforms. */
class Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  constructor(seed: number) {
    this.a = 0x9e3779b9
    this.b = 0x243f6a88
    this.c = 0xb7e15162
    this.d = seed | 0
    for (let i = 0; i < 15; i++) this.next()
  }
  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return (t >>> 0) / 4294967296
  }
  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }
}

function pick<T>(r: Rng, xs: readonly T[]): T {
  return xs[Math.floor(r.next() * xs.length)] as T
}

function letter(r: Rng): string {
  return String.fromCharCode(65 + r.int(0, 25))
}

function pad2(n: number): string {
  return PAD2[n] ?? String(n)
}

/** A card number with the given prefix and length whose last digit satisfies Luhn. */
function luhnCard(r: Rng, prefix: string, length: number): string {
  let body = prefix
  while (body.length < length - 1) body += String(r.int(0, 9))
  return body + luhnCheckDigit(body)
}

/** True when `digits` passes the Luhn check. Exported for tests. */
export { luhnValid }

/**
 * An endless, deterministic stream of synthetic customers for `seed`; take as many as needed.
 *
 * @example
 * ```ts
 * for (const row of generateCustomerRows(42)) { if (row.customer_id > 10) break; … }
 * ```
 */
export function* generateCustomerRows(seed: number): Generator<CustomerRow, never, undefined> {
  const r = new Rng(seed)
  for (let id = 1; ; id++) {
    const fi = Math.floor(r.next() * FIRST.length)
    const li = Math.floor(r.next() * LAST.length)
    const country = pick(r, COUNTRIES)
    const [bin, len] = pick(r, CARD_BINS)
    const email = `${ASCII_FIRST[fi] ?? ''}.${ASCII_LAST[li] ?? ''}${r.int(1, 999)}@${pick(r, DOMAINS)}`
    const phone = country.phone(r)
    const house = r.int(1, 250)
    const street = `${house} ${pick(r, STREETS)} ${pick(r, SUFFIXES)}`
    const cents = r.int(-50_000, 5_000_000)
    const abs = Math.abs(cents)
    // One object literal with a fixed shape keeps V8 on its fast path.
    const row: CustomerRow = {
      customer_id: id,
      full_name: `${FIRST[fi] ?? ''} ${LAST[li] ?? ''}`,
      email,
      phone,
      card_number: luhnCard(r, bin, len),
      street_address: r.next() < 0.2 ? `${street}, Flat ${r.int(1, 40)}` : street,
      city: pick(r, country.cities),
      postcode: country.postcode(r),
      country: country.code,
      date_of_birth: `${r.int(1940, 2005)}-${pad2(r.int(1, 12))}-${pad2(r.int(1, 28))}`,
      signup_ts: `${r.int(2015, 2025)}-${pad2(r.int(1, 12))}-${pad2(r.int(1, 28))} ${pad2(r.int(0, 23))}:${pad2(r.int(0, 59))}:${pad2(r.int(0, 59))}`,
      balance: `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${pad2(abs % 100)}`,
      notes: pick(r, NOTE_TEMPLATES)(r, phone, email),
    }
    yield row
  }
}

const NEEDS_QUOTES = /[",\n\r]/
const QUOTE_RE = /"/g

/** RFC 4180 field encoding: quote when needed, double embedded quotes. */
function csvField(s: string): string {
  return NEEDS_QUOTES.test(s) ? `"${s.replace(QUOTE_RE, '""')}"` : s
}

function customerCsvLine(c: CustomerRow): string {
  // Only the address and notes can hold a comma, quote or newline; the other generators
  // never emit one, so skipping the check there is safe and measurably faster.
  return `${c.customer_id},${c.full_name},${c.email},${c.phone},${c.card_number},${csvField(c.street_address)},${c.city},${c.postcode},${c.country},${c.date_of_birth},${c.signup_ts},${c.balance},${c.notes === null ? '' : csvField(c.notes)}\n`
}

/** Writes text in ~4 MiB blocks: one syscall per block keeps generation above 300k rows/s. */
function writeRows(
  path: string,
  header: string,
  rows: number,
  seed: number,
  line: (c: CustomerRow) => string,
): void {
  const fd = fs.openSync(path, 'w', 0o600)
  try {
    // Encode each line straight into one reusable 4 MiB buffer and write it whole: one
    // syscall per block and no giant intermediate strings to flatten.
    const block = Buffer.allocUnsafe(4 << 20)
    let used = block.write(header, 0)
    const it = generateCustomerRows(seed)
    for (let i = 0; i < rows; i++) {
      const s = line(it.next().value)
      // A UTF-8 character takes at most 3 bytes per UTF-16 unit.
      if (used + s.length * 3 > block.length) {
        fs.writeSync(fd, block, 0, used)
        used = 0
      }
      used += block.write(s, used)
    }
    if (used > 0) fs.writeSync(fd, block, 0, used)
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Writes `rows` synthetic customers as RFC 4180 CSV (header line, `\n` line endings, `notes`
 * empty for null) to `path`.
 *
 * @example
 * ```ts
 * generateCustomersCsv('/tmp/customers.csv', { rows: 1_000_000, seed: 1 })
 * ```
 */
export function generateCustomersCsv(path: string, options: GenerateCustomersOptions): void {
  writeRows(path, `${CUSTOMER_COLUMNS.join(',')}\n`, options.rows, options.seed, customerCsvLine)
}

/** Writes `rows` synthetic customers as JSON Lines (one object per line) to `path`. */
export function generateCustomersJsonl(path: string, options: GenerateCustomersOptions): void {
  writeRows(path, '', options.rows, options.seed, (c) => `${JSON.stringify(c)}\n`)
}
