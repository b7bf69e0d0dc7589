import { InvalidArgumentError } from 'commander'

// Flag value parsers: a bad value stops the command with a message naming the flag.

export function positiveInt (flag: string) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} takes a whole number of at least 1, not "${value}"`)
    return n
  }
}

export function integer (flag: string) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${flag} takes a whole number, not "${value}"`)
    return n
  }
}

export function port (value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--port takes a TCP port from 0 to 65535, not "${value}"`)
  return n
}

export function positiveNumber (flag: string) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} takes a positive number, not "${value}"`)
    return n
  }
}

export function oneOf<T extends string> (flag: string, choices: readonly T[], normalise: (v: string) => string = v => v) {
  return (value: string): T => {
    const v = normalise(value)
    if (!(choices as readonly string[]).includes(v)) throw new InvalidArgumentError(`${flag} takes one of ${choices.join(', ')}, not "${value}"`)
    return v as T
  }
}
