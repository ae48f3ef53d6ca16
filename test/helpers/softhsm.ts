/**
 * Throwaway SoftHSM2 tokens for tests of the PKCS#11 key provider.
 *
 * Each token lives in its own temp dir with its own `softhsm2.conf`, so test runs never
 * touch the machine's `/etc/softhsm` tokens and never share HSM state with each other.
 * Install SoftHSM2 with `scripts/setup-softhsm.sh`.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A freshly initialized SoftHSM2 token. */
export interface SoftHsmToken {
  /** Path of the SoftHSM2 PKCS#11 module (`libsofthsm2.so`). */
  readonly modulePath: string
  /** Label the token was initialized with. */
  readonly tokenLabel: string
  /** The user PIN (a fixed test value: the token is throwaway). */
  readonly pin: string
  /** The SO PIN, for tests that need to administer the token. */
  readonly soPin: string
  /** The `softhsm2.conf` that `SOFTHSM2_CONF` points at while the token is live. */
  readonly configPath: string
  /** Deletes the token directory and restores the previous `SOFTHSM2_CONF`. */
  cleanup(): Promise<void>
}

/** Options for {@link createSoftHsmToken}. */
export interface SoftHsmTokenOptions {
  /** Token label, at most 32 characters (PKCS#11 `CK_TOKEN_INFO.label`). */
  readonly label?: string
}

const MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
]

/** Finds `libsofthsm2.so` in the usual Debian/Ubuntu places, or returns undefined. */
export function findSoftHsmModule(): string | undefined {
  for (const candidate of MODULE_CANDIDATES) {
    if (existsSync(candidate)) return candidate
  }
  // Multiarch layouts put it under /usr/lib/<triplet>/softhsm/.
  let entries: string[]
  try {
    entries = readdirSync('/usr/lib')
  } catch {
    return undefined
  }
  for (const entry of entries) {
    const candidate = join('/usr/lib', entry, 'softhsm', 'libsofthsm2.so')
    if (existsSync(candidate)) return candidate
  }
  return undefined
}

function hasSoftHsmUtil(): boolean {
  try {
    execFileSync('softhsm2-util', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * Why the SoftHSM2 tests must be skipped here, or `false` when they can run.
 *
 * With `STRONGROOM_REQUIRE_SERVICES=1` (CI) a missing SoftHSM2 throws instead, so a
 * broken CI image fails loudly rather than silently skipping the HSM suite.
 */
export function softHsmSkipReason(): string | false {
  const missing =
    findSoftHsmModule() === undefined
      ? 'libsofthsm2.so not found'
      : hasSoftHsmUtil()
        ? undefined
        : 'softhsm2-util not on PATH'
  if (missing === undefined) return false
  const reason = `SoftHSM2 unavailable (${missing}); run scripts/setup-softhsm.sh`
  if (process.env['STRONGROOM_REQUIRE_SERVICES'] === '1') throw new Error(reason)
  return reason
}

/**
 * Initializes a throwaway SoftHSM2 token in a new temp dir and points `SOFTHSM2_CONF`
 * at it.
 *
 * SoftHSM2 reads `SOFTHSM2_CONF` when the module is initialized (`C_Initialize`), so
 * create the token before opening a provider, and close every provider before creating
 * another token in the same process.
 *
 * @example
 * ```ts
 * const token = await createSoftHsmToken()
 * const provider = createPkcs11KeyProvider({ ...token, keyLabel: 'root', createIfMissing: true })
 * ```
 */
export async function createSoftHsmToken(options: SoftHsmTokenOptions = {}): Promise<SoftHsmToken> {
  const skip = softHsmSkipReason()
  if (skip !== false) throw new Error(skip)
  const modulePath = findSoftHsmModule()
  if (modulePath === undefined) throw new Error('libsofthsm2.so not found')

  const tokenLabel = options.label ?? `strongroom-test-${process.pid}`
  const pin = '1234'
  const soPin = '5678'
  const dir = await mkdtemp(join(tmpdir(), 'strongroom-softhsm-'))
  const tokenDir = join(dir, 'tokens')
  const configPath = join(dir, 'softhsm2.conf')
  await writeFile(
    configPath,
    [
      `directories.tokendir = ${tokenDir}`,
      'objectstore.backend = file',
      'log.level = ERROR',
      '',
    ].join('\n'),
  )
  await mkdir(tokenDir)

  const previousConf = process.env['SOFTHSM2_CONF']
  process.env['SOFTHSM2_CONF'] = configPath
  try {
    execFileSync(
      'softhsm2-util',
      ['--init-token', '--free', '--label', tokenLabel, '--pin', pin, '--so-pin', soPin],
      { stdio: 'ignore', env: process.env },
    )
  } catch (e) {
    restoreConf(previousConf)
    await rm(dir, { recursive: true, force: true })
    throw e
  }

  return {
    modulePath,
    tokenLabel,
    pin,
    soPin,
    configPath,
    async cleanup() {
      // Only restore when nobody has pointed SOFTHSM2_CONF elsewhere since.
      if (process.env['SOFTHSM2_CONF'] === configPath) restoreConf(previousConf)
      await rm(dir, { recursive: true, force: true })
    },
  }
}

function restoreConf(previous: string | undefined): void {
  if (previous === undefined) delete process.env['SOFTHSM2_CONF']
  else process.env['SOFTHSM2_CONF'] = previous
}
