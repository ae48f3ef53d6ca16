/**
 * The lake's access control from the command line: `principal add|set|ls|rm`,
 * `role grant|revoke`, `policy apply|versions|diff|rollback` (joining the file-based
 * `policy` commands) and `access review|unused`. Every command acts as the configured local
 * principal; none of them returns data.
 */
import type { Command } from 'commander'
import { InvalidArgumentError, Option } from 'commander'
import { LEVELS, type Sensitivity } from '../../access/model.js'
import { unknownPrincipal } from '../../catalog/access-rules.js'
import type { PrincipalRecord } from '../../catalog/catalog.js'
import type { PolicyDiff } from '../../lake/policies.js'
import type { PrincipalOptions } from '../../lake/principals.js'
import { integerOption } from '../options.js'
import { table } from '../output.js'
import type { CliContext } from './context.js'
import { loadPolicyFiles } from './policy.js'

/** `key=value` → attribute; values `true`, `false`, `null` and numbers are typed. */
function attribute(v: string, previous: Record<string, string | number | boolean | null> = {}) {
  const eq = v.indexOf('=')
  if (eq <= 0) throw new InvalidArgumentError('an attribute is NAME=VALUE')
  const name = v.slice(0, eq)
  const raw = v.slice(eq + 1)
  const value =
    raw === 'true'
      ? true
      : raw === 'false'
        ? false
        : raw === 'null'
          ? null
          : /^-?\d+(\.\d+)?$/.test(raw)
            ? Number(raw)
            : raw
  return { ...previous, [name]: value }
}

interface PrincipalFlags {
  clearance?: Sensitivity
  region?: string
  mfa?: boolean
  attr?: Record<string, string | number | boolean | null>
}

function principalOptions(f: PrincipalFlags): PrincipalOptions {
  return {
    ...(f.clearance === undefined ? {} : { clearance: f.clearance }),
    ...(f.region === undefined ? {} : { region: f.region }),
    ...(f.mfa === undefined ? {} : { mfa: f.mfa }),
    ...(f.attr === undefined ? {} : { attributes: f.attr }),
  }
}

function withPrincipalFlags(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--clearance <level>', 'highest sensitivity it may see').choices([...LEVELS]),
    )
    .option('--region <region>', 'its region (row filters and export rules may use it)')
    .option('--mfa', 'its sessions are multi-factor authenticated')
    .option('--no-mfa', 'its sessions are not multi-factor authenticated')
    .option(
      '--attr <name=value>',
      'an attribute row filters may compare to (repeatable)',
      attribute,
    )
}

function principalRow(p: PrincipalRecord): (string | number)[] {
  return [
    p.id,
    p.roles.map((r) => r.role).join(',') || '-',
    LEVELS[p.clearance] ?? String(p.clearance),
    p.region || '-',
    p.mfa ? 'yes' : 'no',
  ]
}

function formatDiff(d: PolicyDiff): string {
  const lines = [
    ...d.added.map((c) => `+ ${c.id} (${c.effect})`),
    ...d.removed.map((c) => `- ${c.id} (${c.effect})`),
    ...d.changed.map((c) => `~ ${c.id} (${c.effect})`),
  ]
  const to = d.to < 0 ? 'the given files' : `version ${String(d.to)}`
  return lines.length === 0
    ? `No differences between version ${String(d.from)} and ${to} (${String(d.unchanged)} policies).\n`
    : `Version ${String(d.from)} → ${to}:\n${lines.map((l) => `  ${l}\n`).join('')}` +
        `${String(d.unchanged)} unchanged\n`
}

function version(v: string): number {
  return integerOption('version')(v)
}

/** Registers principal, role, policy (lake) and access commands. */
export function registerAccessCommands(cli: CliContext, policy: Command): void {
  const { program, out, withLake } = cli

  const principal = program
    .command('principal')
    .description('principals of the lake: who policies decide about (admin)')
  withPrincipalFlags(
    principal
      .command('add')
      .description('add a principal (the first one of a lake becomes its administrator)')
      .argument('<id>', 'user or service id'),
  ).action(async (id: string, f: PrincipalFlags) => {
    const r = await withLake((lake) => lake.addPrincipal(id, principalOptions(f)))
    out(r, () =>
      r.bootstrapped
        ? `Added ${id}, the lake's first principal, as an administrator (role admin).\n`
        : `Added ${id}.\n`,
    )
  })
  withPrincipalFlags(
    principal
      .command('set')
      .description("change a principal's clearance, region, MFA flag or attributes")
      .argument('<id>', 'principal id'),
  ).action(async (id: string, f: PrincipalFlags) => {
    const p = await withLake((lake) => lake.setPrincipal(id, principalOptions(f)))
    out(p, () => table(['PRINCIPAL', 'ROLES', 'CLEARANCE', 'REGION', 'MFA'], [principalRow(p)]))
  })
  principal
    .command('ls')
    .description('list principals with their roles')
    .action(async () => {
      const ps = await withLake((lake) => lake.principals())
      out(ps, () =>
        table(['PRINCIPAL', 'ROLES', 'CLEARANCE', 'REGION', 'MFA'], ps.map(principalRow)),
      )
    })
  principal
    .command('rm')
    .description('remove a principal and its role grants')
    .argument('<id>', 'principal id')
    .action(async (id: string) => {
      const removed = await withLake((lake) => lake.removePrincipal(id))
      if (!removed) {
        throw unknownPrincipal(id)
      }
      out({ removed: id }, () => `Removed ${id}.\n`)
    })

  const role = program.command('role').description('grant and revoke roles (admin)')
  role
    .command('grant')
    .description('grant a role to a principal (Role::"ROLE" in policies)')
    .argument('<principal>', 'principal id')
    .argument('<role>', 'role id, e.g. reader, plaintext-reader, ssn-reader, admin')
    .action(async (id: string, r: string) => {
      const added = await withLake((lake) => lake.grantRole(id, r))
      out({ principal: id, role: r, granted: added }, () =>
        added ? `Granted ${r} to ${id}.\n` : `${id} already has ${r}.\n`,
      )
    })
  role
    .command('revoke')
    .description('revoke a role from a principal; effective at once')
    .argument('<principal>', 'principal id')
    .argument('<role>', 'role id')
    .action(async (id: string, r: string) => {
      const revoked = await withLake((lake) => lake.revokeRole(id, r))
      out({ principal: id, role: r, revoked }, () =>
        revoked ? `Revoked ${r} from ${id}.\n` : `${id} did not have ${r}.\n`,
      )
    })

  policy
    .command('apply')
    .description(
      "validate policy files and store them as the lake's next policy version (managePolicy)",
    )
    .argument('<paths...>', 'policy files, or folders of *.cedar files')
    .option('--no-defaults', 'leave out the shipped default policies')
    .option('-m, --comment <text>', 'why the policies change', '')
    .action(async (paths: string[], opts: { defaults: boolean; comment: string }) => {
      const sources = await loadPolicyFiles(paths)
      const r = await withLake((lake) =>
        lake.applyPolicies(sources, { includeDefaults: opts.defaults, comment: opts.comment }),
      )
      out(r, () =>
        r.changed
          ? `Applied policy version ${String(r.version)}.\n${formatDiff(r.diff)}`
          : `Unchanged: version ${String(r.version)} already holds these policies.\n`,
      )
    })
  policy
    .command('versions')
    .description("list the lake's policy versions (0: the shipped defaults)")
    .action(async () => {
      const vs = await withLake((lake) => lake.policyVersions())
      out(vs, () =>
        table(
          ['VERSION', 'CURRENT', 'CREATED', 'BY', 'POLICIES', 'COMMENT'],
          vs.map((v) => [
            v.version,
            v.current ? '*' : '',
            v.createdAt?.toISOString() ?? '-',
            v.createdBy || '-',
            v.policyIds.length,
            v.comment,
          ]),
        ),
      )
    })
  policy
    .command('diff')
    .description('compare policy versions, or the version in force with policy files')
    .argument('[paths...]', 'policy files or folders to compare with the version in force')
    .option('--from <n>', 'the older version (default: in force)', version)
    .option('--to <n>', 'the newer version (default: in force)', version)
    .option('--no-defaults', 'compare the files without the shipped default policies')
    .action(async (paths: string[], opts: { from?: number; to?: number; defaults: boolean }) => {
      const sources = paths.length > 0 ? await loadPolicyFiles(paths) : undefined
      const d = await withLake((lake) =>
        lake.diffPolicies(opts.from, sources ?? opts.to, { includeDefaults: opts.defaults }),
      )
      out(d, () => formatDiff(d))
    })
  policy
    .command('rollback')
    .description('put an older policy version back in force, as a new version')
    .argument('<version>', 'the version to restore (0: the shipped defaults)', version)
    .action(async (v: number) => {
      const r = await withLake((lake) => lake.rollbackPolicies(v))
      out(
        r,
        () => `Version ${String(r.version)} restores version ${String(v)}.\n${formatDiff(r.diff)}`,
      )
    })

  const access = program.command('access').description('review who can do what')
  access
    .command('review')
    .description("every principal's actions and column access on a dataset (admin)")
    .argument('<dataset>', 'namespace.name')
    .option('--purpose <purpose>', 'the purpose to review for', 'analytics')
    .action(async (dataset: string, opts: { purpose: string }) => {
      const r = await withLake((lake) => lake.accessReview(dataset, { purpose: opts.purpose }))
      out(r, () => {
        const head = `${r.dataset}, purpose ${r.purpose}, policy version ${String(r.policyVersion)}\n`
        return (
          head +
          table(
            ['PRINCIPAL', 'ACTIONS', ...r.columns, 'ROWS'],
            r.principals.map((p) => [
              p.principal,
              p.actions.join(',') || '-',
              ...r.columns.map((c) => p.columns[c] ?? 'hidden'),
              p.rowFilter === 'TRUE' ? 'all' : p.rowFilter === 'FALSE' ? 'none' : p.rowFilter,
            ]),
          )
        )
      })
    })
  access
    .command('unused')
    .description('role grants no allowed request used in the last N days (from the audit trail)')
    .requiredOption('--days <n>', 'the window, in days', integerOption('--days', 1))
    .action(async (opts: { days: number }) => {
      const r = await withLake((lake) => lake.accessUnused(opts.days))
      out(r, () => {
        const grants =
          r.grants.length === 0
            ? `Every role grant older than ${String(r.days)} days was used since ${r.since.toISOString()}.\n`
            : table(
                ['PRINCIPAL', 'ROLE', 'GRANTED', 'LAST USED'],
                r.grants.map((g) => [
                  g.principal,
                  g.role,
                  g.grantedAt.toISOString(),
                  g.lastUsed?.toISOString() ?? 'never',
                ]),
              )
        const inactive =
          r.inactivePrincipals.length === 0
            ? ''
            : `Inactive principals: ${r.inactivePrincipals.join(', ')}\n`
        return grants + inactive
      })
    })
}
