import test from 'ava'
import { pickBackup } from '../../../src/jobs/backup.js'
import type { BackupEstimates } from '../../../src/jobs/backup.js'
import { frameDone, frameFailed, pickTask, releaseNode } from '../../../src/jobs/scheduler.js'
import { at, makeJob } from '../../helpers/job-fixtures.js'

const slow = { id: 'slow-id', name: 'slow' }
const fast = { id: 'fast-id', name: 'fast' }
const policy = { maxAttempts: 3, blocklistAfter: 3 }

/** Slow holds frames 1 and 2; frame 2 is expected to finish at `finish2`. */
function tail (finish: Record<number, number>, frameMsOnThisNode = 100): { job: ReturnType<typeof makeJob>, estimates: BackupEstimates } {
  const job = makeJob('1', { frames: '1-2', chunk: 1 })
  pickTask([job], slow, [slow], 't1', at())
  pickTask([job], slow, [slow], 't2', at())
  return { job, estimates: { now: 0, frameMsOnThisNode, expectedFinish: (_job, frame) => finish[frame] } }
}

test('an idle node gets a copy of the in-flight frame expected to finish last', (t) => {
  const { job, estimates } = tail({ 1: 1000, 2: 4000 })
  const task = pickBackup([job], fast, 't3', estimates)
  t.like(task, { kind: 'render', taskId: 't3', frames: [2] })
  t.like(job.frames[2], { state: 'rendering', nodeId: slow.id, backupNodeId: fast.id, backupTaskId: 't3' })
  // One copy per frame: the next idle node gets frame 1.
  t.like(pickBackup([job], { id: 'x', name: 'x' }, 't4', estimates), { frames: [1] })
})

test('no copy when it would not finish first, or nothing is known about speeds', (t) => {
  t.is(pickBackup([tail({ 1: 50, 2: 90 }).job], fast, 't3', tail({ 1: 50, 2: 90 }).estimates), undefined)
  const unknown = tail({ 1: 1000, 2: 4000 })
  t.is(pickBackup([unknown.job], fast, 't3', { ...unknown.estimates, frameMsOnThisNode: undefined }), undefined)
})

test('no copies while real work is pending', (t) => {
  const job = makeJob('1', { frames: '1-3', chunk: 1 })
  pickTask([job], slow, [slow], 't1', at())
  t.is(pickBackup([job], fast, 't2', { now: 0, frameMsOnThisNode: 1, expectedFinish: () => 10_000 }), undefined)
})

test('the first complete copy wins; the other copy no longer counts', (t) => {
  const { job, estimates } = tail({ 1: 1000, 2: 4000 })
  pickBackup([job], fast, 't3', estimates)
  t.is(frameDone(job, 2, 'fast', at()), 'counted')
  t.is(frameDone(job, 2, 'slow', at()), 'duplicate')
  t.like(job.frames[2], { state: 'done', node: 'fast' })
  t.is(job.frames[2]?.backupNodeId, undefined)
})

test('when the original node leaves, the backup carries on; when the backup fails, the original does', (t) => {
  const { job, estimates } = tail({ 1: 1000, 2: 4000 })
  pickBackup([job], fast, 't3', estimates)
  t.is(releaseNode([job], slow.id, at()), 1, 'only frame 1 goes back to the queue')
  t.like(job.frames[2], { state: 'rendering', nodeId: fast.id, taskId: 't3' })
  t.is(job.frames[2]?.backupNodeId, undefined)

  const other = tail({ 1: 1000, 2: 4000 })
  pickBackup([other.job], fast, 't3', other.estimates)
  t.like(frameFailed(other.job, 2, fast, 'boom', policy, at()), { gaveUp: false })
  t.like(other.job.frames[2], { state: 'rendering', nodeId: slow.id, failures: 1 })
  t.is(other.job.frames[2]?.backupNodeId, undefined)
})
