// The soak: a real coordinator process and many simulated nodes (real node
// code over libp2p, sleeping instead of Blender) render several jobs while
// nodes are killed and restarted, the coordinator is killed -9 and restarted
// on the same port and folder, and CLI processes pause, resume, cancel,
// activate and retry jobs at once. At the end every frame must be on disk
// exactly once and agree with the manifests. Shared by
// test/integration/soak.test.ts (small) and bench/soak.ts (full scale).
// One file on purpose: the checks, the chaos and the measures share the
// process handles and the timeline of what happened when.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createWriteStream, readFileSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CoordinatorClient } from '../../src/client/coordinator-client.js'
import type { JobSummary } from '../../src/protocol/messages.js'
import { parseManifest } from '../../src/store/manifest.js'
import { pngNote } from '../../test/helpers/tiny-png.js'
import { parseDispatchLine, summarizeCoordinatorDispatch } from './coordinator-dispatch.js'
import type { CoordinatorDispatchSummary, DispatchReport } from './coordinator-dispatch.js'
import { fakeBlend } from './sim-nodes.js'
import { submitBlend } from './submit-blend.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const MICROFARM = path.join(ROOT, 'bin/microfarm')
const SIM_FARM = path.join(ROOT, 'test/fixtures/sim-farm-nodes.ts')
const CLOCK_TICK_MS = 10 // USER_HZ is 100 on Linux (getconf CLK_TCK)

export type ControlAction = 'pause' | 'resume' | 'cancel' | 'activate' | 'retry'
const ACTIONS: readonly ControlAction[] = ['pause', 'resume', 'cancel', 'activate', 'retry']
/** Refusals a control may get while jobs change under it: not problems. */
const EXPECTED_REFUSAL = /cannot \w+ job \d+: it is \w+|has no failed frames to retry/

export interface SoakOptions {
  nodes: number
  processes: number
  frames: number
  jobs: number
  msPerFrame: number
  nodeKills: number
  coordinatorRestarts: number
  /** Job controls in all, run in bursts of `concurrency` CLI processes at once. */
  controls: number
  concurrency?: number
  seed?: number
  /** Whole run, and the deadline of every process it starts. */
  timeoutMs?: number
  log?: (line: string) => void
  /** Keep every process's whole output in this folder (it is not removed). */
  logDir?: string
}

export interface SoakReport {
  scale: { nodes: number, processes: number, frames: number, jobs: number, msPerFrame: number }
  jobIds: string[]
  /** From the first submit until every job was completed. */
  seconds: number
  dispatch: { samples: number, steadySamples: number, p50Ms: number, p99Ms: number, allP99Ms: number, maxMs: number }
  /** What the coordinator itself measured (its dispatch-stats log lines, see coordinator/dispatch-timing.ts): over all its periods, and each process's whole run. */
  coordinatorDispatch: CoordinatorDispatchSummary
  coordinator: { processes: number, peakRssMb: number, cpuMs: number, cpuMsPerFrame: number }
  chaos: { nodeKills: number, coordinatorRestarts: number, controls: number, refused: number, settles: number }
  warnings: string[]
  nodeTrouble: string[]
  problems: string[]
}

export class SoakCheckError extends Error {
  override name = 'SoakCheckError'
  constructor (readonly report: SoakReport) {
    super(`soak checks failed:\n${report.problems.map(p => `  - ${p}`).join('\n')}`)
  }
}

interface Proc {
  child: ChildProcess
  exited: Promise<void>
  tail: string[]
  kill: (signal: NodeJS.Signals) => Promise<void>
}

/** A process with a deadline, its output split in lines (the last 300 kept). */
function spawnProc (args: readonly string[], timeoutMs: number, onLine: (line: string) => void = () => {}, logFile?: string): Proc {
  const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const file = logFile !== undefined ? createWriteStream(logFile, { flags: 'a' }) : undefined
  const tail: string[] = []
  let partial = ''
  const take = (chunk: string): void => {
    file?.write(chunk)
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      tail.push(line)
      if (tail.length > 300) tail.shift()
      onLine(line)
    }
  }
  child.stdout?.setEncoding('utf8').on('data', take)
  child.stderr?.setEncoding('utf8').on('data', take)
  const exited = new Promise<void>(resolve => child.once('close', () => { file?.end(); resolve() }))
  const deadline = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  void exited.then(() => clearTimeout(deadline))
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal)
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(killer)
    }
  }
  return { child, exited, tail, kill }
}

async function runCli (args: readonly string[], timeoutMs = 60_000): Promise<{ code: number | null, out: string }> {
  const proc = spawnProc([MICROFARM, ...args], timeoutMs)
  await proc.exited
  return { code: proc.child.exitCode, out: proc.tail.join('\n') }
}

async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

async function waitFor<T> (what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (true) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(intervalMs)
  }
}

async function sleep (ms: number): Promise<void> { await new Promise(resolve => setTimeout(resolve, ms)) }

/** mulberry32: a small seeded PRNG, so a run's chaos repeats. */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function percentile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number
}

/** utime + stime (ms) and VmHWM / VmRSS (bytes) of a live process; undefined once it is gone. */
function procStats (pid: number): { cpuMs: number, hwm: number, rss: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const cpuMs = (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
    return { cpuMs, hwm: kb('VmHWM'), rss: kb('VmRSS') }
  } catch {
    return undefined
  }
}

/** Short, so a coordinator killed -9 loses little of what it measured. */
export const STATS_INTERVAL_S = 10

/** The soak's world: its processes, what it measured, what went wrong. */
class Soak {
  readonly dir: string
  readonly out: string
  readonly random: () => number
  readonly problems: string[] = []
  readonly warnings: string[] = []
  readonly nodeTrouble: string[] = []
  /** [sentAt epoch ms, latency ms] from every sim process. */
  readonly latencies: Array<[number, number]> = []
  /** Times when a request may wait for want of work (jobs paused, coordinator down, the tail). */
  readonly unsteady: Array<[number, number]> = []
  /** The coordinator's own reports of how fast it answered, one per --stats-interval of each coordinator process. */
  readonly coordinatorDispatch: DispatchReport[] = []
  coordinator?: Proc
  address = ''
  port = 0
  readonly cpuByPid = new Map<number, number>()
  peakRss = 0
  coordinatorProcesses = 0
  readonly sims: Proc[] = []
  readonly chaos = { nodeKills: 0, coordinatorRestarts: 0, controls: 0, refused: 0, settles: 0 }
  private sampler?: NodeJS.Timeout

  constructor (readonly o: Required<Omit<SoakOptions, 'log' | 'logDir'>> & Pick<SoakOptions, 'logDir'> & { log: (line: string) => void }, dir: string) {
    this.dir = dir
    this.out = path.join(dir, 'out')
    this.random = prng(o.seed)
  }

  logFile (name: string): string | undefined { return this.o.logDir !== undefined ? path.join(this.o.logDir, name) : undefined }

  pick<T> (items: readonly T[]): T { return items[Math.floor(this.random() * items.length)] as T }

  async startCoordinator (): Promise<void> {
    this.port ||= await freePort()
    const number = this.coordinatorProcesses + 1
    const proc = spawnProc([MICROFARM, 'coordinator', '--no-tui', '--no-advertise', '--port', String(this.port), '--output-dir', this.out, '--stats-interval', String(STATS_INTERVAL_S)], this.o.timeoutMs, (line) => {
      if (/warning:|rejected /.test(line) && this.warnings.length < 50) this.warnings.push(line)
      const stats = parseDispatchLine(line)
      if (stats !== undefined) this.coordinatorDispatch.push({ process: number, stats })
    }, this.logFile(`coordinator-${number}.log`))
    this.coordinator = proc
    this.coordinatorProcesses++
    this.address = await waitFor('the coordinator to listen', () => {
      if (proc.child.exitCode !== null) throw new Error(`the coordinator exited with ${proc.child.exitCode}:\n${proc.tail.join('\n')}`)
      const match = proc.tail.map(l => /listening as \S+ on (.*)$/.exec(l)).find(m => m !== null)
      return match?.[1]?.split(' ').find(a => a.startsWith('/ip4/127.0.0.1/'))
    }, 30_000, 50)
    this.sampler ??= setInterval(() => this.sample(), 250)
  }

  /** Coordinator CPU time and memory, kept per process (a restart starts both from zero). */
  sample (): void {
    const pid = this.coordinator?.child.pid
    if (pid === undefined || this.coordinator?.child.exitCode !== null) return
    const stats = procStats(pid)
    if (stats === undefined) return
    this.cpuByPid.set(pid, stats.cpuMs)
    this.peakRss = Math.max(this.peakRss, stats.hwm, stats.rss)
  }

  async killCoordinator (): Promise<void> {
    const proc = this.coordinator
    if (proc === undefined) return
    this.sample()
    await proc.kill('SIGKILL')
  }

  startSims (index: number): Proc {
    const per = Math.ceil(this.o.nodes / this.o.processes)
    const count = Math.min(per, this.o.nodes - index * per)
    const proc = spawnProc(['--import=tsx', `--import=${path.join(ROOT, 'src/polyfill.ts')}`, SIM_FARM, this.address, String(count), String(this.o.msPerFrame),
      path.join(this.dir, `work-p${index}-n`), `sim-p${index}-n`], this.o.timeoutMs, (line) => {
      if (line.startsWith('dispatch-latency ')) {
        for (const sample of JSON.parse(line.slice('dispatch-latency '.length)) as Array<[number, number]>) this.latencies.push(sample)
      } else if (!line.startsWith('all ') && line !== '' && this.nodeTrouble.length < 50) {
        this.nodeTrouble.push(line)
      }
    }, this.logFile(`sims-${index}.log`))
    this.sims[index] = proc
    return proc
  }

  async simsConnected (proc: Proc, index: number): Promise<void> {
    await waitFor(`simulated node process ${index} to connect all its nodes`, () => {
      if (proc.child.exitCode !== null) throw new Error(`simulated node process ${index} exited with ${proc.child.exitCode}:\n${proc.tail.join('\n')}`)
      return proc.tail.some(l => /^all \d+ nodes connected$/.test(l)) ? true : undefined
    }, 120_000, 100)
  }

  async listJobs (): Promise<JobSummary[]> {
    const client = await CoordinatorClient.connect({ coordinator: this.address })
    try {
      return await client.listJobs()
    } finally {
      await client.close()
    }
  }

  async stopAll (): Promise<void> {
    clearInterval(this.sampler)
    this.sample()
    await Promise.all([...this.sims.map(async p => p.kill('SIGTERM')), this.coordinator?.kill('SIGTERM')])
  }
}

export async function runSoak (options: SoakOptions): Promise<SoakReport> {
  const o = { concurrency: 4, seed: 1, timeoutMs: 600_000, log: () => {}, ...options }
  const soak = new Soak(o, await mkdtemp(path.join(os.tmpdir(), 'mf-soak-')))
  const deadline = Date.now() + o.timeoutMs
  try {
    await soak.startCoordinator()
    o.log(`coordinator up at ${soak.address}; starting ${o.nodes} simulated nodes in ${o.processes} processes`)
    for (let i = 0; i < o.processes; i++) soak.startSims(i)
    await Promise.all(soak.sims.map(async (p, i) => soak.simsConnected(p, i)))
    const jobs = await submitJobs(soak)
    const started = Date.now()
    soak.unsteady.push([0, started])
    o.log(`submitted jobs ${jobs.map(j => `${j.id} (${j.frames} frames)`).join(', ')}`)
    const chaos = runChaos(soak, jobs.map(j => j.id), started, deadline)
    const tailAt = await waitForCompletion(soak, jobs, chaos, deadline)
    const seconds = (Date.now() - started) / 1000
    soak.unsteady.push([tailAt, Infinity])
    soak.sample()
    await checkOutput(soak, jobs)
    const report = buildReport(soak, jobs.map(j => j.id), seconds)
    if (report.problems.length > 0) throw new SoakCheckError(report)
    return report
  } catch (err) {
    if (err instanceof SoakCheckError) throw err
    throw new Error(`${err instanceof Error ? err.message : String(err)}\nproblems so far: ${soak.problems.join('; ') || 'none'}\ncoordinator's last lines:\n${soak.coordinator?.tail.slice(-40).join('\n') ?? ''}`, { cause: err })
  } finally {
    await soak.stopAll()
    await rm(soak.dir, { recursive: true, force: true })
  }
}

interface SubmittedJob { id: string, frames: number }

async function submitJobs (soak: Soak): Promise<SubmittedJob[]> {
  const client = await CoordinatorClient.connect({ coordinator: soak.address })
  const jobs: SubmittedJob[] = []
  try {
    for (let i = 0; i < soak.o.jobs; i++) {
      const frames = Math.floor(soak.o.frames / soak.o.jobs) + (i < soak.o.frames % soak.o.jobs ? 1 : 0)
      const blend = await fakeBlend(path.join(soak.dir, `job-${i}`))
      const { jobId } = await submitBlend(client, blend, {
        name: `soak-${i}`, frames: `1-${frames}`, chunk: 1, format: 'PNG', priority: 0,
        encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' },
      })
      jobs.push({ id: jobId, frames })
    }
  } finally {
    await client.close()
  }
  const ids = jobs.map(j => j.id)
  if (new Set(ids).size !== ids.length) soak.problems.push(`submitted job ids repeat: ${ids.join(', ')}`)
  if (ids.some((id, i) => i > 0 && Number(id) <= Number(ids[i - 1]))) soak.problems.push(`job ids not increasing in submit order: ${ids.join(', ')}`)
  return jobs
}

type ChaosAction = 'kill-nodes' | 'restart-coordinator' | 'controls'

/** Node kills, coordinator restarts and control bursts at seeded random times over the expected render time. */
async function runChaos (soak: Soak, jobIds: string[], started: number, deadline: number): Promise<void> {
  const o = soak.o
  const expectedMs = Math.max(5000, o.frames * o.msPerFrame / o.nodes)
  const bursts = Math.ceil(o.controls / o.concurrency)
  const actions: Array<{ at: number, what: ChaosAction }> = [
    ...Array.from({ length: o.nodeKills }, () => 'kill-nodes' as const),
    ...Array.from({ length: o.coordinatorRestarts }, () => 'restart-coordinator' as const),
    ...Array.from({ length: bursts }, () => 'controls' as const),
  ].map(what => ({ what, at: started + expectedMs * (0.05 + 0.55 * soak.random()) })).sort((a, b) => a.at - b.at)
  let controlsLeft = o.controls
  for (const action of actions) {
    // Sleeping between chaos actions is the point: they are spread over the run.
    if (action.at > Date.now()) await sleep(action.at - Date.now())
    if (Date.now() > deadline) throw new Error('the soak ran out of time during its chaos')
    if (action.what === 'kill-nodes') await killNodes(soak)
    else if (action.what === 'restart-coordinator') await restartCoordinator(soak)
    else {
      const count = Math.min(o.concurrency, controlsLeft)
      controlsLeft -= count
      await controlBurst(soak, jobIds, count)
    }
  }
  await settle(soak, jobIds, Date.now())
}

async function killNodes (soak: Soak): Promise<void> {
  const index = Math.floor(soak.random() * soak.sims.length)
  const proc = soak.sims[index]
  await proc?.kill('SIGKILL')
  soak.chaos.nodeKills++
  soak.o.log(`killed simulated node process ${index} (-9); restarting it`)
  await sleep(200 + 800 * soak.random())
  await soak.simsConnected(soak.startSims(index), index)
}

async function restartCoordinator (soak: Soak): Promise<void> {
  const killedAt = Date.now()
  const before = soak.address
  await soak.killCoordinator()
  soak.chaos.coordinatorRestarts++
  soak.o.log('killed the coordinator (-9); restarting it on the same port and folder')
  await soak.startCoordinator()
  if (soak.address !== before) soak.problems.push(`the restarted coordinator listens at ${soak.address}, not ${before} as before`)
  soak.unsteady.push([killedAt, Date.now() + 3000])
}

async function control (soak: Soak, action: ControlAction, jobId: string): Promise<void> {
  const { code, out } = await runCli([action, jobId, '--coordinator', soak.address])
  soak.chaos.controls++
  soak.o.log(`  ${action} ${jobId} → ${code}: ${out.trim()}`)
  if (code === 0) return
  if (EXPECTED_REFUSAL.test(out)) soak.chaos.refused++
  else soak.problems.push(`\`microfarm ${action} ${jobId}\` exited with ${code}: ${out.trim()}`)
}

/** `count` random controls at once, then, after a while, every job made to render again. */
async function controlBurst (soak: Soak, jobIds: string[], count: number): Promise<void> {
  const burstAt = Date.now()
  // Controls on jobs still rendering do something; a few on finished ones check the refusals.
  const unfinished = (await soak.listJobs().catch(() => [])).filter(j => jobIds.includes(j.id) && j.state !== 'completed').map(j => j.id)
  const picks = Array.from({ length: count }, () => [soak.pick(ACTIONS), soak.pick(unfinished.length > 0 && soak.random() < 0.8 ? unfinished : jobIds)] as const)
  soak.o.log(`controls: ${picks.map(([a, j]) => `${a} ${j}`).join(', ')}`)
  await Promise.all(picks.map(async ([action, jobId]) => control(soak, action, jobId)))
  await sleep(500 + 1500 * soak.random())
  await settle(soak, jobIds, burstAt)
}

/** Resumes or activates every job that is not rendering (also at the end, so all can complete). */
async function settle (soak: Soak, jobIds: string[], since: number): Promise<void> {
  soak.chaos.settles++
  await waitFor('every job to render again', async () => {
    const listed = await soak.listJobs().catch((err: unknown) => {
      soak.problems.push(`the coordinator did not answer a job list at ${new Date().toISOString()}: ${err instanceof Error ? err.message : String(err)}`)
      return undefined
    })
    if (listed === undefined) return undefined
    const jobs = listed.filter(j => jobIds.includes(j.id))
    const stopped = jobs.filter(j => j.state !== 'active' && j.state !== 'queued' && j.state !== 'completed')
    if (stopped.length === 0) return true
    for (const job of stopped.filter(j => j.state === 'failed')) soak.problems.push(`job ${job.id} failed: ${job.error ?? '(no error)'}`)
    await Promise.all(stopped.map(async j => control(soak, j.state === 'paused' && soak.random() < 0.5 ? 'resume' : 'activate', j.id)))
    return undefined
  }, 60_000, 200)
  soak.unsteady.push([since, Date.now()])
}

/** Polls until every job is completed; returns when the tail began (too few frames left for every node). */
async function waitForCompletion (soak: Soak, jobs: SubmittedJob[], chaos: Promise<void>, deadline: number): Promise<number> {
  let chaosDone = false
  let chaosError: unknown
  chaos.then(() => { chaosDone = true }, (err: unknown) => { chaosDone = true; chaosError = err })
  let tailAt = Infinity
  let lastLog = Date.now()
  let lastCpu = 0
  while (true) {
    if (chaosError !== undefined) throw chaosError
    if (Date.now() > deadline) throw new Error(`the soak ran out of time; coordinator's last lines:\n${soak.coordinator?.tail.slice(-30).join('\n') ?? ''}`)
    const summaries = await soak.listJobs().catch(() => undefined)
    if (summaries !== undefined) {
      const mine = summaries.filter(s => jobs.some(j => j.id === s.id))
      const left = mine.reduce((sum, s) => sum + s.framesTotal - s.framesDone, 0)
      if (left < 3 * soak.o.nodes) tailAt = Math.min(tailAt, Date.now())
      if (Date.now() - lastLog > 10_000) {
        const cpu = [...soak.cpuByPid.values()].reduce((sum, ms) => sum + ms, 0)
        soak.o.log(`progress (coordinator CPU ${Math.round(100 * (cpu - lastCpu) / (Date.now() - lastLog))}%): ${mine.map(s => `job ${s.id} ${s.state} ${s.framesDone}/${s.framesTotal}`).join(', ')}`)
        lastLog = Date.now()
        lastCpu = cpu
      }
      if (chaosDone && mine.length === jobs.length && mine.every(s => s.state === 'completed')) return tailAt
      // A job that failed outside the chaos (settle reports those inside it) is a problem, then rendered again.
      if (chaosDone) {
        for (const s of mine.filter(m => m.state !== 'completed' && m.state !== 'active' && m.state !== 'queued')) {
          soak.problems.push(`job ${s.id} was ${s.state} after the chaos ended${s.error !== undefined ? `: ${s.error}` : ''}`)
          await control(soak, 'activate', s.id)
        }
      }
    }
    await sleep(500)
  }
}


/** Every frame exactly once on disk, with the content its node wrote; manifests agree; ids unique and not reused. */
async function checkOutput (soak: Soak, jobs: SubmittedJob[]): Promise<void> {
  const problems = soak.problems
  for (const job of jobs) {
    const manifestPath = path.join(soak.out, `job_${job.id}_info.json`)
    // The coordinator writes manifests after it answers: give the last write a moment.
    const manifest = await waitFor(`job ${job.id}'s manifest to say completed`, async () => {
      const m = parseManifest(await readFile(manifestPath, 'utf8'), manifestPath)
      return m.state === 'completed' ? m : undefined
    }, 15_000, 200).catch((err: unknown) => { problems.push(err instanceof Error ? err.message : String(err)); return undefined })
    const names = await readdir(path.join(soak.out, `job_${job.id}`))
    const onDisk = new Map<number, string[]>()
    for (const name of names) {
      const match = /^frame_(\d+)\.png$/.exec(name)
      if (name.endsWith('.part')) problems.push(`job ${job.id}: upload left behind: ${name}`)
      else if (match === null) problems.push(`job ${job.id}: unexpected file ${name}`)
      else onDisk.set(Number(match[1]), [...(onDisk.get(Number(match[1])) ?? []), name])
    }
    const missing: number[] = []
    for (let frame = 1; frame <= job.frames; frame++) {
      const files = onDisk.get(frame)
      if (files === undefined) { missing.push(frame); continue }
      if (files.length > 1) problems.push(`job ${job.id}: frame ${frame} on disk ${files.length} times: ${files.join(', ')}`)
      const note = pngNote(await readFile(path.join(soak.out, `job_${job.id}`, files[0] as string)))
      if (note !== `frame ${frame} of job ${job.id}`) problems.push(`job ${job.id}: ${files[0] ?? ''} holds ${JSON.stringify(note?.slice(0, 60))}`)
      const record = manifest?.frames[String(frame)]
      if (manifest !== undefined && record?.state !== 'done') problems.push(`job ${job.id}: frame ${frame} has a file but the manifest says ${record?.state ?? 'nothing'}`)
    }
    if (missing.length > 0) problems.push(`job ${job.id}: ${missing.length} frame(s) missing on disk: ${missing.slice(0, 20).join(',')}${missing.length > 20 ? ',…' : ''}`)
    const extra = [...onDisk.keys()].filter(f => f < 1 || f > job.frames)
    if (extra.length > 0) problems.push(`job ${job.id}: frames on disk that are not in the job: ${extra.slice(0, 20).join(',')}`)
    if (manifest !== undefined) {
      const keys = Object.keys(manifest.frames).map(Number)
      if (manifest.id !== job.id) problems.push(`${manifestPath} holds job ${manifest.id}`)
      if (keys.length !== job.frames) problems.push(`job ${job.id}: the manifest lists ${keys.length} frames, not ${job.frames}`)
      const doneWithoutFile = keys.filter(f => manifest.frames[String(f)]?.state === 'done' && !onDisk.has(f))
      if (doneWithoutFile.length > 0) problems.push(`job ${job.id}: ${doneWithoutFile.length} frame(s) done in the manifest with no file: ${doneWithoutFile.slice(0, 20).join(',')}`)
    }
  }
  const manifests = (await readdir(soak.out)).map(n => /^job_(\d+)_info\.json$/.exec(n)?.[1]).filter((id): id is string => id !== undefined)
  const submitted = jobs.map(j => j.id)
  if ([...manifests].sort().join() !== [...submitted].sort().join()) problems.push(`manifests on disk for jobs ${manifests.join(', ')}; submitted ${submitted.join(', ')}`)
  const last = Number((await readFile(path.join(soak.out, '.microfarm', 'last-job-id'), 'utf8')).trim())
  const highest = Math.max(...submitted.map(Number))
  if (last !== highest) problems.push(`.microfarm/last-job-id says ${last}, the highest job id given is ${highest}`)
}

function buildReport (soak: Soak, jobIds: string[], seconds: number): SoakReport {
  const steady = (sentAt: number, ms: number): boolean => soak.unsteady.every(([from, to]) => sentAt + ms < from || sentAt > to)
  const all = soak.latencies.map(([, ms]) => ms).sort((a, b) => a - b)
  const kept = soak.latencies.filter(([at, ms]) => steady(at, ms)).map(([, ms]) => ms).sort((a, b) => a - b)
  const cpuMs = [...soak.cpuByPid.values()].reduce((sum, ms) => sum + ms, 0)
  const o = soak.o
  if (kept.length === 0) soak.problems.push('no dispatch latency was measured in steady state')
  if (soak.chaos.coordinatorRestarts < o.coordinatorRestarts || soak.chaos.nodeKills < o.nodeKills) soak.problems.push('not every planned kill ran')
  return {
    scale: { nodes: o.nodes, processes: o.processes, frames: o.frames, jobs: o.jobs, msPerFrame: o.msPerFrame },
    jobIds,
    seconds,
    dispatch: { samples: all.length, steadySamples: kept.length, p50Ms: percentile(kept, 0.5), p99Ms: percentile(kept, 0.99), allP99Ms: percentile(all, 0.99), maxMs: all[all.length - 1] ?? NaN },
    coordinatorDispatch: summarizeCoordinatorDispatch(soak.coordinatorDispatch),
    coordinator: { processes: soak.coordinatorProcesses, peakRssMb: soak.peakRss / 2 ** 20, cpuMs, cpuMsPerFrame: cpuMs / o.frames },
    chaos: { ...soak.chaos },
    warnings: soak.warnings,
    nodeTrouble: soak.nodeTrouble,
    problems: soak.problems,
  }
}
