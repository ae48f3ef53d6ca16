/**
 * `npm run demo`: the main job on the embedded default, no services needed.
 * Generates a synthetic sensitive dataset (never real people), creates a lake in a fresh
 * folder, ingests, lists, reads back, rotates the dataset key, verifies integrity, and
 * prints a short report.
 *
 * Environment: STRONGROOM_PASSPHRASE (else one is generated and printed once),
 * DEMO_ROWS (default 100000), DEMO_DIR (default a fresh folder under the OS temp dir).
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateCustomersCsv } from '../src/formats/synthetic.js'
import { createStrongroom, initStrongroom } from '../src/index.js'

const fmt = (n: number): string => n.toLocaleString('en-US')
const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now()
  const r = await fn()
  return [r, performance.now() - t]
}

async function main(): Promise<void> {
  const rows = Number(process.env['DEMO_ROWS'] ?? 100_000)
  const work = process.env['DEMO_DIR'] ?? (await mkdtemp(join(tmpdir(), 'strongroom-demo-')))
  let passphrase = process.env['STRONGROOM_PASSPHRASE']
  if (passphrase === undefined || passphrase === '') {
    passphrase = randomBytes(24).toString('base64url')
    console.log(
      `No STRONGROOM_PASSPHRASE set; generated one for this demo lake (shown once):\n  ${passphrase}\n`,
    )
  }
  const csv = join(work, 'customers.csv')
  const root = join(work, 'lake')

  console.log(
    `1. Generating ${fmt(rows)} synthetic customer rows (names, emails, phones, cards, addresses, birth dates, notes)`,
  )
  const [, genMs] = await timed(() =>
    Promise.resolve(generateCustomersCsv(csv, { rows, seed: 42 })),
  )
  const csvBytes = (await stat(csv)).size
  console.log(`   ${csv}: ${mib(csvBytes)} in ${secs(genMs)}`)

  console.log(
    `2. Initializing a lake in ${root} (SQLite catalog, local object store, passphrase keyring)`,
  )
  const lake = await initStrongroom({ root, passphrase })
  try {
    console.log('3. Ingesting as crm.customers')
    const [ing, ingMs] = await timed(() =>
      lake.ingest(csv, { dataset: 'crm.customers', subjectColumn: 'customer_id' }),
    )
    console.log(
      `   ${fmt(ing.rows)} rows, ${ing.files} encrypted file(s), ${mib(ing.storedBytes)} stored, ${secs(ingMs)}`,
    )

    const found = ing.classifications.filter((c) => c.entityType !== 'NONE')
    console.log(
      `   classified: ${found.map((c) => `${c.column}=${c.entityType} (${c.sensitivity})`).join(', ')}`,
    )

    console.log('4. Listing datasets')
    for (const d of await lake.list())
      console.log(`   ${d.dataset} v${d.currentVersion}: ${fmt(d.rows)} rows, ${d.files} file(s)`)

    console.log('5. Reading back (all columns, then two columns with a limit)')
    const out = join(work, 'readback.csv')
    const [rb, readMs] = await timed(() =>
      lake.readToFile('crm.customers', { purpose: 'analytics', format: 'csv', out }),
    )
    console.log(`   ${fmt(rb.rows)} rows to ${out} (${mib(rb.bytes)}) in ${secs(readMs)}`)
    let sample = 0
    for await (const b of lake.read('crm.customers', {
      purpose: 'analytics',
      columns: ['customer_id', 'city'],
      limit: 5,
    }))
      sample += b.rowCount
    console.log(`   sample read: ${sample} rows of 2 columns`)

    console.log('   access control: a reader sees protected columns masked')
    await lake.addPrincipal('rita', { clearance: 'medium', region: 'eu' })
    await lake.grantRole('rita', 'reader')
    const asRita = await createStrongroom({ root, passphrase, principal: 'rita' })
    try {
      for await (const b of asRita.read('crm.customers', {
        purpose: 'analytics',
        columns: ['customer_id', 'email', 'city'],
        limit: 1,
      }))
        console.log(
          `   rita reads: ${b.columns.map((c, i) => `${c.name}=${String(b.values[i]?.[0])}`).join(', ')}`,
        )
    } finally {
      await asRita.close()
    }

    console.log('6. Rotating the dataset key (data keys re-wrapped, data untouched)')
    const [rot, rotMs] = await timed(() => lake.rotateKeys('crm.customers'))
    for (const r of rot)
      console.log(
        `   ${r.dataset}: key v${r.fromKekVersion} -> v${r.toKekVersion}, ${r.filesRewrapped} data key(s) re-wrapped in ${secs(rotMs)}`,
      )

    console.log('7. Verifying integrity (every file decrypts and matches its recorded hash)')
    const [doc, docMs] = await timed(() => lake.doctor())
    console.log(
      `   ${doc.files} file(s), ${mib(doc.bytesChecked)}: ${doc.ok ? 'all good' : `${doc.problems.length} problem(s)`} in ${secs(docMs)}`,
    )
    if (!doc.ok) process.exitCode = 1

    console.log('8. Verifying the audit trail (hash chain and signed checkpoints)')
    await lake.auditCheckpoint()
    const audit = await lake.auditVerify()
    console.log(
      `   ${audit.eventsChecked} event(s), ${audit.checkpointsChecked} checkpoint(s): ${audit.ok ? 'intact' : `${audit.problems.length} problem(s)`}`,
    )
    if (!audit.ok) process.exitCode = 1

    console.log('9. Lineage of crm.customers')
    const graph = await lake.lineage('crm.customers')
    for (const e of graph.edges) {
      const from = graph.nodes.find((n) => n.id === e.from)
      const to = graph.nodes.find((n) => n.id === e.to)
      console.log(`   ${from?.kind} ${from?.name} -> ${to?.kind} ${to?.name} (${e.job})`)
    }
    console.log('\nReport')
    const show = await lake.show('crm.customers')
    console.log(
      `   dataset        ${show.dataset} (${show.id}), version ${show.currentVersion}, ${fmt(show.rows)} rows`,
    )
    console.log(
      `   input          ${mib(csvBytes)} CSV -> ${mib(show.storedBytes)} encrypted Parquet in ${show.files} file(s)`,
    )
    console.log(
      `   columns        ${show.schema.columns.map((c) => `${c.name}:${c.type}`).join(', ')}`,
    )
    console.log(
      `   times          ingest ${secs(ingMs)}, read ${secs(readMs)}, rotate ${secs(rotMs)}, verify ${secs(docMs)}`,
    )
    for (const k of show.keys) {
      const files = show.currentFiles.filter((f) => f.kekVersion === k.version).length
      console.log(
        `   key v${k.version}         ${k.state}, root ${k.rootKeyId}, protects ${files} file(s)`,
      )
    }
    console.log(`   backends       ${JSON.stringify(lake.backends)}`)
  } finally {
    await lake.close()
    if (process.env['DEMO_KEEP'] !== '1') await rm(join(work, 'readback.csv'), { force: true })
  }
  console.log(
    `\nThe lake stays in ${root}; try: STRONGROOM_LAKE=${root} node bin/strongroom.js show crm.customers`,
  )
}

await main()
