import test from 'ava'
import { CoordinatorEvents } from '../../../src/coordinator/events.js'
import { Farm } from '../../../src/coordinator/farm.js'
import { newNodeSession } from '../../../src/coordinator/node-registry.js'
import type { CoordinatorToNode } from '../../../src/protocol/messages.js'
import { JobStore } from '../../../src/store/job-store.js'
import { summarizeJob } from '../../../src/coordinator/job-summary.js'
import { completeFrame } from '../../../src/jobs/frame-record.js'
import { failForLackOfNodes } from '../../../src/jobs/job-state.js'
import { frameFailed, pickTask } from '../../../src/jobs/scheduler.js'
import { jobSummary } from '../../../src/protocol/messages.js'
import { OutputLayout } from '../../../src/store/layout.js'
import { at, makeJob, projectManifest, submitRequest } from '../../helpers/job-fixtures.js'
import { tempFolder } from '../../helpers/temp-folder.js'

// Whatever the coordinator accepted it must be able to send: a summary that
// misses its own schema makes `microfarm jobs` fail for every user.

const layout = new OutputLayout('/srv/farm')
const node = { id: 'peer-a', name: 'a' }
const longError = 'Error: '.padEnd(4000, 'x')

/** Parses the summary as a client does; the first problem, if any, in the message. */
function sendable (summary: unknown): string | undefined {
  const result = jobSummary.safeParse(summary)
  return result.success ? undefined : `${result.error.issues[0]?.path.join('.')}: ${result.error.issues[0]?.message}`
}

test('a job failed by a node\'s 4 000-character error stores an error its summary can carry', (t) => {
  const job = makeJob('1', { frames: '1', chunk: 1 })
  pickTask([job], node, [node], 't1', at())
  frameFailed(job, 1, node, longError, { maxAttempts: 1, blocklistAfter: 99 }, at(1))
  t.is(job.state, 'failed')
  t.true((job.error ?? '').length <= 4000, `stored error of ${job.error?.length} characters`)
  t.true(job.error?.startsWith('frame 1 on a: Error: xxx'))
  t.true(job.error?.endsWith('…'))
  t.is(sendable(summarizeJob(job, layout)), undefined)
})

test('a job no node may render any more keeps the last error within the limit too', (t) => {
  const job = makeJob('1', { frames: '1-2', chunk: 1 })
  pickTask([job], node, [node], 't1', at())
  frameFailed(job, 1, node, longError, { maxAttempts: 1, blocklistAfter: 99 }, at(1))
  failForLackOfNodes(job, at(2))
  t.true((job.error ?? '').length <= 4000, `stored error of ${job.error?.length} characters`)
  t.true(job.error?.startsWith('no node may render it any more; last error: frame 1 on a: Error'))
})

test('a job whose scene no node could read keeps the node\'s 4 000-character error within the limit', async (t) => {
  const store = new JobStore(await tempFolder(t, 'mf-summary-'))
  await store.init()
  t.teardown(async () => { await store.drain() })
  const farm = new Farm({ policy: { maxAttempts: 1, blocklistAfter: 99 } }, { store, events: new CoordinatorEvents() })
  const job = await farm.submit(submitRequest({ frames: undefined }), projectManifest())
  const sent: CoordinatorToNode[] = []
  farm.nodeJoined(newNodeSession({ ...node, cores: 1, blenderVersion: '4.2.0', platform: 'linux', send: (message) => { sent.push(message) }, disconnect: () => {} }))
  farm.requestWork(node.id)
  const probe = sent.find(message => message.type === 'assign')
  farm.probeFailed(node.id, probe?.type === 'assign' ? probe.task.taskId : '', job.id, longError)
  t.is(job.state, 'failed')
  t.is(job.error?.length, 4000)
  t.true(job.error?.startsWith('cannot read the scene: Error: xxx'))
})

test('texts stored before the limits were kept (a manifest from an older coordinator) are cut to fit', (t) => {
  const job = makeJob('1', { frames: '1-3' })
  job.state = 'failed'
  job.error = 'e'.repeat(9000)
  job.warnings = ['w'.repeat(5000), 'fine']
  job.encode.error = 'f'.repeat(5000)
  job.blocklist['b'.repeat(300)] = 'r'.repeat(900)
  completeFrame(job, 1, 'n'.repeat(202), at().toISOString())
  const summary = summarizeJob(job, layout)
  t.is(sendable(summary), undefined)
  t.is(summary.error?.length, 4000)
  t.is(summary.warnings?.[1], 'fine')
  t.deepEqual(Object.values(summary.byNode), [1])
})

test('every 2nd frame of 0-199998 is summarized as 0-199998x2, not 100 000 numbers', (t) => {
  const job = makeJob('1', { frames: '0-199998x2' })
  const summary = summarizeJob(job, layout)
  t.is(summary.framesTotal, 100_000)
  t.is(summary.frameRange, '0-199998x2')
  t.is(sendable(summary), undefined)
})

test('100 000 frames that no short form covers are listed up to the limit, then counted', (t) => {
  // 0,1, 3,4, 6,7, …: 50 000 pairs.
  const job = makeJob('1', { frames: '0-149997x3,1-149998x3' })
  const summary = summarizeJob(job, layout)
  t.is(summary.framesTotal, 100_000)
  t.is(sendable(summary), undefined)
  t.true(summary.frameRange.startsWith('0-1,3-4,6-7,'), summary.frameRange.slice(0, 40))
  t.true(summary.frameRange.endsWith(',… (100000 frames in all)'), summary.frameRange.slice(-40))
})

test('a job no node online may render says why in its summary; one that a node may take does not', (t) => {
  const job = makeJob('1', { frames: '1-2', blendVersion: '4.2', submitterBlender: '4.2.3', require: 'gpu' })
  const cpuNode = { name: 'vm', blenderVersion: '3.4.1' }
  const summary = summarizeJob(job, layout, undefined, [cpuNode])
  t.is(sendable(summary), undefined)
  t.like(summary, { blendVersion: '4.2', submitterBlender: '4.2.3', require: 'gpu', needs: 'Blender ≥ 4.2 on a GPU' })
  t.is(summary.waitingFor, 'needs Blender ≥ 4.2 on a GPU: no node has it (vm: it has Blender 3.4.1)')
  t.is(summarizeJob(job, layout, undefined, [cpuNode, { name: 'rtx', blenderVersion: '4.3.0', device: 'OPTIX' }]).waitingFor, undefined)
  t.is(summarizeJob(makeJob('2', { frames: '1' }), layout, undefined, []).waitingFor, undefined)
})
