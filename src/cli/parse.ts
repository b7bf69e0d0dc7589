import { InvalidArgumentError } from 'commander'
import { MAX_FRAME_NUMBER, MAX_OVERSCAN } from '../protocol/constants.js'
import type { TilesRequest } from '../protocol/messages.js'
import { parseTileSpec } from '../jobs/tiles.js'
import { errorMessage } from '../util/error-message.js'

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

/** `--tiles 4x4` / `--tiles auto`, as a submit sends it. */
export function tilesArgument (value: string): TilesRequest['grid'] {
  try {
    const spec = parseTileSpec(value)
    return spec.kind === 'auto' ? 'auto' : spec.grid
  } catch (err) {
    throw new InvalidArgumentError(errorMessage(err))
  }
}

/** `--overscan PX`: whole pixels, 0 to MAX_OVERSCAN. */
export function overscanArgument (value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > MAX_OVERSCAN) throw new InvalidArgumentError(`--overscan takes whole pixels from 0 to ${MAX_OVERSCAN}, not "${value}"`)
  return n
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

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }

/** A size like `20G`, `500M`, `1.5T` or a byte count; K, M, G, T are powers of 1024 (KiB … TiB). */
export function byteSize (flag: string) {
  return (value: string): number => {
    const match = /^([0-9]+(?:\.[0-9]+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(value.trim())
    const unit = SIZE_UNITS[(match?.[2] ?? '').toUpperCase()]
    const n = match !== null && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN
    if (!Number.isFinite(n) || n < 1) throw new InvalidArgumentError(`${flag} takes a size such as 20G, 500M or a number of bytes, not "${value}"`)
    return n
  }
}

/** A job id as `microfarm jobs` shows it. */
export function jobIdArgument (value: string): string {
  if (!/^[0-9]{1,9}$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a job id; microfarm jobs lists them`)
  return value
}

/** A frame number as `microfarm jobs` and `microfarm log JOB` show them. */
export function frameArgument (value: string): number {
  const n = Number(value)
  if (!/^[0-9]{1,7}$/.test(value) || n > MAX_FRAME_NUMBER) throw new InvalidArgumentError(`"${value}" is not a frame number (0 to ${MAX_FRAME_NUMBER}); microfarm log JOB lists the frames that have a log`)
  return n
}
