/** Starts s3rver in-process for tests (shared by the contract and integration suites). */
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The few members of s3rver (untyped, CommonJS) this test uses. */
interface S3rverLike {
  run(): Promise<{ port: number }>
  close(): Promise<void>
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverLike

/** Starts s3rver in-process on a free loopback port, or says why it could not. */
export async function startS3rver(
  bucket: string,
): Promise<
  { ok: true; endpoint: string; stop: () => Promise<void> } | { ok: false; reason: string }
> {
  let directory: string | undefined
  try {
    const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor
    directory = await mkdtemp(join(tmpdir(), 'strongroom-s3rver-'))
    const server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      directory,
      silent: true,
      configureBuckets: [{ name: bucket, configs: [] }],
    })
    const { port } = await server.run()
    const dir = directory
    return {
      ok: true,
      endpoint: `http://127.0.0.1:${port}`,
      stop: async () => {
        await server.close()
        await rm(dir, { recursive: true, force: true })
      },
    }
  } catch (e) {
    if (directory !== undefined) await rm(directory, { recursive: true, force: true })
    return { ok: false, reason: e instanceof Error ? e.message : String(e) }
  }
}
