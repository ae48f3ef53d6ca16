/**
 * Child process of the `discovery` benchmark's memory check: scans one document with the
 * default engine, then prints its span count and peak RSS as JSON. Run in its own process so
 * each input size is measured from a clean heap.
 */
import { createDiscoveryEngine } from '../src/discovery/discovery-engine.js'
import { scanDocument } from '../src/discovery/scan-document.js'

const [path] = process.argv.slice(2)
const engine = createDiscoveryEngine()
const report = await scanDocument(path as string, engine)
engine.close()
let spans = 0
for (const n of Object.values(report.counts)) spans += n
console.log(
  JSON.stringify({
    bytes: report.bytes,
    lines: report.lines,
    spans,
    maxRssKiB: process.resourceUsage().maxRSS,
  }),
)
