import test from 'ava'
import { frameProgress, isCoarse, MAX_ESTIMATE } from '../../../src/jobs/progress-estimate.js'
import { NodeRegistry, newNodeSession } from '../../../src/coordinator/node-registry.js'

test('Blender 3.4 Cycles in the background (0/48, 1/48, then 48/48): an estimate from time taken until it is done', (t) => {
  const started = 1000
  const facts = { startedAt: started, frameMs: 10_000 }
  t.deepEqual(frameProgress({ ...facts, reported: { done: 0, total: 48 }, now: started + 500 }), { fraction: 0.05, estimated: true })
  t.deepEqual(frameProgress({ ...facts, reported: { done: 1, total: 48 }, now: started + 4000 }), { fraction: 0.4, estimated: true })
  t.deepEqual(frameProgress({ ...facts, reported: { done: 1, total: 48 }, now: started + 30_000 }), { fraction: MAX_ESTIMATE, estimated: true }, 'a frame slower than the average is not said to be done')
  t.deepEqual(frameProgress({ ...facts, reported: { done: 48, total: 48 }, now: started + 4000 }), { fraction: 1, estimated: false })
})

test('counts that move with the work are Blender\'s own; nothing to say without a start or an average', (t) => {
  t.deepEqual(frameProgress({ reported: { done: 96, total: 1024 }, startedAt: 0, frameMs: 100, now: 90 }), { fraction: 96 / 1024, estimated: false })
  t.deepEqual(frameProgress({ reported: { done: 1, total: 48 }, now: 5 }), { fraction: 1 / 48, estimated: false }, 'no average yet: Blender\'s count as it is')
  t.is(frameProgress({ startedAt: 0, now: 5 }), undefined)
  t.deepEqual(frameProgress({ startedAt: 0, frameMs: 200, now: 50 }), { fraction: 0.25, estimated: true }, 'before the first sample (scene sync, BVH): time taken')
  t.true(isCoarse(undefined))
  t.true(isCoarse({ done: 1, total: 2 }))
  t.false(isCoarse({ done: 2, total: 2 }))
  t.false(isCoarse({ done: 2, total: 64 }))
})

test('a node\'s snapshot: the frame Blender started, its progress estimated against the job\'s running average', (t) => {
  const registry = new NodeRegistry()
  const node = newNodeSession({ id: 'p1', name: 'vm', cores: 4, blenderVersion: '3.4.1', platform: 'linux', send: () => {}, disconnect: () => {} }, 0)
  registry.add(node, 0)
  registry.timings.add('7', 'other-node', 20)
  node.frameStarted = { jobId: '7', frame: 3, at: 10_000 }
  node.progress = { jobId: '7', frame: 3, fraction: 1 / 48, done: 1, total: 48 }
  t.deepEqual(registry.snapshots(18_000)[0]?.progress, { jobId: '7', frame: 3, fraction: 0.4, estimated: true }, '8 s of the job\'s 20 s average')
  registry.timings.add('7', 'p1', 10)
  t.deepEqual(registry.snapshots(18_000)[0]?.progress, { jobId: '7', frame: 3, fraction: 0.8, estimated: true }, 'its own average on the job, once it has one')
  node.progress = { jobId: '7', frame: 3, fraction: 0.5, done: 24, total: 48 }
  t.deepEqual(registry.snapshots(18_000)[0]?.progress, { jobId: '7', frame: 3, fraction: 0.5, estimated: false })
  node.frameStarted = { jobId: '7', frame: 4, at: 18_000 }
  t.deepEqual(registry.snapshots(19_000)[0]?.progress, { jobId: '7', frame: 4, fraction: 0.1, estimated: true }, 'the count of the previous frame is not this one\'s')
})
