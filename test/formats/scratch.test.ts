import * as fs from 'node:fs'

import { describe, expect, it } from 'vitest'

import { StrongroomError } from '../../src/errors.js'
import { createMemoryFile, verifyScratchDir } from '../../src/formats/scratch.js'
import { tempDir } from './helpers.js'

describe('createMemoryFile', () => {
  it('is an unnamed tmpfs file reachable through /proc/self/fd', () => {
    const before = fs.readdirSync('/dev/shm')
    const f = createMemoryFile()
    try {
      f.write(Buffer.from('hello '))
      f.write(Buffer.from('world'))
      expect(f.path).toBe(`/proc/self/fd/${f.fd}`)
      expect(f.size()).toBe(11)
      expect(f.readAll().toString()).toBe('hello world')
      expect(fs.readFileSync(f.path, 'utf8')).toBe('hello world')
      // No name appears in the directory.
      expect(fs.readdirSync('/dev/shm')).toEqual(before)
      // The link target shows the kernel's "(deleted)"-style anonymous name, not a real path.
      expect(fs.readlinkSync(f.path)).toMatch(/^\/dev\/shm\/#\d+ \(deleted\)$/)
      f.truncate()
      expect(f.size()).toBe(0)
      f.write(Buffer.from('x'))
      expect(f.readAll().toString()).toBe('x')
    } finally {
      f.close()
    }
    expect(() => fs.fstatSync(f.fd)).toThrow()
    f.close() // idempotent
    expect(() => f.readAll()).toThrow(StrongroomError)
  })

  it('refuses a disk directory with ERR_ENGINE_NO_SECURE_SCRATCH', () => {
    const tmp = tempDir()
    try {
      // /tmp is the root file system here, not tmpfs: no silent fallback to it.
      if (fs.statfsSync(tmp.dir).type === 0x01021994) return
      expect(() => createMemoryFile(tmp.dir)).toThrow(
        expect.objectContaining({ code: 'ERR_ENGINE_NO_SECURE_SCRATCH' }),
      )
      expect(() => verifyScratchDir('/no/such/dir')).toThrow(
        expect.objectContaining({ code: 'ERR_ENGINE_NO_SECURE_SCRATCH' }),
      )
      expect(fs.readdirSync(tmp.dir)).toEqual([])
    } finally {
      tmp.cleanup()
    }
  })
})
