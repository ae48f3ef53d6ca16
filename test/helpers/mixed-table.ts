/**
 * A generated table of mixed columns for the column-classification accuracy test: personal
 * data of many kinds (checksum-valid where a checksum exists), and look-alike columns that
 * hold none (ids, amounts, codes, plain prose). Values come from small word lists written
 * for this test and from seeded arithmetic, not from any evaluation set.
 */
import { luhnCheckDigit } from '../../src/lib/luhn.js'

/** One column: its meaningful name, the entity type expected, and a value generator. */
export interface MixedColumn {
  readonly name: string
  readonly expected: string
  readonly make: (r: Rand, row: number) => string
}

/** mulberry32: small seeded PRNG, deterministic across platforms. */
export class Rand {
  #s: number
  constructor(seed: number) {
    this.#s = seed >>> 0
  }
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0
    let t = this.#s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)] as T
  }
  digits(n: number): string {
    let s = ''
    for (let i = 0; i < n; i++) s += String(this.int(0, 9))
    return s
  }
  hex(n: number): string {
    let s = ''
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(0, 15)]
    return s
  }
}

const FIRST = [
  'Olivia',
  'Liam',
  'Amara',
  'Mateo',
  'Sofia',
  'Hiroshi',
  'Fatima',
  'Lukas',
  'Chloe',
  'Arjun',
  'Ingrid',
  'Kwame',
  'Elena',
  'Dmitri',
  'Maya',
  'Tomas',
  'Aisha',
  'Noah',
  'Zofia',
  'Rafael',
  'Grace',
  'Jonas',
  'Leila',
  'Marco',
  'Hannah',
  'Samuel',
  'Yuki',
  'Pedro',
  'Nadia',
  'Oscar',
]
const LAST = [
  'Johnson',
  'Okafor',
  'Nakamura',
  'Fernandez',
  'Schmidt',
  'Kowalski',
  'Haddad',
  'Larsen',
  'Moreau',
  'Patel',
  'Rossi',
  'Novak',
  'Andersson',
  'Murphy',
  'Silva',
  'Cohen',
  'Ivanova',
  'Dubois',
  'Weber',
  'Kim',
  'Gonzalez',
  'Brown',
  'Nguyen',
  'Jensen',
  'Costa',
  'Hughes',
]
const CITIES = [
  'London',
  'Paris',
  'Berlin',
  'Madrid',
  'Chicago',
  'Toronto',
  'Sydney',
  'Mumbai',
  'Osaka',
  'Lisbon',
  'Vienna',
  'Prague',
  'Dublin',
  'Seattle',
  'Houston',
  'Melbourne',
  'Warsaw',
  'Stockholm',
  'Oslo',
  'Nairobi',
  'Lagos',
  'Bogota',
  'Lima',
  'Manchester',
  'Munich',
  'Denver',
]
const STREETS = ['Oak', 'Maple', 'Cedar', 'Park', 'Lake', 'Hill', 'Church', 'Mill', 'River']
const STREET_TYPES = ['Street', 'Avenue', 'Road', 'Lane', 'Drive', 'Boulevard', 'Court']
const COMPANY_WORDS = ['Northwind', 'Bluepeak', 'Greenfield', 'Silverline', 'Redwood', 'Ironbridge']
const COMPANY_SUFFIX = ['Inc.', 'Ltd', 'LLC', 'GmbH', 'Corporation', 'Group', 'PLC']
const CATEGORIES = ['books', 'garden', 'toys', 'kitchen', 'sports', 'music', 'tools']
const PROSE = [
  'Order shipped on time',
  'Customer asked about the return policy',
  'Package left at the front desk',
  'Delivery delayed by weather',
  'Replacement part requested',
  'No further action needed',
]

function luhnComplete(body: string): string {
  return body + luhnCheckDigit(body)
}

function card(r: Rand): string {
  const [prefix, len] = r.pick([
    ['4', 16],
    ['51', 16],
    ['55', 16],
    ['37', 15],
  ] as const)
  const n = luhnComplete(prefix + r.digits(len - 1 - prefix.length))
  return len === 16 && r.next() < 0.5 ? n.replace(/(\d{4})(?=\d)/g, '$1 ') : n
}

function iban(r: Rand): string {
  const bank = Array.from({ length: 4 }, () => String.fromCharCode(65 + r.int(0, 25))).join('')
  const bban = bank + r.digits(14)
  const rearranged = `${bban}GB00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55))
  let rem = 0
  for (const ch of rearranged) rem = (rem * 10 + Number(ch)) % 97
  const check = String(98 - rem).padStart(2, '0')
  return `GB${check}${bban}`
}

function ssn(r: Rand): string {
  let area = r.int(1, 899)
  if (area === 666) area = 667
  return `${String(area).padStart(3, '0')}-${String(r.int(1, 99)).padStart(2, '0')}-${String(r.int(1, 9999)).padStart(4, '0')}`
}

function nhs(r: Rand): string {
  for (;;) {
    const d = r.digits(9)
    let sum = 0
    for (let i = 0; i < 9; i++) sum += Number(d[i]) * (10 - i)
    const check = 11 - (sum % 11)
    if (check === 10) continue
    const n = d + String(check === 11 ? 0 : check)
    return `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`
  }
}

const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789'
/** ISO 3779 transliteration: letters map to digits, I, O and Q are not used. */
const VIN_VALUE: Record<string, number> = {}
'ABCDEFGH'.split('').forEach((c, i) => (VIN_VALUE[c] = i + 1))
'JKLMN'.split('').forEach((c, i) => (VIN_VALUE[c] = i + 1))
VIN_VALUE['P'] = 7
VIN_VALUE['R'] = 9
'STUVWXYZ'.split('').forEach((c, i) => (VIN_VALUE[c] = i + 2))
'0123456789'.split('').forEach((c) => (VIN_VALUE[c] = Number(c)))
const VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]

function vin(r: Rand): string {
  const chars = Array.from({ length: 17 }, () => r.pick([...VIN_CHARS]))
  let sum = 0
  for (let i = 0; i < 17; i++) sum += (VIN_VALUE[chars[i] ?? '0'] ?? 0) * (VIN_WEIGHTS[i] ?? 0)
  const check = sum % 11
  chars[8] = check === 10 ? 'X' : String(check)
  return chars.join('')
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url')
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** The columns, in table order (neighbours matter: zip follows city and street). */
export const MIXED_COLUMNS: readonly MixedColumn[] = [
  {
    name: 'customer_uuid',
    expected: 'NONE',
    make: (r) => `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-a${r.hex(3)}-${r.hex(12)}`,
  },
  { name: 'full_name', expected: 'PERSON', make: (r) => `${r.pick(FIRST)} ${r.pick(LAST)}` },
  {
    name: 'email',
    expected: 'EMAIL_ADDRESS',
    make: (r) =>
      `${r.pick(FIRST).toLowerCase()}.${r.pick(LAST).toLowerCase()}${r.int(1, 99)}@${r.pick(['mail.example', 'post.test', 'inbox.example'])}.com`,
  },
  {
    name: 'phone',
    expected: 'PHONE_NUMBER',
    make: (r) => `(${r.int(201, 989)}) ${r.int(201, 989)}-${r.digits(4)}`,
  },
  {
    name: 'mobile_intl',
    expected: 'PHONE_NUMBER',
    make: (r) =>
      r.pick([
        `+44 7${r.digits(3)} ${r.digits(6)}`,
        `+49 151 ${r.digits(8)}`,
        `+33 6 ${r.digits(2)} ${r.digits(2)} ${r.digits(2)} ${r.digits(2)}`,
      ]),
  },
  {
    name: 'street_address',
    expected: 'STREET_ADDRESS',
    make: (r) => `${r.int(1, 9999)} ${r.pick(STREETS)} ${r.pick(STREET_TYPES)}`,
  },
  { name: 'city', expected: 'LOCATION', make: (r) => r.pick(CITIES) },
  // Bare five-digit numbers: only the neighbouring address and city make them postal codes.
  { name: 'postcode', expected: 'ZIP_CODE', make: (r) => String(r.int(10001, 99950)) },
  {
    name: 'employer',
    expected: 'ORGANIZATION',
    make: (r) => `${r.pick(COMPANY_WORDS)} ${r.pick(COMPANY_SUFFIX)}`,
  },
  { name: 'card_number', expected: 'CREDIT_CARD', make: card },
  { name: 'iban', expected: 'IBAN_CODE', make: iban },
  { name: 'ssn', expected: 'US_SSN', make: ssn },
  { name: 'nhs_number', expected: 'UK_NHS', make: nhs },
  { name: 'vehicle_vin', expected: 'VIN', make: vin },
  {
    name: 'birth_date',
    expected: 'DATE_TIME',
    make: (r) => `${r.int(1940, 2005)}-${pad(r.int(1, 12))}-${pad(r.int(1, 28))}`,
  },
  {
    name: 'last_login',
    expected: 'DATE_TIME',
    make: (r) =>
      `2024-${pad(r.int(1, 12))}-${pad(r.int(1, 28))}T${pad(r.int(0, 23))}:${pad(r.int(0, 59))}:${pad(r.int(0, 59))}Z`,
  },
  {
    name: 'client_ip',
    expected: 'IP_ADDRESS',
    make: (r) => `${r.int(11, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`,
  },
  {
    name: 'client_ipv6',
    expected: 'IP_ADDRESS',
    make: (r) => `2001:db8:${r.hex(4)}:${r.hex(4)}::${r.hex(4)}`,
  },
  {
    name: 'device_mac',
    expected: 'MAC_ADDRESS',
    make: (r) => Array.from({ length: 6 }, () => r.hex(2)).join(':'),
  },
  {
    name: 'homepage',
    expected: 'URL',
    make: (r) =>
      `https://www.${r.pick(COMPANY_WORDS).toLowerCase()}${r.int(1, 999)}.example.com/about?id=${r.int(1, 9999)}`,
  },
  {
    name: 'aws_key_id',
    expected: 'AWS_ACCESS_KEY',
    make: (r) =>
      `AKIA${Array.from({ length: 16 }, () => r.pick([...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'])).join('')}`,
  },
  {
    name: 'session_token',
    expected: 'JWT',
    make: (r) =>
      `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(`{"sub":"${r.int(1, 1e6)}","iat":${1.7e9 + r.int(0, 1e6)}}`)}.${Buffer.from(r.hex(32), 'hex').toString('base64url')}`,
  },
  { name: 'eth_wallet', expected: 'CRYPTO', make: (r) => `0x${r.hex(40)}` },
  {
    name: 'support_notes',
    expected: 'EMAIL_ADDRESS',
    make: (r, row) =>
      row % 2 === 0
        ? `Customer wrote from ${r.pick(FIRST).toLowerCase()}${r.int(1, 999)}@mail.example.com about the refund`
        : r.pick(PROSE),
  },
  { name: 'order_total', expected: 'NONE', make: (r) => `${r.int(1, 2000)}.${pad(r.int(0, 99))}` },
  { name: 'quantity', expected: 'NONE', make: (r) => String(r.int(1, 500)) },
  {
    name: 'status',
    expected: 'NONE',
    make: (r) => r.pick(['active', 'inactive', 'pending', 'closed']),
  },
  {
    name: 'sku',
    expected: 'NONE',
    make: (r) =>
      `SKU-${r.digits(5)}-${String.fromCharCode(65 + r.int(0, 25))}${String.fromCharCode(65 + r.int(0, 25))}`,
  },
  { name: 'category', expected: 'NONE', make: (r) => r.pick(CATEGORIES) },
  { name: 'delivery_note', expected: 'NONE', make: (r) => r.pick(PROSE) },
  { name: 'is_subscribed', expected: 'NONE', make: (r) => (r.next() < 0.5 ? 'true' : 'false') },
]

/** `rows` rows of the mixed table as column samples (values as text), named or `c1…cN`. */
export function mixedTable(
  rows: number,
  seed: number,
  options: { anonymousNames?: boolean } = {},
): { name: string; expected: string; values: string[] }[] {
  const r = new Rand(seed)
  return MIXED_COLUMNS.map((c, i) => ({
    name: options.anonymousNames === true ? `c${i + 1}` : c.name,
    expected: c.expected,
    values: Array.from({ length: rows }, (_, row) => c.make(r, row)),
  }))
}
