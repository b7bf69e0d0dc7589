import { runProcess } from '../process/run-process.js'
import type { ProcessRunner } from '../process/run-process.js'
import { findOnPath } from '../process/find-on-path.js'
import { FfmpegNotFoundError } from './errors.js'

export const FFMPEG_INSTALL_HINT =
  'Install it with `apt-get install ffmpeg` (Debian/Ubuntu) or `brew install ffmpeg` (macOS), ' +
  'or pass --ffmpeg /path/to/ffmpeg or set FFMPEG=/path/to/ffmpeg.'

const VERSION_TIMEOUT_MS = 15_000

/**
 * Finds ffmpeg: `--ffmpeg PATH` first, then the FFMPEG variable, then PATH.
 * An explicit choice that does not work is an error rather than a silent
 * fallback, so the user learns their setting is wrong.
 */
export async function findFfmpeg (o: { explicitPath?: string; env?: NodeJS.ProcessEnv; run?: ProcessRunner } = {}): Promise<{ path: string; version: string }> {
  const env = o.env ?? process.env
  const fromEnv = env['FFMPEG']
  const [candidate, source] = o.explicitPath != null && o.explicitPath !== ''
    ? [o.explicitPath, '--ffmpeg']
    : fromEnv != null && fromEnv !== ''
      ? [fromEnv, 'the FFMPEG variable']
      : [await findOnPath('ffmpeg', env), 'PATH']
  if (candidate == null) throw new FfmpegNotFoundError(`ffmpeg was not found on PATH. ${FFMPEG_INSTALL_HINT}`)
  const version = await readVersion(candidate, source, env, o.run ?? runProcess)
  return { path: candidate, version }
}

async function readVersion (ffmpeg: string, source: string, env: NodeJS.ProcessEnv, run: ProcessRunner): Promise<string> {
  const lines: string[] = []
  const notWorking = (why: string, cause?: unknown): FfmpegNotFoundError => new FfmpegNotFoundError(
    `${ffmpeg} (from ${source}) is not a working ffmpeg: ${why}. ${FFMPEG_INSTALL_HINT}`,
    cause !== undefined ? { cause } : undefined)
  let result
  try {
    result = await run({ command: ffmpeg, args: ['-version'], env, timeoutMs: VERSION_TIMEOUT_MS, onStdoutLine: (l) => lines.push(l) })
  } catch (error) {
    throw notWorking(error instanceof Error ? error.message : String(error), error)
  }
  if (result.exitCode !== 0) throw notWorking(`\`${ffmpeg} -version\` exited with ${result.exitCode ?? result.signal}`)
  const version = parseFfmpegVersion(lines)
  if (version == null) throw notWorking('`-version` did not print an ffmpeg version')
  return version
}

/** `ffmpeg version 5.1.9-0+deb12u1 Copyright …` → `5.1.9-0+deb12u1`. */
export function parseFfmpegVersion (lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const match = /^ffmpeg version (\S+)/.exec(line.trim())
    if (match?.[1] != null) return match[1]
  }
  return undefined
}
