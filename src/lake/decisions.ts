/**
 * Collects the policy ids of the decisions an operation takes, so its audit event names
 * them without every operation threading them through by hand. `collectDecisions` opens a
 * scope (per async call chain); `noteDecision`, called by every allowed decision, adds to
 * the innermost open scope and does nothing outside one.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

const scope = new AsyncLocalStorage<Set<string>>()

/** Runs `fn` in a new scope; returns its result and the policy ids noted inside it, sorted. */
export async function collectDecisions<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; policyIds: string[] }> {
  const ids = new Set<string>()
  const result = await scope.run(ids, fn)
  return { result, policyIds: [...ids].sort() }
}

/** Adds the ids of an allowed decision to the current scope, if any. */
export function noteDecision(policyIds: readonly string[]): void {
  const ids = scope.getStore()
  if (ids !== undefined) for (const id of policyIds) ids.add(id)
}
