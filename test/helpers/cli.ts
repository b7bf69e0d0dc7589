import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { ExecutionContext } from 'ava'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Job } from '../../src/jobs/job.js'
import { parseManifest } from '../../src/store/manifest.js'

// Runs the real `microfarm` launcher (bin/microfarm → dist/) as separate processes,
// the way a user does. Every process gets a deadline and is killed in teardown.

export const MICROFARM = fileURLToPath(new URL('../../bin/microfarm', import.meta.url))

export interface CliOptions {
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Killed after this long whatever happens. */
  timeoutMs?: number
  /** Another program than `node bin/microfarm` (e.g. a simulated node); `args` follow it. */
  command?: readonly string[]
}

export interface CliProcess {
  readonly child: ChildProcess
  output: () => string
  exited: Promise<number | null>
  stop: () => Promise<number | null>
}

function command (args: readonly string[], options: CliOptions): [string, string[]] {
  const node = [...(options.command ?? [process.execPath, MICROFARM]), ...args]
  return options.netns !== undefined ? ['ip', ['netns', 'exec', options.netns, ...node]] : [node[0] as string, node.slice(1)]
}

/** Starts a long-running command (coordinator, node); stopped with SIGTERM in teardown. */
export function startCli (t: ExecutionContext, args: readonly string[], options: CliOptions = {}): CliProcess {
  const [cmd, argv] = command(args, options)
  const child = spawn(cmd, argv, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  const deadline = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 150_000)
  void exited.then(() => clearTimeout(deadline))
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000)
      void exited.then(() => clearTimeout(killer))
    }
    return exited
  }
  t.teardown(async () => {
    await stop()
    if (!t.passed) t.log(`--- ${args.join(' ')} ---\n${output}`)
  })
  return { child, output: () => output, exited, stop }
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a short command (submit, jobs, cancel …) to its end. */
export async function runCli (args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const [cmd, argv] = command(args, options)
  const child = spawn(cmd, argv, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const deadline = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)))
  clearTimeout(deadline)
  return { code, stdout, stderr }
}

/** Polls until `check` returns a value (not undefined/false), or fails after the deadline. */
export async function waitFor<T> (what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (true) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}

/** The coordinator's dialable address on loopback, from its "listening as … on …" log line. */
export async function coordinatorAddress (coordinator: CliProcess): Promise<string> {
  return waitFor('the coordinator to listen', () => {
    const match = /listening as \S+ on (.*)$/m.exec(coordinator.output())
    return match?.[1]?.split(' ').find(addr => addr.startsWith('/ip4/127.0.0.1/'))
  }, 30_000)
}

export interface JobJson {
  id: string
  name: string
  state: string
  framesDone: number
  framesTotal: number
  framesFailed: number
  error?: string
  missingFrames?: number[]
  byNode: Record<string, number>
  blocklist: Record<string, string>
  encode?: { state: string, outputPath?: string, error?: string }
  tiles?: { frame: number, columns: number, rows: number, stitch: string, outputPath?: string, error?: string }
  warnings?: string[]
}

/** `microfarm jobs --json` against one coordinator. */
export async function jobsJson (coordinator: string): Promise<JobJson[]> {
  const result = await runCli(['jobs', '--json', '--coordinator', coordinator])
  if (result.code !== 0) throw new Error(`microfarm jobs failed: ${result.stderr}`)
  return JSON.parse(result.stdout) as JobJson[]
}

/** Polls until job `id` satisfies `check`; returns it. */
export async function waitForJob (coordinator: string, id: string, what: string, check: (job: JobJson) => boolean, timeoutMs = 120_000): Promise<JobJson> {
  return waitFor(`job ${id}: ${what}`, async () => {
    const job = (await jobsJson(coordinator)).find(j => j.id === id)
    return job !== undefined && check(job) ? job : undefined
  }, timeoutMs, 300)
}

/** A job's manifest as the coordinator reads it (whatever its on-disk version): the test sees what a restart would. */
export async function readJobManifest (out: string, jobId: string): Promise<Job> {
  const file = path.join(out, `job_${jobId}_info.json`)
  return parseManifest(await readFile(file, 'utf8'), file)
}
