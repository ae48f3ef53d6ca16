/**
 * Differential privacy for aggregate releases: exact rational budgets, exact discrete noise,
 * and an accountant that refuses to overspend.
 */
export { Rational, type RationalLike } from './rational.js'
export {
  cryptoRandomSource,
  uniformInt,
  uniformBigInt,
  bernoulliRational,
  type RandomSource,
} from './random.js'
export {
  bernoulliExp,
  sampleDiscreteLaplace,
  sampleDiscreteGaussian,
  discreteLaplacePmf,
  discreteGaussianPmf,
} from './samplers.js'
export {
  epsilonFromRhoUpper,
  rhoForEpsilonDelta,
  lnUpper,
  lnLower,
  sqrtUpper,
  sqrtLower,
} from './real-bounds.js'
export {
  MemoryBudgetStore,
  type BudgetStore,
  type BudgetRecord,
  type BudgetState,
} from './budget-store.js'
export {
  PrivacyAccountant,
  type AccountantOptions,
  type BudgetStatus,
  type SpendReceipt,
  type SpendRequest,
} from './accountant.js'
export {
  dpRelease,
  derivedKeyThreshold,
  DP_AGGREGATES,
  type DpAggregate,
  type DpBin,
  type DpBounds,
  type DpMechanism,
  type DpReleaseOptions,
  type DpReleaseResult,
} from './release.js'
export type { ColumnsInput } from './values.js'
