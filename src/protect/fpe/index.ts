/**
 * Format-preserving encryption: FF1 (NIST SP 800-38G) over an {@link Alphabet}, and
 * wrappers for separated values, payment card numbers and email addresses.
 */
export {
  ALPHABET_PRESETS,
  ALPHANUMERIC,
  ALPHANUMERIC_UPPER,
  Alphabet,
  BASE62,
  DIGITS,
  HEX,
  LOWERCASE,
  MAX_RADIX,
  MIN_RADIX,
  UPPERCASE,
} from './alphabet.js'
export type { AlphabetPreset } from './alphabet.js'
export { FF1_MAX_LENGTH, FF1_MAX_TWEAK_LENGTH, FF1_MIN_DOMAIN, Ff1 } from './ff1.js'
export type { Ff1Options, Numerals } from './ff1.js'
export { CardNumberFpe, EmailFpe, SeparatedFpe } from './formats.js'
export type { CardFpeOptions, EmailFpeOptions, FormatFpeOptions } from './formats.js'
export { isLuhnValid, luhnCheckDigit } from './luhn.js'
