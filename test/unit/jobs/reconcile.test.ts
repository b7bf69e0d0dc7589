import { giveUpFrame } from '../../../src/jobs/frame-record.js'
import test from 'ava'
import { reconcileWithDisk } from '../../../src/jobs/reconcile.js'
import { framesIn } from '../../../src/jobs/job.js'
import { frameDone, pickTask } from '../../../src/jobs/scheduler.js'
import { applyControl } from '../../../src/jobs/job-state.js'
import { at, makeJob } from '../../helpers/job-fixtures.js'

const node = { id: 'peer-a', name: 'a' }

test('a frame on disk that the manifest says is rendering counts as done', (t) => {
  const job = makeJob('1', { frames: '1-3', chunk: 3 })
  pickTask([job], node, [node], 't1', at(1))
  const result = reconcileWithDisk(job, new Set([2]), at(5))
  t.deepEqual(result.recovered, [2])
  t.like(job.frames[2], { state: 'done', doneAt: at(5).toISOString() })
  t.is(job.frames[2]?.nodeId, undefined)
  t.is(job.frames[2]?.taskId, undefined)
})

test('a rendering frame without a file is queued again', (t) => {
  const job = makeJob('1', { frames: '1-3', chunk: 3 })
  pickTask([job], node, [node], 't1', at(1))
  const result = reconcileWithDisk(job, new Set([2]), at(5))
  t.deepEqual(result.requeued, [1, 3])
  t.deepEqual(framesIn(job, 'pending'), [1, 3])
  t.is(job.frames[1]?.nodeId, undefined)
})

test('a done frame whose file is gone is queued again', (t) => {
  const job = makeJob('1', { frames: '1-2', chunk: 2 })
  pickTask([job], node, [node], 't1', at(1))
  frameDone(job, 1, 'a', at(2))
  frameDone(job, 2, 'a', at(3))
  t.is(job.state, 'completed')
  const result = reconcileWithDisk(job, new Set([1]), at(5))
  t.deepEqual(result, { recovered: [], requeued: [2] })
  t.is(job.frames[2]?.state, 'pending')
  t.is(job.frames[1]?.doneAt, at(2).toISOString())
})

test('pending and failed frames without files are left alone', (t) => {
  const job = makeJob('1', { frames: '1-2' })
  giveUpFrame(job, 2)
  t.deepEqual(reconcileWithDisk(job, new Set(), at()), { recovered: [], requeued: [] })
  t.is(job.frames[1]?.state, 'pending')
  t.is(job.frames[2]?.state, 'failed')
})

test('every frame found on disk completes an unfinished job', (t) => {
  const job = makeJob('1', { frames: '1-3', chunk: 3 })
  pickTask([job], node, [node], 't1', at(1))
  reconcileWithDisk(job, new Set([1, 2, 3]), at(5))
  t.is(job.state, 'completed')
  t.is(job.finishedAt, at(5).toISOString())
})

test('a cancelled job keeps its state while its frames are reconciled', (t) => {
  const job = makeJob('1', { frames: '1-2' })
  applyControl(job, 'cancel', at())
  reconcileWithDisk(job, new Set([1, 2]), at(5))
  t.is(job.state, 'cancelled')
  t.deepEqual(framesIn(job, 'done'), [1, 2])
})

test('a probe that was running when the coordinator stopped is needed again', (t) => {
  const job = makeJob('1', { frames: undefined })
  pickTask([job], node, [node], 't1', at(1))
  t.is(job.probe?.state, 'running')
  reconcileWithDisk(job, new Set(), at())
  t.deepEqual(job.probe, { state: 'needed', attempts: 1 })
})
