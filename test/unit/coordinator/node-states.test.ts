import { readFile } from 'node:fs/promises'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { CoordinatorApi } from '../../../src/coordinator/api.js'
import type { Farm } from '../../../src/coordinator/farm.js'
import { newNodeSession } from '../../../src/coordinator/node-registry.js'
import type { NodeSession } from '../../../src/coordinator/node-registry.js'
import { NotYourJobError } from '../../../src/coordinator/ownership.js'
import { frameInvariantViolations } from '../../../src/jobs/frame-record.js'
import type { CoordinatorToNode, Task } from '../../../src/protocol/messages.js'
import { makeJob, projectManifest, submitRequest } from '../../helpers/job-fixtures.js'
import { DispatchFacts } from '../../../src/coordinator/dispatch-estimates.js'
import { tempFarm } from '../../helpers/temp-farm.js'
import type { TempFarm } from '../../helpers/temp-farm.js'

// Drain, disable, enable and unblock as dispatch sees them: the farm with
// stand-in sessions, no network.

interface FakeNode extends NodeSession { sent: CoordinatorToNode[] }

function fakeNode (id: string, name: string, speed: { framesDone?: number, frameSeconds?: number } = {}): FakeNode {
  const sent: CoordinatorToNode[] = []
  const session = newNodeSession({ id, name, cores: 8, blenderVersion: '4.2.0', platform: 'linux', send: (m) => { sent.push(m) }, disconnect: () => {} })
  return Object.assign(session, { sent, ...speed })
}

function assigned (node: FakeNode): Task[] {
  return node.sent.flatMap(message => message.type === 'assign' ? [message.task] : [])
}

function framesOf (node: FakeNode): number[][] {
  return assigned(node).map(task => task.kind === 'render' ? task.frames : [])
}

interface Setup extends TempFarm { api: CoordinatorApi, fast: FakeNode, slow: FakeNode, jobId: string }

/** A job of `frames`, one frame a task, and two nodes of known speed: fast 0.1 s a frame, slow 1 s. */
async function setup (t: ExecutionContext, frames = '1-6'): Promise<Setup> {
  const farm = await tempFarm(t, 'mf-node-states-')
  const jobId = (await farm.farm.submit(submitRequest({ frames, chunk: 1 }), projectManifest())).id
  const fast = fakeNode('peer-fast', 'fast', { framesDone: 10, frameSeconds: 1 })
  const slow = fakeNode('peer-slow', 'slow', { framesDone: 2, frameSeconds: 2 })
  farm.farm.nodeJoined(fast)
  farm.farm.nodeJoined(slow)
  return { ...farm, api: new CoordinatorApi(farm.farm, farm.store), fast, slow, jobId }
}

/** The node delivers every frame it holds, as a real one does, and asks for more. */
function deliverAll (farm: Farm, node: FakeNode, jobId: string): void {
  for (const task of assigned(node)) {
    for (const frame of task.kind === 'render' ? task.frames : []) {
      if (farm.job(jobId).frames[frame]?.nodeId === node.id) farm.frameStored(jobId, frame, node.id)
    }
    farm.taskFinished(node.id, task.taskId)
  }
  farm.requestWork(node.id)
}

// The regression the issue names: a drained node must not count in the tail
// rule, or the slow node waits for frames the drained one will never take.
test('a drained fast node is not waited for: the slow node renders the job\'s last frames, to the end', async (t) => {
  const { farm, api, fast, slow, jobId } = await setup(t)
  await api.nodeState('fast', 'drained')
  farm.requestWork(fast.id)
  t.deepEqual(assigned(fast), [], 'a drained node takes nothing new')
  farm.requestWork(slow.id)
  t.deepEqual(framesOf(slow), [[1]], 'nothing is left for the fast node to render sooner')
  for (let round = 0; round < 10 && farm.job(jobId).state !== 'completed'; round++) deliverAll(farm, slow, jobId)
  t.is(farm.job(jobId).state, 'completed')
  t.deepEqual(framesOf(slow).flat().sort(), [1, 2, 3, 4, 5, 6])
  t.deepEqual(frameInvariantViolations(farm.job(jobId)), [])
})

test('a frame that failed on the only node left is not left to a disabled node', async (t) => {
  const { farm, api, fast, slow, jobId } = await setup(t, '1')
  await api.nodeState('fast', 'disabled')
  farm.requestWork(slow.id)
  farm.frameFailed(slow.id, jobId, 1, 'Error: out of memory')
  farm.taskFinished(slow.id, assigned(slow)[0]?.taskId ?? '')
  farm.requestWork(slow.id)
  t.deepEqual(framesOf(slow), [[1], [1]], 'the disabled fast node, which never failed it, is not counted on to take it')
  t.deepEqual(assigned(fast), [])
})

test('drain: the node keeps what it holds, takes nothing new; enable: it takes work again', async (t) => {
  const { farm, api, fast, jobId } = await setup(t)
  farm.requestWork(fast.id)
  farm.requestWork(fast.id)
  t.deepEqual(framesOf(fast), [[1], [2]])
  t.regex(await api.nodeState('fast', 'drained'), /fast drained: it finishes the frames it holds \(job 1\)/)
  t.false(fast.sent.some(m => m.type === 'drop-frame' || m.type === 'cancel-job'), 'nothing is taken from it')
  t.is(farm.job(jobId).frames[2]?.nodeId, fast.id)
  deliverAll(farm, fast, jobId)
  t.deepEqual(framesOf(fast), [[1], [2]], 'done with what it had, it asked: nothing new')
  t.is(api.listNodes().find(n => n.name === 'fast')?.state, 'drained')
  t.regex(await api.nodeState('fast', 'enabled'), /fast enabled/)
  t.deepEqual(framesOf(fast).length, 3, 'its standing request is answered at once')
})

test('disable: the node\'s frames go to others now, its session stays but gets no work', async (t) => {
  const { farm, api, fast, slow, jobId } = await setup(t)
  farm.requestWork(fast.id)
  farm.requestWork(fast.id)
  t.regex(await api.nodeState('peer-fast', 'disabled'), /fast disabled: 2 frame\(s\) it held go to other nodes/)
  t.deepEqual(fast.sent.flatMap(m => m.type === 'drop-frame' ? [m.frame] : []), [1, 2])
  t.is(farm.job(jobId).frames[1]?.state, 'pending')
  t.is(farm.nodes.get(fast.id), fast, 'still connected')
  farm.requestWork(fast.id)
  t.deepEqual(framesOf(fast).length, 2, 'no new work')
  farm.requestWork(slow.id)
  t.deepEqual(framesOf(slow), [[1]], 'its frames went back in line, first')
  t.deepEqual(frameInvariantViolations(farm.job(jobId)), [])
  t.like(api.listNodes().find(n => n.name === 'fast'), { state: 'disabled', admin: 'disabled', online: true })
})

test('node states are for admins, by name or peer id; an unknown node is said', async (t) => {
  const { api } = await setup(t)
  const stranger = { kind: 'peer', peerId: 'someone' } as const
  await t.throwsAsync(api.nodeState('fast', 'disabled', stranger), { instanceOf: NotYourJobError, message: /only a farm admin/ })
  await t.throwsAsync(api.nodeState('nobody', 'disabled'), { name: 'UnknownNodeError', message: /no node nobody/ })
  t.regex(await api.nodeState('fast', 'enabled'), /was enabled already/)
})

test('states are written by peer id and a farm that loads again remembers them; a node that rejoins is still disabled', async (t) => {
  const { farm, store, api, bus } = await setup(t)
  await api.nodeState('fast', 'disabled')
  await api.nodeState('slow', 'drained')
  await api.nodeState('slow', 'enabled')
  const file = JSON.parse(await readFile(store.layout.nodeStatesPath, 'utf8')) as { nodes: Record<string, { state: string }> }
  t.deepEqual(Object.keys(file.nodes), ['peer-fast'])
  t.is(file.nodes['peer-fast']?.state, 'disabled')
  const { Farm } = await import('../../../src/coordinator/farm.js')
  const again = new Farm({ policy: { maxAttempts: 3, blocklistAfter: 3 } }, { store, events: bus })
  await store.drain()
  await again.load()
  const back = fakeNode('peer-fast', 'fast')
  again.nodeJoined(back)
  t.is(back.withdrawn, 'disabled')
  again.requestWork(back.id)
  t.deepEqual(assigned(back), [])
  t.is(farm.nodes.states.of('peer-slow'), undefined)
})

test('unblock: the node may render the job again, and its old failures no longer count against it', async (t) => {
  // Enough frames that the tail rule does not leave them to the fast node.
  const { farm, api, slow, jobId } = await setup(t, '1-30')
  // Three frames fail on slow: it is blocklisted (policy: after 3).
  for (let i = 0; i < 3; i++) {
    farm.requestWork(slow.id)
    const task = assigned(slow)[i]
    const frame = task?.kind === 'render' ? task.frames[0] ?? 0 : 0
    farm.frameFailed(slow.id, jobId, frame, 'Error: boom')
    farm.taskFinished(slow.id, task?.taskId ?? '')
  }
  t.truthy(farm.job(jobId).blocklist.slow)
  t.deepEqual(api.listNodes().find(n => n.name === 'slow')?.blocklisted, { [jobId]: '3 frames failed on it' })
  const before = assigned(slow).length
  farm.requestWork(slow.id)
  t.is(assigned(slow).length, before, 'blocklisted: nothing')
  const stranger = { kind: 'peer', peerId: 'someone' } as const
  await t.throwsAsync(api.unblock(jobId, 'slow', stranger), { instanceOf: NotYourJobError })
  t.regex(await api.unblock(jobId, 'slow'), /job 1: slow may render it again/)
  t.is(farm.job(jobId).blocklist.slow, undefined)
  t.is(assigned(slow).length, before + 1, 'its standing request is answered')
  // One more failure does not put it back on the list: the three before were forgiven.
  const task = assigned(slow)[before]
  farm.frameFailed(slow.id, jobId, task?.kind === 'render' ? task.frames[0] ?? 0 : 0, 'Error: boom')
  t.is(farm.job(jobId).blocklist.slow, undefined)
  t.regex(await api.unblock(jobId, 'slow'), /slow is not blocklisted on job 1/)
  t.deepEqual(frameInvariantViolations(farm.job(jobId)), [])
})

test('unblock --all clears every entry', async (t) => {
  const { farm, api, jobId } = await setup(t)
  farm.job(jobId).blocklist = { fast: 'x', slow: 'y' }
  t.regex(await api.unblock(jobId, undefined), /fast, slow may render it again/)
  t.deepEqual(farm.job(jobId).blocklist, {})
  t.regex(await api.unblock(jobId, undefined), /has no blocklisted nodes/)
})

test('the tail rule over a view of the farm: a withdrawn node is no contender', (t) => {
  const job = makeJob('1', { frames: '1-3', chunk: 1 })
  const now = Date.now()
  const fast = fakeNode('peer-fast', 'fast', { framesDone: 10, frameSeconds: 1 })
  const slow = fakeNode('peer-slow', 'slow', { framesDone: 2, frameSeconds: 2 })
  const facts = (): DispatchFacts => new DispatchFacts({ jobs: [job], nodes: [fast, slow], tasks: [], now, node: id => [fast, slow].find(n => n.id === id) })
  t.is(facts().jobLeftToOthers(slow), job, 'the fast node would render the 3 frames before the slow one finished one')
  for (const withdrawn of ['drained', 'disabled'] as const) {
    fast.withdrawn = withdrawn
    t.is(facts().jobLeftToOthers(slow), undefined, `${withdrawn}: nothing is left to it`)
  }
})
