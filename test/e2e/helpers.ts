/** Helpers for end-to-end tests: temp lakes, synthetic files, the CLI in-process or spawned. */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { main } from '../../src/cli/main.js'
import type { Io } from '../../src/cli/output.js'
import { initStrongroom, type InitOptions, type Strongroom } from '../../src/index.js'

export const PASSPHRASE = 'test passphrase, not a secret'
const repo = resolve(import.meta.dirname, '../..')

/** A fresh folder; removed by the returned cleanup. */
export async function tempDir(
  prefix = 'sr-e2e-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** A new lake with a cheap KDF (tests only) and optionally small data files. */
export async function newLake(
  root: string,
  extra: Partial<InitOptions> = {},
  chunkBytes?: number,
): Promise<Strongroom> {
  return initStrongroom({
    root,
    passphrase: PASSPHRASE,
    kdfLogN: 12,
    ...(chunkBytes === undefined
      ? {}
      : { config: { engine: { scratchDir: '/dev/shm', chunkBytes, threads: 1 } } }),
    ...extra,
  })
}

/** Result of one CLI invocation. */
export interface CliRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the CLI in this process with captured output. */
export async function cli(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const io: Io = { out: (t) => (stdout += t), err: (t) => (stderr += t), isTty: false }
  const saved: Record<string, string | undefined> = {}
  for (const [k, v] of Object.entries({ STRONGROOM_PASSPHRASE: PASSPHRASE, ...env })) {
    saved[k] = process.env[k]
    process.env[k] = v
  }
  try {
    const code = await main(args, io)
    return { code, stdout, stderr }
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

/** Spawns the CLI as its own process (TypeScript sources through tsx). */
export function spawnCli(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/entry.ts'), ...args], {
    cwd: repo,
    env: { ...process.env, STRONGROOM_PASSPHRASE: PASSPHRASE, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Spawns the CLI and waits for it. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawnCli(args, env)
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }))
  })
}

/** Writes a small CSV with the given rows (first row is the header). */
export function csvOf(rows: readonly (readonly (string | number)[])[]): string {
  const cell = (v: string | number): string => {
    const s = String(v)
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  return rows.map((r) => r.map(cell).join(',')).join('\n') + '\n'
}
