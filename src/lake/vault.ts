/**
 * The lake's token vault operations: `detokenize` (the way back from `vault` tokens to the
 * original values) and `forgetSubject` (crypto-shredding one data subject). Both are
 * audited: the events carry the domain and counts only, never a token's value or a
 * subject id. Detokenize calls an authorization hook before anything is decrypted.
 */
import type { AuditResource } from '../audit/audit-event.js'
import { StrongroomError } from '../errors.js'
import { loadOrCreateLakeTransformKey } from '../protect/transform-keys.js'
import {
  createTokenVault,
  type DetokenizedToken,
  type VaultSubject,
} from '../protect/vault/token-vault.js'
import { authorizeLake } from './access-control.js'
import { audited } from './audited.js'
import { checkPurpose } from './read-access.js'
import type { LakeContext } from './context.js'

/** Most tokens one detokenize call accepts (bounds memory and the audit event's scope). */
export const MAX_DETOKENIZE_TOKENS = 1_000_000

/** Options for {@link detokenize}. */
export interface DetokenizeOptions {
  /** The token domain the tokens were made in (the `vault` rule's `domain`). */
  readonly domain: string
  readonly tokens: readonly string[]
  /** Why the values are needed (required); policies may use it, the audit event records it. */
  readonly purpose?: string
}

/** What {@link detokenize} returns: one outcome per token, in order, and the counts. */
export interface DetokenizeResult {
  readonly domain: string
  readonly tokens: readonly DetokenizedToken[]
  /** Tokens whose value was returned. */
  readonly revealed: number
  /** Tokens of forgotten subjects. */
  readonly shredded: number
  /** Tokens the domain does not hold. */
  readonly unknown: number
}

/** Options for {@link forgetSubject}. */
export interface ForgetSubjectOptions {
  readonly domain: string
  /** The data subject's id, as in the subject column the values were tokenized with. */
  readonly subject: VaultSubject
}

/** What {@link forgetSubject} destroyed (counts only). */
export interface ForgetSubjectResult {
  readonly domain: string
  /** Whether the subject had a key in the domain (now destroyed). */
  readonly keyDestroyed: boolean
  /** Values made unrecoverable. */
  readonly entriesShredded: number
}

/** The audit resource of a vault domain (a key scope, not a dataset). */
function vaultResource(domain: string, id?: string): AuditResource {
  return { type: 'key', name: `vault/${domain}`, ...(id === undefined ? {} : { id }) }
}

async function withVault<T>(
  ctx: LakeContext,
  fn: (vault: ReturnType<typeof createTokenVault>) => Promise<T>,
): Promise<T> {
  const master = await loadOrCreateLakeTransformKey(ctx.store, ctx.keyProvider)
  try {
    const vault = createTokenVault(master, ctx.catalog)
    try {
      return await fn(vault)
    } finally {
      vault.close()
    }
  } finally {
    master.fill(0)
  }
}

/**
 * Returns the original values of `vault` tokens, audited as `vault.detokenize` (the success
 * event's `rows` counts values revealed; its resource id carries the three counts).
 * Unknown and shredded tokens are reported per token with `ERR_PROTECT_TOKEN_NOT_FOUND`,
 * never dropped.
 *
 * @throws StrongroomError `ERR_USAGE_INVALID_ARGUMENT` for a bad domain or too many tokens;
 *   `ERR_AUTHZ_DENIED` without `detokenize` on the lake; `ERR_CRYPTO_INTEGRITY` for an entry that does not decrypt.
 *
 * @example
 * ```ts
 * const r = await detokenize(ctx, { domain: 'customers', tokens: ['tok_…'], purpose: 'support' })
 * r.tokens[0] // { token: 'tok_…', status: 'ok', value: 'ann@example.com' }
 * ```
 */
export function detokenize(
  ctx: LakeContext,
  options: DetokenizeOptions,
): Promise<DetokenizeResult> {
  const { domain, tokens } = options
  return audited(
    ctx,
    {
      action: 'vault.detokenize',
      resources: [vaultResource(domain)],
      ...(options.purpose === undefined ? {} : { purpose: options.purpose }),
    },
    async () => {
      if (tokens.length > MAX_DETOKENIZE_TOKENS)
        throw new StrongroomError(
          'ERR_USAGE_INVALID_ARGUMENT',
          `At most ${MAX_DETOKENIZE_TOKENS} tokens per call`,
          { details: { option: 'tokens' } },
        )
      // Before the key is unwrapped or a row read: a refusal reveals nothing.
      await authorizeLake(ctx, 'detokenize', { purpose: checkPurpose(options.purpose) })
      const out = await withVault(ctx, (vault) => vault.detokenize(domain, tokens))
      const count = (s: DetokenizedToken['status']) => out.filter((t) => t.status === s).length
      return {
        domain,
        tokens: out,
        revealed: count('ok'),
        shredded: count('shredded'),
        unknown: count('unknown'),
      }
    },
    (r) => ({
      rows: r.revealed,
      resources: [
        vaultResource(domain, `revealed=${r.revealed} shredded=${r.shredded} unknown=${r.unknown}`),
      ],
    }),
  )
}

/**
 * Crypto-shreds one data subject of a token domain: its key is destroyed, so every value of
 * that person in the vault is unrecoverable. Audited as `vault.forget` with the domain and
 * the count of entries destroyed (`rows`), never the subject id.
 *
 * @example
 * ```ts
 * await forgetSubject(ctx, { domain: 'customers', subject: 'c-42' })
 * // { domain: 'customers', keyDestroyed: true, entriesShredded: 3 }
 * ```
 */
export function forgetSubject(
  ctx: LakeContext,
  options: ForgetSubjectOptions,
): Promise<ForgetSubjectResult> {
  const { domain, subject } = options
  return audited(
    ctx,
    { action: 'vault.forget', resources: [vaultResource(domain)] },
    async () => {
      // Erasing a person's data is lake administration, like managing keys.
      await authorizeLake(ctx, 'admin')
      const r = await withVault(ctx, (vault) => vault.forgetSubject(domain, subject))
      return { domain, ...r }
    },
    (r) => ({
      rows: r.entriesShredded,
      resources: [vaultResource(domain, `key-destroyed=${String(r.keyDestroyed)}`)],
    }),
  )
}
