import { describe, expect, it } from 'vitest'
import {
  ACTIONS,
  COLUMN_ACTIONS,
  DEFAULT_POLICIES,
  DEFAULT_POLICY_VERSION,
  PolicyEngine,
} from '../../src/access/index.js'
import { DATASETS, PRINCIPALS, PURPOSES } from './fixtures.js'
import type { NContext } from './naive.js'
import { naiveDecide, naivePlan } from './naive.js'

const engine = PolicyEngine.create({ policies: DEFAULT_POLICIES, version: DEFAULT_POLICY_VERSION })

/** Every (principal, action, resource, context) of the table, dataset- and column-level. */
function cases(): {
  p: (typeof PRINCIPALS)[number]
  action: string
  d: (typeof DATASETS)[number]
  column: string | null
  ctx: NContext
}[] {
  const out: ReturnType<typeof cases> = []
  for (const p of PRINCIPALS) {
    for (const d of DATASETS) {
      for (const purpose of PURPOSES) {
        for (const action of ACTIONS) {
          const contexts: NContext[] =
            action === 'export'
              ? [
                  { purpose, destinationRegion: 'eu' },
                  { purpose, destinationRegion: 'us' },
                ]
              : [{ purpose }]
          for (const ctx of contexts) out.push({ p, action, d, column: null, ctx })
          if (COLUMN_ACTIONS.has(action)) {
            for (const c of d.columns) out.push({ p, action, d, column: c.name, ctx: { purpose } })
          }
        }
      }
    }
  }
  return out
}

describe('decision matrix: the engine agrees with an independent evaluator of the default rules', () => {
  const all = cases()

  it('covers at least 300 cases, with both outcomes well represented', () => {
    expect(all.length).toBeGreaterThanOrEqual(300)
    const allows = all.filter(
      (c) =>
        naiveDecide(c.p, c.action, c.d, c.d.columns.find((x) => x.name === c.column) ?? null, c.ctx)
          .decision === 'allow',
    ).length
    expect(allows).toBeGreaterThan(all.length / 10)
    expect(all.length - allows).toBeGreaterThan(all.length / 10)
  })

  for (const p of PRINCIPALS) {
    it(`decides every request of ${p.id} as the rules say (decision and determining policies)`, () => {
      const mismatches: string[] = []
      for (const c of all.filter((x) => x.p === p)) {
        const column =
          c.column === null ? null : (c.d.columns.find((x) => x.name === c.column) ?? null)
        const expected = naiveDecide(c.p, c.action, c.d, column, c.ctx)
        const got = engine.authorize({
          principal: c.p,
          action: c.action,
          resource: c.column === null ? { dataset: c.d } : { dataset: c.d, column: c.column },
          context: c.ctx,
        })
        if (
          got.decision !== expected.decision ||
          got.policies.join() !== expected.policies.join()
        ) {
          mismatches.push(
            `${c.action} ${c.d.id}${c.column === null ? '' : `/${c.column}`} ${JSON.stringify(c.ctx)}: ` +
              `engine ${got.decision} [${got.policies.join()}], rules ${expected.decision} [${expected.policies.join()}]`,
          )
        }
        expect(got.errors).toEqual([])
      }
      expect(mismatches).toEqual([])
    })

    it(`plans every read of ${p.id} as the rules say`, () => {
      for (const d of DATASETS) {
        for (const purpose of PURPOSES) {
          const plan = engine.planColumns({ principal: p, dataset: d, purpose })
          const got = Object.fromEntries(plan.columns.map((c) => [c.column, c.access]))
          expect({ dataset: d.id, purpose, plan: got }).toEqual({
            dataset: d.id,
            purpose,
            plan: naivePlan(p, d, purpose),
          })
        }
      }
    })
  }

  it('has every plan outcome somewhere in the table', () => {
    const seen = new Set<string>()
    for (const p of PRINCIPALS)
      for (const d of DATASETS)
        for (const a of Object.values(naivePlan(p, d, 'analytics'))) seen.add(a)
    expect([...seen].sort()).toEqual(['hidden', 'masked', 'plaintext'])
  })
})
