/**
 * Runs user-supplied regular expressions in a worker thread under a deadline, so a pattern
 * that backtracks badly on some input cannot hang the process.
 *
 * Calls are synchronous for the caller (detectors are synchronous): the main thread posts
 * the text, then blocks in `Atomics.wait` on a shared flag with the deadline as timeout,
 * and picks the answer up with `receiveMessageOnPort`. On a timeout the worker is
 * terminated (a thread stuck in a regex cannot be interrupted any other way) and the call
 * fails with `ERR_DISCOVERY_REGEX_TIMEOUT`; the sandbox is then closed and every later call
 * fails the same way, so a scan never reports partial results as if complete.
 */
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads'
import type { MessagePort } from 'node:worker_threads'
import { StrongroomError } from '../errors.js'

/** How long the worker thread may take to start. */
const STARTUP_MS = 30_000

/** A pattern for the sandbox: its source and flags (`g` is always added). */
export interface SandboxPattern {
  readonly source: string
  readonly flags?: string
}

// Plain JavaScript, run with `eval: true`, so the worker needs no module resolution (it
// works the same from sources under a TypeScript loader and from the built package).
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads')
const { port, flag, patterns, allow } = workerData
const compiled = patterns.map((p) => new RegExp(p.source, p.flags))
const allowed = allow.map((p) => new RegExp('^(?:' + p.source + ')$', p.flags.replace('g', '')))
Atomics.store(flag, 1, 1)
Atomics.notify(flag, 1)
port.on('message', (msg) => {
  let reply
  if (msg.op === 'match') {
    reply = compiled.map((re) => {
      const out = []
      re.lastIndex = 0
      for (let m = re.exec(msg.text); m !== null; m = re.exec(msg.text)) {
        if (m[0].length === 0) { re.lastIndex += 1; continue }
        out.push(m.index, m.index + m[0].length)
      }
      return out
    })
  } else {
    reply = msg.values.map((v) => allowed.some((re) => re.test(v)))
  }
  port.postMessage(reply)
  Atomics.store(flag, 0, 1)
  Atomics.notify(flag, 0)
})
`

/** Options for {@link PatternSandbox}. */
export interface PatternSandboxOptions {
  /** Patterns matched by {@link PatternSandbox.match}, in order. */
  readonly patterns: readonly SandboxPattern[]
  /** Patterns a whole value is tested against by {@link PatternSandbox.allowed}. */
  readonly allow?: readonly SandboxPattern[]
  /** Longest a single call may run, in milliseconds. Default 1000. */
  readonly deadlineMs?: number
}

/**
 * User patterns behind a deadline.
 *
 * @example
 * ```ts
 * const box = new PatternSandbox({ patterns: [{ source: 'EMP-[0-9]{6}' }] })
 * box.match('id EMP-123456') // [[3, 13]]
 * box.close()
 * ```
 */
export class PatternSandbox {
  readonly #worker: Worker
  readonly #port: MessagePort
  readonly #flag: Int32Array
  readonly #deadlineMs: number
  #closed = false
  #timedOut = false

  constructor(options: PatternSandboxOptions) {
    this.#deadlineMs = options.deadlineMs ?? 1000
    const flags = (p: SandboxPattern): string => {
      const f = p.flags ?? ''
      return f.includes('g') ? f : `${f}g`
    }
    const { port1, port2 } = new MessageChannel()
    // [0]: an answer is ready; [1]: the worker has started.
    this.#flag = new Int32Array(new SharedArrayBuffer(8))
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        port: port2,
        flag: this.#flag,
        patterns: options.patterns.map((p) => ({ source: p.source, flags: flags(p) })),
        allow: (options.allow ?? []).map((p) => ({ source: p.source, flags: flags(p) })),
      },
      transferList: [port2],
      // A stuck regex must not hold much memory either.
      resourceLimits: { maxOldGenerationSizeMb: 64 },
    })
    this.#worker.unref()
    this.#port = port1
  }

  /** For each pattern, the `[start, end]` offsets of its non-empty matches in `text`. */
  match(text: string): Array<Array<[number, number]>> {
    const flat = this.#call({ op: 'match', text }) as number[][]
    return flat.map((offsets) => {
      const pairs: Array<[number, number]> = []
      for (let i = 0; i + 1 < offsets.length; i += 2)
        pairs.push([offsets[i] ?? 0, offsets[i + 1] ?? 0])
      return pairs
    })
  }

  /** For each value, whether some allow pattern matches the whole of it. */
  allowed(values: readonly string[]): boolean[] {
    if (values.length === 0) return []
    return this.#call({ op: 'allow', values }) as boolean[]
  }

  /** Stops the worker. Safe to call more than once. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#port.close()
    void this.#worker.terminate()
  }

  #call(message: unknown): unknown {
    if (this.#timedOut || this.#closed) {
      throw new StrongroomError(
        'ERR_DISCOVERY_REGEX_TIMEOUT',
        this.#timedOut
          ? 'a custom pattern ran past its deadline earlier; the scan was stopped'
          : 'the pattern sandbox is closed',
      )
    }
    // Starting a thread can take long on a loaded machine; only the work has a deadline.
    if (
      Atomics.load(this.#flag, 1) === 0 &&
      Atomics.wait(this.#flag, 1, 0, STARTUP_MS) === 'timed-out'
    ) {
      this.close()
      throw new StrongroomError('ERR_INTERNAL', 'the pattern sandbox did not start')
    }
    Atomics.store(this.#flag, 0, 0)
    this.#port.postMessage(message)
    const outcome = Atomics.wait(this.#flag, 0, 0, this.#deadlineMs)
    if (outcome === 'timed-out') {
      this.#timedOut = true
      this.close()
      throw new StrongroomError(
        'ERR_DISCOVERY_REGEX_TIMEOUT',
        `a custom pattern ran longer than ${this.#deadlineMs} ms on one value; the scan was stopped`,
        { details: { deadlineMs: this.#deadlineMs } },
      )
    }
    const received = receiveMessageOnPort(this.#port)
    if (received === undefined) {
      throw new StrongroomError('ERR_INTERNAL', 'the pattern sandbox did not answer')
    }
    return received.message
  }
}
