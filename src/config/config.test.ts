import { describe, expect, it } from 'vitest'
import { isStrongroomError } from '../errors.js'
import { configToYaml, defaultLakeConfig, validateLakeConfig } from './config.js'
import { parse } from 'yaml'

describe('lake configuration', () => {
  it('round-trips the default config through YAML', () => {
    const c = defaultLakeConfig('/lake')
    expect(validateLakeConfig('/lake', parse(configToYaml(c)))).toEqual(c)
  })

  it('round-trips service backends', () => {
    const c = {
      ...defaultLakeConfig('/lake'),
      catalog: { kind: 'postgres' as const, url: 'postgres://u@h/db', schema: 'lake1' },
      objectStore: {
        kind: 's3' as const,
        bucket: 'b',
        prefix: 'p/',
        endpoint: 'http://127.0.0.1:9000',
        region: 'us-east-1',
        forcePathStyle: true,
      },
    }
    expect(validateLakeConfig('/lake', parse(configToYaml(c)))).toEqual(c)
  })

  it('lists every problem at once', () => {
    let err: unknown
    try {
      validateLakeConfig('/lake', {
        version: 2,
        catalog: { kind: 'mysql' },
        objectStore: { kind: 's3' },
        engine: { chunkBytes: 5 },
        extra: true,
      })
    } catch (e) {
      err = e
    }
    expect(isStrongroomError(err, 'ERR_CONFIG_INVALID')).toBe(true)
    const paths = (err as { issues: { path: string }[] }).issues.map((i) => i.path).sort()
    expect(paths).toEqual([
      'catalog.kind',
      'engine.chunkBytes',
      'extra',
      'objectStore.bucket',
      'version',
    ])
  })

  it('expands ${VAR} in the postgres URL from the environment and reports unset ones', () => {
    process.env['SR_TEST_PG'] = 'postgres://x@y/z'
    const c = validateLakeConfig('/l', {
      version: 1,
      catalog: { kind: 'postgres', url: '${SR_TEST_PG}' },
    })
    expect(c.catalog).toEqual({ kind: 'postgres', url: 'postgres://x@y/z' })
    expect(() =>
      validateLakeConfig('/l', {
        version: 1,
        catalog: { kind: 'postgres', url: '${SR_TEST_UNSET_X}' },
      }),
    ).toThrow(/invalid/)
  })
})
