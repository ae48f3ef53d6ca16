/** Process entry of the CLI (bin/strongroom.js loads the compiled form). */
import { main } from './main.js'

process.exitCode = await main(process.argv.slice(2))
