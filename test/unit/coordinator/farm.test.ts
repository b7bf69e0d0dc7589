import { mkdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { CoordinatorEvents } from '../../../src/coordinator/events.js'
import type { CoordinatorEvent } from '../../../src/coordinator/events.js'
import { Farm, JobControlError, JobNotSavedError, UnknownJobError } from '../../../src/coordinator/farm.js'
import { newNodeSession } from '../../../src/coordinator/node-registry.js'
import type { NodeSession } from '../../../src/coordinator/node-registry.js'
import { framesByNode, framesIn } from '../../../src/jobs/job.js'
import { frameInvariantViolations } from '../../../src/jobs/frame-record.js'
import type { CoordinatorToNode, SubmitRequest, Task } from '../../../src/protocol/messages.js'
import { JobStore } from '../../../src/store/job-store.js'
import { parseManifest } from '../../../src/store/manifest.js'
import { projectManifest, sceneInfo, submitRequest } from '../../helpers/job-fixtures.js'
import { tempFolder } from '../../helpers/temp-folder.js'
import { tempFarm } from '../../helpers/temp-farm.js'
import { waitFor } from '../../helpers/cli.js'

interface FakeNode extends NodeSession {
  sent: CoordinatorToNode[]
  disconnects: string[]
}

function fakeNode (id: string, name = id): FakeNode {
  const sent: CoordinatorToNode[] = []
  const disconnects: string[] = []
  const session = newNodeSession({
    id,
    name,
    cores: 8,
    blenderVersion: '4.2.0',
    platform: 'linux',
    send: (message) => { sent.push(message) },
    disconnect: (reason) => { disconnects.push(reason) },
  })
  return Object.assign(session, { sent, disconnects })
}

/** Two nodes with known speeds: fast delivered 10 frames at 0.1 s (and one just now), slow 2 at 1 s. */
function fastAndSlow (farm: Farm): { fast: FakeNode, slow: FakeNode } {
  const fast = Object.assign(fakeNode('peer-fast', 'fast'), { framesDone: 10, frameSeconds: 1, lastFrameAt: Date.now() })
  const slow = Object.assign(fakeNode('peer-slow', 'slow'), { framesDone: 2, frameSeconds: 2 })
  farm.nodeJoined(fast)
  farm.nodeJoined(slow)
  return { fast, slow }
}

/** Tasks assigned to a node so far. */
function assigned (node: FakeNode): Task[] {
  return node.sent.flatMap(message => message.type === 'assign' ? [message.task] : [])
}

function frames (task: Task | undefined): number[] {
  if (task?.kind !== 'render') throw new Error(`expected a render task, got ${task?.kind ?? 'nothing'}`)
  return task.frames
}

/** The node asks for work and fails the oldest frame it renders, again and again, until the job fails (at most 20 rounds). */
function failUntilJobFails (farm: Farm, node: FakeNode, jobId: string, errors: readonly string[]): void {
  for (let step = 0; step < 20 && farm.job(jobId).state !== 'failed'; step++) {
    farm.requestWork(node.id)
    const oldest = assigned(node).map(frames).flat().find(frame => farm.job(jobId).frames[frame]?.state === 'rendering')
    farm.frameFailed(node.id, jobId, oldest ?? 0, errors[step % errors.length] ?? 'Error: boom')
    // As a real node does: a task whose frames are all through is finished (its slot on the node is free).
    for (const task of assigned(node)) {
      if (task.kind === 'render' && task.frames.every(frame => farm.job(jobId).frames[frame]?.state !== 'rendering')) farm.taskFinished(node.id, task.taskId)
    }
  }
}

interface Setup { farm: Farm, store: JobStore, events: CoordinatorEvent[] }

async function setup (t: ExecutionContext): Promise<Setup> {
  return tempFarm(t, 'mf-farm-')
}

async function submit (farm: Farm, overrides: Partial<SubmitRequest> = {}): Promise<string> {
  return (await farm.submit(submitRequest({ frames: '1-6', chunk: 2, ...overrides }), projectManifest())).id
}

test('a node that asks for work gets an assign with the first chunk', async (t) => {
  const { farm, events } = await setup(t)
  const jobId = await submit(farm)
  const node = fakeNode('peer-a', 'a')
  farm.nodeJoined(node)
  t.deepEqual(node.sent, [])
  farm.requestWork('peer-a')
  t.is(node.sent.length, 1)
  const task = assigned(node)[0]
  t.like(task, { kind: 'render', jobId, format: 'PNG' })
  t.deepEqual(frames(task), [1, 2])
  t.true(node.tasks.has(task?.taskId ?? ''))
  t.is(node.wants, 0)
  t.true(events.some(event => event.type === 'task-assigned' && event.nodeName === 'a' && event.frames.join() === '1,2'))
})

test('a second node gets the next chunk, and task ids differ', async (t) => {
  const { farm } = await setup(t)
  await submit(farm)
  const a = fakeNode('peer-a')
  const b = fakeNode('peer-b')
  farm.nodeJoined(a)
  farm.nodeJoined(b)
  farm.requestWork('peer-a')
  farm.requestWork('peer-b')
  t.deepEqual(frames(assigned(a)[0]), [1, 2])
  t.deepEqual(frames(assigned(b)[0]), [3, 4])
  t.not(assigned(a)[0]?.taskId, assigned(b)[0]?.taskId)
})

test('a node that asked while there was no work gets it when a job arrives', async (t) => {
  const { farm } = await setup(t)
  const node = fakeNode('peer-a')
  farm.nodeJoined(node)
  farm.requestWork('peer-a')
  t.deepEqual(node.sent, [])
  const jobId = await submit(farm)
  t.is(assigned(node)[0]?.jobId, jobId)
})

test('requests from unknown nodes are ignored', async (t) => {
  const { farm } = await setup(t)
  await submit(farm)
  t.notThrows(() => { farm.requestWork('peer-nobody') })
  t.deepEqual(framesIn(farm.job('1'), 'rendering'), [])
})

test('frameStored counts the first copy and reports progress', async (t) => {
  const { farm, store, events } = await setup(t)
  const jobId = await submit(farm, { frames: '1-2' })
  const node = fakeNode('peer-a', 'a')
  farm.nodeJoined(node)
  farm.requestWork('peer-a')
  t.is(farm.frameStored(jobId, 1, 'peer-a'), 'counted')
  t.is(farm.frameStored(jobId, 1, 'peer-a'), 'duplicate')
  t.is(node.framesDone, 1)
  t.like(events.find(event => event.type === 'frame-done'), { type: 'frame-done', jobId, frame: 1, nodeName: 'a', done: 1, total: 2 })
  t.is(farm.frameStored(jobId, 2, 'peer-a'), 'counted')
  t.is(farm.job(jobId).state, 'completed')
  t.true(events.some(event => event.type === 'job-completed' && event.jobId === jobId && event.missing === 0))
  await store.drain()
  const manifest = store.layout.manifestPath(jobId)
  t.is(parseManifest(await readFile(manifest, 'utf8'), manifest).state, 'completed')
})

test('a node that leaves has its frames requeued and handed to a waiting node', async (t) => {
  const { farm, events } = await setup(t)
  const jobId = await submit(farm, { frames: '1-4' })
  const a = fakeNode('peer-a', 'a')
  const b = fakeNode('peer-b', 'b')
  farm.nodeJoined(a)
  farm.nodeJoined(b)
  farm.requestWork('peer-a')
  farm.requestWork('peer-b')
  farm.frameStored(jobId, 3, 'peer-b')
  // b asks again; nothing is left until a goes away.
  farm.requestWork('peer-b')
  t.is(assigned(b).length, 1)
  farm.nodeLeft('peer-a', 'no heartbeat for 15 s')
  t.deepEqual(a.disconnects, ['no heartbeat for 15 s'])
  t.deepEqual(frames(assigned(b)[1]), [1, 2])
  t.like(events.find(event => event.type === 'node-left'), { nodeId: 'peer-a', name: 'a', requeued: 2 })
  t.is(farm.nodes.get('peer-a'), undefined)
  t.deepEqual(framesIn(farm.job(jobId), 'done'), [3])
})

test('a stale session ending does not remove the node that replaced it', async (t) => {
  const { farm } = await setup(t)
  const old = fakeNode('peer-a')
  const current = fakeNode('peer-a')
  farm.nodeJoined(old)
  farm.nodeJoined(current)
  farm.nodeLeft('peer-a', 'disconnected', old)
  t.is(farm.nodes.get('peer-a'), current)
})

test('cancel sends cancel-job to the nodes rendering the job, and only to them', async (t) => {
  const { farm } = await setup(t)
  const jobId = await submit(farm, { frames: '1-4', priority: 10 })
  const otherId = await submit(farm, { frames: '1-4' })
  const a = fakeNode('peer-a')
  const b = fakeNode('peer-b')
  const c = fakeNode('peer-c')
  for (const node of [a, b, c]) farm.nodeJoined(node)
  for (const id of ['peer-a', 'peer-b', 'peer-c']) farm.requestWork(id)
  t.is(assigned(c)[0]?.jobId, otherId)
  const message = await farm.control(jobId, 'cancel')
  t.regex(message, /cancelled \(0 frame\(s\) stopped mid-render, 4 waiting on nodes handed back\)/, 'no node said it had started one')
  for (const node of [a, b]) t.deepEqual(node.sent.at(-1), { type: 'cancel-job', jobId, reason: 'job cancel' })
  t.false(c.sent.some(sent => sent.type === 'cancel-job'))
  t.is(farm.job(jobId).state, 'cancelled')
})

test('pause stops the nodes; resume hands the frames out again', async (t) => {
  const { farm } = await setup(t)
  const jobId = await submit(farm, { frames: '1-2' })
  const a = fakeNode('peer-a')
  farm.nodeJoined(a)
  farm.requestWork('peer-a')
  await farm.control(jobId, 'pause')
  t.like(a.sent.at(-1), { type: 'cancel-job', jobId })
  farm.requestWork('peer-a')
  t.is(assigned(a).length, 1)
  await farm.control(jobId, 'resume')
  t.deepEqual(frames(assigned(a)[1]), [1, 2])
})

test('a control that does not fit throws JobControlError; an unknown job UnknownJobError', async (t) => {
  const { farm } = await setup(t)
  const jobId = await submit(farm)
  await t.throwsAsync(farm.control(jobId, 'resume'), { instanceOf: JobControlError })
  await t.throwsAsync(farm.control('99', 'cancel'), { instanceOf: UnknownJobError, message: /no job 99/ })
})

test('refuseFrame explains unknown jobs and frames and finished jobs', async (t) => {
  const { farm } = await setup(t)
  const jobId = await submit(farm, { frames: '1-4' })
  t.is(farm.refuseFrame(jobId, 2, 'peer-a'), `frame 2 of job ${jobId} was not handed to this node`)
  farm.nodeJoined(fakeNode('peer-a', 'a'))
  farm.requestWork('peer-a')
  t.is(farm.refuseFrame(jobId, 2, 'peer-a'), undefined)
  t.is(farm.refuseFrame('99', 2, 'peer-a'), 'no job 99')
  t.is(farm.refuseFrame(jobId, 50, 'peer-a'), `job ${jobId} has no frame 50`)
  await farm.control(jobId, 'pause')
  t.is(farm.refuseFrame(jobId, 2, 'peer-a'), `job ${jobId} is paused`)
  await farm.control(jobId, 'cancel')
  t.is(farm.refuseFrame(jobId, 2, 'peer-a'), `job ${jobId} is cancelled`)
})

// Issue 11, finding 2: any peer could upload any frame of a running job.
test('only the node a frame was handed to may deliver it, also after the frame went back in line', async (t) => {
  const { farm } = await setup(t)
  const jobId = await submit(farm, { frames: '1-4', chunk: 2 })
  farm.nodeJoined(fakeNode('peer-a', 'a'))
  farm.nodeJoined(fakeNode('peer-b', 'b'))
  farm.requestWork('peer-a')
  t.is(farm.refuseFrame(jobId, 1, 'peer-b'), `frame 1 of job ${jobId} was not handed to this node`)
  t.is(farm.refuseFrame(jobId, 3, 'peer-a'), `frame 3 of job ${jobId} was not handed to this node`)
  farm.nodeLeft('peer-a', 'gone')
  t.is(farm.job(jobId).frames[1]?.state, 'pending')
  t.is(farm.refuseFrame(jobId, 1, 'peer-a'), undefined, 'a rendered it: its late copy is welcome')
  t.is(farm.refuseFrame(jobId, 1, 'peer-b'), `frame 1 of job ${jobId} was not handed to this node`)
  farm.frameStored(jobId, 1, 'peer-a')
  t.is(farm.refuseFrame(jobId, 1, 'peer-b'), undefined, 'a frame already done is a duplicate, not an error')
})

test('a failed frame is retried on another waiting node', async (t) => {
  const { farm, events } = await setup(t)
  const jobId = await submit(farm, { frames: '1', chunk: 1 })
  const a = fakeNode('peer-a', 'a')
  const b = fakeNode('peer-b', 'b')
  farm.nodeJoined(a)
  farm.nodeJoined(b)
  farm.requestWork('peer-a')
  farm.requestWork('peer-b')
  t.is(assigned(b).length, 0)
  farm.frameFailed('peer-a', jobId, 1, 'Error: Cannot render, no camera')
  t.like(events.find(event => event.type === 'frame-failed'), { frame: 1, nodeName: 'a', willRetry: true })
  t.deepEqual(frames(assigned(b)[0]), [1])
})

test('taskFinished with frames neither delivered nor reported counts them as failed', async (t) => {
  const { farm } = await setup(t)
  const jobId = await submit(farm, { frames: '1-2' })
  const a = fakeNode('peer-a', 'a')
  farm.nodeJoined(a)
  farm.requestWork('peer-a')
  const taskId = assigned(a)[0]?.taskId ?? ''
  farm.frameStored(jobId, 1, 'peer-a')
  farm.taskFinished('peer-a', taskId)
  t.false(a.tasks.has(taskId))
  t.like(farm.job(jobId).frames[2], { state: 'pending', failures: 1, error: 'the node finished its task without delivering this frame' })
})

test('a job without a frame range is probed first, then rendered', async (t) => {
  const { farm } = await setup(t)
  const jobId = await submit(farm, { frames: undefined, chunk: 3 })
  const a = fakeNode('peer-a')
  farm.nodeJoined(a)
  farm.requestWork('peer-a')
  const probe = assigned(a)[0]
  t.like(probe, { kind: 'probe', jobId })
  farm.requestWork('peer-a')
  t.is(assigned(a).length, 1)
  farm.sceneInfo('peer-a', probe?.taskId ?? '', jobId, sceneInfo({ frameStart: 1, frameEnd: 4 }))
  t.deepEqual(frames(assigned(a)[1]), [1, 2, 3])
})

test('scene info from a node that does not hold the probe is ignored', async (t) => {
  const { farm } = await setup(t)
  const jobId = await submit(farm, { frames: undefined })
  const a = fakeNode('peer-a')
  farm.nodeJoined(a)
  farm.requestWork('peer-a')
  farm.sceneInfo('peer-b', assigned(a)[0]?.taskId ?? '', jobId, sceneInfo())
  farm.sceneInfo('peer-a', 'some-other-task', jobId, sceneInfo())
  t.deepEqual(farm.job(jobId).frames, {})
})

// Farm.dispatch returns as soon as one waiting node gets no task, so nodes
// after it in the registry are never served: here `a` may not take frame 1
// (it failed there, and b could take it), and b waits forever behind a.
test('a waiting node that gets nothing does not keep later nodes from work', async (t) => {
  const { farm } = await setup(t)
  const jobId = await submit(farm, { frames: '1', chunk: 1 })
  const a = fakeNode('peer-a', 'a')
  const b = fakeNode('peer-b', 'b')
  farm.nodeJoined(a)
  farm.nodeJoined(b)
  farm.requestWork('peer-a')
  farm.frameFailed('peer-a', jobId, 1, 'out of memory')
  farm.requestWork('peer-a')
  farm.requestWork('peer-b')
  t.deepEqual(frames(assigned(b)[0]), [1])
})

test('near the end, a slow node waits while a fast one can render the last frames sooner; it gets them when the fast one leaves', async (t) => {
  const { farm } = await setup(t)
  const jobId = await submit(farm, { frames: '1-3', chunk: 1 })
  const { fast, slow } = fastAndSlow(farm)
  farm.requestWork('peer-fast')
  t.deepEqual(frames(assigned(fast)[0]), [1])
  farm.requestWork('peer-slow')
  t.deepEqual(assigned(slow), [], 'frames 2 and 3 end sooner on the fast node (0.1 s each) than one frame on the slow one (1 s)')
  t.is(slow.wants, 1, 'its request stays open')
  farm.requestWork('peer-fast')
  t.deepEqual(frames(assigned(fast)[1]), [2])
  farm.nodeLeft('peer-fast', 'test')
  t.deepEqual(assigned(slow).map(frames), [[1]], 'with the fast node gone, the slow one is all there is')
  t.is(farm.job(jobId).frames[1]?.nodeId, 'peer-slow')
})

test('a frame that failed on the fast node is not held back from the slow one', async (t) => {
  const { farm } = await setup(t)
  const jobId = await submit(farm, { frames: '1-3', chunk: 1 })
  const { slow } = fastAndSlow(farm)
  farm.requestWork('peer-fast')
  farm.requestWork('peer-fast')
  farm.frameFailed('peer-fast', jobId, 2, 'Blender crashed')
  // Frame 2 is steered away from fast, where it failed: only slow may take it.
  farm.requestWork('peer-slow')
  t.deepEqual(assigned(slow).map(frames), [[2]])
})

test('a slow node held back from one job\'s last frames takes frames of the next job', async (t) => {
  const { farm } = await setup(t)
  const urgent = await submit(farm, { frames: '1-2', chunk: 1, priority: 10 })
  const later = await submit(farm, { frames: '1-10', chunk: 1, priority: 0 })
  const { fast, slow } = fastAndSlow(farm)
  farm.requestWork('peer-fast')
  t.like(assigned(fast)[0], { jobId: urgent, frames: [1] })
  farm.requestWork('peer-slow')
  t.like(assigned(slow)[0], { jobId: later, frames: [1] }, 'frame 2 of the urgent job is left to the fast node')
  farm.requestWork('peer-fast')
  t.like(assigned(fast)[1], { jobId: urgent, frames: [2] })
})

test('concurrent submits get distinct job ids; a deleted job\'s id is not given again', async (t) => {
  const { farm, store } = await setup(t)
  const ids = await Promise.all([1, 2, 3, 4].map(async () => submit(farm)))
  t.deepEqual([...ids].sort(), ['1', '2', '3', '4'])
  t.is(farm.jobs.size, 4, 'no job replaced another')
  for (const id of ids) t.is(parseManifest(await readFile(store.layout.manifestPath(id), 'utf8'), id).id, id)
  await farm.deleteJob('4')
  t.is(await submit(farm), '5')
})

test('a control is acknowledged only once its state is on disk; a failed write is retried', async (t) => {
  const { farm, store } = await setup(t)
  const jobId = await submit(farm)
  const manifest = store.layout.manifestPath(jobId)
  // A folder where the manifest goes: every write of it fails.
  await rm(manifest)
  await mkdir(path.join(manifest, 'blocker'), { recursive: true })
  await t.throwsAsync(farm.control(jobId, 'cancel'), { instanceOf: JobNotSavedError, message: /job 1 is cancelled now, but its manifest could not be written/ })
  await rm(manifest, { recursive: true })
  const saved = await waitFor('the manifest written again', async () => {
    try {
      return parseManifest(await readFile(manifest, 'utf8'), manifest)
    } catch {
      return undefined
    }
  }, 10_000)
  t.is(saved.state, 'cancelled')
})

test('a job no node may render any more fails with Blender\'s own message, and the frames still rendering are stopped', async (t) => {
  const { farm } = await setup(t)
  const jobId = await submit(farm, { frames: '1-6', chunk: 1 })
  const a = fakeNode('peer-a', 'a')
  farm.nodeJoined(a)
  // a holds two frames at once (a prefetch); each time the older one fails in Blender, until a is blocklisted.
  farm.requestWork('peer-a')
  failUntilJobFails(farm, a, jobId, ['Error: Cannot render, no camera', 'Error: Out of GPU memory'])
  const job = farm.job(jobId)
  t.is(job.state, 'failed')
  t.regex(job.error ?? '', /^no node may render it any more; last error: frame \d+ on a: Error: (Cannot render, no camera|Out of GPU memory)$/)
  t.notRegex(job.error ?? '', /undefined/)
  t.true(a.sent.some(m => m.type === 'cancel-job' && m.jobId === jobId), 'the frame a was still rendering is stopped')
  t.true(Object.values(job.frames).every(f => f.nodeId === undefined && f.taskId === undefined), 'no frame is left assigned to a node')
})

test('retry of a job every node is blocklisted for renders it again, as activate does, instead of leaving it active forever', async (t) => {
  const { farm } = await setup(t)
  for (const action of ['retry', 'activate'] as const) {
    const jobId = await submit(farm, { frames: '1-3', chunk: 1 })
    const node = fakeNode(`peer-${action}`, action)
    farm.nodeJoined(node)
    failUntilJobFails(farm, node, jobId, ['Error: boom'])
    t.is(farm.job(jobId).state, 'failed')
    const before = assigned(node).length
    await farm.control(jobId, action)
    farm.requestWork(node.id)
    t.is(farm.job(jobId).state, 'active', action)
    t.true(assigned(node).length > before, `${action}: the node renders the job again`)
    farm.nodeLeft(node.id, 'next case')
  }
})

test('two nodes with the same name are two nodes: vm and vm#2, with their own counts and blocklists', async (t) => {
  const { farm } = await setup(t)
  const jobId = await submit(farm, { frames: '1-2', chunk: 1 })
  const first = fakeNode('peer-1', 'vm')
  const second = fakeNode('peer-2', 'vm')
  farm.nodeJoined(first)
  farm.nodeJoined(second)
  t.deepEqual(farm.nodes.all().map(n => n.name), ['vm', 'vm#2'])
  farm.requestWork('peer-1')
  farm.requestWork('peer-2')
  farm.frameStored(jobId, frames(assigned(first)[0])[0] ?? 0, 'peer-1')
  farm.frameStored(jobId, frames(assigned(second)[0])[0] ?? 0, 'peer-2')
  t.deepEqual(framesByNode(farm.job(jobId)), { vm: 1, 'vm#2': 1 })
  // The first leaves and comes back: its name is free again.
  farm.nodeLeft('peer-1', 'gone')
  farm.nodeJoined(fakeNode('peer-1', 'vm'))
  t.deepEqual(farm.nodes.all().map(n => n.name).sort(), ['vm', 'vm#2'])
})

test('frame records stay consistent through any sequence of events (seeded random walk, invariants after every step)', async (t) => {
  const { farm } = await setup(t)
  // A small deterministic generator: the same walk on every run, and a failure names its seed.
  for (const seed of [1, 2, 3, 4, 5]) {
    let state = seed
    const random = (n: number): number => { state = (state * 1103515245 + 12345) % 2147483648; return state % n }
    const jobIds = [await submit(farm, { frames: '1-8', chunk: 2 }), await submit(farm, { frames: '1-5', chunk: 1, priority: 3 })]
    const nodes = ['a', 'b', 'c'].map(name => fakeNode(`peer-${seed}-${name}`, `${name}${seed}`))
    for (const node of nodes) farm.nodeJoined(node)
    for (let step = 0; step < 300; step++) {
      const node = nodes[random(nodes.length)] as FakeNode
      const jobId = jobIds[random(jobIds.length)] as string
      const holding = Object.entries(farm.job(jobId).frames).filter(([, r]) => r.nodeId === node.id || r.backupNodeId === node.id).map(([f]) => Number(f))
      const frame = holding[random(Math.max(holding.length, 1))]
      switch (random(7)) {
        case 0: case 1: farm.requestWork(node.id); break
        case 2: if (frame !== undefined) farm.frameStored(jobId, frame, node.id); break
        case 3: if (frame !== undefined) farm.frameFailed(node.id, jobId, frame, 'Error: boom'); break
        case 4: farm.nodeLeft(node.id, 'walk'); farm.nodeJoined(node); break
        case 5: await farm.control(jobId, (['pause', 'resume', 'activate', 'retry', 'cancel'] as const)[random(5)] ?? 'pause').catch(() => undefined); break
        default: for (const task of assigned(node)) farm.taskFinished(node.id, task.taskId)
      }
      for (const id of jobIds) {
        const problems = frameInvariantViolations(farm.job(id))
        if (problems.length > 0) t.fail(`seed ${seed}, step ${step}, job ${id}: ${problems.join('; ')}`)
      }
    }
    for (const node of nodes) farm.nodeLeft(node.id, 'done')
  }
  t.pass()
})

test('one clock: heartbeats and frame timings follow the farm\'s injected clock, not the wall clock', async (t) => {
  const store = new JobStore(await tempFolder(t, 'mf-farm-'))
  await store.init()
  t.teardown(async () => { await store.drain() })
  let now = Date.UTC(2026, 0, 1)
  const farm = new Farm({ policy: { maxAttempts: 3, blocklistAfter: 3 }, now: () => new Date(now) }, { store, events: new CoordinatorEvents() })
  const jobId = (await farm.submit(submitRequest({ frames: '1-2', chunk: 1 }), projectManifest())).id
  const node = fakeNode('peer-a', 'a')
  farm.nodeJoined(node)
  farm.requestWork('peer-a')
  now += 4000
  farm.frameStored(jobId, frames(assigned(node)[0])[0] ?? 0, 'peer-a')
  t.is(node.frameSeconds, 4, 'the frame took four seconds of the farm\'s clock')
  farm.heartbeat('peer-a')
  now += 14_000
  farm.checkHeartbeats(15_000)
  t.is(farm.nodes.size, 1, 'silent 14 s of the farm\'s clock: still there')
  now += 2000
  farm.checkHeartbeats(15_000)
  t.is(farm.nodes.size, 0, 'silent 16 s: dropped')
})

test('truthful counts: frames handed to a node are queued there, rendering, or uploading, as it says; pause says how many were in Blender', async (t) => {
  const { farm } = await setup(t)
  const jobId = await submit(farm, { frames: '1-10', chunk: 10 })
  const node = fakeNode('peer-a', 'a')
  farm.nodeJoined(node)
  farm.requestWork('peer-a')
  const job = farm.job(jobId)
  t.deepEqual(farm.phases.counts(job), { rendering: 0, uploading: 0, queued: 10 })
  farm.framePhase('peer-a', jobId, 1, 'rendering')
  farm.framePhase('peer-a', jobId, 1, 'uploading')
  farm.framePhase('peer-a', jobId, 2, 'rendering')
  farm.framePhase('peer-b', jobId, 3, 'rendering')
  t.deepEqual(farm.phases.counts(job), { rendering: 1, uploading: 1, queued: 8 }, 'a node that does not hold a frame is not believed')
  t.is(await farm.control(jobId, 'pause'), 'job 1 paused (1 frame(s) stopped mid-render, 9 waiting on nodes handed back)')
  t.deepEqual(farm.phases.counts(job), { rendering: 0, uploading: 0, queued: 0 })
})

/** Wraps the job's frame records so every read of one (or of the list) is counted. */
function countReads (farm: Farm, jobId: string): { reads: number } {
  const counter = { reads: 0 }
  const job = farm.job(jobId)
  job.frames = new Proxy(job.frames, {
    get (target, key, receiver) { counter.reads++; return Reflect.get(target, key, receiver) },
    ownKeys (target) { counter.reads += Object.keys(target).length; return Reflect.ownKeys(target) },
  })
  return counter
}

// Issue 11, finding 1: every request walked every frame of every unfinished
// job (paused ones too); three paused jobs of 100 000 frames and a burst of 60
// requests froze the coordinator for 10 s. Counted in records read, not time.
test('a burst of work requests costs what it hands out, not what the jobs hold', async (t) => {
  const { farm } = await setup(t)
  const paused = [await submit(farm, { frames: '1-100000', chunk: 1 }), await submit(farm, { frames: '1-100000', chunk: 1 }), await submit(farm, { frames: '1-100000', chunk: 1 })]
  for (const id of paused) await farm.control(id, 'pause')
  const active = await submit(farm, { frames: '1-100000', chunk: 1 })
  const node = fakeNode('peer-burst', 'burst')
  farm.nodeJoined(node)
  const counters = [...paused, active].map(id => countReads(farm, id))
  // The first request after the records were wrapped may look at each job once.
  farm.requestWork(node.id)
  for (const counter of counters) counter.reads = 0
  for (let i = 0; i < 60; i++) farm.requestWork(node.id)
  const reads = counters.reduce((sum, c) => sum + c.reads, 0)
  // Each request looks at the few frames the node holds (is a task of it uploading?), never at the jobs' 400 000.
  t.true(reads < 60 * 10, `60 requests read ${reads} frame records`)
  t.is(assigned(node).length, 2, 'one task and one in line, however often it asks')
  t.is(node.wants, 1, 'a request that stands replaces the ones before it')
  t.deepEqual(frameInvariantViolations(farm.job(active)), [])
})

// Issue 11, findings 9 and 10: a submit the coordinator would refuse is refused before its bytes move.
test('a submit is checked before its bytes: frames it cannot render, and work past the limits', async (t) => {
  const { farm } = await setup(t)
  t.throws(() => { farm.checkSubmit(submitRequest({ frames: undefined, sceneInfo: sceneInfo({ frameStart: -5, frameEnd: 10 }) })) }, { name: 'FrameRangeError', message: /starts at frame -5/ })
  t.throws(() => { farm.checkSubmit(submitRequest({ frames: '1-200000' })) }, { name: 'FrameRangeError', message: /more than 100000 frames/ })
  for (let i = 0; i < 10; i++) await submit(farm, { frames: '1-100000' })
  t.throws(() => { farm.checkSubmit(submitRequest({ frames: '1-10' })) }, { name: 'WorkLimitError', message: /would take the frames waiting to render to 1000010, past the most the coordinator queues \(1000000\)/ })
  await t.throwsAsync(submit(farm, { frames: '1-10' }), { name: 'WorkLimitError' })
  t.is(farm.jobs.size, 10)
  await farm.control('1', 'cancel')
  t.notThrows(() => { farm.checkSubmit(submitRequest({ frames: '1-10' })) }, 'a cancelled job no longer counts')
})

// Issue 11, finding 4: a peer sat on a priority job's frames while the real node idled.
test('frames a node shows no work on for the frame timeout go to other nodes; progress keeps them', async (t) => {
  let now = Date.UTC(2026, 11, 1, 12)
  const store = new JobStore(await tempFolder(t, 'mf-farm-'))
  await store.init()
  t.teardown(async () => { await store.drain() })
  const farm = new Farm({ policy: { maxAttempts: 3, blocklistAfter: 3 }, now: () => new Date(now) }, { store, events: new CoordinatorEvents() })
  const jobId = (await farm.submit(submitRequest({ frames: '1-4', chunk: 2 }), projectManifest())).id
  const sitter = fakeNode('peer-sitter', 'sitter')
  const worker = fakeNode('peer-worker', 'worker')
  farm.nodeJoined(sitter)
  farm.nodeJoined(worker)
  farm.requestWork(sitter.id)
  farm.requestWork(worker.id)
  t.deepEqual(frames(assigned(sitter)[0]), [1, 2])
  now += 10 * 60_000
  farm.frameProgress(worker.id, jobId, 3, 5, 10)
  now += 6 * 60_000
  farm.checkStalled(15 * 60_000)
  t.is(farm.job(jobId).frames[1]?.state, 'pending', 'sixteen minutes without a word: taken back')
  t.true(sitter.sent.some(m => m.type === 'drop-frame' && m.frame === 1), 'the sitter is told to drop them')
  t.is(farm.job(jobId).frames[3]?.nodeId, worker.id, 'the worker showed progress six minutes ago: it keeps its frames')
  t.is(sitter.tasks.size, 0, 'the sitter\'s slots are free')
  farm.requestWork(worker.id)
  t.deepEqual(frames(assigned(worker)[1]), [1, 2], 'the frames go to the worker')
  t.deepEqual(frameInvariantViolations(farm.job(jobId)), [])
})

// Found by the fuzz test: a frame-failed about a frame the node does not hold was logged, forgot the
// real holder's progress, and counted as work (keeping a sitter's frames past the frame timeout).
test('a frame-failed about a frame the node does not render changes nothing', async (t) => {
  const { farm, events } = await setup(t)
  const jobId = await submit(farm, { frames: '1-4', chunk: 2 })
  const a = fakeNode('peer-a', 'a')
  const b = fakeNode('peer-b', 'b')
  farm.nodeJoined(a)
  farm.nodeJoined(b)
  farm.requestWork(a.id)
  farm.framePhase(a.id, jobId, 1, 'rendering')
  const before = { lastWorkAt: b.lastWorkAt, events: events.length }
  farm.frameFailed(b.id, jobId, 1, 'Error: a lie about a frame of a')
  farm.frameFailed(b.id, jobId, 999, 'Error: no such frame')
  farm.frameFailed(b.id, jobId, 3, 'Error: a frame nobody holds')
  t.is(events.length, before.events, 'nothing logged')
  t.is(b.lastWorkAt, before.lastWorkAt, 'no sign of work')
  t.is(farm.phases.of(farm.job(jobId), 1), 'rendering', "a's progress is kept")
  t.is(farm.job(jobId).frames[1]?.failures, 0)
})

// Issue 10, soak: a node asks for the frame after next while its last frame
// still uploads; counting that upload as a task to render made 19 000 of
// 20 000 requests wait for the node's own upload. Two such uploads are free;
// more are not, so a node that only says "uploading" cannot gather frames.
test('a node holds two tasks to render, and up to two more whose frames it rendered and is uploading', async (t) => {
  const { farm } = await setup(t)
  const jobId = await submit(farm, { frames: '1-10', chunk: 1 })
  const node = fakeNode('peer-a', 'a')
  farm.nodeJoined(node)
  const ask = (): number[] => { farm.requestWork('peer-a'); return assigned(node).map(frames).flat() }
  ask()
  t.deepEqual(ask(), [1, 2])
  t.deepEqual(ask(), [1, 2], 'two tasks to render: a third waits')
  farm.framePhase('peer-a', jobId, 1, 'uploading')
  t.deepEqual(assigned(node).map(frames).flat(), [1, 2, 3], 'the standing request is answered once frame 1 uploads')
  farm.framePhase('peer-a', jobId, 2, 'uploading')
  t.deepEqual(ask(), [1, 2, 3, 4])
  farm.framePhase('peer-a', jobId, 3, 'uploading')
  t.deepEqual(ask(), [1, 2, 3, 4], 'a third upload does not free a slot')
  farm.framePhase('peer-a', jobId, 1, 'rendering')
  t.deepEqual(ask(), [1, 2, 3, 4])
})
