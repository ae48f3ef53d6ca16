/**
 * Keyed primitives of the de-identification layer: AES-CMAC, AES-SIV deterministic
 * encryption, HMAC-SHA-256 and the keyed tokens built on it.
 */
export { AesCmac, aesCmac } from './cmac.js'
export { AesSiv, SIV_KEY_LENGTHS, SIV_MAX_ASSOCIATED_DATA, SIV_TAG_LENGTH } from './siv.js'
export { sivDecryptColumn, sivDomainKey, sivEncryptColumn } from './siv-column.js'
export { HmacSha256 } from './hmac-sha256.js'
export type { TokenEncoding, TokenOptions, TokenValue } from './token.js'
export {
  MAX_TOKEN_BITS,
  MIN_TOKEN_BITS,
  Tokenizer,
  createTokenizer,
  tokenDomainKey,
} from './token.js'
