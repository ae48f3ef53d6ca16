/**
 * The HTTP lineage emitter against a local OpenLineage consumer stand-in (node:http on
 * 127.0.0.1, port 0): success, retries, giving up, no retry on 4xx, timeouts, abort.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { isStrongroomError } from '../../src/errors.js'
import type { StrongroomError } from '../../src/errors.js'
import { createHttpLineageEmitter, createNoopLineageEmitter } from '../../src/lineage/emitter.js'
import { buildRunEvent } from '../../src/lineage/openlineage.js'

/** What the stand-in does with the n-th request: answer with a status, or never answer. */
type Reply = number | 'hang'

interface Received {
  readonly method: string | undefined
  readonly url: string | undefined
  readonly headers: IncomingMessage['headers']
  readonly body: string
}

const event = buildRunEvent({
  eventType: 'START',
  runId: '6c0f0d2e-9a51-4c8e-8d4f-3b2a1c0e9f87',
  job: { name: 'ingest.crm.customers' },
  inputs: [{ kind: 'file', path: '/srv/in/customers.csv' }],
})

let server: Server
let base: string
let replies: Reply[]
let received: Received[]
const hanging: ServerResponse[] = []

beforeEach(async () => {
  replies = []
  received = []
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      })
      // The last reply repeats, so "always 503" is a one-element list.
      const reply = replies[Math.min(received.length - 1, replies.length - 1)] ?? 200
      if (reply === 'hang') {
        hanging.push(res)
        return
      }
      res.writeHead(reply, { 'Content-Type': 'application/json' })
      res.end(reply < 300 ? '' : '{"error":"echo of the event would go here"}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
})

afterEach(async () => {
  for (const res of hanging.splice(0)) res.destroy()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

/** The StrongroomError `promise` rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<StrongroomError> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  )
  if (!isStrongroomError(e)) throw new Error(`expected a StrongroomError, got ${String(e)}`)
  return e
}

describe('createHttpLineageEmitter', () => {
  it('POSTs the event as JSON with the configured headers', async () => {
    replies = [201]
    const emitter = createHttpLineageEmitter({
      url: `${base}/api/v1/lineage`,
      headers: { Authorization: 'Bearer t0ken', 'content-type': 'text/plain' },
    })
    await emitter.emit(event)
    await emitter.close()
    expect(received).toHaveLength(1)
    const [req] = received
    expect(req?.method).toBe('POST')
    expect(req?.url).toBe('/api/v1/lineage')
    // Our Content-Type wins over a caller's: the body is JSON whatever the headers say.
    expect(req?.headers['content-type']).toBe('application/json')
    expect(req?.headers['authorization']).toBe('Bearer t0ken')
    expect(JSON.parse(req?.body ?? '')).toEqual(JSON.parse(JSON.stringify(event)))
  })

  it('retries 503 and 429 with backoff, then succeeds', async () => {
    replies = [503, 429, 502, 200]
    const emitter = createHttpLineageEmitter({ url: base, retries: 5, baseDelayMs: 5 })
    await emitter.emit(event)
    expect(received).toHaveLength(4)
    expect(new Set(received.map((r) => r.body)).size).toBe(1)
  })

  it('gives up after the retries with ERR_STORAGE_UNAVAILABLE and the status', async () => {
    replies = [503]
    const emitter = createHttpLineageEmitter({ url: base, retries: 3, baseDelayMs: 1 })
    const e = await rejection(emitter.emit(event))
    expect(e.code).toBe('ERR_STORAGE_UNAVAILABLE')
    expect(e.details).toEqual({ status: 503, attempts: 4, retryable: true })
    expect(received).toHaveLength(4)
    // Neither the event, the consumer's reply nor the URL is in the message.
    expect(e.message).not.toContain('ingest')
    expect(e.message).not.toContain('echo')
    expect(e.message).not.toContain('127.0.0.1')
    expect(JSON.stringify(e.toJSON())).not.toContain(event.run.runId)
  })

  it('does not retry a 400 (the request itself is wrong)', async () => {
    replies = [400, 200]
    const emitter = createHttpLineageEmitter({ url: base, retries: 5, baseDelayMs: 1 })
    const e = await rejection(emitter.emit(event))
    expect(e.code).toBe('ERR_STORAGE_UNAVAILABLE')
    expect(e.details).toEqual({ status: 400, attempts: 1, retryable: false })
    expect(received).toHaveLength(1)
  })

  it('does not follow redirects (credentials stay with the configured host)', async () => {
    replies = [307]
    const emitter = createHttpLineageEmitter({ url: base, retries: 2, baseDelayMs: 1 })
    const e = await rejection(emitter.emit(event))
    expect(e.details).toMatchObject({ status: 307, retryable: false })
    expect(received).toHaveLength(1)
  })

  it('times out a consumer that never answers, retrying each timeout', async () => {
    replies = ['hang']
    const emitter = createHttpLineageEmitter({
      url: base,
      retries: 1,
      baseDelayMs: 1,
      timeoutMs: 100,
    })
    const started = Date.now()
    const e = await rejection(emitter.emit(event))
    expect(e.code).toBe('ERR_STORAGE_UNAVAILABLE')
    expect(e.details).toEqual({ status: 0, attempts: 2, retryable: true })
    expect(received).toHaveLength(2)
    expect(Date.now() - started).toBeGreaterThanOrEqual(180)
  })

  it('retries a refused connection, then reports status 0', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    let calls = 0
    const emitter = createHttpLineageEmitter({
      url: `http://127.0.0.1:${String(port)}/api/v1/lineage`,
      retries: 2,
      baseDelayMs: 1,
      fetchImpl: (url, init) => {
        calls++
        return fetch(url, init)
      },
    })
    const e = await rejection(emitter.emit(event))
    expect(e.details).toEqual({ status: 0, attempts: 3, retryable: true })
    expect(calls).toBe(3)
  })

  it('stops on abort with ERR_OPERATION_ABORTED', async () => {
    replies = [503]
    const emitter = createHttpLineageEmitter({ url: base, retries: 50, baseDelayMs: 20 })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const e = await rejection(emitter.emit(event, { signal: controller.signal }))
    expect(e.code).toBe('ERR_OPERATION_ABORTED')
    expect(received.length).toBeLessThan(50)
  })

  it('waits for emits in flight on close, then refuses new ones', async () => {
    replies = [503, 200]
    const emitter = createHttpLineageEmitter({ url: base, baseDelayMs: 20 })
    const pending = emitter.emit(event)
    await emitter.close()
    expect(received).toHaveLength(2)
    await pending
    const e = await rejection(emitter.emit(event))
    expect(e.code).toBe('ERR_USAGE_INVALID_ARGUMENT')
  })

  it('refuses a bad URL or option with ERR_CONFIG_INVALID', () => {
    for (const options of [
      { url: 'not a url' },
      { url: 'ftp://example.com/lineage' },
      { url: base, retries: -1 },
      { url: base, timeoutMs: 1.5 },
    ]) {
      let caught: unknown
      try {
        createHttpLineageEmitter(options)
      } catch (e) {
        caught = e
      }
      expect(isStrongroomError(caught, 'ERR_CONFIG_INVALID')).toBe(true)
    }
  })
})

describe('createNoopLineageEmitter', () => {
  it('accepts and drops events', async () => {
    const emitter = createNoopLineageEmitter()
    await expect(emitter.emit(event)).resolves.toBeUndefined()
    await expect(emitter.close()).resolves.toBeUndefined()
  })
})
