/**
 * k-anonymity, l-diversity, t-closeness and re-identification risk for tabular data.
 */
export { anonymize, privacyModelsOf, SUPPRESSED } from './anonymize.js'
export type { AnonymizeOptions, AnonymizeResult } from './anonymize.js'
export {
  intervalHierarchy,
  loadHierarchies,
  loadHierarchy,
  maskingHierarchy,
  parseHierarchy,
} from './hierarchy.js'
export type { Hierarchy, HierarchyKind, IntervalOptions, MaskingOptions } from './hierarchy.js'
export { checkPrivacyModels, emd } from './privacy-models.js'
export type { PrivacyCheck, PrivacyModel } from './privacy-models.js'
export { riskReport } from './risk.js'
export type { RiskOptions, RiskReport } from './risk.js'
export type { Table } from './table.js'
