/**
 * The token vault: reversible pseudonyms whose values are encrypted under a key per data
 * subject, so forgetting a subject destroys every value of that person (crypto-shredding).
 */
export {
  TokenVault,
  VAULT_MAX_DOMAIN,
  VAULT_MAX_VALUE_BYTES,
  VAULT_TOKEN_PATTERN,
  VAULT_TOKEN_PREFIX,
  createTokenVault,
  isVaultToken,
} from './token-vault.js'
export type {
  DetokenizedToken,
  TokenVaultOptions,
  VaultStore,
  VaultSubject,
  VaultValue,
} from './token-vault.js'
