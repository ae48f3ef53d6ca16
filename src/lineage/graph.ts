/**
 * The lineage graph of a dataset, from the edges the catalog records: upstream (where it
 * came from, recursively) and downstream (what was made from it), optionally with
 * column-level edges, rendered as a text tree, Graphviz DOT or JSON.
 *
 * Walks are cycle-safe (a dataset rewritten from itself, or two datasets derived from each
 * other, is a cycle) and bounded by `maxNodes`. Everything here except
 * {@link lineageGraph} is a pure function over {@link LineageEdge} lists.
 */
import type {
  Catalog,
  LineageColumnMapping,
  LineageEdge,
  LineageEventType,
  LineageNodeKind,
} from '../catalog/catalog.js'

/** Which way to walk from the root. */
export type LineageDirection = 'upstream' | 'downstream' | 'both'

/** Options for {@link buildLineageGraph} and {@link lineageGraph}. */
export interface LineageGraphOptions {
  /** Default `both`. */
  readonly direction?: LineageDirection
  /** Include column-level edges. Default false. */
  readonly columns?: boolean
  /** Most nodes expanded before the walk stops (`truncated`). Default 1000. */
  readonly maxNodes?: number
}

/** A node: a file or a dataset. `id` is `<kind>:<name>`, unique in the graph. */
export interface LineageGraphNode {
  readonly id: string
  readonly kind: LineageNodeKind
  readonly name: string
}

/** A recorded edge between two nodes of the graph, JSON-ready. */
export interface LineageGraphEdge {
  readonly id: string
  /** Node id of the source. */
  readonly from: string
  /** Node id of the target. */
  readonly to: string
  readonly job: string
  readonly runId: string
  readonly eventType: LineageEventType
  /** ISO 8601. */
  readonly eventTime: string
  readonly sourceVersion: number | null
  readonly targetVersion: number | null
  /** Column-level edges; present only when the graph was built with `columns`. */
  readonly columns?: readonly LineageColumnMapping[]
}

/** A lineage graph around one root node. */
export interface LineageGraph {
  /** Node id of the root. */
  readonly root: string
  readonly direction: LineageDirection
  readonly columns: boolean
  /** The root first, then the others in walk order. */
  readonly nodes: readonly LineageGraphNode[]
  /** Every edge between reached nodes, oldest first. */
  readonly edges: readonly LineageGraphEdge[]
  /** True when `maxNodes` stopped the walk before the graph was complete. */
  readonly truncated: boolean
}

const DEFAULT_MAX_NODES = 1000

/** The node id of a kind and name. */
export function lineageNodeId(kind: LineageNodeKind, name: string): string {
  return `${kind}:${name}`
}

/**
 * Builds the graph around `rootName` from `edges` (any superset of the reachable ones).
 * The root is matched by name whatever its kind; every other node by kind and name.
 */
export function buildLineageGraph(
  edges: readonly LineageEdge[],
  rootName: string,
  options: LineageGraphOptions = {},
): LineageGraph {
  const direction = options.direction ?? 'both'
  const columns = options.columns ?? false
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES
  const byTarget = groupBy(edges, (e) => e.targetName)
  const bySource = groupBy(edges, (e) => e.sourceName)
  const rootEdge = edges.find((e) => e.targetName === rootName || e.sourceName === rootName)
  const rootKind: LineageNodeKind =
    rootEdge === undefined
      ? 'dataset'
      : rootEdge.targetName === rootName
        ? rootEdge.targetKind
        : rootEdge.sourceKind
  const root: LineageGraphNode = {
    id: lineageNodeId(rootKind, rootName),
    kind: rootKind,
    name: rootName,
  }

  const nodes = new Map<string, LineageGraphNode>([[root.id, root]])
  const kept = new Map<string, LineageEdge>()
  let truncated = false
  const walks: ('upstream' | 'downstream')[] =
    direction === 'both' ? ['upstream', 'downstream'] : [direction]
  for (const walk of walks) {
    const expanded = new Set<string>()
    const queue: { node: LineageGraphNode; isRoot: boolean }[] = [{ node: root, isRoot: true }]
    while (queue.length > 0) {
      const item = queue.shift()
      if (item === undefined) break
      const { node, isRoot } = item
      // The visited set makes the walk cycle-safe: each node is expanded once per walk.
      if (expanded.has(node.id)) continue
      if (expanded.size >= maxNodes) {
        truncated = true
        break
      }
      expanded.add(node.id)
      const candidates = (walk === 'upstream' ? byTarget : bySource).get(node.name) ?? []
      for (const e of candidates) {
        const here = walk === 'upstream' ? e.targetKind : e.sourceKind
        // The root is named by the user without a kind; deeper nodes match exactly.
        if (!isRoot && here !== node.kind) continue
        kept.set(e.id, e)
        const next =
          walk === 'upstream'
            ? { kind: e.sourceKind, name: e.sourceName }
            : { kind: e.targetKind, name: e.targetName }
        const id = lineageNodeId(next.kind, next.name)
        let n = nodes.get(id)
        if (n === undefined) {
          n = { id, ...next }
          nodes.set(id, n)
        }
        if (!expanded.has(id)) queue.push({ node: n, isRoot: false })
      }
    }
  }

  const graphEdges = [...kept.values()]
    .sort((a, b) => a.eventTime.getTime() - b.eventTime.getTime() || compare(a.id, b.id))
    .map((e): LineageGraphEdge => {
      const base = {
        id: e.id,
        // The root is matched by name alone, so its edges point at the root's own id.
        from: e.sourceName === rootName ? root.id : lineageNodeId(e.sourceKind, e.sourceName),
        to: e.targetName === rootName ? root.id : lineageNodeId(e.targetKind, e.targetName),
        job: e.job,
        runId: e.runId,
        eventType: e.eventType,
        eventTime: e.eventTime.toISOString(),
        sourceVersion: e.sourceVersion,
        targetVersion: e.targetVersion,
      }
      return columns ? { ...base, columns: e.columnMap.map(copyMapping) } : base
    })
  return {
    root: root.id,
    direction,
    columns,
    nodes: [...nodes.values()],
    edges: graphEdges,
    truncated,
  }
}

/**
 * Walks the catalog from the node named `name` and builds its {@link LineageGraph}: one
 * `listLineage` call per node reached, each node fetched once (cycle-safe), at most
 * `maxNodes` nodes per direction.
 *
 * @example
 * ```ts
 * const graph = await lineageGraph(catalog, 'crm.customers', { direction: 'upstream', columns: true })
 * process.stdout.write(renderLineageTree(graph))
 * ```
 */
export async function lineageGraph(
  catalog: Pick<Catalog, 'listLineage'>,
  name: string,
  options: LineageGraphOptions = {},
): Promise<LineageGraph> {
  const direction = options.direction ?? 'both'
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES
  const found = new Map<string, LineageEdge>()
  const walks: ('upstream' | 'downstream')[] =
    direction === 'both' ? ['upstream', 'downstream'] : [direction]
  for (const walk of walks) {
    const fetched = new Set<string>()
    const queue: { kind: LineageNodeKind | undefined; name: string }[] = [{ kind: undefined, name }]
    while (queue.length > 0 && fetched.size < maxNodes) {
      const node = queue.shift()
      if (node === undefined) break
      const key =
        node.kind === undefined ? `root:${node.name}` : lineageNodeId(node.kind, node.name)
      if (fetched.has(key)) continue
      fetched.add(key)
      const edges = await catalog.listLineage({
        name: node.name,
        direction: walk,
        ...(node.kind === undefined ? {} : { kind: node.kind }),
      })
      for (const e of edges) {
        found.set(e.id, e)
        const next =
          walk === 'upstream'
            ? { kind: e.sourceKind, name: e.sourceName }
            : { kind: e.targetKind, name: e.targetName }
        // Back at the root (a cycle): already fetched under its kind-less key.
        if (next.name === name) continue
        if (!fetched.has(lineageNodeId(next.kind, next.name))) queue.push(next)
      }
    }
  }
  return buildLineageGraph([...found.values()], name, options)
}

// ---------------------------------------------------------------------------------------
// Rendering

/**
 * The graph as a text tree, like `tree(1)`: the root, then each direction walked, each
 * neighbour with the jobs and versions of its edges. A node already shown is marked
 * `(see above)` and one that closes a cycle `(cycle)`, so the output is finite.
 *
 * @example
 * ```text
 * crm.customers_safe
 * └── upstream
 *     └── crm.customers  [protect.crm.customers_safe v1 → v3]
 *         ├── · email_token ← email (tokenized)
 *         └── file /data/customers.csv  [ingest.crm.customers → v1]
 * ```
 */
export function renderLineageTree(graph: LineageGraph): string {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]))
  const rootNode = nodes.get(graph.root)
  const lines = [rootNode === undefined ? graph.root : nodeLabel(rootNode)]
  const walks: ('upstream' | 'downstream')[] =
    graph.direction === 'both' ? ['upstream', 'downstream'] : [graph.direction]
  walks.forEach((walk, w) => {
    const last = w === walks.length - 1
    lines.push(`${last ? '└── ' : '├── '}${walk}`)
    const sub: string[] = []
    renderChildren(graph, nodes, walk, graph.root, [graph.root], new Set([graph.root]), sub)
    if (sub.length === 0) sub.push('└── (none recorded)')
    for (const l of sub) lines.push(`${last ? '    ' : '│   '}${l}`)
  })
  if (graph.truncated) lines.push('(truncated: more nodes than --max-nodes)')
  return `${lines.join('\n')}\n`
}

/**
 * The graph in Graphviz DOT (`dot -Tsvg`). Files are notes, datasets boxes, the root bold.
 * With column-level edges, each node is a cluster of its column nodes, and column edges are
 * dashed and labelled with their transformation.
 */
export function renderLineageDot(graph: LineageGraph): string {
  const out = ['digraph lineage {', '  rankdir=LR;', '  node [fontname="Helvetica"];']
  const columnNodes = new Map<string, Set<string>>()
  if (graph.columns) {
    for (const e of graph.edges) {
      for (const m of e.columns ?? []) {
        addTo(columnNodes, e.to, m.target)
        for (const s of m.sources) addTo(columnNodes, e.from, s)
      }
    }
  }
  graph.nodes.forEach((n, i) => {
    const attrs =
      `label=${dotString(n.name)}, shape=${n.kind === 'file' ? 'note' : 'box'}` +
      (n.id === graph.root ? ', style=bold' : '')
    const cols = columnNodes.get(n.id)
    if (cols === undefined) {
      out.push(`  ${dotString(n.id)} [${attrs}];`)
      return
    }
    out.push(`  subgraph ${dotString(`cluster_${String(i)}`)} {`)
    out.push(`    label=${dotString(n.name)};`)
    out.push(`    ${dotString(n.id)} [${attrs}];`)
    for (const c of [...cols].sort(compare)) {
      out.push(`    ${dotString(columnId(n.id, c))} [label=${dotString(c)}, shape=ellipse];`)
    }
    out.push('  }')
  })
  for (const e of graph.edges) {
    out.push(`  ${dotString(e.from)} -> ${dotString(e.to)} [label=${dotString(edgeLabel(e))}];`)
    for (const m of e.columns ?? []) {
      for (const s of m.sources) {
        out.push(
          `  ${dotString(columnId(e.from, s))} -> ${dotString(columnId(e.to, m.target))} ` +
            `[style=dashed, label=${dotString(m.transformation)}];`,
        )
      }
    }
  }
  out.push('}')
  return `${out.join('\n')}\n`
}

/** The graph as pretty-printed JSON (the {@link LineageGraph} shape, times in ISO 8601). */
export function renderLineageJson(graph: LineageGraph): string {
  return `${JSON.stringify(graph, null, 2)}\n`
}

// ---------------------------------------------------------------------------------------

function renderChildren(
  graph: LineageGraph,
  nodes: ReadonlyMap<string, LineageGraphNode>,
  walk: 'upstream' | 'downstream',
  nodeId: string,
  path: readonly string[],
  shown: Set<string>,
  out: string[],
): void {
  // Group this node's edges by neighbour: several runs may link the same pair.
  const byNeighbour = new Map<string, LineageGraphEdge[]>()
  for (const e of graph.edges) {
    const here = walk === 'upstream' ? e.to : e.from
    if (here !== nodeId) continue
    const there = walk === 'upstream' ? e.from : e.to
    const list = byNeighbour.get(there)
    if (list === undefined) byNeighbour.set(there, [e])
    else list.push(e)
  }
  const neighbours = [...byNeighbour.keys()].sort((a, b) => {
    const na = nodes.get(a)
    const nb = nodes.get(b)
    return compare(na?.kind ?? '', nb?.kind ?? '') || compare(na?.name ?? a, nb?.name ?? b)
  })
  neighbours.forEach((id, i) => {
    const edges = byNeighbour.get(id) ?? []
    const last = i === neighbours.length - 1
    const node = nodes.get(id)
    const cycle = path.includes(id)
    const seen = !cycle && shown.has(id)
    const mark = cycle ? ' (cycle)' : seen ? ' (see above)' : ''
    const label = `${node === undefined ? id : nodeLabel(node)}  [${edges.map(edgeLabel).join('; ')}]`
    out.push(`${last ? '└── ' : '├── '}${label}${mark}`)
    const prefix = last ? '    ' : '│   '
    const sub: string[] = []
    if (graph.columns) {
      for (const e of edges) {
        for (const m of e.columns ?? []) sub.push(`· ${columnLine(m, walk)}`)
      }
    }
    const childLines: string[] = []
    if (!cycle && !seen) {
      shown.add(id)
      renderChildren(graph, nodes, walk, id, [...path, id], shown, childLines)
    }
    // Column lines are leaves listed before the neighbour's own subtree.
    const total = sub.length + countTopLevel(childLines)
    let k = 0
    for (const s of sub) {
      k++
      out.push(`${prefix}${k === total ? '└── ' : '├── '}${s}`)
    }
    for (const l of childLines) out.push(`${prefix}${l}`)
  })
}

/** How many lines of a rendered subtree are its top-level entries. */
function countTopLevel(lines: readonly string[]): number {
  return lines.filter((l) => l.startsWith('├── ') || l.startsWith('└── ')).length
}

function nodeLabel(n: LineageGraphNode): string {
  return n.kind === 'file' ? `file ${n.name}` : n.name
}

function edgeLabel(e: LineageGraphEdge): string {
  const from = e.sourceVersion === null ? '' : `v${String(e.sourceVersion)} `
  const to = e.targetVersion === null ? '' : ` v${String(e.targetVersion)}`
  const state = e.eventType === 'COMPLETE' ? '' : ` (${e.eventType})`
  return `${e.job} ${from}→${to}${state}`
}

function columnLine(m: LineageColumnMapping, walk: 'upstream' | 'downstream'): string {
  const sources = m.sources.join(', ')
  return walk === 'upstream'
    ? `${m.target} ← ${sources} (${m.transformation})`
    : `${sources} → ${m.target} (${m.transformation})`
}

function columnId(nodeId: string, column: string): string {
  return `${nodeId}#${column}`
}

/** A DOT double-quoted string: `\` and `"` escaped, line breaks as `\n`. */
function dotString(s: string): string {
  return `"${s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r?\n|\r/g, '\\n')}"`
}

function copyMapping(m: LineageColumnMapping): LineageColumnMapping {
  return { target: m.target, sources: [...m.sources], transformation: m.transformation }
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key)
  if (set === undefined) map.set(key, new Set([value]))
  else set.add(value)
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = out.get(k)
    if (list === undefined) out.set(k, [item])
    else list.push(item)
  }
  return out
}

/** Bytewise string order, so output is the same in every locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
