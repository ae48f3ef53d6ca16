/**
 * The Luhn (mod 10) check of payment card numbers and other identifiers (ISO/IEC 7812-1
 * Annex B): one implementation for discovery (validation), de-identification (FPE that
 * keeps cards valid) and synthetic data.
 */

/** Sum of the Luhn-weighted digits, doubling from the rightmost when `doubleLast`; -1 on a non-digit. */
function luhnSum(digits: string, doubleLast: boolean): number {
  let sum = 0
  let double = doubleLast
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    if (double) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
    double = !double
  }
  return sum
}

/** Whether a string of digits (check digit last) passes the Luhn check. */
export function luhnValid(digits: string): boolean {
  const sum = luhnSum(digits, false)
  return digits.length > 0 && sum >= 0 && sum % 10 === 0
}

/** The check digit that makes `payload` followed by it Luhn-valid. `payload` is digits only. */
export function luhnCheckDigit(payload: string): string {
  return String((10 - (luhnSum(payload, true) % 10)) % 10)
}
