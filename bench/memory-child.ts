/** Child process of the `memory` benchmark: one operation, then its peak RSS as JSON. */
import { createStrongroom, initStrongroom } from '../src/index.js'

const [op, root, arg] = process.argv.slice(2)
const passphrase = 'bench-passphrase'
if (op === 'ingest') {
  const lake = await initStrongroom({ root: root as string, passphrase, kdfLogN: 14 })
  const r = await lake.ingest(arg as string, { dataset: 'bench.big' })
  await lake.close()
  console.log(
    JSON.stringify({ rows: r.rows, files: r.files, maxRssKiB: process.resourceUsage().maxRSS }),
  )
} else if (op === 'read') {
  const lake = await createStrongroom({ root: root as string, passphrase })
  const r = await lake.readToFile('bench.big', {
    purpose: 'analytics',
    format: 'csv',
    out: arg as string,
  })
  await lake.close()
  console.log(JSON.stringify({ rows: r.rows, maxRssKiB: process.resourceUsage().maxRSS }))
} else if (op === 'batches') {
  const lake = await createStrongroom({ root: root as string, passphrase })
  let rows = 0
  for await (const b of lake.read('bench.big', { purpose: 'analytics' })) rows += b.rowCount
  await lake.close()
  console.log(JSON.stringify({ rows, maxRssKiB: process.resourceUsage().maxRSS }))
}
