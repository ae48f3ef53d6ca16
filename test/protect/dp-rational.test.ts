import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isStrongroomError } from '../../src/errors.js'
import { Rational } from '../../src/protect/dp/rational.js'
import {
  epsilonFromRhoUpper,
  lnLower,
  lnUpper,
  rhoForEpsilonDelta,
  sqrtLower,
  sqrtUpper,
} from '../../src/protect/dp/real-bounds.js'

const small = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n })
const nonZero = small.filter((n) => n !== 0n)
const rational = fc.tuple(small, nonZero).map(([n, d]) => Rational.of(n, d))
const nonZeroRational = fc.tuple(nonZero, nonZero).map(([n, d]) => Rational.of(n, d))
const R = (x: string | number): Rational => Rational.from(x)

describe('Rational', () => {
  it('adds decimals exactly: 0.1 + 0.2 = 0.3', () => {
    expect(R('0.1').add('0.2').eq('0.3')).toBe(true)
    expect(R(0.1).add(0.2).eq(0.3)).toBe(true)
    expect(R('0.3').sub('0.1').sub('0.2').sign()).toBe(0)
  })

  it('parses decimal and fraction text exactly', () => {
    const cases: [string, bigint, bigint][] = [
      ['0.5', 1n, 2n],
      ['1e-6', 1n, 1_000_000n],
      ['-2.5E3', -2500n, 1n],
      ['.25', 1n, 4n],
      ['5.', 5n, 1n],
      ['+7', 7n, 1n],
      ['1/3', 1n, 3n],
      ['-4/6', -2n, 3n],
      ['12.340e+1', 617n, 5n],
      ['0.000', 0n, 1n],
    ]
    for (const [text, num, den] of cases) {
      const r = Rational.parse(text)
      expect([text, r.num, r.den]).toEqual([text, num, den])
    }
    expect(R(1e21).eq('1000000000000000000000')).toBe(true)
    expect(R(1.5e-7).eq('15/100000000')).toBe(true)
  })

  it('rejects malformed input with ERR_DP_INVALID_PARAMETER', () => {
    for (const bad of ['', 'abc', '1e', '1..2', '1/0', '1/-2', '--1', 'e5', '.', '1e99999']) {
      expect(() => Rational.parse(bad), bad).toThrow(
        expect.objectContaining({ code: 'ERR_DP_INVALID_PARAMETER' }) as Error,
      )
    }
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      let caught: unknown
      try {
        Rational.from(bad)
      } catch (e) {
        caught = e
      }
      expect(isStrongroomError(caught, 'ERR_DP_INVALID_PARAMETER')).toBe(true)
    }
    expect(() => R(1).div(0)).toThrow(/division by zero/)
  })

  it('stays normalized: equal values have equal fields', () => {
    fc.assert(
      fc.property(small, nonZero, fc.bigInt({ min: 1n, max: 10n ** 12n }), (n, d, k) => {
        const a = Rational.of(n, d)
        const b = Rational.of(n * k, d * k)
        expect([b.num, b.den]).toEqual([a.num, a.den])
        expect(a.den > 0n).toBe(true)
      }),
    )
  })

  it('is a field: commutative, associative, inverses', () => {
    fc.assert(
      fc.property(rational, rational, rational, nonZeroRational, (a, b, c, z) => {
        expect(a.add(b).eq(b.add(a))).toBe(true)
        expect(a.mul(b).eq(b.mul(a))).toBe(true)
        expect(
          a
            .add(b)
            .add(c)
            .eq(a.add(b.add(c))),
        ).toBe(true)
        expect(
          a
            .mul(b)
            .mul(c)
            .eq(a.mul(b.mul(c))),
        ).toBe(true)
        expect(a.mul(b.add(c)).eq(a.mul(b).add(a.mul(c)))).toBe(true)
        expect(a.sub(b).add(b).eq(a)).toBe(true)
        expect(a.mul(z).div(z).eq(a)).toBe(true)
      }),
    )
  })

  it('orders consistently with subtraction, and floor/ceil bracket the value', () => {
    fc.assert(
      fc.property(rational, rational, (a, b) => {
        expect(a.compare(b)).toBe(a.sub(b).sign())
        // Antisymmetric (a sum, not a negation: -0 and 0 differ under Object.is).
        expect(a.compare(b) + b.compare(a)).toBe(0)
        expect(Rational.of(a.floor()).lte(a)).toBe(true)
        expect(Rational.of(a.floor() + 1n).gt(a)).toBe(true)
        expect(Rational.of(a.ceil()).gte(a)).toBe(true)
        expect(a.ceil() - a.floor()).toBe(a.isInteger() ? 0n : 1n)
      }),
    )
  })

  it('round-trips through toString and reads decimal text as the scaled integer', () => {
    fc.assert(
      fc.property(rational, (a) => {
        expect(Rational.parse(a.toString()).eq(a)).toBe(true)
      }),
    )
    fc.assert(
      fc.property(small, fc.integer({ min: 0, max: 40 }), (n, k) => {
        const digits = (n < 0n ? -n : n).toString().padStart(k + 1, '0')
        const text = `${n < 0n ? '-' : ''}${digits.slice(0, digits.length - k)}.${digits.slice(digits.length - k)}`
        expect(Rational.parse(text).eq(Rational.of(n, 10n ** BigInt(k)))).toBe(true)
      }),
    )
  })

  it('converts to the nearest double for display', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e300, max: 1e300, noNaN: true }), (x) => {
        const back = R(x).toNumber()
        expect(Math.abs(back - x)).toBeLessThanOrEqual(Math.abs(x) * 1e-15)
      }),
    )
    expect(
      Rational.of(1n, 10n ** 400n)
        .mul(10n ** 400n)
        .toNumber(),
    ).toBe(1)
    expect(Rational.of(10n ** 400n + 1n, 10n ** 400n).toNumber()).toBe(1)
    expect(R('0.3').toDisplay()).toBe('0.3')
  })
})

describe('rigorous real bounds', () => {
  // ln 2 to 36 decimals, OEIS A002162 (decimal expansion of the natural logarithm of 2).
  const LN2_TRUNCATED = R('0.693147180559945309417232121458176568')
  const ULP36 = R('1e-36')

  it('brackets ln 2 against OEIS A002162 digits', () => {
    expect(lnLower(R(2)).lte(LN2_TRUNCATED.add(ULP36))).toBe(true)
    expect(lnUpper(R(2)).gte(LN2_TRUNCATED)).toBe(true)
    expect(
      lnUpper(R(2))
        .sub(lnLower(R(2)))
        .lte(Rational.of(1n, 1n << 127n)),
    ).toBe(true)
  })

  it('brackets ln(10^6) = 6 ln 10 (ln 10 from OEIS A002392)', () => {
    const ln10 = R('2.302585092994045684017991454684364207')
    const lo = ln10.mul(6)
    const hi = ln10.add('1e-36').mul(6)
    expect(lnUpper(R('1e6')).gte(lo)).toBe(true)
    expect(lnLower(R('1e6')).lte(hi)).toBe(true)
  })

  it('lnLower <= lnUpper, tight, and agree with Math.log', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 40n }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        (n, d) => {
          const x = Rational.of(n + d, d)
          const lo = lnLower(x)
          const hi = lnUpper(x)
          expect(lo.lte(hi)).toBe(true)
          expect(hi.sub(lo).lte(Rational.of(1n, 1n << 127n))).toBe(true)
          expect(Math.abs(hi.toNumber() - Math.log(x.toNumber()))).toBeLessThan(1e-12)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('sqrt bounds bracket the root', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        (n, d) => {
          const x = Rational.of(n, d)
          const up = sqrtUpper(x)
          const lo = sqrtLower(x)
          expect(up.mul(up).gte(x)).toBe(true)
          expect(lo.mul(lo).lte(x)).toBe(true)
          expect(up.sub(lo).lte(Rational.of(1n, 1n << 127n))).toBe(true)
        },
      ),
    )
  })
})

describe('zCDP to (ε, δ) conversion (Bun & Steinke 2016, Proposition 1.3)', () => {
  const rhoArb = fc.integer({ min: 1, max: 1_000_000 }).map((k) => Rational.of(BigInt(k), 100_000n))
  const deltaArb = fc.integer({ min: 1, max: 15 }).map((k) => Rational.of(1n, 10n ** BigInt(k)))

  it('is conservative: the bound satisfies ((ε-ρ)/2)² >= ρ·ln(1/δ) exactly', () => {
    fc.assert(
      fc.property(rhoArb, deltaArb, (rho, delta) => {
        const eps = epsilonFromRhoUpper(rho, delta)
        const half = eps.sub(rho).div(2)
        expect(half.mul(half).gte(rho.mul(lnUpper(Rational.ONE.div(delta))))).toBe(true)
        const float =
          rho.toNumber() + 2 * Math.sqrt(rho.toNumber() * Math.log(1 / delta.toNumber()))
        expect(eps.toNumber()).toBeGreaterThanOrEqual(float * (1 - 1e-14))
        expect(eps.toNumber()).toBeLessThanOrEqual(float * (1 + 1e-12))
      }),
      { numRuns: 200 },
    )
  })

  it('is monotone: increasing in ρ, decreasing in δ', () => {
    fc.assert(
      fc.property(rhoArb, rhoArb, deltaArb, deltaArb, (r1, r2, d1, d2) => {
        const [rlo, rhi] = r1.lte(r2) ? [r1, r2] : [r2, r1]
        const [dlo, dhi] = d1.lte(d2) ? [d1, d2] : [d2, d1]
        expect(epsilonFromRhoUpper(rlo, d1).lte(epsilonFromRhoUpper(rhi, d1))).toBe(true)
        expect(epsilonFromRhoUpper(r1, dhi).lte(epsilonFromRhoUpper(r1, dlo))).toBe(true)
      }),
      { numRuns: 100 },
    )
  })

  it('inverts tightly: the ρ chosen for (ε, δ) converts back to at most ε', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }).map((k) => Rational.of(BigInt(k), 10_000n)),
        deltaArb,
        (epsilon, delta) => {
          const rho = rhoForEpsilonDelta(epsilon, delta)
          const back = epsilonFromRhoUpper(rho, delta)
          expect(back.lte(epsilon)).toBe(true)
          expect(epsilon.sub(back).toNumber()).toBeLessThan(1e-9 * epsilon.toNumber() + 1e-30)
        },
      ),
      { numRuns: 100 },
    )
    // ε = 1, δ = 1e-6: ρ = (sqrt(ln 1e6 + 1) - sqrt(ln 1e6))² ≈ 0.0174689.
    expect(rhoForEpsilonDelta(R(1), R('1e-6')).toNumber()).toBeCloseTo(0.0174689, 6)
  })
})
