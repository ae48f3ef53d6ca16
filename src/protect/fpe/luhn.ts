/** The Luhn (mod 10) check digit of payment card numbers (ISO/IEC 7812-1 Annex B). */
export { luhnCheckDigit, luhnValid as isLuhnValid } from '../../lib/luhn.js'
