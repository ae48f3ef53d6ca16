/**
 * Principals and roles of a lake (`principal add|set|ls|rm`, `role grant|revoke`). Managing
 * them is lake administration (`admin` on `Lake::"lake"`), with one exception: a lake with
 * no principal at all lets its first one be added, and makes it an administrator, since
 * nobody could otherwise ever be allowed anything.
 */
import { unknownPrincipal } from '../catalog/access-rules.js'
import type { PrincipalRecord } from '../catalog/catalog.js'
import { levelOf, type Sensitivity } from '../access/model.js'
import { StrongroomError } from '../errors.js'
import { authorizeLake } from './access-control.js'
import type { LakeContext } from './context.js'

/** The role the first principal of a lake is given. */
export const BOOTSTRAP_ROLE = 'admin'

/** Attributes of a principal as callers give them. */
export interface PrincipalOptions {
  /** Highest sensitivity the principal may see (default `none`). */
  readonly clearance?: Sensitivity
  /** The principal's region (default: none). */
  readonly region?: string
  /** Whether the principal's sessions are MFA-authenticated (default false). */
  readonly mfa?: boolean
  /** Further attributes row filters may compare to (`principal.<name>`). */
  readonly attributes?: Readonly<Record<string, string | number | boolean | null>>
}

function clearanceRank(clearance: Sensitivity | undefined): number {
  const rank = levelOf(clearance ?? 'none')
  if (rank === undefined) {
    throw new StrongroomError(
      'ERR_USAGE_INVALID_ARGUMENT',
      'clearance is none, low, medium or high',
    )
  }
  return rank
}

/**
 * Adds a principal. Returns it with `bootstrapped: true` when it was the lake's first, which
 * needs no permission and makes it an administrator.
 */
export async function addPrincipal(
  ctx: LakeContext,
  id: string,
  options: PrincipalOptions = {},
): Promise<{ principal: PrincipalRecord; bootstrapped: boolean }> {
  const bootstrapped = (await ctx.catalog.listPrincipals()).length === 0
  if (!bootstrapped) await authorizeLake(ctx, 'admin')
  const input = {
    id,
    clearance: clearanceRank(options.clearance),
    region: options.region ?? '',
    mfa: options.mfa ?? false,
    attributes: options.attributes ?? {},
    by: ctx.principal,
  }
  await ctx.catalog.putPrincipal(input, true)
  if (bootstrapped) await ctx.catalog.grantRole(id, BOOTSTRAP_ROLE, ctx.principal)
  const principal = await ctx.catalog.getPrincipal(id)
  if (principal === undefined)
    throw new StrongroomError('ERR_CATALOG_CONFLICT', 'The principal was removed concurrently')
  return { principal, bootstrapped }
}

/** Changes a principal's attributes; what is not given keeps its value. */
export async function setPrincipal(
  ctx: LakeContext,
  id: string,
  options: PrincipalOptions,
): Promise<PrincipalRecord> {
  await authorizeLake(ctx, 'admin')
  const current = await ctx.catalog.getPrincipal(id)
  if (current === undefined) {
    throw unknownPrincipal(id)
  }
  return ctx.catalog.putPrincipal(
    {
      id,
      clearance:
        options.clearance === undefined ? current.clearance : clearanceRank(options.clearance),
      region: options.region ?? current.region,
      mfa: options.mfa ?? current.mfa,
      attributes: options.attributes ?? current.attributes,
      by: ctx.principal,
    },
    false,
  )
}

/** Every principal with its roles. */
export async function listPrincipals(ctx: LakeContext): Promise<PrincipalRecord[]> {
  await authorizeLake(ctx, 'admin')
  return ctx.catalog.listPrincipals()
}

/**
 * Removes a principal and its grants. A principal cannot remove itself, so a lake is never
 * left without the administrator who was managing it by accident.
 */
export async function removePrincipal(ctx: LakeContext, id: string): Promise<boolean> {
  await authorizeLake(ctx, 'admin')
  if (id === ctx.principal) {
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'A principal cannot remove itself', {
      hint: 'ask another administrator',
    })
  }
  return ctx.catalog.removePrincipal(id)
}

/** Grants a role; false when the principal already had it. */
export async function grantRole(ctx: LakeContext, id: string, role: string): Promise<boolean> {
  await authorizeLake(ctx, 'admin')
  return ctx.catalog.grantRole(id, role, ctx.principal)
}

/** Revokes a role; false when the principal did not have it. */
export async function revokeRole(ctx: LakeContext, id: string, role: string): Promise<boolean> {
  await authorizeLake(ctx, 'admin')
  if (id === ctx.principal && role === BOOTSTRAP_ROLE) {
    throw new StrongroomError(
      'ERR_USAGE_INVALID_ARGUMENT',
      'An administrator cannot revoke its own admin role',
      {
        hint: 'ask another administrator',
      },
    )
  }
  if ((await ctx.catalog.getPrincipal(id)) === undefined) {
    throw unknownPrincipal(id)
  }
  return ctx.catalog.revokeRole(id, role)
}
