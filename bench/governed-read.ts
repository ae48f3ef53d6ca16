/**
 * `governed-read`: a full read of the 1M-row dataset to JS record batches by a principal whose
 * plan masks three columns and filters rows (`country = principal.country`), against an
 * ungoverned read of the same version in the same run: the owner's read, which the policies
 * serve with every row and every column in plaintext, so it takes the read path with no mask
 * and no predicate (the same work as the internal unmasked `decidedBatches`). Each is run
 * three times, alternating, and the median is compared. Goal: governed ≤ 1.5 × ungoverned.
 *
 * The governed read returns fewer rows (one country of three); the comparison is the time to
 * deliver the governed result against the plain read of the same version. An informative
 * third read, by a `reader` (masks, no row filter), shows the price of masking all 1M rows.
 */
import { join } from 'node:path'
import type { RecordBatch, Strongroom } from '../src/index.js'
import { createStrongroom, initStrongroom } from '../src/index.js'
import { report, time, workDir } from './lib.js'
import { BENCH_ROWS, benchCsv } from './setup.js'

const PASSPHRASE = 'bench-passphrase'
const DATASET = 'bench.customers'
/** Classified by hand so exactly these three string columns are protected. */
const PROTECTED = [
  { column: 'full_name', entityType: 'PERSON' },
  { column: 'email', entityType: 'EMAIL_ADDRESS' },
  { column: 'phone', entityType: 'PHONE_NUMBER' },
] as const
/** The principal's country; regions are lowercase words, so it is a principal attribute. */
const COUNTRY = 'GB'

/**
 * A regional role: whole-dataset reads limited to the principal's country, and `read` (never
 * `readPlaintext`) on columns, so protected columns come masked. A separate role rather than
 * `reader`: the default reader permit has no row filter, and permits' filters are OR-ed.
 */
const POLICY = `
@id("bench-regional-read")
@rowFilter("country = principal.country")
permit (principal in Role::"regional", action == Action::"read", resource is Dataset);

@id("bench-regional-columns")
permit (principal in Role::"regional", action == Action::"read", resource is Column);
`

interface Tally {
  rows: number
}

/** Reads every batch, checking the plan was applied on the way (masks and filter). */
async function drain(
  batches: AsyncIterable<RecordBatch>,
  check: { masks: boolean; filter: boolean },
): Promise<Tally> {
  const tally: Tally = { rows: 0 }
  for await (const b of batches) {
    tally.rows += b.rowCount
    if (b.rowCount === 0) continue
    // One row per batch is enough to catch a plan that was not applied.
    const names = b.columns.map((c) => c.name)
    const country = b.values[names.indexOf('country')]?.[0]
    if (check.filter && country !== COUNTRY) throw new Error('row filter not applied')
    const email = b.values[names.indexOf('email')]?.[0]
    if (check.masks !== (email === '<EMAIL_ADDRESS>')) throw new Error('masks not as planned')
  }
  return tally
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}

export async function run(): Promise<void> {
  const dir = await workDir('governed-read')
  const csv = await benchCsv(dir)
  const root = join(dir, 'lake')
  // The lake's creator is its administrator and, having ingested it, the dataset's owner.
  const owner = await initStrongroom({
    root,
    passphrase: PASSPHRASE,
    principal: 'olga',
    kdfLogN: 14,
  })
  let regional: Strongroom | undefined
  let reader: Strongroom | undefined
  try {
    await owner.ingest(csv, { dataset: DATASET, classify: false })
    for (const p of PROTECTED) {
      await owner.classify(DATASET, { ...p, sensitivity: 'medium' })
    }
    await owner.addPrincipal('rita', {
      clearance: 'medium',
      region: 'eu',
      attributes: { country: COUNTRY },
    })
    await owner.grantRole('rita', 'regional')
    // The default reader permits: every row, protected columns masked.
    await owner.addPrincipal('rex', { clearance: 'medium', region: 'eu' })
    await owner.grantRole('rex', 'reader')
    await owner.applyPolicies([{ name: 'bench-regional.cedar', text: POLICY }])
    regional = await createStrongroom({ root, passphrase: PASSPHRASE, principal: 'rita' })
    reader = await createStrongroom({ root, passphrase: PASSPHRASE, principal: 'rex' })
    const [byRegional, byReader] = [regional, reader]

    const plain: number[] = []
    const governed: number[] = []
    const masksOnly: number[] = []
    let plainRows = 0
    let governedRows = 0
    for (let i = 0; i < 3; i++) {
      const [p, pt] = await time(() =>
        drain(owner.read(DATASET, { purpose: 'analytics' }), { masks: false, filter: false }),
      )
      if (p.rows !== BENCH_ROWS) throw new Error('ungoverned row count')
      plain.push(pt)
      plainRows = p.rows
      const [g, gt] = await time(() =>
        drain(byRegional.read(DATASET, { purpose: 'analytics' }), { masks: true, filter: true }),
      )
      if (g.rows === 0 || g.rows >= BENCH_ROWS) throw new Error('governed row count')
      governed.push(gt)
      governedRows = g.rows
      const [m, mt] = await time(() =>
        drain(byReader.read(DATASET, { purpose: 'analytics' }), { masks: true, filter: false }),
      )
      if (m.rows !== BENCH_ROWS) throw new Error('masked row count')
      masksOnly.push(mt)
    }
    const ours = median(governed)
    const baseline = median(plain)
    const s = (ms: number): string => (ms / 1000).toFixed(2)
    console.log(
      `ungoverned (owner, all rows, 13 columns, no masks): ${plainRows} rows; runs ${plain.map(s).join(', ')} s; median ${s(baseline)} s`,
    )
    console.log(
      `governed (3 masked columns, country = principal.country): ${governedRows} rows; runs ${governed.map(s).join(', ')} s; median ${s(ours)} s`,
    )
    const masked = median(masksOnly)
    console.log(
      `informative, masks only (reader, all rows): runs ${masksOnly.map(s).join(', ')} s; median ${s(masked)} s; ratio ${(masked / baseline).toFixed(2)}`,
    )
    const ratio = ours / baseline
    console.log(`ratio ${ratio.toFixed(2)} (goal <= 1.5)`)
    report({
      name: 'governed-read',
      value: ours,
      baseline,
      ratio,
      goal: 'ratio <= 1.5',
      unit: 'ms',
      met: ratio <= 1.5,
    })
  } finally {
    await reader?.close()
    await regional?.close()
    await owner.close()
  }
}
