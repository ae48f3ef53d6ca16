/**
 * Parsers for command-line option values, shared by every command module. Each throws
 * commander's InvalidArgumentError, which the CLI reports as a usage error (exit 2).
 */
import { InvalidArgumentError } from 'commander'

/** An integer ≥ `min` (default 0), named in the error. */
export function integerOption(name: string, min = 0): (v: string) => number {
  return (v: string): number => {
    const n = Number(v)
    if (v.trim() === '' || !Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(
        min === 0
          ? `${name} must be a non-negative integer`
          : `${name} must be an integer >= ${String(min)}`,
      )
    return n
  }
}

/** A comma-separated list of at least one non-empty item, trimmed. */
export function listOption(name: string): (v: string) => string[] {
  return (v: string): string[] => {
    const items = v
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c.length > 0)
    if (items.length === 0) throw new InvalidArgumentError(`${name} needs at least one name`)
    return items
  }
}

/** A positive finite number, named in the error. */
export function positiveNumberOption(name: string): (v: string) => number {
  return (v: string): number => {
    const n = Number(v)
    if (!(n > 0) || !Number.isFinite(n))
      throw new InvalidArgumentError(`${name} must be a positive number`)
    return n
  }
}

/** A number from 0 to 1. */
export function unitIntervalOption(v: string): number {
  const n = Number(v)
  if (v.trim() === '' || !(n >= 0 && n <= 1))
    throw new InvalidArgumentError('must be a number from 0 to 1')
  return n
}
