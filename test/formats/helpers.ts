import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

import { expect } from 'vitest'

import { StrongroomError } from '../../src/errors.js'
import type { ErrorCode } from '../../src/errors.js'
import type { DuckDbEngine } from '../../src/formats/duckdb-engine.js'
import type { ConvertOptions, ConvertSource, ParquetChunk } from '../../src/formats/engine.js'

/** A marker planted in bad inputs: it must never show up in an error. */
export const CANARY = 'CANARY_7f3a9c'

/** A fresh temp directory for synthetic fixtures, removed by the returned cleanup. */
export function tempDir(): {
  dir: string
  file: (name: string, content: string | Uint8Array) => string
  cleanup: () => void
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-formats-'))
  return {
    dir,
    file(name, content) {
      const p = path.join(dir, name)
      fs.writeFileSync(p, content)
      return p
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Collects every chunk of a conversion. */
export async function convertAll(
  engine: DuckDbEngine,
  source: ConvertSource,
  options: ConvertOptions = {},
): Promise<ParquetChunk[]> {
  const out: ParquetChunk[] = []
  for await (const c of engine.convertToParquet(source, options)) out.push(c)
  return out
}

/** An async iterable over buffers. */
export async function* iterate(files: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const f of files) {
    // A real source (object store + decryption) is asynchronous; so is this one.
    await Promise.resolve()
    yield f
  }
}

/** Reads all rows (row-major) from Parquet buffers through the engine. */
export async function readRows(
  engine: DuckDbEngine,
  files: readonly Uint8Array[],
  columns?: string[],
): Promise<unknown[][]> {
  const rows: unknown[][] = []
  for await (const b of engine.readBatches(
    iterate(files),
    columns === undefined ? {} : { columns },
  )) {
    for (let r = 0; r < b.rowCount; r++) rows.push(b.values.map((col) => col[r]))
  }
  return rows
}

/** Runs `fn`, expects a StrongroomError with `code`, and checks no canary leaked. */
export async function expectCode(
  fn: () => Promise<unknown>,
  code: ErrorCode,
): Promise<StrongroomError> {
  let caught: unknown
  try {
    await fn()
  } catch (e) {
    caught = e
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(StrongroomError)
  const err = caught as StrongroomError
  expect(err.code, err.message).toBe(code)
  expect(err.message).not.toContain(CANARY)
  expect(err.hint ?? '').not.toContain(CANARY)
  expect(JSON.stringify(err.toJSON())).not.toContain(CANARY)
  expect(String(err.stack)).not.toContain(CANARY)
  // DuckDB's original error quotes input lines; it must not be kept as the cause.
  expect(err.cause).toBeUndefined()
  return err
}
