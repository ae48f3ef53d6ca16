import { createHash } from 'node:crypto'

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { isStrongroomError } from '../errors.js'
import type { AuditCheckpoint, AuditRecord } from './audit-event.js'
import { canonicalize } from './canonical.js'
import {
  GENESIS_HASH,
  checkpointHash,
  checkpointSigningBytes,
  hashRecord,
  isHash,
} from './chain.js'

const body: Omit<AuditRecord, 'hash'> = {
  principal: 'alice',
  action: 'dataset.read',
  resources: [{ type: 'dataset', name: 'crm.customers', version: 2 }],
  decision: 'allow',
  policyIds: [],
  requestId: 'req_1',
  outcome: 'success',
  client: { kind: 'cli' },
  seq: 1,
  time: '2024-05-01T12:00:00.000Z',
  prevHash: GENESIS_HASH,
}

const checkpoint: AuditCheckpoint = {
  number: 1,
  seq: 10,
  hash: 'ab'.repeat(32),
  time: '2024-05-01T12:00:00.000Z',
  prevCheckpointHash: GENESIS_HASH,
  keyId: '00'.repeat(16),
  signature: 'c2ln',
}

describe('hash chain', () => {
  it('GENESIS_HASH is 64 zeros', () => {
    expect(GENESIS_HASH).toBe('0000000000000000000000000000000000000000000000000000000000000000')
    expect(isHash(GENESIS_HASH)).toBe(true)
  })

  it('hashes the 32 prevHash bytes followed by the canonical record (documented layout)', () => {
    const prev = '1f'.repeat(32)
    const expected = createHash('sha256')
      .update(Buffer.from(prev, 'hex'))
      .update(Buffer.from(canonicalize({ ...body, prevHash: prev }), 'utf8'))
      .digest('hex')
    expect(hashRecord({ ...body, prevHash: prev }, prev)).toBe(expected)
  })

  it('ignores a hash member, so a stored record re-hashes as is', () => {
    const h = hashRecord(body, GENESIS_HASH)
    expect(isHash(h)).toBe(true)
    expect(hashRecord({ ...body, hash: h }, GENESIS_HASH)).toBe(h)
    expect(hashRecord({ ...body, hash: 'other' }, GENESIS_HASH)).toBe(h)
  })

  it('a non-ASCII field hashes its UTF-8 bytes', () => {
    const r = { ...body, principal: 'zoë 😀' }
    const expected = createHash('sha256')
      .update(Buffer.alloc(32))
      .update(canonicalize(r), 'utf8')
      .digest('hex')
    expect(hashRecord(r, GENESIS_HASH)).toBe(expected)
  })

  it('a long record (beyond the scratch buffer) hashes correctly', () => {
    const r = { ...body, policyIds: Array.from({ length: 2000 }, (_, i) => `policy_${i}_é`) }
    const expected = createHash('sha256')
      .update(Buffer.alloc(32))
      .update(canonicalize(r), 'utf8')
      .digest('hex')
    expect(hashRecord(r, GENESIS_HASH)).toBe(expected)
  })

  it('refuses a prevHash that is not 64 lowercase hex digits', () => {
    for (const bad of ['', 'ab', GENESIS_HASH.toUpperCase().replace(/0/g, 'A'), 'g'.repeat(64)]) {
      let err: unknown
      try {
        hashRecord(body, bad)
      } catch (e) {
        err = e
      }
      expect(isStrongroomError(err, 'ERR_AUDIT_INVALID')).toBe(true)
    }
  })

  it('property: any change of a field or of prevHash changes the hash', () => {
    const base = hashRecord(body, GENESIS_HASH)
    fc.assert(
      fc.property(
        fc.constantFrom('principal', 'action', 'requestId', 'time'),
        fc.string({ minLength: 1 }),
        (field, suffix) => {
          expect(hashRecord({ ...body, [field]: body[field] + suffix }, GENESIS_HASH)).not.toBe(
            base,
          )
        },
      ),
    )
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), (prev) => {
        fc.pre(prev !== GENESIS_HASH)
        expect(hashRecord(body, prev)).not.toBe(base)
      }),
    )
  })

  it('checkpoint signing bytes exclude the signature; the checkpoint hash includes it', () => {
    const { signature: _sig, ...unsigned } = checkpoint
    expect(checkpointSigningBytes(checkpoint).toString('utf8')).toBe(canonicalize(unsigned))
    expect(checkpointSigningBytes(unsigned)).toEqual(checkpointSigningBytes(checkpoint))
    expect(checkpointHash(checkpoint)).toBe(
      createHash('sha256').update(canonicalize(checkpoint)).digest('hex'),
    )
    expect(checkpointHash({ ...checkpoint, signature: 'b3RoZXI=' })).not.toBe(
      checkpointHash(checkpoint),
    )
  })
})
