/**
 * Child process for the audit crash test: appends audit events as fast as it can from many
 * concurrent writers until it is killed. Prints "ready" once the first event is durable.
 */
import { randomUUID } from 'node:crypto'
import { createAuditLog } from '../../src/audit/audit-log.js'
import { loadOrCreateSigningKey } from '../../src/audit/signing-key.js'
import { createSqliteAuditStore } from '../../src/audit/sqlite/sqlite-audit-store.js'
import { createLocalKeyProvider } from '../../src/keys/local/local-key-provider.js'

const [dbPath, keyringPath, passphrase] = process.argv.slice(2) as [string, string, string]
const provider = createLocalKeyProvider({ path: keyringPath, passphrase })
await provider.open()
const store = createSqliteAuditStore({ path: dbPath })
await store.open()
const signer = await loadOrCreateSigningKey(store, provider)
const log = createAuditLog({ store, signer, checkpointEvery: 50 })
let announced = false
let n = 0
await Promise.all(
  Array.from({ length: 64 }, async () => {
    for (;;) {
      await log.record({
        principal: 'crash-test',
        action: 'dataset.read',
        resources: [{ type: 'dataset', name: 'crm.customers', version: 1 }],
        decision: 'allow',
        policyIds: [],
        requestId: randomUUID(),
        outcome: 'success',
        rows: n++,
        client: { kind: 'library' },
      })
      if (!announced) {
        announced = true
        process.stdout.write('ready\n')
      }
    }
  }),
)
