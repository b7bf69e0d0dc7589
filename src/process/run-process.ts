import { spawn } from 'node:child_process'
import { constants, setPriority } from 'node:os'
import { LineSplitter } from './line-splitter.js'

/** The one place MicroFarm starts external programs (Blender, ffmpeg). */
export interface RunProcessOptions {
  command: string
  args: readonly string[]
  cwd?: string
  env?: NodeJS.ProcessEnv
  signal?: AbortSignal
  /** Killed (SIGTERM, then SIGKILL) when it runs longer than this. */
  timeoutMs?: number
  onStdoutLine?: (line: string) => void
  onStderrLine?: (line: string) => void
  /** How long a SIGTERM'd process gets before SIGKILL. */
  killGraceMs?: number
  /** Lower the process's CPU priority once started (where no `nice` can start it so, see low-priority.ts). */
  lowerPriority?: boolean
  /** Told once the process is started: work that must not delay its start (loading libp2p, say) can begin now. */
  onSpawned?: () => void
}

export interface ProcessResult {
  exitCode: number | null
  signal: NodeJS.Signals | null
  /** Set when we stopped it: 'aborted' or 'timeout'. */
  stoppedBecause?: 'aborted' | 'timeout'
}

export class ProgramNotFoundError extends Error {
  override name = 'ProgramNotFoundError'
}

export type ProcessRunner = (options: RunProcessOptions) => Promise<ProcessResult>

export const runProcess: ProcessRunner = async (options) => {
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  })
  if (options.lowerPriority === true && child.pid !== undefined) lower(child.pid)
  if (child.pid !== undefined) options.onSpawned?.()
  const out = new LineSplitter(options.onStdoutLine ?? noop)
  const err = new LineSplitter(options.onStderrLine ?? noop)
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => out.push(chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => err.push(chunk))

  let stoppedBecause: ProcessResult['stoppedBecause']
  let killTimer: NodeJS.Timeout | undefined
  const stop = (why: 'aborted' | 'timeout'): void => {
    if (child.exitCode !== null || child.signalCode !== null) return
    stoppedBecause ??= why
    child.kill('SIGTERM')
    // A process that ignores SIGTERM still must not outlive its job.
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), options.killGraceMs ?? 2000)
  }
  const onAbort = (): void => stop('aborted')
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const timeout = options.timeoutMs != null ? setTimeout(() => stop('timeout'), options.timeoutMs) : undefined
  if (options.signal?.aborted === true) onAbort()

  try {
    return await new Promise<ProcessResult>((resolve, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        reject(error.code === 'ENOENT'
          ? new ProgramNotFoundError(`cannot run ${options.command}: not found`, { cause: error })
          : error)
      })
      // 'close' (not 'exit') so the last output lines have been read.
      child.once('close', (exitCode, signal) => {
        out.flush()
        err.flush()
        resolve({ exitCode, signal, ...(stoppedBecause != null ? { stoppedBecause } : {}) })
      })
    })
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    clearTimeout(timeout)
    clearTimeout(killTimer)
  }
}

function noop (): void {}

function lower (pid: number): void {
  try {
    setPriority(pid, constants.priority.PRIORITY_BELOW_NORMAL)
  } catch (err) {
    // Not worth failing a frame over: the process runs, at normal priority.
    process.emitWarning(`could not lower the priority of process ${pid}: ${err instanceof Error ? err.message : String(err)}`)
  }
}
