import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { createFsObjectStore } from '../../src/storage/fs/fs-object-store.js'
import { runObjectStoreContract } from './object-store.contract.js'

const roots: string[] = []

runObjectStoreContract('fs', {
  create: async () => {
    const root = await mkdtemp(join(tmpdir(), 'strongroom-fs-contract-'))
    roots.push(root)
    // A not-yet-existing subfolder, so open() creating the root is exercised too.
    return createFsObjectStore({ root: join(root, 'objects') })
  },
  cleanup: async () => {
    await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })))
  },
})
