import { randomBytes } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { CoordinatorClient } from '../../src/client/coordinator-client.js'
import { blendOnlyProject } from '../../src/project/local-project.js'
import type { SubmitRequest } from '../../src/protocol/messages.js'
import { coordinatorAddress, startCli, waitFor } from '../helpers/cli.js'
import { HostilePeer } from '../helpers/hostile-peer.js'
import { STREAM_LIMITS } from '../../src/coordinator/stream-limits.js'
import { sceneInfo } from '../helpers/job-fixtures.js'
import { tempFolder } from '../helpers/temp-folder.js'
import { pngGrey, tinyPng } from '../helpers/tiny-png.js'

// Peers that speak the protocol correctly and lie (issue 11), against a real
// coordinator process. No Blender: the frames are small true PNGs made here.

interface Farm {
  address: string
  out: string
  client: CoordinatorClient
  submit: (overrides: Partial<SubmitRequest>) => Promise<string>
  /** A job of frames 1…last whose scene (64×48) the submitter read, so frame headers are checked. */
  submitFrames: (last: number, overrides?: Partial<SubmitRequest>) => Promise<string>
}

async function startFarm (t: ExecutionContext): Promise<Farm> {
  const dir = await tempFolder(t, 'mf-hostile-')
  const out = path.join(dir, 'out')
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui', '--farm', 'hostile'])
  const address = await coordinatorAddress(coordinator)
  const client = await CoordinatorClient.connect({ coordinator: address })
  t.teardown(async () => { await client.close() })
  const blend = path.join(dir, 'scene.blend')
  await writeFile(blend, Buffer.concat([Buffer.from('BLENDER-v304'), randomBytes(4096)]))
  const submit = async (overrides: Partial<SubmitRequest>): Promise<string> => (await client.submit(await blendOnlyProject(blend, 'scene.blend'), {
    name: 'scene.blend', frames: '1-4', chunk: 1, format: 'PNG', priority: 0,
    sceneInfo: sceneInfo({ frameStart: 1, frameEnd: 4, resolutionX: 64, resolutionY: 48 }),
    encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' },
    ...overrides,
  })).jobId
  const submitFrames = async (last: number, overrides: Partial<SubmitRequest> = {}): Promise<string> =>
    submit({ frames: `1-${last}`, sceneInfo: sceneInfo({ frameStart: 1, frameEnd: last, resolutionX: 64, resolutionY: 48 }), ...overrides })
  return { address, out, client, submit, submitFrames }
}

async function framesDone (farm: Farm, jobId: string): Promise<number> {
  return (await farm.client.listJobs()).find(job => job.id === jobId)?.framesDone ?? -1
}

async function frameFiles (farm: Farm, jobId: string): Promise<string[]> {
  return (await readdir(path.join(farm.out, `job_${jobId}`)).catch(() => [])).filter(name => name.startsWith('frame_'))
}

test('forged frames: a peer not rendering a frame cannot deliver it, and bytes that are not an image of the job never count', async (t) => {
  const farm = await startFarm(t)
  const jobId = await farm.submit({})

  // A stranger (no session, no task) sends frame 2 with a true hash over text.
  const stranger = await HostilePeer.start(t, farm.address)
  const forged = await stranger.uploadFrame(jobId, 2, Buffer.from('this is not a PNG'))
  t.like(forged, { type: 'error' })
  t.regex(forged.type === 'error' ? forged.message : '', /frame 2 of job \d+ was not handed to this node/)

  // A node that holds frame 1 sends text, then a PNG of the wrong size.
  const liar = await HostilePeer.start(t, farm.address)
  const session = await liar.session('liar')
  const first = await session.askForTask()
  t.like(first, { kind: 'render', frames: [1] })
  const text = await liar.uploadFrame(jobId, 1, Buffer.from('this is not a PNG'))
  t.regex(text.type === 'error' ? text.message : '', /refused: it is not a PNG image/)
  await session.send({ type: 'task-finished', taskId: first.taskId })
  const second = await session.askForTask()
  const small = await liar.uploadFrame(jobId, second.kind === 'render' ? second.frames[0] ?? 1 : 1, tinyPng('small', 32, 32))
  t.regex(small.type === 'error' ? small.message : '', /refused: it is 32×32 pixels, the scene renders 64×48/)

  t.is(await framesDone(farm, jobId), 0, 'nothing counted')
  t.deepEqual(await frameFiles(farm, jobId), [], 'nothing written as a frame')
  const job = (await farm.client.listJobs()).find(j => j.id === jobId)
  t.is(job?.framesFailed, 0, 'the frames go back in line for other nodes')
})

test('copies of one frame arriving together: exactly one counts, and it is the one on disk', async (t) => {
  const farm = await startFarm(t)
  // Two frames: the job stays active while the copies of frame 1 arrive.
  const jobId = await farm.submitFrames(2, { chunk: 2 })
  const node = await HostilePeer.start(t, farm.address)
  const session = await node.session('racer')
  await session.askForTask()
  // As many as one peer may upload at once (24 were sent when the race was found; the limit came later).
  const copies = Array.from({ length: STREAM_LIMITS.upload.perPeer }, (_, i) => tinyPng('frame 1', 64, 48, 10 + i))
  const answers = await Promise.all(copies.map(async bytes => node.uploadFrame(jobId, 1, bytes)))
  const counted = answers.flatMap((answer, i) => answer.type === 'frame-stored' && !answer.duplicate ? [i] : [])
  t.is(counted.length, 1, `answers: ${answers.map(a => a.type === 'frame-stored' ? String(a.duplicate) : a.type).join(',')}`)
  t.true(answers.every(a => a.type === 'frame-stored'), 'the others are told they are duplicates')
  const onDisk = await readFile(path.join(farm.out, `job_${jobId}`, (await frameFiles(farm, jobId))[0] ?? 'none'))
  t.is(pngGrey(onDisk), 10 + (counted[0] ?? -1), 'the file on disk is the copy that was counted')
  t.is(await framesDone(farm, jobId), 1)
})

test('hoarding: a peer asking thousands of times holds one task and one in line; an honest node gets the rest', async (t) => {
  const farm = await startFarm(t)
  const jobId = await farm.submitFrames(12, { priority: 1000 })
  const hoarder = await (await HostilePeer.start(t, farm.address)).session('hoarder')
  await Promise.all(Array.from({ length: 5000 }, async () => hoarder.send({ type: 'request-work' })))
  t.is(await HostilePeer.drain(hoarder, 'assign', 2000), 2)
  const honest = await (await HostilePeer.start(t, farm.address)).session('honest')
  const task = await honest.askForTask()
  t.like(task, { jobId, kind: 'render' })
  t.deepEqual(task.kind === 'render' ? task.frames : [], [3])
})

test('a submit the coordinator would refuse is refused before its bytes move, and leaves nothing stored', async (t) => {
  const farm = await startFarm(t)
  const error = await t.throwsAsync(farm.submit({ frames: undefined, sceneInfo: sceneInfo({ frameStart: -5, frameEnd: 4 }) }))
  t.regex(error?.message ?? '', /^the scene starts at frame -5; MicroFarm renders frames from 0 up/)
  const stored = await readdir(path.join(farm.out, '.microfarm', 'content')).catch(() => [])
  t.deepEqual(stored.filter(name => !name.startsWith('.')), [], 'no file of the refused job was stored')
  t.deepEqual(await farm.client.listJobs(), [])
})

test('a peer that takes an offline node\'s name gets a name of its own, and its failures blocklist only itself', async (t) => {
  const farm = await startFarm(t)
  const jobId = await farm.submitFrames(8, { chunk: 3 })
  const desk = await HostilePeer.start(t, farm.address)
  const first = await desk.session('desk')
  await first.close()
  const impostor = await (await HostilePeer.start(t, farm.address)).session('desk')
  // desk is back (online, so the job still has a node that may render it).
  const back = await desk.session('desk')
  // Three frames of its task fail: enough to blocklist a node.
  const task = await impostor.askForTask()
  for (const frame of task.kind === 'render' ? task.frames : []) {
    await impostor.send({ type: 'frame-failed', taskId: task.taskId, jobId, frame, error: 'Error: forged' })
  }
  await impostor.send({ type: 'task-finished', taskId: task.taskId })
  const blocklisted = await waitFor('the impostor to be blocklisted', async () => {
    const job = (await farm.client.listJobs()).find(j => j.id === jobId)
    return Object.keys(job?.blocklist ?? {}).length > 0 ? job : undefined
  }, 10_000, 50)
  t.deepEqual(Object.keys(blocklisted.blocklist), ['desk#2'])
  t.is(blocklisted.state, 'active')
  t.like(await back.askForTask(), { jobId, kind: 'render' })
})

test('uploads held open by one peer: past its limit it is told to send later, and other peers are still served', async (t) => {
  const farm = await startFarm(t)
  const jobId = await farm.submitFrames(12, { chunk: 10 })
  const hog = await HostilePeer.start(t, farm.address)
  const session = await hog.session('hog')
  const task = await session.askForTask()
  const frames = task.kind === 'render' ? task.frames : []
  const held = await Promise.all(frames.slice(0, 8).map(async frame => hog.stalledUpload(jobId, frame, 1000)))
  t.teardown(() => { held.forEach(upload => { upload.close() }) })
  t.true(held.every(upload => upload.answer.type === 'send-frame'), 'eight uploads under way')
  const ninth = await hog.stalledUpload(jobId, frames[8] ?? 9, 1000)
  ninth.close()
  t.like(ninth.answer, { type: 'retry-later' })
  t.regex(ninth.answer.type === 'retry-later' ? ninth.answer.message : '', /too many uploads from this peer at once \(at most 8\)/)
  // Another peer is served as ever.
  const other = await (await HostilePeer.start(t, farm.address)).session('other')
  t.like(await other.askForTask(), { jobId })
  t.true((await farm.client.listJobs()).length === 1)
})
