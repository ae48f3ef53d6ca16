/**
 * Published test values: numbers and keys that payment schemes, processors and cloud vendors
 * document for testing. They look real and pass every checksum, but are not sensitive, so
 * detectors report them with a low score and `testValue: true`.
 */

/** Test card numbers published by Visa, Mastercard, Amex and processors (Stripe, Braintree, PayPal). */
export const TEST_CARD_NUMBERS: ReadonlySet<string> = new Set([
  '4111111111111111',
  '4012888888881881',
  '4222222222222',
  '4242424242424242',
  '4000056655665556',
  '5500000000000004',
  '5555555555554444',
  '5105105105105100',
  '5200828282828210',
  '2223003122003222',
  '378282246310005',
  '371449635398431',
  '378734493671000',
  '6011111111111117',
  '6011000990139424',
  '3530111333300000',
  '3566002020360505',
  '30569309025904',
  '38520000023237',
  '6200000000000005',
])

/** AWS's documentation example access key id (IAM User Guide). */
export const TEST_AWS_KEYS: ReadonlySet<string> = new Set(['AKIAIOSFODNN7EXAMPLE'])

/** The score given to a recognised test value: below the default `minScore` of 0.4. */
export const TEST_VALUE_SCORE = 0.3
