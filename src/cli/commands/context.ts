/** What a group of CLI commands needs from the program that registers them. */
import type { Command } from 'commander'
import type { Strongroom } from '../../strongroom.js'
import type { Io } from '../output.js'

/** Shared by every command module: output, the lake, the exit code. */
export interface CliContext {
  readonly program: Command
  readonly io: Io
  /** Prints `json` with `--json`, else the text `text()` builds. */
  readonly out: (json: unknown, text: () => string) => void
  /** Opens the lake, runs `fn`, closes the lake. */
  readonly withLake: <T>(fn: (lake: Strongroom) => Promise<T>) => Promise<T>
  readonly setExit: (code: number) => void
}
