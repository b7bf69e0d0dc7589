import { readdir, stat } from 'node:fs/promises'
import os from 'node:os'
import { runProcess, ProgramNotFoundError } from '../process/run-process.js'
import type { ProcessRunner } from '../process/run-process.js'
import { blenderCandidates, executableName, expandGlob, pathApi, searchPath } from './blender-candidates.js'
import { BlenderNotFoundError } from './errors.js'
import { parseBlenderVersion } from './output-parser.js'

export interface BlenderInstall {
  path: string
  /** As Blender prints it, e.g. "3.4.1". */
  version: string
}

export interface FindBlenderOptions {
  /** The --blender flag: used alone, never silently replaced by another Blender. */
  explicitPath?: string
  env?: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
  run?: ProcessRunner
  exists?: (p: string) => Promise<boolean>
  listDir?: (dir: string) => Promise<string[]>
  homeDir?: string
  /** How long `blender --version` may take (first starts on a cold disk are slow). */
  timeoutMs?: number
  /** Told each executable just before its version is probed: work that needs only the path can start now. */
  onCandidate?: (path: string) => void
}

interface Probe {
  run: ProcessRunner
  timeoutMs: number
}

export async function findBlender (options: FindBlenderOptions = {}): Promise<BlenderInstall> {
  const env = options.env ?? process.env
  const platform = options.platform ?? process.platform
  const exists = options.exists ?? isFile
  const probe: Probe = { run: options.run ?? runProcess, timeoutMs: options.timeoutMs ?? 30_000 }

  const named = namedBlender(options.explicitPath, env.BLENDER)
  if (named != null) {
    const resolved = await resolveNamed(named.path, env, platform, exists)
    if (resolved == null) throw new BlenderNotFoundError(`${named.label}${named.path}: no such file. ${named.hint}`)
    options.onCandidate?.(resolved)
    const result = await probeVersion(resolved, probe)
    if (typeof result === 'string') throw new BlenderNotFoundError(`${named.label}${resolved} ${result}. ${named.hint}`)
    return result
  }

  const problems: string[] = []
  for (const candidate of await candidatePaths(env, platform, options)) {
    if (!(await exists(candidate))) continue
    options.onCandidate?.(candidate)
    const result = await probeVersion(candidate, probe)
    if (typeof result !== 'string') return result
    problems.push(`${candidate} ${result}`)
  }
  throw new BlenderNotFoundError(notFoundMessage(platform, problems))
}

/** What the user named, if anything: the flag wins over the environment variable. */
function namedBlender (flag: string | undefined, envValue: string | undefined): NamedBlender | undefined {
  const fromFlag = nonEmpty(flag)
  if (fromFlag != null) {
    return { path: fromFlag, label: '--blender ', hint: 'Pass the path of the Blender executable with --blender PATH.' }
  }
  const fromEnv = nonEmpty(envValue)
  if (fromEnv == null) return undefined
  return { path: fromEnv, label: 'BLENDER=', hint: 'Set BLENDER to the Blender executable (or unset it), or pass --blender PATH.' }
}

interface NamedBlender {
  path: string
  /** How the user named it, put before the path in messages. */
  label: string
  hint: string
}

async function resolveNamed (
  named: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform, exists: (p: string) => Promise<boolean>,
): Promise<string | undefined> {
  const api = pathApi(platform)
  // Users point at the macOS app bundle; the executable is inside it.
  const target = /\.app\/?$/.test(named) ? api.join(named, 'Contents', 'MacOS', 'Blender') : named
  const isBareName = !target.includes('/') && !(platform === 'win32' && target.includes('\\'))
  if (!isBareName) return await exists(target) ? target : undefined
  // A bare name such as "blender-4.2" is looked up on PATH, as a shell would.
  for (const dir of searchPath(env, platform)) {
    const candidate = api.join(dir, target)
    if (await exists(candidate)) return candidate
  }
  return undefined
}

async function candidatePaths (env: NodeJS.ProcessEnv, platform: NodeJS.Platform, options: FindBlenderOptions): Promise<string[]> {
  const listDir = options.listDir ?? listDirOrEmpty
  const paths: string[] = []
  const candidates = blenderCandidates({ env, platform, homeDir: options.homeDir ?? os.homedir() })
  for (const candidate of candidates) {
    if (candidate.kind === 'file') paths.push(candidate.path)
    else paths.push(...expandGlob(candidate, await listDir(candidate.dir), platform))
  }
  return [...new Set(paths)]
}

/** The install, or why this file is not a usable Blender (completing "<path> …"). */
async function probeVersion (path: string, probe: Probe): Promise<BlenderInstall | string> {
  const lines: string[] = []
  const collect = (line: string): void => { lines.push(line) }
  let exitCode: number | null
  try {
    const result = await probe.run({
      command: path, args: ['--version'], timeoutMs: probe.timeoutMs, onStdoutLine: collect, onStderrLine: collect,
    })
    if (result.stoppedBecause === 'timeout') return `did not answer --version within ${probe.timeoutMs / 1000} s`
    exitCode = result.exitCode
  } catch (error) {
    if (error instanceof ProgramNotFoundError) return 'cannot be run: not found'
    return `cannot be run: ${error instanceof Error ? error.message : String(error)}`
  }
  for (const line of lines) {
    const version = parseBlenderVersion(line)
    if (version != null) return { path, version }
  }
  const said = lines.find((line) => line.trim() !== '')
  return said != null
    ? `is not Blender: "--version" printed "${said.trim()}"`
    : `is not Blender: "--version" printed nothing (exit code ${exitCode})`
}

function notFoundMessage (platform: NodeJS.Platform, problems: readonly string[]): string {
  const install = platform === 'linux'
    ? 'Install it (Debian/Ubuntu: sudo apt-get install blender; or unpack the download from https://www.blender.org/download/ into /opt)'
    : 'Install it from https://www.blender.org/download/'
  const tried = problems.length > 0 ? ` Found but unusable: ${problems.join('; ')}.` : ''
  return `Blender not found: no ${executableName(platform)} on PATH or in the usual install locations.${tried} ` +
    `${install}, or pass the Blender executable with --blender PATH or set BLENDER=PATH.`
}

function nonEmpty (value: string | undefined): string | undefined {
  return value != null && value.trim() !== '' ? value : undefined
}

async function isFile (p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile()
  } catch {
    return false
  }
}

async function listDirOrEmpty (dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch {
    // A missing /opt or home directory just means nothing is installed there.
    return []
  }
}

/** This machine's Blender, or undefined when it has none; an explicit path that is not a Blender is an error. */
export async function findBlenderIfInstalled (explicitPath?: string, onCandidate?: (path: string) => void): Promise<BlenderInstall | undefined> {
  try {
    return await findBlender({ ...(explicitPath !== undefined ? { explicitPath } : {}), ...(onCandidate !== undefined ? { onCandidate } : {}) })
  } catch (err) {
    if (err instanceof BlenderNotFoundError && explicitPath === undefined) return undefined
    throw err
  }
}
