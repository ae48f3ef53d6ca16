#!/usr/bin/env node
/**
 * Standalone verifier for a Strongroom audit export (docs/audit.md).
 *
 * Usage: node scripts/verify-audit-export.mjs [--json] FILE
 *
 * Needs nothing but Node (>= 18): it imports only node:crypto, node:fs and node:readline
 * and reimplements the canonical JSON, the hash chain and the checks of
 * src/audit/verify.ts, so an auditor can check an export without installing or trusting
 * Strongroom. It must report exactly what verify.ts reports (same kinds, numbers and
 * messages); test/security/audit-tamper.test.ts runs both on the same files.
 *
 * Exit status: 0 the trail verifies; 1 problems were found (each printed); 2 the file is
 * malformed or unreadable (nothing was verified).
 */
/* global Buffer, process -- Node globals; importing them would add modules to audit */
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'

const GENESIS_HASH = '0'.repeat(64)
const HEX64 = /^[0-9a-f]{64}$/
const SURROGATE = /[\uD800-\uDFFF]/
const MAX_DEPTH = 32

class Malformed extends Error {
  constructor(line, message) {
    super(`line ${line}: ${message}`)
    this.line = line
  }
}

class NotCanonical extends Error {}

// ---- canonical JSON (RFC 8785 style; same rules as src/audit/canonical.ts) ----

function canonStr(s) {
  if (SURROGATE.test(s)) {
    try {
      encodeURIComponent(s) // throws on a lone surrogate
    } catch {
      throw new NotCanonical('lone surrogate')
    }
  }
  return JSON.stringify(s)
}

function canonValue(v, depth) {
  switch (typeof v) {
    case 'string':
      return canonStr(v)
    case 'number':
      if (!Number.isFinite(v)) throw new NotCanonical('non-finite number')
      return String(v)
    case 'boolean':
      return v ? 'true' : 'false'
    case 'object':
      if (v === null) return 'null'
      if (depth >= MAX_DEPTH) throw new NotCanonical('too deep')
      if (Array.isArray(v)) {
        let out = '['
        for (let i = 0; i < v.length; i++) {
          if (i > 0) out += ','
          out += canonValue(v[i], depth + 1)
        }
        return out + ']'
      }
      return canonObject(v, depth + 1, undefined)
    default:
      throw new NotCanonical(typeof v)
  }
}

function canonObject(o, depth, omit) {
  const keys = Object.keys(o).sort() // UTF-16 code unit order (RFC 8785 §3.2.3)
  let out = '{'
  let first = true
  for (const k of keys) {
    if (k === omit) continue
    const v = o[k]
    if (v === undefined) continue
    if (!first) out += ','
    first = false
    out += canonStr(k) + ':' + canonValue(v, depth)
  }
  return out + '}'
}

// ---- hash chain (same layout as src/audit/chain.ts) ----

/** hex SHA-256( 32 bytes of prevHash ‖ UTF-8 canonical JSON of the record without hash ) */
function hashRecord(record, prevHash) {
  if (typeof prevHash !== 'string' || !HEX64.test(prevHash)) throw new NotCanonical('prevHash')
  return createHash('sha256')
    .update(Buffer.from(prevHash, 'hex'))
    .update(canonObject(record, 1, 'hash'), 'utf8')
    .digest('hex')
}

function checkpointSigningBytes(cp) {
  return Buffer.from(canonObject(cp, 1, 'signature'), 'utf8')
}

function checkpointHash(cp) {
  return createHash('sha256').update(canonValue(cp, 0), 'utf8').digest('hex')
}

function keyIdOf(publicKey) {
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url')
  return createHash('sha256').update(raw).digest().subarray(0, 16).toString('hex')
}

// ---- parsing (same rules as parseAuditExport in src/audit/export.ts) ----

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)
const isSeq = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1

function checkRecord(v, n) {
  if (!isObject(v)) throw new Malformed(n, 'record is not an object')
  if (!isSeq(v.seq)) throw new Malformed(n, 'record seq is not a positive integer')
  for (const k of ['time', 'prevHash', 'hash']) {
    if (typeof v[k] !== 'string') throw new Malformed(n, `record ${k} is not a string`)
  }
  return v
}

function checkCheckpoint(v, n) {
  if (!isObject(v)) throw new Malformed(n, 'checkpoint is not an object')
  for (const k of ['number', 'seq']) {
    if (!isSeq(v[k])) throw new Malformed(n, `checkpoint ${k} is not a positive integer`)
  }
  for (const k of ['hash', 'time', 'prevCheckpointHash', 'keyId', 'signature']) {
    if (typeof v[k] !== 'string') throw new Malformed(n, `checkpoint ${k} is not a string`)
  }
  return v
}

async function parse(file) {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
  let header
  const records = []
  const checkpoints = []
  let n = 0
  for await (const text of lines) {
    n++
    if (text.length === 0) continue
    let v
    try {
      v = JSON.parse(text)
    } catch {
      throw new Malformed(n, 'not JSON')
    }
    if (!isObject(v)) throw new Malformed(n, 'not a JSON object')
    if (header === undefined) {
      if (v.format !== 'strongroom-audit-export') {
        throw new Malformed(n, 'not an audit export header')
      }
      if (v.version !== 1) throw new Malformed(n, 'unsupported export version')
      if (typeof v.publicKey !== 'string' || typeof v.keyId !== 'string') {
        throw new Malformed(n, 'header lacks publicKey or keyId')
      }
      let publicKey
      try {
        publicKey = createPublicKey(v.publicKey)
        if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519')
      } catch {
        throw new Malformed(n, 'header publicKey is not an Ed25519 public key')
      }
      const keyId = keyIdOf(publicKey)
      if (keyId !== v.keyId) throw new Malformed(n, 'header keyId does not match its publicKey')
      for (const k of ['from', 'to']) {
        if (v[k] !== undefined && !isSeq(v[k]))
          throw new Malformed(n, `header ${k} is not a positive integer`)
      }
      header = { publicKey, keyId, from: v.from, to: v.to }
      continue
    }
    if (v.type === 'event') records.push(checkRecord(v.record, n))
    else if (v.type === 'checkpoint') checkpoints.push(checkCheckpoint(v.checkpoint, n))
    else throw new Malformed(n, 'unknown line type')
  }
  if (header === undefined) throw new Malformed(n + 1, 'no header line')
  return { ...header, records, checkpoints }
}

// ---- verification (same algorithm and messages as src/audit/verify.ts) ----

const range = (lo, hi) => (lo === hi ? `event ${lo}` : `events ${lo}-${hi}`)

function signatureValid(cp, publicKey) {
  try {
    const sig = Buffer.from(cp.signature, 'base64')
    if (sig.length !== 64 || sig.toString('base64') !== cp.signature) return false
    return verifySignature(null, checkpointSigningBytes(cp), publicKey, sig)
  } catch {
    return false
  }
}

function verify({ publicKey, keyId, records, checkpoints, from: fromSeq, to: toSeq }) {
  // A range export (header from/to): the first record's prevHash is taken as given.
  const from = fromSeq ?? 1
  const to = toSeq ?? Number.POSITIVE_INFINITY
  const linkFirst = fromSeq === undefined
  const problems = []
  const eventProblems = []
  const bySeq = new Map()
  const trusted = []
  const gaps = []

  // Checkpoints: key, signature, chain.
  let prev
  let prevTrusted = true
  for (const cp of checkpoints) {
    const n = cp.number
    let signed = false
    if (cp.keyId !== keyId) {
      problems.push({
        kind: 'unknown-key',
        checkpoint: n,
        message: `checkpoint ${n} names an unknown signing key`,
      })
    } else {
      signed = signatureValid(cp, publicKey)
      if (!signed) {
        problems.push({
          kind: 'bad-signature',
          checkpoint: n,
          message: `checkpoint ${n} has an invalid signature`,
        })
      }
      if (cp.seq >= from && cp.seq <= to) {
        const at = bySeq.get(cp.seq)
        if (at === undefined) bySeq.set(cp.seq, [cp])
        else at.push(cp)
        if (signed) trusted.push(cp)
      }
    }
    if (prev === undefined) {
      if (n !== 1) {
        problems.push({
          kind: 'checkpoint-chain',
          checkpoint: n,
          message: `checkpoint ${n} is first, expected checkpoint 1`,
        })
      } else if (cp.prevCheckpointHash !== GENESIS_HASH) {
        problems.push({
          kind: 'checkpoint-chain',
          checkpoint: n,
          message: `checkpoint ${n} does not start the checkpoint chain`,
        })
      }
    } else if (n <= prev.number || cp.seq < prev.seq) {
      problems.push({
        kind: 'checkpoint-replayed',
        checkpoint: n,
        message: `checkpoint ${n} (event ${cp.seq}) appears after checkpoint ${prev.number} (event ${prev.seq}): replayed`,
      })
      continue
    } else if (n !== prev.number + 1) {
      const lost =
        n - prev.number === 2
          ? `checkpoint ${prev.number + 1}`
          : `checkpoints ${prev.number + 1}-${n - 1}`
      problems.push({
        kind: 'checkpoint-chain',
        checkpoint: n,
        message: `checkpoint ${n} follows checkpoint ${prev.number}: ${lost} missing`,
      })
    } else if (prevTrusted && cp.prevCheckpointHash !== checkpointHash(prev)) {
      problems.push({
        kind: 'checkpoint-chain',
        checkpoint: n,
        message: `checkpoint ${n} does not link to checkpoint ${prev.number}`,
      })
    }
    prev = cp
    prevTrusted = signed
  }

  // Records, in file order.
  let started = false
  let firstSeq
  let lastSeq = 0
  let lastHash = ''
  let eventsChecked = 0
  const brokenLink = (seq) =>
    eventProblems.push({
      kind: 'broken-link',
      seq,
      message:
        seq === 1
          ? 'event 1 does not start the chain: broken link'
          : `event ${seq} does not link to event ${seq - 1}: broken link`,
    })
  const fillGap = (seq) => {
    for (let i = 0; i < gaps.length; i++) {
      const g = gaps[i]
      const [lo, hi] = g
      if (seq < lo || seq > hi) continue
      if (lo === hi) gaps.splice(i, 1)
      else if (seq === lo) g[0] = lo + 1
      else if (seq === hi) g[1] = hi - 1
      else gaps.splice(i, 1, [lo, seq - 1], [seq + 1, hi])
      return true
    }
    return false
  }
  for (const r of records) {
    const seq = r.seq
    if (seq < from || seq > to) continue
    eventsChecked++
    let computed
    try {
      computed = hashRecord(r, r.prevHash)
    } catch {
      computed = undefined
    }
    if (computed !== r.hash) {
      eventProblems.push({
        kind: 'edited',
        seq,
        message: `event ${seq} does not match its hash: edited`,
      })
    }
    if (!started) {
      started = true
      firstSeq = seq
      if (seq > from) gaps.push([from, seq - 1])
      else if (linkFirst && r.prevHash !== GENESIS_HASH) brokenLink(seq)
      lastSeq = seq
      lastHash = r.hash
    } else if (seq === lastSeq + 1) {
      if (r.prevHash !== lastHash) brokenLink(seq)
      lastSeq = seq
      lastHash = r.hash
    } else if (seq > lastSeq) {
      gaps.push([lastSeq + 1, seq - 1])
      lastSeq = seq
      lastHash = r.hash
    } else if (fillGap(seq)) {
      eventProblems.push({
        kind: 'reordered',
        seq,
        message: `event ${seq} appears after event ${lastSeq}: reordered`,
      })
    } else {
      eventProblems.push({
        kind: 'duplicate',
        seq,
        message: `event ${seq} appears again after event ${lastSeq}: duplicate`,
      })
      continue
    }
    for (const cp of bySeq.get(seq) ?? []) {
      if (cp.hash !== r.hash) {
        eventProblems.push({
          kind: 'checkpoint-mismatch',
          seq,
          checkpoint: cp.number,
          message: `checkpoint ${cp.number} does not match the hash of event ${seq}`,
        })
      }
    }
  }

  problems.push(...eventProblems)
  for (const [lo, hi] of gaps) {
    problems.push({ kind: 'missing', seq: lo, message: `${range(lo, hi)} missing` })
  }
  let beyond
  for (const cp of trusted) {
    if (cp.seq > lastSeq && (beyond === undefined || cp.seq > beyond.seq)) beyond = cp
  }
  if (beyond !== undefined) {
    const lo = started ? lastSeq + 1 : from
    problems.push({
      kind: 'truncated',
      seq: lo,
      checkpoint: beyond.number,
      message: `${range(lo, beyond.seq)} missing: checkpoint ${beyond.number} covers event ${beyond.seq} but the trail ends before it (truncated)`,
    })
  }
  return {
    ok: problems.length === 0,
    eventsChecked,
    checkpointsChecked: checkpoints.length,
    firstSeq,
    lastSeq: started ? lastSeq : undefined,
    problems,
  }
}

// ---- command line ----

async function main(argv) {
  const json = argv.includes('--json')
  const files = argv.filter((a) => a !== '--json')
  if (files.length !== 1) {
    process.stderr.write('usage: node verify-audit-export.mjs [--json] FILE\n')
    return 2
  }
  let parsed
  try {
    parsed = await parse(files[0])
  } catch (e) {
    const message =
      e instanceof Malformed ? e.message : `cannot read the file (${e.code ?? 'error'})`
    if (json)
      process.stdout.write(JSON.stringify({ malformed: true, message, line: e.line }) + '\n')
    else process.stderr.write(`malformed audit export: ${message}\n`)
    return 2
  }
  const result = verify(parsed)
  if (json) {
    process.stdout.write(JSON.stringify(result) + '\n')
  } else {
    for (const p of result.problems) process.stdout.write(`${p.kind}: ${p.message}\n`)
    process.stdout.write(
      `${result.ok ? 'OK' : 'FAILED'}: ${result.eventsChecked} events, ${result.checkpointsChecked} checkpoints, ${result.problems.length} problems\n`,
    )
  }
  return result.ok ? 0 : 1
}

process.exitCode = await main(process.argv.slice(2))
