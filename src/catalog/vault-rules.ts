/**
 * Checks shared by both backends for the token vault (migration `0007_token_vault`): every
 * problem of a call is listed in one `ERR_USAGE_INVALID_ARGUMENT` before anything is read.
 * Issues name paths (`entries[3].blindIndex`), never a value: tokens, references and
 * ciphertexts are not quoted either.
 */
import { StrongroomError, type ErrorIssue } from '../errors.js'
import type { VaultPutInput } from './catalog.js'

/** Longest token domain, in characters (code units, as both backends count them here). */
export const VAULT_MAX_DOMAIN = 200
/** Length of a subject reference and of a blind index (HMAC-SHA-256 outputs). */
export const VAULT_REF_LENGTH = 32
/** Largest stored ciphertext, in bytes. */
export const VAULT_MAX_CIPHERTEXT = 1_048_576
/** Most tokens or entries one call may carry (bounds one transaction's memory). */
export const VAULT_MAX_BATCH = 1_000_000

const TOKEN_RE = /^[A-Za-z0-9_-]{1,64}$/
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udfff]/u

type Draft = Omit<ErrorIssue, 'code'>

/** The list, or none when the caller passed something else (reported by the batch check). */
function items<T>(v: readonly T[]): readonly T[] {
  return (v as unknown) instanceof Array ? v : []
}

function invalid(problems: readonly Draft[], operation: string): never {
  throw new StrongroomError(
    'ERR_USAGE_INVALID_ARGUMENT',
    `${String(problems.length)} problem(s) in the vault ${operation} call.`,
    { issues: problems.map((p) => ({ code: 'ERR_USAGE_INVALID_ARGUMENT', ...p })) },
  )
}

function domainProblems(domain: unknown, path = 'domain'): Draft[] {
  return typeof domain === 'string' &&
    domain.length >= 1 &&
    domain.length <= VAULT_MAX_DOMAIN &&
    !CONTROL.test(domain)
    ? []
    : [{ path, message: `A domain is 1 to ${VAULT_MAX_DOMAIN} printable characters.` }]
}

function bytesOf(v: unknown, length: number): boolean {
  return v instanceof Uint8Array && v.byteLength === length
}

function idProblems(v: unknown, path: string): Draft[] {
  return typeof v === 'string' && TOKEN_RE.test(v)
    ? []
    : [{ path, message: 'An id or token is 1 to 64 characters of [A-Za-z0-9_-].' }]
}

function batchProblems(v: unknown, path: string): Draft[] {
  return Array.isArray(v) && v.length <= VAULT_MAX_BATCH
    ? []
    : [{ path, message: `A list of at most ${VAULT_MAX_BATCH} items.` }]
}

/** Checks a `getVaultKeys` or `forgetVaultSubject` call. */
export function checkVaultRefs(
  domain: unknown,
  refs: readonly unknown[],
  operation: string,
  path = 'subjectRefs',
): void {
  const problems = [...domainProblems(domain), ...batchProblems(refs, path)]
  if (Array.isArray(refs))
    refs.forEach((r, i) => {
      if (!bytesOf(r, VAULT_REF_LENGTH))
        problems.push({ path: `${path}[${i}]`, message: 'A subject reference is 32 bytes.' })
    })
  if (problems.length > 0) invalid(problems, operation)
}

/** Checks a `getVaultEntries` call. */
export function checkVaultTokens(domain: unknown, tokens: readonly unknown[]): void {
  const problems = [...domainProblems(domain), ...batchProblems(tokens, 'tokens')]
  if (Array.isArray(tokens))
    tokens.forEach((t, i) => problems.push(...idProblems(t, `tokens[${i}]`)))
  if (problems.length > 0) invalid(problems, 'getVaultEntries')
}

/** Checks a `putVaultEntries` call. */
export function checkVaultPut(input: VaultPutInput): void {
  const problems = [
    ...domainProblems(input.domain),
    ...batchProblems(input.newKeys, 'newKeys'),
    ...batchProblems(input.entries, 'entries'),
  ]
  const newIds = new Set<string>()
  items(input.newKeys).forEach((k, i) => {
    const p = `newKeys[${i}]`
    problems.push(...idProblems(k.keyId, `${p}.keyId`))
    if (k.domain !== input.domain)
      problems.push({ path: `${p}.domain`, message: "A new key's domain is the call's domain." })
    if (!bytesOf(k.subjectRef, VAULT_REF_LENGTH))
      problems.push({ path: `${p}.subjectRef`, message: 'A subject reference is 32 bytes.' })
    if (
      !(k.wrappedKey instanceof Uint8Array) ||
      k.wrappedKey.byteLength < 16 ||
      k.wrappedKey.byteLength > 1024
    )
      problems.push({ path: `${p}.wrappedKey`, message: 'A wrapped key is 16 to 1024 bytes.' })
    if (newIds.has(k.keyId))
      problems.push({ path: `${p}.keyId`, message: 'A key id appears once per call.' })
    newIds.add(k.keyId)
  })
  items(input.entries).forEach((e, i) => {
    const p = `entries[${i}]`
    problems.push(...idProblems(e.keyId, `${p}.keyId`), ...idProblems(e.token, `${p}.token`))
    if (!bytesOf(e.blindIndex, VAULT_REF_LENGTH))
      problems.push({ path: `${p}.blindIndex`, message: 'A blind index is 32 bytes.' })
    if (
      !(e.ciphertext instanceof Uint8Array) ||
      e.ciphertext.byteLength < 1 ||
      e.ciphertext.byteLength > VAULT_MAX_CIPHERTEXT
    )
      problems.push({
        path: `${p}.ciphertext`,
        message: `A ciphertext is 1 to ${VAULT_MAX_CIPHERTEXT} bytes.`,
      })
  })
  if (problems.length > 0) invalid(problems, 'putVaultEntries')
}

/** The map key of an entry's `(keyId, blindIndex)` pair. */
export function vaultEntryKey(keyId: string, blindIndex: Uint8Array): string {
  return `${keyId}:${Buffer.from(blindIndex.buffer, blindIndex.byteOffset, blindIndex.byteLength).toString('hex')}`
}
