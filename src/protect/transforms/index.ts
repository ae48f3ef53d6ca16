/**
 * Value transforms of the de-identification layer. Each works on a whole column (an array,
 * nulls passing through as null) so callers transform batches, not rows.
 */
export type { Column } from './column.js'
export { mapColumn } from './column.js'
export type { RedactResult, RedactSpec } from './redact.js'
export { redactColumn } from './redact.js'
export type { MaskOptions } from './mask.js'
export { Masker, maskColumn } from './mask.js'
export { replaceWithTypeTag, typeTag } from './type-tag.js'
export type { RedactTextOptions, SpanReplacement } from './redact-text.js'
export { redactText } from './redact-text.js'
export type { DateShiftOptions, SubjectId } from './date-shift.js'
export { DateShifter, dateShiftKey } from './date-shift.js'
export type { NumberBucketSpec } from './bucket-number.js'
export { bucketNumbers, numberBucketer } from './bucket-number.js'
export type { DateGranularity } from './bucket-date.js'
export { bucketDates } from './bucket-date.js'
