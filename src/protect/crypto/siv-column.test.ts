import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'

import { AesSiv } from './siv.js'
import { sivDecryptColumn, sivDomainKey, sivEncryptColumn } from './siv-column.js'

describe('sivEncryptColumn', () => {
  const master = randomBytes(32)
  const siv = new AesSiv(sivDomainKey(master, 'customer-email'))

  it('is deterministic, joinable within a domain, and round-trips with nulls', () => {
    const values = ['ann@example.com', null, 'bob@example.com', 'ann@example.com', '']
    const ct = sivEncryptColumn(siv, values, ['crm'])
    expect(ct[1]).toBeNull()
    expect(ct[0]!.equals(ct[3]!)).toBe(true)
    expect(ct[0]!.equals(ct[2]!)).toBe(false)
    const again = new AesSiv(sivDomainKey(master, 'customer-email'))
    expect(sivEncryptColumn(again, values, ['crm'])[0]!.equals(ct[0]!)).toBe(true)
    expect(
      sivDecryptColumn(siv, ct, ['crm']).map((b) => (b === null ? null : b.toString())),
    ).toEqual(values)
    expect(ct[0]!.equals(siv.encrypt(Buffer.from('ann@example.com'), [Buffer.from('crm')]))).toBe(
      true,
    )
  })

  it('fails decryption with the original row index for a wrong context or tampering', () => {
    const ct = sivEncryptColumn(siv, [null, 'a', null, 'b'], ['crm'])
    expect(() => sivDecryptColumn(siv, ct, ['other'])).toThrow(
      expect.objectContaining({ code: 'ERR_CRYPTO_INTEGRITY', details: { row: 1 } }),
    )
    const bad = ct.map((b) => (b === null ? null : Buffer.from(b)))
    bad[3]![0]! ^= 1
    expect(() => sivDecryptColumn(siv, bad, ['crm'])).toThrow(
      expect.objectContaining({ code: 'ERR_CRYPTO_INTEGRITY', details: { row: 3 } }),
    )
    const other = new AesSiv(sivDomainKey(master, 'employee-email'))
    expect(() => sivDecryptColumn(other, ct, ['crm'])).toThrow(
      expect.objectContaining({ code: 'ERR_CRYPTO_INTEGRITY' }),
    )
  })
})
