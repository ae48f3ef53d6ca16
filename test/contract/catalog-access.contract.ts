/**
 * The catalog port's contract for principals, role grants and policy versions (migration
 * 0006_access). Each backend runs it over a store of its own, since policy versions are
 * global to a catalog.
 */
import { createHash, randomBytes } from 'node:crypto'

import { afterAll, describe, expect, it } from 'vitest'

import type { Catalog, PolicySourceRecord, PrincipalInput } from '../../src/catalog/catalog.js'
import { isStrongroomError, type ErrorCode } from '../../src/errors.js'
import type { CatalogContractOptions } from './catalog.contract.js'

function uid(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

function principal(id: string, over: Partial<PrincipalInput> = {}): PrincipalInput {
  return { id, clearance: 2, region: 'eu', mfa: false, attributes: {}, by: 'admin', ...over }
}

function digest(sources: readonly PolicySourceRecord[]): string {
  return createHash('sha256').update(JSON.stringify(sources)).digest('hex')
}

async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(isStrongroomError(e) ? e.code : e).toBe(code)
}

/** Runs the access part of the catalog contract. */
export function runCatalogAccessContract(name: string, opts: CatalogContractOptions): void {
  describe.skipIf(opts.skip !== undefined && opts.skip !== false)(
    `catalog access contract: ${name}`,
    () => {
      const opened: Catalog[] = []
      async function open(): Promise<Catalog> {
        const c = await opts.create()
        await c.open()
        opened.push(c)
        return c
      }
      afterAll(async () => {
        for (const c of opened) await c.close()
        await opts.cleanup?.()
      })

      it('adds, reads, updates and removes a principal with its attributes', async () => {
        const c = await open()
        const id = uid('alice')
        const added = await c.putPrincipal(
          principal(id, { attributes: { team: 'ml', level: 3, contractor: false, note: null } }),
          true,
        )
        expect(added).toMatchObject({ id, clearance: 2, region: 'eu', mfa: false, roles: [] })
        expect(added.attributes).toEqual({ team: 'ml', level: 3, contractor: false, note: null })
        expect(await c.getPrincipal(id)).toEqual(added)
        const updated = await c.putPrincipal(principal(id, { clearance: 3, mfa: true }), false)
        expect(updated).toMatchObject({ clearance: 3, mfa: true, attributes: {} })
        expect(updated.createdAt).toEqual(added.createdAt)
        expect((await c.listPrincipals()).map((p) => p.id)).toContain(id)
        expect(await c.removePrincipal(id)).toBe(true)
        expect(await c.removePrincipal(id)).toBe(false)
        expect(await c.getPrincipal(id)).toBeUndefined()
      })

      it('refuses a duplicate add and an update of an unknown principal', async () => {
        const c = await open()
        const id = uid('bob')
        await c.putPrincipal(principal(id), true)
        await expectCode(c.putPrincipal(principal(id), true), 'ERR_AUTHZ_PRINCIPAL_EXISTS')
        await expectCode(
          c.putPrincipal(principal(uid('nobody')), false),
          'ERR_AUTHZ_UNKNOWN_PRINCIPAL',
        )
      })

      it('lists every problem of a malformed principal and stores nothing', async () => {
        const c = await open()
        const id = uid('carol')
        const e = await c
          .putPrincipal(
            {
              ...principal(id),
              clearance: 7,
              region: 'EU West',
              attributes: { 'bad name': 1, ok: Number.NaN },
            },
            true,
          )
          .catch((err: unknown) => err)
        expect(isStrongroomError(e, 'ERR_USAGE_INVALID_ARGUMENT')).toBe(true)
        if (!isStrongroomError(e)) return
        const paths = (e.issues ?? []).map((i) => i.path)
        expect(paths).toEqual(expect.arrayContaining(['clearance', 'region', 'attributes']))
        expect(paths).toContain('attributes.ok')
        expect(await c.getPrincipal(id)).toBeUndefined()
        for (const bad of ['', "o'brien", 'a b', 'x\u0000', 'é'.repeat(3), 'a'.repeat(129)]) {
          await expectCode(c.getPrincipal(bad), 'ERR_USAGE_INVALID_ARGUMENT')
        }
      })

      it('grants and revokes roles; a second grant keeps the first time', async () => {
        const c = await open()
        const id = uid('dave')
        await c.putPrincipal(principal(id), true)
        expect(await c.grantRole(id, 'reader', 'admin')).toBe(true)
        const first = await c.getPrincipal(id)
        expect(await c.grantRole(id, 'reader', 'other')).toBe(false)
        expect(await c.grantRole(id, 'analyst', 'admin')).toBe(true)
        const both = await c.getPrincipal(id)
        expect(both?.roles.map((r) => r.role)).toEqual(['analyst', 'reader'])
        expect(both?.roles.find((r) => r.role === 'reader')).toEqual(first?.roles[0])
        expect(await c.revokeRole(id, 'reader')).toBe(true)
        expect(await c.revokeRole(id, 'reader')).toBe(false)
        expect((await c.getPrincipal(id))?.roles.map((r) => r.role)).toEqual(['analyst'])
        await expectCode(
          c.grantRole(uid('ghost'), 'reader', 'admin'),
          'ERR_AUTHZ_UNKNOWN_PRINCIPAL',
        )
        await expectCode(c.grantRole(id, 'Bad Role', 'admin'), 'ERR_USAGE_INVALID_ARGUMENT')
        // Removing a principal removes its grants: re-adding it starts with none.
        await c.removePrincipal(id)
        expect((await c.putPrincipal(principal(id), true)).roles).toEqual([])
      })

      it('appends policy versions with compare-and-set and keeps every text', async () => {
        const c = await open()
        const before = (await c.getPolicyVersion())?.version ?? 0
        const one = [{ name: 'team.cedar', text: 'permit (principal, action, resource);' }]
        const v1 = await c.appendPolicyVersion({
          expectedVersion: before,
          sources: one,
          sha256: digest(one),
          createdBy: 'admin',
          comment: 'first',
          basedOn: null,
        })
        expect(v1).toMatchObject({ version: before + 1, sources: one, comment: 'first' })
        // A writer that diffed against an older version loses and changes nothing.
        const stale = await c.appendPolicyVersion({
          expectedVersion: before,
          sources: [],
          sha256: digest([]),
          createdBy: 'admin',
          comment: 'stale',
          basedOn: null,
        })
        expect(stale).toBeUndefined()
        const v2 = await c.appendPolicyVersion({
          expectedVersion: before + 1,
          sources: one,
          sha256: digest(one),
          createdBy: 'admin',
          comment: '',
          basedOn: before + 1,
        })
        expect(v2?.basedOn).toBe(before + 1)
        expect((await c.getPolicyVersion())?.version).toBe(before + 2)
        expect(await c.getPolicyVersion(before + 1)).toEqual(v1)
        expect(await c.getPolicyVersion(before + 99)).toBeUndefined()
        const all = await c.listPolicyVersions()
        expect(all.map((v) => v.version).slice(-2)).toEqual([before + 1, before + 2])
      })

      it('lets exactly one of two concurrent appends win', async () => {
        const a = await open()
        const b = await open()
        const before = (await a.getPolicyVersion())?.version ?? 0
        const src = [{ name: 'x.cedar', text: '' }]
        const input = {
          expectedVersion: before,
          sources: src,
          sha256: digest(src),
          createdBy: 'admin',
          comment: 'race',
          basedOn: null,
        }
        const results = await Promise.all([
          a.appendPolicyVersion(input),
          b.appendPolicyVersion(input),
        ])
        expect(results.filter((r) => r !== undefined)).toHaveLength(1)
        expect((await a.getPolicyVersion())?.version).toBe(before + 1)
      })

      it.skipIf(opts.execRaw === undefined)(
        'refuses to rewrite or delete a policy version in the database itself',
        async () => {
          const c = await open()
          const before = (await c.getPolicyVersion())?.version ?? 0
          const src = [{ name: 'y.cedar', text: '' }]
          await c.appendPolicyVersion({
            expectedVersion: before,
            sources: src,
            sha256: digest(src),
            createdBy: 'admin',
            comment: 'kept',
            basedOn: null,
          })
          const exec = opts.execRaw as (sql: string) => Promise<void>
          await expect(exec("UPDATE policy_versions SET comment = 'edited'")).rejects.toThrow()
          await expect(exec('DELETE FROM policy_versions')).rejects.toThrow()
          expect((await c.getPolicyVersion())?.comment).toBe('kept')
        },
      )
    },
  )
}
