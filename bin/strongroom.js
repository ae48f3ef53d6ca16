#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled library (npm run build).
import '../dist/src/cli/entry.js'
