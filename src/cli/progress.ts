import cliProgress from 'cli-progress'
import type { ProgressEvent } from '../lake/context.js'
import { formatBytes, type Io } from './output.js'

/** A progress reporter: a bar on a terminal, nothing otherwise (or with --json). */
export interface Progress {
  readonly update: (e: ProgressEvent) => void
  readonly stop: () => void
}

/** Creates a progress bar on stderr when it is a terminal. */
export function createProgress(
  io: Io,
  enabled: boolean,
  label: string,
  total?: number,
  unit: 'bytes' | 'files' = 'files',
): Progress {
  if (!enabled || !io.isTty) return { update: () => undefined, stop: () => undefined }
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% {done}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  )
  bar.start(total ?? 1, 0, { done: '' })
  return {
    update: (e) => {
      if (e.total !== undefined) bar.setTotal(e.total)
      bar.update(e.done, {
        done:
          unit === 'bytes'
            ? formatBytes(e.done)
            : `${e.done}${e.total === undefined ? '' : `/${e.total}`}`,
      })
    },
    stop: () => bar.stop(),
  }
}
