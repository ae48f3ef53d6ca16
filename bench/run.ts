/**
 * `npm run bench -- NAME`: runs one benchmark (`encrypt`, `ingest`, `read`, `memory`, `audit`, `discovery`), or all with
 * no name. Each prints its figures and, last, one JSON line
 * `{"name","value","baseline","ratio","goal",…}` with the baseline measured in the same run.
 */
const benches: Record<string, () => Promise<void>> = {
  encrypt: async () => (await import('./encrypt.js')).run(),
  ingest: async () => (await import('./ingest.js')).run(),
  read: async () => (await import('./read.js')).run(),
  memory: async () => (await import('./memory.js')).run(),
  audit: async () => (await import('./audit.js')).run(),
  discovery: async () => (await import('./discovery.js')).run(),
  protect: async () => (await import('./protect.js')).run(),
  anonymize: async () => (await import('./anonymize.js')).run(),
  fpe: async () => (await import('./fpe.js')).run(),
  authz: async () => (await import('./authz.js')).run(),
  'governed-read': async () => (await import('./governed-read.js')).run(),
  vault: async () => (await import('./vault.js')).run(),
}

const names = process.argv.slice(2).filter((a) => a !== '--')
const selected = names.length === 0 ? Object.keys(benches) : names
for (const n of selected) {
  const b = benches[n]
  if (b === undefined) {
    console.error(`unknown benchmark ${n}; choose from ${Object.keys(benches).join(', ')}`)
    process.exit(2)
  }
  console.log(`== ${n}`)
  await b()
}
