/**
 * Lineage graphs: upstream and downstream walks, cycles, column-level edges, and the text,
 * DOT and JSON renderings; then the same walk over a real (SQLite) catalog.
 */
import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import type { LineageEdge, LineageFilter } from '../../src/catalog/catalog.js'
import { createSqliteCatalog } from '../../src/catalog/sqlite/sqlite-catalog.js'
import {
  buildLineageGraph,
  lineageGraph,
  renderLineageDot,
  renderLineageJson,
  renderLineageTree,
} from '../../src/lineage/graph.js'
import type { LineageGraph } from '../../src/lineage/graph.js'

const RUN = 'b5d3f0a4-1e2c-4d6b-8a9f-0c1d2e3f4a5b'
let clock = Date.UTC(2024, 0, 1)

/** An edge; `from`/`to` starting with `/` are files, others datasets. */
function e(
  id: string,
  job: string,
  from: string,
  fromVersion: number | null,
  to: string,
  toVersion: number | null,
  columnMap: LineageEdge['columnMap'] = [],
): LineageEdge {
  clock += 60_000
  return {
    id,
    runId: RUN,
    job,
    eventType: 'COMPLETE',
    eventTime: new Date(clock),
    sourceKind: from.startsWith('/') ? 'file' : 'dataset',
    sourceName: from,
    sourceVersion: fromVersion,
    targetKind: to.startsWith('/') ? 'file' : 'dataset',
    targetName: to,
    targetVersion: toVersion,
    columnMap,
  }
}

// Two files ingested into crm.raw; crm.safe protected from it; crm.report derived from
// both (a diamond); crm.raw exported to a file.
const EDGES: LineageEdge[] = [
  e('e1', 'ingest.crm.raw', '/in/a.csv', null, 'crm.raw', 1, [
    { target: 'id', sources: ['id'], transformation: 'identity' },
    { target: 'email', sources: ['email'], transformation: 'identity' },
  ]),
  e('e2', 'append.crm.raw', '/in/b.csv', null, 'crm.raw', 2),
  e('e3', 'protect.crm.safe', 'crm.raw', 2, 'crm.safe', 1, [
    { target: 'id', sources: ['id'], transformation: 'identity' },
    { target: 'email_token', sources: ['email'], transformation: 'tokenized' },
  ]),
  e('e4', 'derive.crm.report', 'crm.safe', 1, 'crm.report', 1),
  e('e5', 'derive.crm.report', 'crm.raw', 2, 'crm.report', 1),
  e('e6', 'export.crm.raw', 'crm.raw', 2, '/out/raw.parquet', null),
  // Unrelated: never reached from the datasets above.
  e('e7', 'ingest.hr.staff', '/in/staff.csv', null, 'hr.staff', 1),
]

/** An in-memory `listLineage` with the catalog's one-hop semantics, counting calls. */
function fakeCatalog(edges: readonly LineageEdge[]): {
  listLineage(f: LineageFilter): Promise<LineageEdge[]>
  calls: LineageFilter[]
} {
  const calls: LineageFilter[] = []
  return {
    calls,
    listLineage(f) {
      calls.push(f)
      return Promise.resolve(
        edges.filter((x) =>
          f.direction === 'upstream'
            ? x.targetName === f.name && (f.kind === undefined || x.targetKind === f.kind)
            : x.sourceName === f.name && (f.kind === undefined || x.sourceKind === f.kind),
        ),
      )
    },
  }
}

describe('buildLineageGraph and the text tree', () => {
  it('walks upstream recursively, showing a shared ancestor once', () => {
    const graph = buildLineageGraph(EDGES, 'crm.report', { direction: 'upstream' })
    expect(graph.root).toBe('dataset:crm.report')
    expect(graph.nodes.map((n) => n.id)).toEqual([
      'dataset:crm.report',
      'dataset:crm.safe',
      'dataset:crm.raw',
      'file:/in/a.csv',
      'file:/in/b.csv',
    ])
    expect(graph.edges.map((x) => x.id)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5'])
    expect(graph.truncated).toBe(false)
    expect(renderLineageTree(graph)).toBe(
      [
        'crm.report',
        '└── upstream',
        '    ├── crm.raw  [derive.crm.report v2 → v1]',
        '    │   ├── file /in/a.csv  [ingest.crm.raw → v1]',
        '    │   └── file /in/b.csv  [append.crm.raw → v2]',
        '    └── crm.safe  [derive.crm.report v1 → v1]',
        '        └── crm.raw  [protect.crm.safe v2 → v1] (see above)',
        '',
      ].join('\n'),
    )
  })

  it('walks downstream, files included', () => {
    const graph = buildLineageGraph(EDGES, '/in/a.csv', { direction: 'downstream' })
    expect(graph.root).toBe('file:/in/a.csv')
    expect(renderLineageTree(graph)).toBe(
      [
        'file /in/a.csv',
        '└── downstream',
        '    └── crm.raw  [ingest.crm.raw → v1]',
        '        ├── crm.report  [derive.crm.report v2 → v1]',
        '        ├── crm.safe  [protect.crm.safe v2 → v1]',
        '        │   └── crm.report  [derive.crm.report v1 → v1] (see above)',
        '        └── file /out/raw.parquet  [export.crm.raw v2 →]',
        '',
      ].join('\n'),
    )
  })

  it('walks both ways by default and shows column-level edges on request', () => {
    const graph = buildLineageGraph(EDGES, 'crm.safe', { columns: true })
    expect(graph.direction).toBe('both')
    expect(renderLineageTree(graph)).toBe(
      [
        'crm.safe',
        '├── upstream',
        '│   └── crm.raw  [protect.crm.safe v2 → v1]',
        '│       ├── · id ← id (identity)',
        '│       ├── · email_token ← email (tokenized)',
        '│       ├── file /in/a.csv  [ingest.crm.raw → v1]',
        '│       │   ├── · id ← id (identity)',
        '│       │   └── · email ← email (identity)',
        '│       └── file /in/b.csv  [append.crm.raw → v2]',
        '└── downstream',
        '    └── crm.report  [derive.crm.report v1 → v1]',
        '',
      ].join('\n'),
    )
  })

  it('says so when nothing is recorded', () => {
    const graph = buildLineageGraph(EDGES, 'crm.nothing', { direction: 'upstream' })
    expect(graph.nodes).toEqual([
      { id: 'dataset:crm.nothing', kind: 'dataset', name: 'crm.nothing' },
    ])
    expect(graph.edges).toEqual([])
    expect(renderLineageTree(graph)).toBe('crm.nothing\n└── upstream\n    └── (none recorded)\n')
  })

  it('terminates on cycles and marks them', () => {
    const cyclic = [
      e('c1', 'derive.crm.y', 'crm.x', 1, 'crm.y', 1),
      e('c2', 'derive.crm.x', 'crm.y', 1, 'crm.x', 2),
      e('c3', 'rewrite.crm.z', 'crm.z', 1, 'crm.z', 2),
    ]
    const up = buildLineageGraph(cyclic, 'crm.x', { direction: 'upstream' })
    expect(up.nodes.map((n) => n.id)).toEqual(['dataset:crm.x', 'dataset:crm.y'])
    expect(renderLineageTree(up)).toBe(
      [
        'crm.x',
        '└── upstream',
        '    └── crm.y  [derive.crm.x v1 → v2]',
        '        └── crm.x  [derive.crm.y v1 → v1] (cycle)',
        '',
      ].join('\n'),
    )
    const self = buildLineageGraph(cyclic, 'crm.z', { direction: 'downstream' })
    expect(renderLineageTree(self)).toBe(
      ['crm.z', '└── downstream', '    └── crm.z  [rewrite.crm.z v1 → v2] (cycle)', ''].join('\n'),
    )
  })

  it('stops at maxNodes and says the graph is truncated', () => {
    const chain = [1, 2, 3, 4, 5].map((i) =>
      e(`k${String(i)}`, 'derive', `crm.n${String(i)}`, 1, `crm.n${String(i + 1)}`, 1),
    )
    const graph = buildLineageGraph(chain, 'crm.n6', { direction: 'upstream', maxNodes: 3 })
    expect(graph.truncated).toBe(true)
    expect(graph.edges.map((x) => x.id)).toEqual(['k3', 'k4', 'k5'])
    expect(renderLineageTree(graph)).toContain('(truncated')
    const full = buildLineageGraph(chain, 'crm.n6', { direction: 'upstream' })
    expect(full.truncated).toBe(false)
    expect(full.edges).toHaveLength(5)
  })
})

describe('DOT and JSON', () => {
  it('renders DOT with escaped identifiers and the root in bold', () => {
    const odd = [e('q1', 'ingest.crm.q', '/in/we"ird\\name.csv', null, 'crm.q', 1)]
    const dot = renderLineageDot(buildLineageGraph(odd, 'crm.q', { direction: 'upstream' }))
    expect(dot).toBe(
      [
        'digraph lineage {',
        '  rankdir=LR;',
        '  node [fontname="Helvetica"];',
        '  "dataset:crm.q" [label="crm.q", shape=box, style=bold];',
        '  "file:/in/we\\"ird\\\\name.csv" [label="/in/we\\"ird\\\\name.csv", shape=note];',
        '  "file:/in/we\\"ird\\\\name.csv" -> "dataset:crm.q" [label="ingest.crm.q → v1"];',
        '}',
        '',
      ].join('\n'),
    )
  })

  it('renders column-level edges in DOT as clusters with dashed edges', () => {
    const graph = buildLineageGraph(EDGES, 'crm.safe', { direction: 'upstream', columns: true })
    const dot = renderLineageDot(graph)
    expect(dot).toContain('subgraph "cluster_0" {')
    expect(dot).toContain('"dataset:crm.safe#email_token" [label="email_token", shape=ellipse];')
    expect(dot).toContain(
      '"dataset:crm.raw#email" -> "dataset:crm.safe#email_token" [style=dashed, label="tokenized"];',
    )
    expect(dot).toContain(
      '"file:/in/a.csv#email" -> "dataset:crm.raw#email" [style=dashed, label="identity"];',
    )
    expect(dot).toContain(
      '"dataset:crm.raw" -> "dataset:crm.safe" [label="protect.crm.safe v2 → v1"];',
    )
    // Balanced braces: every cluster is closed.
    expect(dot.split('{').length).toBe(dot.split('}').length)
  })

  it('renders JSON that round-trips the graph, columns only on request', () => {
    const graph = buildLineageGraph(EDGES, 'crm.safe', { direction: 'upstream' })
    const parsed = JSON.parse(renderLineageJson(graph)) as LineageGraph
    expect(parsed).toEqual(graph)
    expect(parsed.edges[0]).toEqual({
      id: 'e1',
      from: 'file:/in/a.csv',
      to: 'dataset:crm.raw',
      job: 'ingest.crm.raw',
      runId: RUN,
      eventType: 'COMPLETE',
      eventTime: EDGES[0]?.eventTime.toISOString(),
      sourceVersion: null,
      targetVersion: 1,
    })
    const withColumns = JSON.parse(
      renderLineageJson(
        buildLineageGraph(EDGES, 'crm.safe', { direction: 'upstream', columns: true }),
      ),
    ) as LineageGraph
    expect(withColumns.edges.find((x) => x.id === 'e3')?.columns).toEqual([
      { target: 'id', sources: ['id'], transformation: 'identity' },
      { target: 'email_token', sources: ['email'], transformation: 'tokenized' },
    ])
  })
})

describe('lineageGraph over a catalog', () => {
  it('fetches each node once, also around a cycle', async () => {
    const cyclic = [...EDGES, e('c9', 'backfill.crm.raw', 'crm.report', 1, 'crm.raw', 3)]
    const catalog = fakeCatalog(cyclic)
    const graph = await lineageGraph(catalog, 'crm.report', { direction: 'upstream' })
    expect(graph).toEqual(buildLineageGraph(cyclic, 'crm.report', { direction: 'upstream' }))
    const keys = catalog.calls.map((c) => `${c.kind ?? '*'}:${c.name}`)
    expect(new Set(keys).size).toBe(keys.length)
    expect(keys).toEqual([
      '*:crm.report',
      'dataset:crm.safe',
      'dataset:crm.raw',
      'file:/in/a.csv',
      'file:/in/b.csv',
    ])
    expect(renderLineageTree(graph)).toContain('crm.report  [backfill.crm.raw v1 → v3] (cycle)')
  })

  const dir = mkdtempSync(join(tmpdir(), 'strongroom-lineage-graph-'))
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('walks the edges a SQLite catalog recorded', async () => {
    const catalog = createSqliteCatalog({ path: join(dir, 'catalog.db') })
    await catalog.open()
    try {
      await catalog.recordLineage(EDGES)
      const graph = await lineageGraph(catalog, 'crm.report', { direction: 'both', columns: true })
      expect(graph).toEqual(buildLineageGraph(EDGES, 'crm.report', { columns: true }))
      expect(graph.nodes.map((n) => n.id)).not.toContain('dataset:hr.staff')
      const down = await lineageGraph(catalog, '/in/b.csv', { direction: 'downstream' })
      expect(down.nodes.map((n) => n.id)).toEqual([
        'file:/in/b.csv',
        'dataset:crm.raw',
        'dataset:crm.safe',
        'dataset:crm.report',
        'file:/out/raw.parquet',
      ])
    } finally {
      await catalog.close()
    }
  })
})
