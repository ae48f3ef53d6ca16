/**
 * `encrypt`: envelope encryption + decryption of 1 GiB (BENCH_ENCRYPT_MIB to change) in
 * 64 MiB chunks, against `openssl speed -evp aes-256-gcm` on 1 MiB blocks, same machine,
 * same run. Our figure is bytes processed (encrypt pass + decrypt pass) per second; the
 * baseline is OpenSSL's single-pass encrypt throughput. Goal: ratio ≥ 0.5.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { decryptStream, encryptStream, fileAad, generateKey } from '../src/keys/envelope.js'
import { report } from './lib.js'

function opensslBytesPerSec(): number {
  const out = execFileSync(
    'openssl',
    ['speed', '-mr', '-seconds', '3', '-bytes', String(1 << 20), '-evp', 'aes-256-gcm'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const line = out.split('\n').find((l) => l.startsWith('+F:'))
  const v = Number(line?.split(':').at(-1))
  if (!Number.isFinite(v) || v <= 0) throw new Error('could not parse openssl speed output')
  return v
}

export async function run(): Promise<void> {
  const mib = Number(process.env['BENCH_ENCRYPT_MIB'] ?? 1024)
  const chunk = randomBytes(64 << 20)
  const chunks = Math.max(1, Math.round(mib / 64))
  const total = chunks * chunk.byteLength
  const dek = generateKey()
  const aad = fileAad({ datasetId: 'ds_bench', version: 1, fileId: 'f_bench' })

  function* source(): Iterable<Uint8Array> {
    for (let i = 0; i < chunks; i++) yield chunk
  }
  // Encrypt and decrypt in one pipeline so 1 GiB never has to sit in memory twice.
  let plainOut = 0
  const t0 = performance.now()
  for await (const p of decryptStream(encryptStream(source(), { dek, aad }), { dek, aad }))
    plainOut += p.byteLength
  const ms = performance.now() - t0
  if (plainOut !== total) throw new Error('round trip lost bytes')
  const ours = (2 * total) / (ms / 1000)
  const openssl = opensslBytesPerSec()
  const ratio = ours / openssl
  console.log(
    `envelope encrypt+decrypt of ${(total / 2 ** 30).toFixed(2)} GiB: ${(ms / 1000).toFixed(2)} s, ${(ours / 1e9).toFixed(2)} GB/s (both passes)`,
  )
  console.log(`openssl speed -evp aes-256-gcm (1 MiB blocks): ${(openssl / 1e9).toFixed(2)} GB/s`)
  report({
    name: 'encrypt',
    value: ours,
    baseline: openssl,
    ratio,
    goal: 'ratio >= 0.5',
    unit: 'bytes/s',
    met: ratio >= 0.5,
  })
}
