/** The Luhn (mod 10) check digit of payment card numbers (ISO/IEC 7812-1 Annex B). */

/** Sum of the Luhn-weighted digits of `digits`, doubling from the rightmost when `doubleLast`. */
function luhnSum(digits: string, doubleLast: boolean): number {
  let sum = 0
  let double = doubleLast
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48
    if (double) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
    double = !double
  }
  return sum
}

/** The check digit that makes `payload` followed by it Luhn-valid. `payload` is digits only. */
export function luhnCheckDigit(payload: string): string {
  return String((10 - (luhnSum(payload, true) % 10)) % 10)
}

/** Whether a string of digits (check digit last) passes the Luhn check. */
export function isLuhnValid(digits: string): boolean {
  return digits.length > 0 && luhnSum(digits, false) % 10 === 0
}
