/**
 * Deterministic encryption of a column with AES-SIV: equal values give equal ciphertexts
 * (joins and group-bys still work on the encrypted column), and key holders can decrypt.
 */
import { StrongroomError } from '../../errors.js'
import { deriveTransformKey } from '../keys.js'
import type { Column } from '../transforms/column.js'
import type { AesSiv } from './siv.js'

/**
 * The AES-256-SIV key (64 bytes) of a domain, derived from the transform master key with
 * purpose `siv`. Columns encrypted in the same domain are joinable with each other.
 *
 * @example
 * ```ts
 * const siv = new AesSiv(sivDomainKey(master, 'customer-email'))
 * ```
 */
export function sivDomainKey(master: Uint8Array, domain: string): Buffer {
  return deriveTransformKey(master, { purpose: 'siv', domain, length: 64 })
}

/**
 * Encrypts a column of strings (UTF-8) or bytes in one batch; nulls stay null. `context`
 * strings are bound as associated data: decryption needs exactly the same ones.
 *
 * @example
 * ```ts
 * const ct = sivEncryptColumn(siv, ['ann@example.com', null], ['customer-email'])
 * sivDecryptColumn(siv, ct, ['customer-email']).map((b) => b?.toString()) // ['ann@…', null]
 * ```
 */
export function sivEncryptColumn(
  siv: AesSiv,
  values: Column<string | Uint8Array>,
  context: readonly string[] = [],
): (Buffer | null)[] {
  const rows: number[] = []
  const plains: Uint8Array[] = []
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v === null || v === undefined) continue
    if (typeof v === 'string') plains.push(Buffer.from(v, 'utf8'))
    else if (v instanceof Uint8Array) plains.push(v)
    else {
      throw new StrongroomError(
        'ERR_PROTECT_INVALID_VALUE',
        `siv: value is not text or bytes (row ${i})`,
        {
          details: { row: i },
        },
      )
    }
    rows.push(i)
  }
  const cts = siv.encryptMany(
    plains,
    context.map((c) => Buffer.from(c, 'utf8')),
  )
  const out = new Array<Buffer | null>(values.length).fill(null)
  for (let k = 0; k < rows.length; k++) out[rows[k]!] = cts[k]!
  return out
}

/**
 * Decrypts a column produced by {@link sivEncryptColumn} with the same context; nulls stay
 * null. Throws `ERR_CRYPTO_INTEGRITY` (with the row) if any value fails to authenticate.
 */
export function sivDecryptColumn(
  siv: AesSiv,
  values: Column<Uint8Array>,
  context: readonly string[] = [],
): (Buffer | null)[] {
  const rows: number[] = []
  const cts: Uint8Array[] = []
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v === null || v === undefined) continue
    rows.push(i)
    cts.push(v)
  }
  let plains: Buffer[]
  try {
    plains = siv.decryptMany(
      cts,
      context.map((c) => Buffer.from(c, 'utf8')),
    )
  } catch (e) {
    const k = e instanceof StrongroomError ? e.details['row'] : undefined
    if (typeof k === 'number' && e instanceof StrongroomError) {
      throw new StrongroomError(e.code, e.message.replace(/row \d+/, `row ${rows[k]}`), {
        details: { row: rows[k]! },
      })
    }
    throw e
  }
  const out = new Array<Buffer | null>(values.length).fill(null)
  for (let k = 0; k < rows.length; k++) out[rows[k]!] = plains[k]!
  return out
}
