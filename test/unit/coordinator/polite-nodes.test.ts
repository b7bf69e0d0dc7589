import test from 'ava'
import { newNodeSession } from '../../../src/coordinator/node-registry.js'
import type { NodeSession } from '../../../src/coordinator/node-registry.js'
import { CoordinatorApi } from '../../../src/coordinator/api.js'
import { frameInvariantViolations } from '../../../src/jobs/frame-record.js'
import type { CoordinatorToNode, Task } from '../../../src/protocol/messages.js'
import { projectManifest, submitRequest } from '../../helpers/job-fixtures.js'
import { tempFarm } from '../../helpers/temp-farm.js'

// The coordinator's side of issue 16 items 2 and 3: a node's schedule, frames
// given back, and the Blender log kept with a frame.

function node (id: string): NodeSession & { sent: CoordinatorToNode[] } {
  const sent: CoordinatorToNode[] = []
  return Object.assign(newNodeSession({ id, name: id, cores: 4, blenderVersion: '4.2.0', platform: 'linux', send: (m) => { sent.push(m) }, disconnect: () => {} }), { sent })
}

const tasks = (n: { sent: CoordinatorToNode[] }): Task[] => n.sent.flatMap(m => m.type === 'assign' ? [m.task] : [])

test('a failed frame\'s Blender lines are kept with it and read back by the API, the last attempt or all', async t => {
  const { farm, store } = await tempFarm(t, 'mf-polite-')
  const api = new CoordinatorApi(farm, store)
  const job = await farm.submit(submitRequest({ frames: '1-2' }), projectManifest())
  const a = node('a')
  farm.nodeJoined(a)
  farm.requestWork(a.id)
  const first = tasks(a)[0]
  if (first?.kind !== 'render') throw new Error('expected a render task')
  farm.frameFailed(a.id, job.id, 1, 'Cannot render, no camera', ['Fra:1 Mem:10M', 'Error: Cannot render, no camera'])
  farm.requestWork(a.id)
  farm.frameFailed(a.id, job.id, 1, 'Blender exited with code 1')
  await store.drain()
  const last = await api.frameLog(job.id, 1, false)
  t.like(last, { type: 'frame-log', frame: 1, earlier: 1 })
  t.like(last.type === 'frame-log' ? last.entries[0] : undefined, { attempt: 2, node: 'a', outcome: 'failed', error: 'Blender exited with code 1', lines: [] })
  const all = await api.frameLog(job.id, 1, true)
  t.deepEqual(all.type === 'frame-log' ? all.entries.map(e => e.lines) : [], [['Fra:1 Mem:10M', 'Error: Cannot render, no camera'], []])
  t.like(await api.frameLog(job.id, undefined, false), { type: 'frame-log-index', frames: [{ frame: 1, attempts: 2, outcome: 'failed' }] })
  await t.throwsAsync(api.frameLog(job.id, 99, false), { message: /job \d+ has no frame 99/ })
})

test('the dashboard\'s l: the last attempt of the frame that failed last, none when no frame failed', async t => {
  const { farm, store } = await tempFarm(t, 'mf-lastlog-')
  const api = new CoordinatorApi(farm, store)
  const job = await farm.submit(submitRequest({ frames: '1-4', chunk: 1 }), projectManifest())
  t.is(await api.lastFailedFrameLog(job.id), undefined)
  const a = node('a')
  farm.nodeJoined(a)
  farm.requestWork(a.id)
  farm.frameFailed(a.id, job.id, 1, 'Error: first', ['one'])
  await store.drain()
  farm.requestWork(a.id)
  const second = tasks(a).at(-1)
  if (second?.kind !== 'render') throw new Error('expected a render task')
  farm.frameFailed(a.id, job.id, second.frames[0] ?? -1, 'Error: later', ['two'])
  await store.drain()
  t.like(await api.lastFailedFrameLog(job.id), { frame: second.frames[0], error: 'Error: later', lines: ['two'] })
})

test('a frame that rendered with warnings is counted on the job once per frame report, and its lines kept', async t => {
  const { farm, store, events } = await tempFarm(t, 'mf-polite-')
  const api = new CoordinatorApi(farm, store)
  const job = await farm.submit(submitRequest({ frames: '1-3', chunk: 3 }), projectManifest())
  const a = node('a')
  farm.nodeJoined(a)
  farm.requestWork(a.id)
  farm.frameWarned(a.id, job.id, 1, ['Warning: Unable to open \'/t/wood.png\''], ['Fra:1', 'Warning: Unable to open \'/t/wood.png\''])
  farm.frameWarned(a.id, job.id, 2, ['Warning: Unable to open \'/t/wood.png\''], [])
  // A node that does not hold the frame changes nothing.
  farm.frameWarned('stranger', job.id, 3, ['Warning: x'], [])
  t.is(api.listJobs()[0]?.framesWarned, 2)
  t.is(events.filter(e => e.type === 'warning' && /rendered with Blender warnings/.test(e.message)).length, 1, 'said once per job')
  await store.drain()
  t.like(await api.frameLog(job.id, 2, false), { entries: [{ outcome: 'warnings', lines: ['Warning: Unable to open \'/t/wood.png\''] }] })
})

test('a sleeping node takes no work and no rule counts on it; frames it gives back go to others, no failure counted', async t => {
  const { farm, events } = await tempFarm(t, 'mf-polite-')
  const job = await farm.submit(submitRequest({ frames: '1-4', chunk: 2 }), projectManifest())
  const a = node('a')
  const b = node('b')
  farm.nodeJoined(a)
  farm.nodeJoined(b)
  farm.requestWork(a.id)
  const held = tasks(a)[0]
  if (held?.kind !== 'render') throw new Error('expected a render task')
  farm.nodeSchedule(a.id, { type: 'schedule', window: 'Mon-Fri 19:00-08:00', sleeping: true, until: '2026-12-07T19:00:00.000Z' })
  t.like(farm.nodes.snapshots().find(n => n.id === 'a'), { schedule: { window: 'Mon-Fri 19:00-08:00', sleeping: true, until: Date.parse('2026-12-07T19:00:00.000Z') } })
  t.true(events.some(e => e.type === 'node-schedule' && e.sleeping))
  // Its request stands no more, and a new one is not answered while it sleeps.
  farm.requestWork(a.id)
  t.is(tasks(a).length, 1)
  farm.framesReturned(a.id, held.taskId, job.id, held.frames)
  t.deepEqual(frameInvariantViolations(job), [])
  for (const frame of held.frames) t.like(job.frames[frame], { state: 'pending', failures: 0 })
  farm.requestWork(b.id)
  t.deepEqual(tasks(b).flatMap(task => task.kind === 'render' ? task.frames : []), held.frames)
  // Awake again: it asks, and is answered.
  farm.nodeSchedule(a.id, { type: 'schedule', window: 'Mon-Fri 19:00-08:00', sleeping: false })
  farm.requestWork(a.id)
  t.is(tasks(a).length, 2)
})
