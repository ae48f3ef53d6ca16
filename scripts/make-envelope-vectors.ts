/**
 * Generates `test/vectors/envelope-v1.json`: known-answer vectors for the `SRE1` format.
 *
 * Run once with `npx tsx scripts/make-envelope-vectors.ts` and commit the output; the
 * test `test/vectors/envelope-kat.test.ts` re-encrypts every vector and compares bytes, so
 * any change to the format shows up as a failing test rather than unreadable old files.
 * Regenerate only for a deliberate format change (and bump the format version then).
 *
 * All inputs are fixed and synthetic: DEK 0x00..0x1f, salt 0x20..0x3f, nonce prefix
 * 0x40..0x46, plaintext byte i = (i·31 + 7) mod 256.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { encryptStreamForVectors, fileAad } from '../src/keys/envelope.js'
import { hkdfSha256 } from '../src/lib/hkdf.js'

/** One vector as stored in the JSON file (binary values in lowercase hex). */
export interface EnvelopeVector {
  readonly name: string
  readonly segmentSize: number
  readonly plaintextLength: number
  readonly plaintext: string
  readonly ciphertext: string
  readonly segmentKey: string
  readonly commitment: string
}

/** The JSON file. */
export interface EnvelopeVectorFile {
  readonly description: string
  readonly format: string
  readonly generatedBy: string
  readonly dek: string
  readonly salt: string
  readonly noncePrefix: string
  readonly aadIdentity: {
    readonly datasetId: string
    readonly version: number
    readonly fileId: string
  }
  readonly aad: string
  readonly vectors: readonly EnvelopeVector[]
}

const range = (start: number, n: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => start + i))

/** The synthetic plaintext of length `n`. */
export function vectorPlaintext(n: number): Buffer {
  const out = Buffer.alloc(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 7) & 0xff
  return out
}

const DEK = range(0x00, 32)
const SALT = range(0x20, 32)
const NONCE_PREFIX = range(0x40, 7)
const IDENTITY = { datasetId: 'ds_vectors', version: 1, fileId: 'f_vectors' }
const AAD = fileAad(IDENTITY)
const MiB = 1024 * 1024

const CASES: readonly { name: string; segmentSize: number; length: number }[] = [
  { name: 'empty, default segment size', segmentSize: MiB, length: 0 },
  { name: 'one byte, default segment size', segmentSize: MiB, length: 1 },
  { name: '100 bytes, default segment size', segmentSize: MiB, length: 100 },
  { name: 'empty, S=64', segmentSize: 64, length: 0 },
  { name: 'one byte, S=64', segmentSize: 64, length: 1 },
  { name: 'S-1, S=64', segmentSize: 64, length: 63 },
  { name: 'S (full segment + empty final), S=64', segmentSize: 64, length: 64 },
  { name: 'S+1, S=64', segmentSize: 64, length: 65 },
  { name: 'three segments (64+64+22), S=64', segmentSize: 64, length: 150 },
  { name: '3S (three full + empty final), S=64', segmentSize: 64, length: 192 },
]

async function encrypt(plaintext: Buffer, segmentSize: number): Promise<Buffer> {
  const parts: Uint8Array[] = []
  const options = { dek: DEK, aad: AAD, segmentSize, salt: SALT, noncePrefix: NONCE_PREFIX }
  for await (const p of encryptStreamForVectors([plaintext], options)) parts.push(p)
  return Buffer.concat(parts)
}

async function main(): Promise<void> {
  const segmentKey = hkdfSha256(
    DEK,
    SALT,
    Buffer.concat([Buffer.from('strongroom/v1/enc'), AAD]),
    32,
  )
  const commitment = hkdfSha256(
    DEK,
    SALT,
    Buffer.concat([Buffer.from('strongroom/v1/commit'), AAD]),
    32,
  )
  const vectors: EnvelopeVector[] = []
  for (const c of CASES) {
    const plaintext = vectorPlaintext(c.length)
    vectors.push({
      name: c.name,
      segmentSize: c.segmentSize,
      plaintextLength: c.length,
      plaintext: plaintext.toString('hex'),
      ciphertext: (await encrypt(plaintext, c.segmentSize)).toString('hex'),
      segmentKey: segmentKey.toString('hex'),
      commitment: commitment.toString('hex'),
    })
  }
  const file: EnvelopeVectorFile = {
    description:
      'Known-answer vectors for the Strongroom SRE1 v1 envelope format (docs/formats.md). ' +
      'Synthetic inputs; plaintext byte i = (i*31 + 7) mod 256.',
    format: 'SRE1 v1, algorithm 1 (AES-256-GCM segments, HKDF-SHA256, key commitment)',
    generatedBy: 'scripts/make-envelope-vectors.ts',
    dek: DEK.toString('hex'),
    salt: SALT.toString('hex'),
    noncePrefix: NONCE_PREFIX.toString('hex'),
    aadIdentity: IDENTITY,
    aad: Buffer.from(AAD).toString('hex'),
    vectors,
  }
  const out = fileURLToPath(new URL('../test/vectors/envelope-v1.json', import.meta.url))
  writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`)
  console.info(`wrote ${vectors.length} vectors to ${out}`)
}

await main()
