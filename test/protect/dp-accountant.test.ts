import { describe, expect, it } from 'vitest'
import { isStrongroomError, type StrongroomError } from '../../src/errors.js'
import { PrivacyAccountant } from '../../src/protect/dp/accountant.js'
import {
  MemoryBudgetStore,
  type BudgetRecord,
  type BudgetState,
  type BudgetStore,
} from '../../src/protect/dp/budget-store.js'
import { Rational } from '../../src/protect/dp/rational.js'
import { epsilonFromRhoUpper } from '../../src/protect/dp/real-bounds.js'

async function caught(p: Promise<unknown>): Promise<StrongroomError> {
  try {
    await p
  } catch (e) {
    if (isStrongroomError(e)) return e
    throw e
  }
  throw new Error('expected a StrongroomError')
}

/** A store that yields to the event loop between every read and write, to force races. */
class SlowStore implements BudgetStore {
  readonly inner = new MemoryBudgetStore()
  conflicts = 0
  private tick = 0

  async get(id: string): Promise<BudgetRecord | undefined> {
    await new Promise((r) => setTimeout(r, this.tick++ % 3))
    return this.inner.get(id)
  }

  async compareAndSet(id: string, expected: number, next: BudgetState): Promise<boolean> {
    await new Promise((r) => setTimeout(r, this.tick++ % 2))
    const ok = await this.inner.compareAndSet(id, expected, next)
    if (!ok) this.conflicts++
    return ok
  }
}

describe('PrivacyAccountant: basic composition', () => {
  it('sums ε exactly: 0.1 + 0.2 spends a budget of 0.3 to zero', async () => {
    const acct = new PrivacyAccountant(new MemoryBudgetStore())
    await acct.setBudget('ds', { epsilon: '0.3' })
    await acct.spend('ds', { epsilon: 0.1 })
    const r = await acct.spend('ds', { epsilon: '0.2' })
    expect(r.after.epsilonSpent.eq('0.3')).toBe(true)
    expect(r.after.epsilonRemaining.sign()).toBe(0)
    expect(r.epsilonCharged.eq('0.2')).toBe(true)
    const e = await caught(acct.spend('ds', { epsilon: '1e-9' }))
    expect(e.code).toBe('ERR_DP_BUDGET_EXCEEDED')
    expect(e.message).toContain('spent ε=0.3')
    expect(e.message).toContain('remaining ε=0')
    expect(e.message).toContain('requested ε=1e-9')
    expect(e.details).toMatchObject({ epsilonSpent: '3/10', epsilonRemaining: '0' })
  })

  it('adds the δ of approximate releases and refuses beyond the δ total', async () => {
    const acct = new PrivacyAccountant(new MemoryBudgetStore())
    await acct.setBudget('ds', { epsilon: 10, delta: '1e-6' })
    await acct.spend('ds', { epsilon: 1, delta: '4e-7' })
    const s = await acct.spend('ds', { epsilon: 1, delta: '6e-7' })
    expect(s.after.deltaSpent.eq('1e-6')).toBe(true)
    expect(s.after.epsilonSpent.eq(2)).toBe(true)
    const e = await caught(acct.spend('ds', { epsilon: 1, delta: '1e-12' }))
    expect(e.code).toBe('ERR_DP_BUDGET_EXCEEDED')
    expect(e.message).toContain('requested ε=1 δ=1e-12')
  })

  it('records nothing on refusal', async () => {
    const store = new MemoryBudgetStore()
    const acct = new PrivacyAccountant(store)
    await acct.setBudget('ds', { epsilon: 1, delta: '1e-6' })
    await acct.spend('ds', { epsilon: '0.75', rho: '0.001' })
    const before = await store.get('ds')
    for (const req of [
      { epsilon: '0.5' },
      { rho: 1 },
      { delta: '0.5' },
      { epsilon: '0.2', rho: '0.01' },
    ]) {
      expect((await caught(acct.spend('ds', req))).code).toBe('ERR_DP_BUDGET_EXCEEDED')
    }
    expect(await store.get('ds')).toEqual(before)
  })

  it('refuses a dataset without a budget', async () => {
    const acct = new PrivacyAccountant(new MemoryBudgetStore())
    const e = await caught(acct.spend('none', { epsilon: 1 }))
    expect(e.code).toBe('ERR_DP_BUDGET_EXCEEDED')
    expect((await caught(acct.status('none'))).code).toBe('ERR_DP_BUDGET_EXCEEDED')
  })
})

describe('PrivacyAccountant: zCDP (Bun & Steinke 2016)', () => {
  it('adds ρ and converts the total at the unreserved δ, never above basic composition', async () => {
    const acct = new PrivacyAccountant(new MemoryBudgetStore())
    const delta = Rational.parse('1e-6')
    await acct.setBudget('ds', { epsilon: 2, delta })
    const first = await acct.spend('ds', { rho: '0.01' })
    expect(first.after.epsilonSpent.eq(epsilonFromRhoUpper(Rational.parse('0.01'), delta))).toBe(
      true,
    )
    const second = await acct.spend('ds', { rho: '0.01' })
    expect(second.after.rho.eq('0.02')).toBe(true)
    expect(second.after.epsilonSpent.eq(epsilonFromRhoUpper(Rational.parse('0.02'), delta))).toBe(
      true,
    )
    // Composition in ρ beats adding the two converted ε.
    expect(second.after.epsilonSpent.lt(first.after.epsilonSpent.mul(2))).toBe(true)
    expect(second.epsilonCharged.lt(first.epsilonCharged)).toBe(true)
  })

  it('combines pure ε, ρ and approximate δ in one bound', async () => {
    const acct = new PrivacyAccountant(new MemoryBudgetStore())
    await acct.setBudget('ds', { epsilon: 3, delta: '1e-5' })
    await acct.spend('ds', { epsilon: '0.5' })
    await acct.spend('ds', { epsilon: '0.5', delta: '4e-6' })
    const r = await acct.spend('ds', { rho: '0.05' })
    const expected = Rational.from(1).add(
      epsilonFromRhoUpper(Rational.parse('0.05'), Rational.parse('6e-6')),
    )
    expect(r.after.epsilonSpent.eq(expected)).toBe(true)
    expect(r.after.conversionDelta.eq('6e-6')).toBe(true)
  })

  it('refuses zCDP spends when no δ is left to convert at', async () => {
    const acct = new PrivacyAccountant(new MemoryBudgetStore())
    await acct.setBudget('ds', { epsilon: 100 })
    const e = await caught(acct.spend('ds', { rho: '0.001' }))
    expect(e.code).toBe('ERR_DP_BUDGET_EXCEEDED')
    expect(e.message).toContain('zCDP releases need δ budget')
  })
})

describe('PrivacyAccountant: concurrency', () => {
  it('lets exactly as many concurrent spends through as the budget pays for', async () => {
    const store = new SlowStore()
    const acct = new PrivacyAccountant(store)
    await acct.setBudget('ds', { epsilon: 1 })
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => acct.spend('ds', { epsilon: '0.1' })),
    )
    const ok = results.filter((r) => r.status === 'fulfilled').length
    const refused = results.filter(
      (r) => r.status === 'rejected' && isStrongroomError(r.reason, 'ERR_DP_BUDGET_EXCEEDED'),
    ).length
    expect([ok, refused]).toEqual([10, 10])
    expect(store.conflicts).toBeGreaterThan(0)
    const final = await acct.status('ds')
    expect(final.epsilonSpent.eq(1)).toBe(true)
    expect(final.releases).toBe(10)
  })

  it('gives up with ERR_CATALOG_CONFLICT after bounded retries, spending nothing', async () => {
    const inner = new MemoryBudgetStore()
    const acct0 = new PrivacyAccountant(inner)
    await acct0.setBudget('ds', { epsilon: 1 })
    const before = await inner.get('ds')
    const stuck: BudgetStore = {
      get: (id) => inner.get(id),
      compareAndSet: () => Promise.resolve(false),
    }
    const e = await caught(
      new PrivacyAccountant(stuck, { maxAttempts: 5 }).spend('ds', { epsilon: '0.1' }),
    )
    expect(e.code).toBe('ERR_CATALOG_CONFLICT')
    expect(await inner.get('ds')).toEqual(before)
  })
})

describe('PrivacyAccountant: parameters', () => {
  it('lists every invalid budget parameter', async () => {
    const acct = new PrivacyAccountant(new MemoryBudgetStore())
    const e = await caught(acct.setBudget('ds', { epsilon: 0, delta: 1 }))
    expect(e.code).toBe('ERR_DP_INVALID_PARAMETER')
    expect(e.issues.map((i) => i.path)).toEqual(['epsilon', 'delta'])
    const e2 = await caught(acct.setBudget('ds', { epsilon: 'lots', delta: -0.1 }))
    expect(e2.issues.map((i) => i.path)).toEqual(['epsilon', 'delta'])
  })

  it('lists every invalid spend parameter', async () => {
    const acct = new PrivacyAccountant(new MemoryBudgetStore())
    await acct.setBudget('ds', { epsilon: 1 })
    const e = await caught(acct.spend('ds', { epsilon: -1, delta: 2, rho: 'x' }))
    expect(e.code).toBe('ERR_DP_INVALID_PARAMETER')
    expect(e.issues.map((i) => i.path)).toEqual(['epsilon', 'delta', 'rho'])
    expect((await caught(acct.spend('ds', {}))).code).toBe('ERR_DP_INVALID_PARAMETER')
  })

  it('keeps spends when totals change, and refuses totals below what is spent', async () => {
    const acct = new PrivacyAccountant(new MemoryBudgetStore())
    await acct.setBudget('ds', { epsilon: 1 })
    await acct.spend('ds', { epsilon: '0.6' })
    const raised = await acct.setBudget('ds', { epsilon: 2 })
    expect(raised.epsilonRemaining.eq('1.4')).toBe(true)
    expect((await caught(acct.setBudget('ds', { epsilon: '0.5' }))).code).toBe(
      'ERR_DP_INVALID_PARAMETER',
    )
  })
})
