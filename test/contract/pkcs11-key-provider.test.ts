import { afterAll, beforeAll } from 'vitest'

import { createPkcs11KeyProvider } from '../../src/keys/pkcs11/pkcs11-key-provider.js'
import { createSoftHsmToken, softHsmSkipReason } from '../helpers/softhsm.js'
import type { SoftHsmToken } from '../helpers/softhsm.js'
import { runKeyProviderContract } from './key-provider.contract.js'

// Skips when SoftHSM2 is not installed; STRONGROOM_REQUIRE_SERVICES=1 makes that a failure.
const skip = softHsmSkipReason()
let token: SoftHsmToken | undefined

// One throwaway token per file: SoftHSM2 reads SOFTHSM2_CONF at C_Initialize, so every
// provider in this file must see the same token directory.
beforeAll(async () => {
  if (skip === false) token = await createSoftHsmToken({ label: 'strongroom-contract' })
})

afterAll(async () => {
  await token?.cleanup()
})

runKeyProviderContract('pkcs11 (SoftHSM2)', {
  skip,
  // Every instance shares one key label, so a wrap from one unwraps in the next.
  create: () => {
    if (token === undefined) return Promise.reject(new Error('SoftHSM2 token not created'))
    return Promise.resolve(
      createPkcs11KeyProvider({
        modulePath: token.modulePath,
        tokenLabel: token.tokenLabel,
        pin: token.pin,
        keyLabel: 'contract-root',
        createIfMissing: true,
      }),
    )
  },
})
