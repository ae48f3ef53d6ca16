import { describe, expect, it } from 'vitest'
import type { Detector } from '../detector.js'
import { abnValid, auAbnDetector } from './au-abn.js'
import { auMedicareDetector, medicareValid } from './au-medicare.js'
import { auTfnDetector, tfnValid } from './au-tfn.js'
import { awsAccessKeyDetector } from './aws-access-key.js'
import { caSinDetector, sinValid } from './ca-sin.js'
import { verhoeffValid } from './checksums.js'
import { creditCardDetector } from './credit-card.js'
import { base58CheckValid, bech32Valid, cryptoDetector } from './crypto.js'
import { deTaxIdDetector, deTaxIdValid } from './de-tax-id.js'
import { deaDetector, deaValid } from './dea.js'
import { esNieDetector, nieValid } from './es-nie.js'
import { esNifDetector, nifValid } from './es-nif.js'
import { frNirDetector, nirValid } from './fr-nir.js'
import { aadhaarValid, inAadhaarDetector } from './in-aadhaar.js'
import { inPanDetector } from './in-pan.js'
import { fiscalCodeValid, itFiscalCodeDetector } from './it-fiscal-code.js'
import { jwtDetector, jwtValid } from './jwt.js'
import { npiDetector, npiValid } from './npi.js'
import { passwordDetector } from './password.js'
import { privateKeyDetector } from './private-key.js'
import { nricValid, sgNricFinDetector } from './sg-nric-fin.js'
import { ninoValid, ukNinoDetector } from './uk-nino.js'
import { itinValid, usItinDetector } from './us-itin.js'
import { usPassportDetector } from './us-passport.js'

function found(d: Detector, text: string): string[] {
  return d.detect(text).map((s) => text.slice(s.start, s.end))
}

interface Case {
  readonly name: string
  readonly detector: Detector
  readonly check?: (v: string) => boolean
  readonly valid: readonly string[]
  readonly invalid: readonly string[]
  /** Wraps a value in a sentence (with the context word the detector needs). */
  readonly wrap: (v: string) => string
}

const digits = (v: string) => v.replace(/[ -]/g, '')

const CASES: readonly Case[] = [
  {
    name: 'US ITIN',
    detector: usItinDetector,
    check: (v) => itinValid(digits(v)),
    valid: ['912-70-1234', '900-50-0000', '999 94 1234'],
    invalid: ['912-93-1234', '912-40-1234', '812-70-1234'],
    wrap: (v) => `ITIN ${v} on file`,
  },
  {
    name: 'US passport',
    detector: usPassportDetector,
    valid: ['912345678', 'A12345678'],
    invalid: ['91234567', 'AB1234567'],
    wrap: (v) => `passport number ${v}`,
  },
  {
    name: 'NPI',
    detector: npiDetector,
    check: npiValid,
    valid: ['1234567893'],
    invalid: ['1234567890', '3234567893'],
    wrap: (v) => `NPI ${v}`,
  },
  {
    name: 'DEA',
    detector: deaDetector,
    check: deaValid,
    valid: ['AB1234563', 'F91234563'],
    invalid: ['AB1234564', 'IB1234563'],
    wrap: (v) => `DEA ${v}`,
  },
  {
    name: 'UK NINO',
    detector: ukNinoDetector,
    check: (v) => ninoValid(v.replace(/ /g, '')),
    valid: ['AB123456C', 'AB 12 34 56 C', 'ce123456d'],
    invalid: ['GB123456A', 'DA123456A', 'AO123456A', 'AB123456E'],
    wrap: (v) => `NI number ${v}`,
  },
  {
    name: 'CA SIN',
    detector: caSinDetector,
    check: (v) => sinValid(digits(v)),
    valid: ['130 692 544', '130-692-544', '130692544'],
    invalid: ['130692545', '046454286', '830692544'],
    wrap: (v) => `SIN ${v}`,
  },
  {
    name: 'ES NIF',
    detector: esNifDetector,
    check: nifValid,
    valid: ['12345678Z', '12345678-Z'],
    invalid: ['12345678A'],
    wrap: (v) => `DNI ${v}`,
  },
  {
    name: 'ES NIE',
    detector: esNieDetector,
    check: nieValid,
    valid: ['X1234567L', 'Y1234567X'],
    invalid: ['X1234567A'],
    wrap: (v) => `NIE ${v}`,
  },
  {
    name: 'IT fiscal code',
    detector: itFiscalCodeDetector,
    check: fiscalCodeValid,
    valid: ['RSSMRA85T10A562S'],
    invalid: ['RSSMRA85T10A562T'],
    wrap: (v) => `codice fiscale ${v}`,
  },
  {
    name: 'DE tax id',
    detector: deTaxIdDetector,
    check: (v) => deTaxIdValid(v.replace(/ /g, '')),
    valid: ['86095742719', '86 095 742 719', '65929970489'],
    invalid: ['86095742718', '12345678901', '11111111116'],
    wrap: (v) => `Steuer-IdNr ${v}`,
  },
  {
    name: 'FR NIR',
    detector: frNirDetector,
    check: (v) => nirValid(v.replace(/ /g, '')),
    valid: ['255081416802538', '2 55 08 14 168 025 38', '269054958815780'],
    invalid: ['255081416802539', '355081416802538'],
    wrap: (v) => `NIR ${v}`,
  },
  {
    name: 'IN Aadhaar',
    detector: inAadhaarDetector,
    check: (v) => aadhaarValid(digits(v)),
    valid: ['234567890124', '2345 6789 0124', '4918-2736-4507'],
    invalid: ['234567890125', '134567890124'],
    wrap: (v) => `Aadhaar ${v}`,
  },
  {
    name: 'IN PAN',
    detector: inPanDetector,
    valid: ['ABCPE1234F'],
    invalid: ['ABCDE1234F', 'ABCPE12345'],
    wrap: (v) => `PAN ${v}`,
  },
  {
    name: 'AU TFN',
    detector: auTfnDetector,
    check: (v) => tfnValid(digits(v)),
    valid: ['123456782', '123 456 782', '876 543 210'],
    invalid: ['123456789'],
    wrap: (v) => `TFN ${v}`,
  },
  {
    name: 'AU ABN',
    detector: auAbnDetector,
    check: (v) => abnValid(v.replace(/ /g, '')),
    valid: ['51 824 753 556', '51824753556'],
    invalid: ['51 824 753 557'],
    wrap: (v) => `ABN ${v}`,
  },
  {
    name: 'AU Medicare',
    detector: auMedicareDetector,
    check: (v) => medicareValid(v.replace(/ /g, '')),
    valid: ['2123456701', '2123 45670 1'],
    invalid: ['2123456711', '7123456701'],
    wrap: (v) => `Medicare ${v}`,
  },
  {
    name: 'SG NRIC/FIN',
    detector: sgNricFinDetector,
    check: nricValid,
    valid: ['S1234567D', 'T1234567J', 'F1234567N', 'G1234567X'],
    invalid: ['S1234567A', 'M1234567K'],
    wrap: (v) => `NRIC ${v}`,
  },
  {
    name: 'crypto (Bitcoin Base58Check, BIP-173/350 examples, Ethereum)',
    detector: cryptoDetector,
    valid: [
      '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2',
      '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy',
      'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
      'bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297',
      '0x52908400098527886E0F7030069857D2E4169EE7',
    ],
    invalid: [
      '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3',
      'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr',
      'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzWf5mdq',
      '0x52908400098527886E0F7030069857D2E4169EE',
    ],
    wrap: (v) => `send to ${v} today`,
  },
]

describe.each(CASES)('$name', ({ detector, check, valid, invalid, wrap }) => {
  it.each(valid)('finds %s', (v) => expect(found(detector, wrap(v))).toEqual([v]))
  it.each(invalid)('rejects %s', (v) => expect(found(detector, wrap(v))).toEqual([]))
  if (check !== undefined) {
    it('validates', () => {
      for (const v of valid) expect(check(v)).toBe(true)
      for (const v of invalid) expect(check(v)).toBe(false)
    })
  }
})

describe('digits after a plus sign', () => {
  // `+447700900504` is an international phone number, though its twelve digits pass the
  // Aadhaar checksum: digit identifiers are never written after a plus sign.
  const digitIds = CASES.filter((c) =>
    [
      'US ITIN',
      'US passport',
      'NPI',
      'CA SIN',
      'DE tax id',
      'FR NIR',
      'IN Aadhaar',
      'AU TFN',
      'AU ABN',
      'AU Medicare',
    ].includes(c.name),
  )
  it.each(digitIds)('$name: not an identifier', ({ detector, valid, wrap }) => {
    for (const v of valid.filter((x) => /^\d/.test(x))) {
      expect(found(detector, wrap(`+${v}`)), v).toEqual([])
      expect(found(detector, wrap(v)), v).toEqual([v])
    }
  })
  it('the phone number of the example is found as one, and not as an Aadhaar number', () => {
    expect(aadhaarValid('447700900504')).toBe(true)
    expect(found(inAadhaarDetector, 'call +447700900504 (aadhaar desk)')).toEqual([])
  })
})

describe('context-required detectors', () => {
  it.each([
    [usPassportDetector, 'ref 912345678 today'],
    [inPanDetector, 'code ABCPE1234F today'],
    [auTfnDetector, 'ref 123 456 782 today'],
  ] as const)('%o stays silent without a context word', (d, text) => {
    expect(found(d, text)).toEqual([])
  })
})

describe('checksums', () => {
  it('Verhoeff (Verhoeff 1969 worked example 236 → 3)', () => {
    expect(verhoeffValid('2363')).toBe(true)
    expect(verhoeffValid('2364')).toBe(false)
  })
  it('Base58Check and bech32 reject foreign shapes', () => {
    expect(base58CheckValid('1111111111111111111111111')).toBe(false)
    expect(bech32Valid('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx')).toBe(false)
  })
})

describe('credentials', () => {
  it('finds AWS access key ids', () => {
    expect(found(awsAccessKeyDetector, 'key=AKIA2OGYBAH6TOIAUZMB;')).toEqual([
      'AKIA2OGYBAH6TOIAUZMB',
    ])
    expect(found(awsAccessKeyDetector, 'ASIAY34FZKBOKMUTVV7A')).toEqual(['ASIAY34FZKBOKMUTVV7A'])
    expect(found(awsAccessKeyDetector, 'AKIA2OGYBAH6TOIAUZMBX')).toEqual([])
    expect(found(awsAccessKeyDetector, 'AKIA2OGYBAH6TOIAUZM')).toEqual([])
  })
  it('finds PEM private key blocks', () => {
    const pem =
      '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END RSA PRIVATE KEY-----'
    expect(found(privateKeyDetector, `key:\n${pem}\n`)).toEqual([pem])
    expect(privateKeyDetector.detect(pem)[0]?.score).toBe(0.95)
    expect(
      found(privateKeyDetector, '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----'),
    ).toEqual([])
    const lone = '-----BEGIN OPENSSH PRIVATE KEY-----'
    expect(privateKeyDetector.detect(`${lone}\nb3Blbn`)[0]?.score).toBe(0.8)
  })
  it('finds JWTs with a JSON header (RFC 7519 §3.1 example)', () => {
    const jwt =
      'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
    expect(found(jwtDetector, `Authorization: Bearer ${jwt}`)).toEqual([jwt])
    expect(jwtValid(jwt)).toBe(true)
    // "eyJub3QiOiJqd3QifQ" is {"not":"jwt"}: no alg member.
    expect(found(jwtDetector, 'eyJub3QiOiJqd3QifQ.eyJub3QiOiJqd3QifQ.abc')).toEqual([])
  })
  it('finds password and secret values, not placeholders', () => {
    expect(found(passwordDetector, 'DB_PASSWORD=hunter2x port=5432')).toEqual(['hunter2x'])
    expect(found(passwordDetector, 'secret: "s3cr3t!"')).toEqual(['s3cr3t!'])
    expect(found(passwordDetector, "password = 'p@ss w'")).toEqual([])
    expect(found(passwordDetector, 'password=*** secret=${SECRET} pwd=<password>')).toEqual([])
    expect(found(passwordDetector, 'the password is strong')).toEqual([])
  })
})

describe('published test values', () => {
  it.each(['4111111111111111', '5500000000000004', '378282246310005'])(
    'reports test card %s low and flagged',
    (v) => {
      const [span] = creditCardDetector.detect(`card ${v}`)
      expect(span).toMatchObject({ score: 0.3, testValue: true })
    },
  )
  it('reports AWS documentation key low and flagged', () => {
    const [span] = awsAccessKeyDetector.detect('aws key AKIAIOSFODNN7EXAMPLE')
    expect(span).toMatchObject({ score: 0.3, testValue: true })
  })
  it('does not flag other values', () => {
    const [span] = creditCardDetector.detect('card 4539578763621486')
    expect(span?.testValue).toBeUndefined()
    expect(span?.score).toBe(1)
  })
})
