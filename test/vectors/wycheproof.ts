/**
 * Locating the Wycheproof vectors shared by the vector tests.
 *
 * The vectors live outside the repository (`../shared/data/vectors/wycheproof/` from the
 * repo root). When the folder is absent the suites skip with a message, unless
 * `STRONGROOM_REQUIRE_SERVICES=1` makes the absence a failure (CI).
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Absolute path of the Wycheproof vector folder. */
export const WYCHEPROOF_DIR = fileURLToPath(
  new URL('../../../shared/data/vectors/wycheproof/', import.meta.url),
)

/** Whether missing vectors must fail instead of skip. */
export const REQUIRE_VECTORS = process.env['STRONGROOM_REQUIRE_SERVICES'] === '1'

/**
 * Loads one Wycheproof file, or returns a skip reason when it is absent and not required.
 * Throws when it is absent and `STRONGROOM_REQUIRE_SERVICES=1`.
 */
export function loadWycheproof<T>(file: string): { data: T } | { skip: string } {
  const path = `${WYCHEPROOF_DIR}${file}`
  if (!existsSync(path)) {
    const reason = `Wycheproof vectors not found at ${path}`
    if (REQUIRE_VECTORS) throw new Error(`${reason} (STRONGROOM_REQUIRE_SERVICES=1)`)
    return { skip: `${reason}; set up ../shared/data to run them` }
  }
  return { data: JSON.parse(readFileSync(path, 'utf8')) as T }
}
