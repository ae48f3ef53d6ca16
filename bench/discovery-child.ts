/**
 * Child process of the `discovery` benchmark's memory check: scans one document with the
 * default engine as `strongroom scan FILE.txt` does (line by line), then prints its span
 * count, the scan's wall and CPU milliseconds and the peak RSS as JSON. Run in its own process so
 * each input size is measured from a clean heap.
 */
import { createDiscoveryEngine } from '../src/discovery/discovery-engine.js'
import { scanDocument } from '../src/discovery/scan-document.js'

const [path] = process.argv.slice(2)
const engine = createDiscoveryEngine()
// The engine's first scan loads the gazetteers: outside the timed part, as for a warm process.
engine.scan('Ana lives in Paris.')
const cpu = process.cpuUsage()
const t = performance.now()
const report = await scanDocument(path as string, engine)
const wallMs = performance.now() - t
const used = process.cpuUsage(cpu)
engine.close()
let spans = 0
for (const n of Object.values(report.counts)) spans += n
console.log(
  JSON.stringify({
    bytes: report.bytes,
    lines: report.lines,
    spans,
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    maxRssKiB: process.resourceUsage().maxRSS,
  }),
)
