/**
 * The de-identification pipeline: protection specs, plans compiled from them, the transform
 * master key, and file and batch protection.
 */
export {
  PROTECT_TRANSFORMS,
  checkSpecAgainstSchema,
  loadProtectSpec,
  parseProtectSpec,
  parseSpecText,
  validateProtectSpec,
} from './spec.js'
export type { AlphabetSpec, ColumnRule, ParsedSpec, ProtectSpec, ProtectTransform } from './spec.js'
export {
  compileProtectPlan,
  isKeyedRule,
  lineageTransformation,
  protectBatch,
  protectBatchAsync,
  revealPseudonyms,
} from './plan.js'
export type { ColumnProtection, CompileOptions, ProtectPlan } from './plan.js'
export { PROTECT_SAMPLE_ROWS, protectBatches, resolveSpec } from './pipeline.js'
export type {
  ProtectBatchesOptions,
  ProtectSpecSource,
  ProtectSummary,
  ProtectedStream,
} from './pipeline.js'
export { outputFormatOf, protectFile } from './protect-file.js'
export type { ProtectFileOptions, ProtectFileResult } from './protect-file.js'
export {
  PROTECT_KEY_ENV,
  PROTECT_MASTER_KEY_CONTEXT,
  PROTECT_MASTER_KEY_OBJECT,
  decodeMasterKey,
  loadOrCreateLakeTransformKey,
  resolveStandaloneKey,
  writeNewKeyFile,
} from './transform-keys.js'
export {
  TokenVault,
  VAULT_TOKEN_PATTERN,
  VAULT_TOKEN_PREFIX,
  createTokenVault,
  isVaultToken,
} from './vault/index.js'
export type { DetokenizedToken, TokenVaultOptions, VaultStore } from './vault/index.js'
