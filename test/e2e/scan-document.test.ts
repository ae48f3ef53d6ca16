/**
 * `scan` on free-text documents, and the bad input the issue names: binary data, huge
 * lines, invalid UTF-8, mixed encodings, empty files. No crash; a report of what was
 * skipped or read differently, and why; no value in any output.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDiscoveryEngine } from '../../src/discovery/discovery-engine.js'
import { scanDocument } from '../../src/discovery/scan-document.js'
import { cli, tempDir } from './helpers.js'

interface Doc {
  lines: number
  counts: Record<string, number>
  spans: { line: number; type: string; start: number; end: number }[]
  issues: { line: number; reason: string }[]
  skippedLines: number
}

describe('scan of text documents', () => {
  let dir: string
  let cleanup: () => Promise<void>
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('sr-doc-'))
  })
  afterAll(async () => cleanup())

  const scan = async (name: string, content: Uint8Array | string): Promise<Doc> => {
    const path = join(dir, name)
    await writeFile(path, content)
    const r = await cli(['scan', path, '--json', '--lake', join(dir, 'no-lake')])
    expect(r.code, r.stderr).toBe(0)
    return JSON.parse(r.stdout) as Doc
  }

  it('reports spans with line numbers and UTF-16 offsets within the line', async () => {
    const d = await scan(
      'notes.txt',
      'first line\nmail ada@example.org today\r\n\n😀 ip 10.1.2.3\n',
    )
    expect(d.lines).toBe(4)
    const email = d.spans.find((s) => s.type === 'EMAIL_ADDRESS')
    expect(email).toMatchObject({ line: 2, start: 5, end: 20 })
    expect(d.spans.find((s) => s.type === 'IP_ADDRESS')).toMatchObject({ line: 4, start: 6 })
    expect(d.issues).toEqual([])
  })

  it('skips binary lines, decodes non-UTF-8 lines as Windows-1252, and says so', async () => {
    const parts = [
      Buffer.from('ok line with bob@example.org\n'),
      Buffer.from([0x00, 0x01, 0x02, 0xff, 0x10, 0x0a]),
      // "café" in Latin-1 (0xE9), then a valid email on the same line.
      Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from(' eve@example.org\n')]),
      Buffer.from('tail\n'),
    ]
    const d = await scan('mixed.log', Buffer.concat(parts))
    expect(d.lines).toBe(4)
    expect(d.skippedLines).toBe(1)
    expect(d.issues).toEqual([
      { line: 2, reason: 'binary' },
      { line: 3, reason: 'not-utf8-decoded-as-windows-1252' },
    ])
    expect(d.spans.filter((s) => s.type === 'EMAIL_ADDRESS').map((s) => s.line)).toEqual([1, 3])
  })

  it('an empty document is a clean report', async () => {
    const d = await scan('empty.txt', '')
    expect(d).toMatchObject({ lines: 0, spans: [], issues: [] })
  })

  it('a huge line is scanned in windows with flat memory, spans across a window kept once', async () => {
    const path = join(dir, 'huge.txt')
    const filler = 'lorem ipsum '.repeat(2000)
    const text = Array.from({ length: 60 }, (_, i) => `${filler} user${i}@example.org`).join(' ')
    await writeFile(path, text)
    const engine = createDiscoveryEngine()
    try {
      const d = await scanDocument(path, engine, { windowChars: 50_000 })
      expect(d.lines).toBe(1)
      expect(d.issues[0]).toEqual({ line: 1, reason: 'long-line-windowed' })
      const emails = d.spans.filter((s) => s.type === 'EMAIL_ADDRESS')
      expect(emails.length).toBe(60)
      expect(new Set(emails.map((s) => s.start)).size).toBe(60)
    } finally {
      engine.close()
    }
  })

  it('the text report names types and lines, never values', async () => {
    const path = join(dir, 'secret.txt')
    await writeFile(path, 'card 4539 5787 6362 1486 and mail zz.canary@example.org\n')
    const r = await cli(['scan', path, '--lake', join(dir, 'no-lake')])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/CREDIT_CARD/)
    expect(r.stdout).not.toContain('zz.canary')
    expect(r.stdout).not.toContain('4539')
  })
})
