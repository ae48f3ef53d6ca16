import { isStrongroomError, StrongroomError } from '../errors.js'
import { EXIT, exitCodeFor } from './exit-codes.js'

/** Where CLI output goes; injectable so tests capture it. */
export interface Io {
  readonly out: (text: string) => void
  /** Raw output bytes (data written to stdout); awaited for back-pressure. */
  readonly outBytes?: (bytes: Uint8Array) => Promise<void>
  readonly err: (text: string) => void
  readonly isTty: boolean
}

/** The process's own streams. */
export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  outBytes: (b) =>
    new Promise<void>((resolve, reject) => {
      process.stdout.write(b, (e) => (e ? reject(e) : resolve()))
    }),
  err: (t) => process.stderr.write(t),
  isTty: process.stderr.isTTY === true,
}

/** JSON with Dates as ISO strings, bigints as strings and bytes as hex. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString()
      if (v instanceof Uint8Array) return Buffer.from(v).toString('hex')
      return v
    },
    2,
  )
}

/** Human-readable bytes. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i += 1
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}

/** A plain text table. */
export function table(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const cells = [headers, ...rows.map((r) => r.map(String))]
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  return (
    cells
      .map((r) =>
        r
          .map((c, i) => (c ?? '').padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  )
}

/**
 * Reports an error and returns the exit code. Unknown errors are reported generically:
 * their messages may come from a library and could quote data.
 */
export function reportError(e: unknown, io: Io, json: boolean): number {
  const err = isStrongroomError(e)
    ? e
    : new StrongroomError('ERR_INTERNAL', 'Unexpected internal error', {
        hint: 'Re-run with STRONGROOM_DEBUG=1 for a stack trace.',
      })
  if (json) io.err(toJson({ error: err.toJSON() }) + '\n')
  else {
    io.err(`error ${err.code}: ${err.message}\n`)
    for (const i of err.issues) io.err(`  - ${i.path}: ${i.message}\n`)
    if (err.hint !== undefined) io.err(`hint: ${err.hint}\n`)
  }
  if (process.env['STRONGROOM_DEBUG'] === '1' && e instanceof Error) io.err(`${e.stack ?? ''}\n`)
  return isStrongroomError(e) ? exitCodeFor(e.code) : EXIT.internal
}
