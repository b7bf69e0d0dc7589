import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// Benchmarks drive the real launcher, as a user would, and clean up after themselves.

export const MICROFARM = fileURLToPath(new URL('../../bin/microfarm', import.meta.url))

export interface Running {
  child: ChildProcess
  output: () => string
  stop: () => Promise<void>
}

const running = new Set<Running>()

export function start (command: string, args: readonly string[], options: { netns?: string, env?: NodeJS.ProcessEnv, /** Its stdin a pipe (child.stdin), not /dev/null. */ stdin?: boolean } = {}): Running {
  const [cmd, argv] = options.netns !== undefined ? ['ip', ['netns', 'exec', options.netns, command, ...args]] : [command, [...args]]
  const child = spawn(cmd, argv, { stdio: [options.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } })
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const exited = new Promise<void>(resolve => child.once('close', () => resolve()))
  const handle: Running = {
    child,
    output: () => output,
    stop: async () => {
      running.delete(handle)
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(killer)
      }
    },
  }
  running.add(handle)
  return handle
}

export function microfarm (args: readonly string[], options: { netns?: string, env?: NodeJS.ProcessEnv } = {}): Running {
  return start(process.execPath, [MICROFARM, ...args], options)
}

export async function stopAll (): Promise<void> {
  await Promise.all([...running].map(async r => r.stop()))
}

export async function waitFor<T> (what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000, intervalMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (true) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}

export async function coordinatorAddress (coordinator: Running): Promise<string> {
  return waitFor('the coordinator to listen', () => {
    const match = /listening as \S+ on (.*)$/m.exec(coordinator.output())
    return match?.[1]?.split(' ').find(addr => addr.startsWith('/ip4/127.0.0.1/'))
  }, 30_000, 20)
}

/** Runs a program to its end; resolves with the wall-clock seconds. */
export async function timeRun (command: string, args: readonly string[]): Promise<number> {
  const started = performance.now()
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: 'ignore' })
    child.once('error', reject)
    child.once('close', (code) => code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`)))
  })
  return (performance.now() - started) / 1000
}

export function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}
