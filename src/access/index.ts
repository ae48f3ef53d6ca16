/** Access control: the Cedar schema, the default policies, the engine and row filters. */
export * from './default-policies.js'
export * from './engine.js'
export type { ColumnFacts } from './entities.js'
export * from './model.js'
export type { LoadedPolicy, PolicySource } from './policy-set.js'
export * from './row-filter.js'
export * from './schema.js'
