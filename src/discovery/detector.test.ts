import { describe, expect, it } from 'vitest'
import { isStrongroomError } from '../errors.js'
import { createDefaultRegistry } from './default-registry.js'
import { DetectorRegistry } from './detector.js'
import type { Detector } from './detector.js'

const stub: Detector = { id: 'stub', entityType: 'STUB_THING', detect: () => [] }

describe('DetectorRegistry', () => {
  it('registers and lists detectors in order', () => {
    const r = new DetectorRegistry().register(stub)
    expect(r.list()).toEqual([stub])
    expect(r.get('stub')).toBe(stub)
    expect(r.entityTypes()).toEqual(['STUB_THING'])
  })

  it('rejects a duplicate id', () => {
    const r = new DetectorRegistry().register(stub)
    expect(() => r.register({ ...stub })).toThrow(/invalid detector/)
  })

  it('lists every problem of a malformed detector', () => {
    const bad = { id: 'Bad Id', entityType: 'lower', detect: 1 } as unknown as Detector
    try {
      new DetectorRegistry().register(bad)
      expect.unreachable()
    } catch (e) {
      expect(isStrongroomError(e, 'ERR_CONFIG_INVALID')).toBe(true)
      const paths = (e as { issues: { path: string }[] }).issues.map((i) => i.path)
      expect(paths).toEqual(['id', 'entityType', 'detect'])
    }
  })

  it('rejects a non-object', () => {
    expect(() => new DetectorRegistry().register(null as unknown as Detector)).toThrow()
  })

  it('builds independent default registries', () => {
    const a = createDefaultRegistry()
    const b = createDefaultRegistry()
    a.register(stub)
    expect(b.get('stub')).toBeUndefined()
    expect(a.entityTypes()).toEqual(
      expect.arrayContaining(['EMAIL_ADDRESS', 'CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'VIN']),
    )
  })
})
