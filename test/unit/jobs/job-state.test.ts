import { completeFrame } from '../../../src/jobs/frame-record.js'
import test from 'ava'
import { applyControl, JobControlError, rollUp } from '../../../src/jobs/job-state.js'
import type { ControlAction } from '../../../src/jobs/job-state.js'
import type { Job, JobState } from '../../../src/jobs/job.js'
import { countFrames, framesIn } from '../../../src/jobs/job.js'
import { frameDone, frameFailed, pickTask } from '../../../src/jobs/scheduler.js'
import type { NodeRef } from '../../../src/jobs/scheduler.js'
import { at, makeJob } from '../../helpers/job-fixtures.js'

const node: NodeRef = { id: 'peer-a', name: 'a' }
const once = { maxAttempts: 1, blocklistAfter: 100 }

/** A job of frames 1-4: 1 done, 2 failed, 3 rendering, 4 pending. */
function mixedJob (): Job {
  const job = makeJob('7', { frames: '1-4', chunk: 3 })
  pickTask([job], node, [node], 't1', at(1))
  frameDone(job, 1, node.name, at(2))
  frameFailed(job, 2, node, 'no camera', once, at(3))
  return job
}

function inState (state: JobState): Job {
  const job = mixedJob()
  job.state = state
  return job
}

test('rollUp: all frames done completes the job', (t) => {
  const job = makeJob('1', { frames: '1-2', chunk: 2 })
  pickTask([job], node, [node], 't1', at(1))
  frameDone(job, 1, 'a', at(2))
  t.is(job.state, 'active')
  frameDone(job, 2, 'a', at(3))
  t.is(job.state, 'completed')
  t.is(job.finishedAt, at(3).toISOString())
})

test('rollUp: an enabled encode waits for a completed job', (t) => {
  const job = makeJob('1', { frames: '1', encode: { enabled: true, codec: 'h264', quality: 'high', location: 'parent' } })
  pickTask([job], node, [node], 't1', at(1))
  frameDone(job, 1, 'a', at(2))
  t.is(job.encode.state, 'waiting')
})

test('rollUp: a job fails when nothing is left to render and some frames failed', (t) => {
  const job = makeJob('1', { frames: '1-2', chunk: 2 })
  pickTask([job], node, [node], 't1', at(1))
  frameDone(job, 1, 'a', at(2))
  t.is(job.state, 'active')
  frameFailed(job, 2, node, 'no camera', once, at(3))
  t.is(job.state, 'failed')
  t.is(job.error, 'frame 2 on a: no camera')
})

test('rollUp leaves paused and finished jobs alone', (t) => {
  const job = makeJob('1', { frames: '1' })
  completeFrame(job, 1, 'a', at().toISOString())
  job.state = 'paused'
  rollUp(job, at())
  t.is(job.state, 'paused')
  job.state = 'cancelled'
  rollUp(job, at())
  t.is(job.state, 'cancelled')
})

test('cancel requeues rendering frames and asks nodes to stop', (t) => {
  const job = mixedJob()
  const result = applyControl(job, 'cancel', at(5))
  t.is(job.state, 'cancelled')
  t.is(job.finishedAt, at(5).toISOString())
  t.true(result.stopRendering)
  t.regex(result.message, /cancelled \(1 frame\(s\) stopped mid-render/)
  t.deepEqual(framesIn(job, 'rendering'), [])
  t.is(job.frames[3]?.nodeId, undefined)
})

test('pause stops rendering; resume continues where it was', (t) => {
  const job = mixedJob()
  const paused = applyControl(job, 'pause', at())
  t.is(job.state, 'paused')
  t.true(paused.stopRendering)
  t.deepEqual(framesIn(job, 'pending'), [3, 4])
  t.is(pickTask([job], node, [node], 't2', at()), undefined)
  const resumed = applyControl(job, 'resume', at())
  t.false(resumed.stopRendering)
  t.is(job.state, 'active')
  t.deepEqual(framesIn(job, 'done'), [1])
})

test('resume of a job that had no frame done goes back to queued', (t) => {
  const job = makeJob('1', { frames: '1-3' })
  applyControl(job, 'pause', at())
  applyControl(job, 'resume', at())
  t.is(job.state, 'queued')
})

test('activate re-renders only missing frames and resets failed ones', (t) => {
  const job = mixedJob()
  applyControl(job, 'cancel', at())
  job.blocklist.a = '3 frames failed on it'
  const result = applyControl(job, 'activate', at(9))
  t.is(job.state, 'active')
  t.is(job.finishedAt, undefined)
  t.deepEqual(job.blocklist, {})
  t.deepEqual(framesIn(job, 'done'), [1])
  t.deepEqual(framesIn(job, 'pending'), [2, 3, 4])
  t.like(job.frames[2], { failures: 0, failedOn: [] })
  t.regex(result.message, /3 frame\(s\) to render \(1 failed frame\(s\) queued again\)/)
  const task = pickTask([job], node, [node], 't9', at())
  t.deepEqual(task?.kind === 'render' ? task.frames : [], [2, 3, 4])
})

test('activate of a failed job clears its error and lets a failed probe run again', (t) => {
  const job = makeJob('1', { frames: undefined })
  job.state = 'failed'
  job.error = 'cannot read the scene'
  job.probe = { state: 'failed', attempts: 3 }
  applyControl(job, 'activate', at())
  t.false('error' in job)
  t.deepEqual(job.probe, { state: 'needed', attempts: 0 })
  t.is(pickTask([job], node, [node], 't1', at())?.kind, 'probe')
})

test('complete force-completes a job with frames missing', (t) => {
  const job = mixedJob()
  const result = applyControl(job, 'complete', at(4))
  t.is(job.state, 'completed')
  t.true(result.stopRendering)
  t.regex(result.message, /marked complete with 3 frame\(s\) missing/)
  t.deepEqual(framesIn(job, 'rendering'), [])
  t.is(job.finishedAt, at(4).toISOString())
})

test('retry queues failed frames again and reopens a finished job', (t) => {
  const job = makeJob('1', { frames: '1-2', chunk: 2 })
  pickTask([job], node, [node], 't1', at(1))
  frameDone(job, 1, 'a', at())
  frameFailed(job, 2, node, 'boom', once, at())
  t.is(job.state, 'failed')
  const result = applyControl(job, 'retry', at())
  t.is(job.state, 'active')
  t.is(job.error, undefined)
  t.is(job.finishedAt, undefined)
  t.deepEqual(framesIn(job, 'pending'), [2])
  t.regex(result.message, /1 failed frame\(s\) queued again/)
})

test('retry with nothing failed says so', (t) => {
  const job = makeJob('3', { frames: '1-2' })
  t.throws(() => applyControl(job, 'retry', at()), { instanceOf: JobControlError, message: /job 3 has no failed frames/ })
})

test('controls that do not fit the state throw JobControlError and change nothing', (t) => {
  const cases: Array<[ControlAction, JobState, RegExp]> = [
    ['resume', 'active', /cannot resume job 7: it is active \(only a paused job resumes/],
    ['resume', 'queued', /cannot resume/],
    ['activate', 'completed', /cannot activate job 7: it is completed \(a completed job has nothing left/],
    ['activate', 'active', /cannot activate/],
    ['pause', 'paused', /cannot pause/],
    ['pause', 'cancelled', /cannot pause/],
    ['cancel', 'completed', /cannot cancel/],
    ['cancel', 'cancelled', /cannot cancel/],
    ['complete', 'completed', /cannot complete/],
  ]
  for (const [action, state, message] of cases) {
    const job = inState(state)
    const before = JSON.stringify(job)
    const err = t.throws(() => applyControl(job, action, at()), { instanceOf: JobControlError, message }, `${action} on ${state}`)
    t.is(err?.name, 'JobControlError')
    t.is(JSON.stringify(job), before, `${action} on ${state} changed the job`)
  }
})

test('countFrames adds up to the frame count after every control', (t) => {
  for (const action of ['cancel', 'pause', 'complete'] as const) {
    const job = mixedJob()
    applyControl(job, action, at())
    const counts = countFrames(job)
    t.is(counts.pending + counts.rendering + counts.done + counts.failed, 4)
    t.is(counts.done, 1)
  }
})
