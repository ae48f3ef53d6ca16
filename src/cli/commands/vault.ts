/**
 * Token vault commands: `detokenize --domain D TOKEN… | --in FILE` (the original values of
 * `vault` tokens; audited, one outcome per token) and `vault forget --domain D --subject S`
 * (crypto-shred one data subject of a domain).
 */
import { readFile } from 'node:fs/promises'
import { StrongroomError } from '../../errors.js'
import type { DetokenizeResult } from '../../lake/vault.js'
import { exitCodeFor } from '../exit-codes.js'
import type { CliContext } from './context.js'

// eslint-disable-next-line no-control-regex -- control characters are what it escapes
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/** A value on one line: as is, or as a JSON string literal when it holds control characters. */
function oneLine(value: string): string {
  return CONTROL.test(value) ? JSON.stringify(value) : value
}

/** The text report: `TOKEN<TAB>VALUE` per token, or the status of one not found. */
export function formatDetokenized(r: DetokenizeResult): string {
  const lines = r.tokens.map((t) =>
    t.status === 'ok' ? `${t.token}\t${oneLine(t.value)}` : `${t.token}\t<${t.status}>`,
  )
  return lines.join('\n') + (lines.length > 0 ? '\n' : '')
}

/** Tokens from the arguments and from `--in FILE` (one a line; blank lines skipped). */
async function tokensOf(args: readonly string[], file: string | undefined): Promise<string[]> {
  const tokens = [...args]
  if (file !== undefined) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch {
      throw new StrongroomError('ERR_INPUT_NOT_FOUND', 'The token file cannot be read', {
        details: { option: 'in' },
      })
    }
    for (const line of text.split(/\r?\n/)) if (line.trim() !== '') tokens.push(line.trim())
  }
  if (tokens.length === 0)
    throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', 'Give tokens, or --in FILE')
  return tokens
}

/** Registers `detokenize` and `vault forget`. */
export function registerVaultCommands(cli: CliContext): void {
  const { program, io, out, withLake, setExit } = cli
  program
    .command('detokenize')
    .description(
      'the original values of vault tokens (audited; shredded and unknown tokens are reported)',
    )
    .argument('[tokens...]', 'tokens (tok_…)')
    .option('--domain <domain>', 'the token domain (the vault rule’s domain; required)')
    .option('--in <file>', 'read tokens from a file, one a line')
    .option('--purpose <text>', 'why the values are needed (recorded in the audit trail)')
    .action(async (args: string[], opts: { domain?: string; in?: string; purpose?: string }) => {
      if (opts.domain === undefined)
        throw new StrongroomError('ERR_USAGE_INVALID_ARGUMENT', '--domain DOMAIN is required')
      const domain = opts.domain
      const tokens = await tokensOf(args, opts.in)
      const r = await withLake((lake) =>
        lake.detokenize({
          domain,
          tokens,
          ...(opts.purpose === undefined ? {} : { purpose: opts.purpose }),
        }),
      )
      out(r, () => formatDetokenized(r))
      const missing = r.shredded + r.unknown
      if (missing > 0) {
        io.err(
          `${missing} of ${r.tokens.length} token(s) not found ` +
            `(${r.shredded} shredded, ${r.unknown} unknown): ERR_PROTECT_TOKEN_NOT_FOUND\n`,
        )
        setExit(exitCodeFor('ERR_PROTECT_TOKEN_NOT_FOUND'))
      }
    })

  const vault = program.command('vault').description('the token vault of vault-transform tokens')
  vault
    .command('forget')
    .description(
      'crypto-shred one data subject of a token domain: every value of that person becomes unrecoverable',
    )
    .option('--domain <domain>', 'the token domain (required)')
    .option('--subject <id>', 'the data subject, as in the subject column (required)')
    .action(async (opts: { domain?: string; subject?: string }) => {
      if (opts.domain === undefined || opts.subject === undefined)
        throw new StrongroomError(
          'ERR_USAGE_INVALID_ARGUMENT',
          '--domain DOMAIN and --subject ID are required',
        )
      const { domain, subject } = opts
      const r = await withLake((lake) => lake.forgetSubject({ domain, subject }))
      // Never echo the subject id: it is personal data.
      out(r, () =>
        r.keyDestroyed
          ? `Destroyed the subject's key in domain ${r.domain}: ${r.entriesShredded} value(s) are now unrecoverable.\n`
          : `The subject has no key in domain ${r.domain}; nothing to destroy.\n`,
      )
    })
}
