import { randomBytes } from 'node:crypto'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { CoordinatorClient } from '../../src/client/coordinator-client.js'
import { readFileHead, readImageHeader } from '../../src/encode/image-header.js'
import { blendOnlyProject } from '../../src/project/local-project.js'
import type { LocalProject } from '../../src/project/local-project.js'
import type { SubmitRequest } from '../../src/protocol/messages.js'
import { coordinatorAddress, startCli, waitFor } from '../helpers/cli.js'
import type { CliProcess } from '../helpers/cli.js'
import { admin, content, realSubmit, submitLie } from '../helpers/fuzz-client.js'
import { garbage } from '../helpers/fuzz-garbage.js'
import { dropSession, requestWorkFlood, sessionLies, uploadFrame } from '../helpers/fuzz-node.js'
import { FuzzPeer } from '../helpers/fuzz-peer.js'
import type { FuzzFarm, FuzzOp } from '../helpers/fuzz-peer.js'
import { HostilePeer } from '../helpers/hostile-peer.js'
import { sceneInfo } from '../helpers/job-fixtures.js'
import { describeUsage, processUsage } from '../helpers/process-usage.js'
import type { ProcessUsage } from '../helpers/process-usage.js'
import { SeededRandom } from '../helpers/seeded-random.js'
import { tempFolder } from '../helpers/temp-folder.js'

// Issue 11: a real coordinator process takes a few thousand messages from
// several peers at once on every protocol, garbage and valid-but-lying
// sequences alike (seeded: FUZZ_SEED=<seed> replays a run's choices; the
// peers run in parallel, so the order in which the coordinator sees them
// still varies). Afterwards it is running, its memory and file descriptors
// are back near where they were after a warm-up of the same traffic, it wrote
// nothing outside its output folder, and a normal job renders to the end.

const SIM_NODE = fileURLToPath(new URL('../fixtures/sim-node.ts', import.meta.url))
const POLYFILL = fileURLToPath(new URL('../../src/polyfill.ts', import.meta.url))

const TRAFFIC: ReadonlyArray<readonly [number, string, FuzzOp]> = [
  [20, 'garbage', garbage],
  [18, 'session lies', sessionLies],
  [8, 'request-work flood', requestWorkFlood],
  [16, 'frame upload', uploadFrame],
  [3, 'session dropped', dropSession],
  [10, 'admin', admin],
  [7, 'content', content],
  [8, 'lying submit', submitLie],
  [1, 'real submit', realSubmit],
]
const PEERS = 6
/** Messages each peer sends (a flood of work requests counts each request). */
const WARM_UP_MESSAGES = 200
const FUZZ_MESSAGES = 1000
/** Real jobs the fuzz submits at most, per phase (the bait: frames to hold and lie about). */
const REAL_SUBMITS = 6
// Bounds, from runs on this 2-core machine: within half a second of the last
// peer leaving, the fd count was back at its baseline exactly (2 allow for a
// manifest being written); RSS stayed 4–32 MB above the baseline and did not
// come down (V8 keeps the heap it grew, the jobs the fuzz made stay), so the
// bound is twice the most seen: a coarse check, the fd count is the sharp one.
const FD_SLACK = 2
const RSS_SLACK_BYTES = 64 * 2 ** 20
/** Frames a node shows no work on for this long go to other nodes (short, so the fuzz sees it happen). */
const FRAME_TIMEOUT_S = 3
/** In the names of files a lying submit tries to place outside the output folder. */
const ESCAPE_MARKER = 'microfarm-fuzz-escaped'

interface Farm {
  dir: string
  out: string
  coordinator: CliProcess
  address: string
  client: CoordinatorClient
  project: LocalProject
}

async function startFarm (t: ExecutionContext): Promise<Farm> {
  const dir = await tempFolder(t, 'mf-fuzz-')
  const out = path.join(dir, 'out')
  // Its working folder and TMPDIR are ours to watch: nothing may land there.
  await mkdir(path.join(dir, 'cwd'))
  await mkdir(path.join(dir, 'tmp'))
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui', '--farm', 'fuzz', '--frame-timeout', String(FRAME_TIMEOUT_S)], {
    cwd: path.join(dir, 'cwd'), env: { TMPDIR: path.join(dir, 'tmp') }, timeoutMs: 170_000,
  })
  const address = await coordinatorAddress(coordinator)
  const client = await CoordinatorClient.connect({ coordinator: address })
  t.teardown(async () => { await client.close() })
  const blend = path.join(dir, 'scene.blend')
  await writeFile(blend, Buffer.concat([Buffer.from('BLENDER-v304'), randomBytes(256 * 1024)]))
  return { dir, out, coordinator, address, client, project: await blendOnlyProject(blend, 'scene.blend') }
}

async function submit (farm: Farm, settings: Partial<SubmitRequest>): Promise<string> {
  return (await farm.client.submit(farm.project, {
    name: 'scene.blend', chunk: 1, format: 'PNG', priority: 0,
    encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' },
    ...settings,
  })).jobId
}

/** A bait job: frames and scene known, frames known but not the scene, or nothing known (a probe first). */
function baitSettings (rng: SeededRandom): Partial<SubmitRequest> {
  return rng.pick<Partial<SubmitRequest>>([
    { frames: '1-6', chunk: rng.int(1, 3), sceneInfo: sceneInfo({ frameStart: 1, frameEnd: 6, resolutionX: 64, resolutionY: 48 }) },
    { frames: '1-4' },
    {},
  ])
}

function fuzzFarm (farm: Farm, jobIds: string[]): FuzzFarm {
  let submits = 0
  return {
    address: farm.address,
    jobIds,
    blendSha256: farm.project.manifest.files[0]?.sha256 ?? '',
    marker: ESCAPE_MARKER,
    submitJob: async (rng) => {
      if (++submits > REAL_SUBMITS) return
      // A refusal (work limits) is an answer too; the fuzz goes on.
      await submit(farm, baitSettings(rng)).then(id => { jobIds.push(id) }, () => undefined)
    },
  }
}

interface PhaseResult { messages: number, seconds: number, ops: Map<string, number>, silent: string[], wordless: string[] }

/** PEERS peers, each with its own host and generator, send `messages` messages each; then they all go. */
async function runPhase (t: ExecutionContext, farm: FuzzFarm, rng: SeededRandom, messages: number): Promise<PhaseResult> {
  const started = Date.now()
  const peers = await Promise.all(Array.from({ length: PEERS }, async (_, i) => new FuzzPeer((await HostilePeer.start(t, farm.address)).host, rng.fork(), farm, `fuzz-${i}`)))
  await Promise.all(peers.map(async peer => peer.run(TRAFFIC, messages)))
  await Promise.all(peers.map(async peer => peer.stop()))
  const ops = new Map<string, number>()
  for (const [name, count] of peers.flatMap(peer => [...peer.ops])) ops.set(name, (ops.get(name) ?? 0) + count)
  return {
    messages: peers.reduce((sum, peer) => sum + peer.messages, 0),
    seconds: (Date.now() - started) / 1000,
    ops,
    silent: peers.flatMap(peer => peer.silent),
    wordless: peers.flatMap(peer => peer.wordless),
  }
}

/** The coordinator's usage once its fd count has held still for a second (connections closed, files released). */
async function settledUsage (pid: number): Promise<ProcessUsage> {
  let last: ProcessUsage | undefined
  let steady = 0
  return waitFor('the coordinator to settle', async () => {
    const now = await processUsage(pid)
    steady = now.fds === last?.fds ? steady + 1 : 0
    last = now
    return steady >= 4 ? now : undefined
  }, 15_000, 250)
}

/** Polls until usage is back within the bounds; the last reading either way, and how long it took. */
async function usageBackNear (pid: number, baseline: ProcessUsage): Promise<ProcessUsage & { seconds: number }> {
  const started = Date.now()
  let last = await processUsage(pid)
  const within = (u: ProcessUsage): boolean => u.fds <= baseline.fds + FD_SLACK && u.rssBytes <= baseline.rssBytes + RSS_SLACK_BYTES
  await waitFor('the coordinator\'s fds and RSS to come back', async () => {
    last = await processUsage(pid)
    return within(last)
  }, 20_000, 250).catch(() => undefined)
  return { ...last, seconds: (Date.now() - started) / 1000 }
}

function describePhase (name: string, phase: PhaseResult): string {
  const ops = [...phase.ops].map(([op, n]) => `${op} ${n}`).join(', ')
  return `${name}: ${phase.messages} messages in ${phase.seconds.toFixed(1)} s (${ops}); unanswered ${phase.silent.length}, ended without a word ${phase.wordless.length}`
}

/**
 * The frame failures the coordinator logged for a frame it never handed to
 * the node named: a node can only fail a frame it renders, so each one is a
 * peer's lie that got through (to the log, and to the TUI's last error).
 */
function failuresOfFramesNotHanded (log: string): string[] {
  const handed = new Map<string, string[]>()
  const lies: string[] = []
  for (const line of log.split('\n')) {
    const [, job, frames = '', node = ''] = /^\S+ job (\d+): frames ([\d,]+) → (.*)$/.exec(line) ?? []
    for (const frame of job === undefined ? [] : frames.split(',')) handed.set(`${job}:${frame}`, [...handed.get(`${job}:${frame}`) ?? [], node])
    const [, failedJob, frame, rest = ''] = /^\S+ job (\d+): frame (\d+) failed on (.*)$/.exec(line) ?? []
    if (failedJob !== undefined && !(handed.get(`${failedJob}:${frame}`) ?? []).some(name => rest.startsWith(`${name}: `))) lies.push(line)
  }
  return lies
}

/**
 * A peer holds frames of the job and shows no work on them, only a failure
 * now and then of a frame it was never handed. True when the coordinator took
 * them back after --frame-timeout, as it does from any node that sits on frames.
 */
async function hoarderLosesFrames (t: ExecutionContext, farm: Farm, jobId: string): Promise<boolean> {
  const hoarder = await (await HostilePeer.start(t, farm.address)).session('hoarder')
  await hoarder.send({ type: 'request-work' })
  await hoarder.next('assign')
  const takenBack = (): boolean => /hoarder showed no work on its frames/.test(farm.coordinator.output())
  const deadline = Date.now() + (FRAME_TIMEOUT_S + 5) * 1000
  while (!takenBack() && Date.now() < deadline) {
    await hoarder.send({ type: 'frame-failed', taskId: 't0', jobId, frame: 999, error: 'Error: forged' })
    await new Promise(resolve => setTimeout(resolve, 300))
  }
  await hoarder.close()
  return takenBack()
}

/** A normal job on a real (simulated) node: every frame lands, an image of the job's size. */
async function renderNormalJob (t: ExecutionContext, farm: Farm, jobId: string): Promise<void> {
  startCli(t, [], { command: [process.execPath, '--import=tsx', `--import=${POLYFILL}`, SIM_NODE, farm.address, 'honest', '50', path.join(farm.dir, 'honest')] })
  await waitFor(`job ${jobId} to complete`, async () => (await farm.client.listJobs()).find(job => job.id === jobId)?.state === 'completed', 30_000, 250)
  const folder = path.join(farm.out, `job_${jobId}`)
  const frames = (await readdir(folder)).filter(name => name.startsWith('frame_')).sort()
  t.is(frames.length, 4, frames.join(' '))
  for (const frame of frames) t.deepEqual(readImageHeader(await readFileHead(path.join(folder, frame))), { format: 'PNG', width: 1, height: 1 }, frame)
}

interface FuzzRun { warmUp: PhaseResult, fuzz: PhaseResult, baseline: ProcessUsage, after: ProcessUsage }

/** The warm-up (the same traffic, so libp2p's and V8's lazy allocations are in the baseline), the baseline, the fuzz, and the usage after. */
async function fuzzAndMeasure (t: ExecutionContext, farm: Farm, rng: SeededRandom): Promise<FuzzRun> {
  const pid = farm.coordinator.child.pid ?? -1
  const jobIds = [await submit(farm, baitSettings(rng)), await submit(farm, baitSettings(rng)), await submit(farm, {})]
  const warmUp = await runPhase(t, fuzzFarm(farm, jobIds), rng.fork(), WARM_UP_MESSAGES)
  t.log(describePhase('warm-up', warmUp))
  const baseline = await settledUsage(pid)
  const fuzz = await runPhase(t, fuzzFarm(farm, jobIds), rng.fork(), FUZZ_MESSAGES)
  t.log(describePhase('fuzz', fuzz))
  const peak = await processUsage(pid)
  const after = await usageBackNear(pid, baseline)
  t.log(`baseline ${describeUsage(baseline)}; right after ${describeUsage(peak)}; ${after.seconds.toFixed(1)} s later ${describeUsage(after)}`)
  return { warmUp, fuzz, baseline, after }
}

/** Nothing outside the output folder: not in the coordinator's working folder, its TMPDIR, beside the output, or above it. */
async function assertNothingOutside (t: ExecutionContext, farm: Farm): Promise<void> {
  t.deepEqual((await readdir(farm.dir)).sort(), ['cwd', 'out', 'scene.blend', 'tmp'])
  t.deepEqual(await readdir(path.join(farm.dir, 'cwd')), [])
  t.deepEqual(await readdir(path.join(farm.dir, 'tmp')), [])
  t.false((await readdir(path.dirname(farm.dir))).some(name => name.includes(ESCAPE_MARKER)))
}

test('fuzz: garbage and lies on every protocol leave the coordinator running, back near its baseline, and rendering', async (t) => {
  const seed = SeededRandom.seedFrom('FUZZ_SEED')
  t.log(`seed ${seed} (replay: FUZZ_SEED=${seed} npx ava test/integration/fuzz.test.ts)`)
  const farm = await startFarm(t)
  const { warmUp, fuzz, baseline, after } = await fuzzAndMeasure(t, farm, new SeededRandom(seed))
  t.is(farm.coordinator.child.exitCode, null, 'the coordinator is still running')
  t.is(farm.coordinator.child.signalCode, null, 'the coordinator is still running')
  t.true(after.fds <= baseline.fds + FD_SLACK, `fds back near the baseline: ${after.fds} vs ${baseline.fds}`)
  t.true(after.rssBytes <= baseline.rssBytes + RSS_SLACK_BYTES, `RSS back near the baseline: ${describeUsage(after)} vs ${describeUsage(baseline)}`)
  await assertNothingOutside(t, farm)

  // The bait jobs go, so the normal job is the only work; a hoarder takes some of it first.
  for (const job of await farm.client.listJobs()) await farm.client.jobAction({ type: 'job-action', action: 'delete', jobId: job.id })
  const jobId = await submit(farm, { frames: '1-4', sceneInfo: sceneInfo({ frameStart: 1, frameEnd: 4, resolutionX: 1, resolutionY: 1 }) })
  const hoarderLost = await hoarderLosesFrames(t, farm, jobId)
  await renderNormalJob(t, farm, jobId)
  t.is(farm.coordinator.child.exitCode, null, 'the coordinator is still running')

  // Last, so that a failure here leaves every check above reported: every request was answered and
  // every stream ended within its deadline, and no lie about a frame got through. These fail until
  // two bugs this test found are fixed (issue 11): a session the peer half-closes (a valid hello, then
  // end of stream) is never ended by the coordinator; a frame-failed for a frame the peer was never
  // handed changes no frame, yet Farm.frameFailed still emits it ("job 6: frame 1034289 failed on desk:
  // … (will retry)" in the log, the job's last error in the TUI) and counts it as work, so a node that
  // sits on frames keeps them past --frame-timeout by lying now and then.
  const lies = failuresOfFramesNotHanded(farm.coordinator.output())
  t.deepEqual({
    unanswered: [...new Set([...warmUp.silent, ...fuzz.silent])],
    failuresOfFramesNeverHanded: lies.length === 0 ? [] : [`${lies.length}, e.g.`, ...lies.slice(0, 3)],
    hoarderKeptItsFrames: !hoarderLost,
  }, { unanswered: [], failuresOfFramesNeverHanded: [], hoarderKeptItsFrames: false })
})
