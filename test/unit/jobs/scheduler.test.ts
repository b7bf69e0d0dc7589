import test from 'ava'
import { applyControl } from '../../../src/jobs/job-state.js'
import { setSceneInfo } from '../../../src/jobs/create-job.js'
import type { Job } from '../../../src/jobs/job.js'
import { framesIn } from '../../../src/jobs/job.js'
import { frameDone, frameFailed, jobsInOrder, pickTask, releaseNode, framesOfTask } from '../../../src/jobs/scheduler.js'
import type { NodeRef, SchedulerPolicy } from '../../../src/jobs/scheduler.js'
import { task as taskSchema } from '../../../src/protocol/messages.js'
import type { Task } from '../../../src/protocol/messages.js'
import { at, makeJob, sceneInfo } from '../../helpers/job-fixtures.js'

const fast: NodeRef = { id: 'peer-fast', name: 'fast' }
const slow: NodeRef = { id: 'peer-slow', name: 'slow' }
const third: NodeRef = { id: 'peer-third', name: 'third' }
const policy: SchedulerPolicy = { maxAttempts: 3, blocklistAfter: 3 }

let taskCounter = 0
function pick (jobs: Job[], node: NodeRef, online: NodeRef[] = [node]): Task | undefined {
  return pickTask(jobs, node, online, `t${++taskCounter}`, at(1))
}

function renderFrames (task: Task | undefined): number[] {
  if (task?.kind !== 'render') throw new Error(`expected a render task, got ${task?.kind ?? 'nothing'}`)
  return task.frames
}

test('chunks of `chunk` frames are handed out in order and marked rendering', (t) => {
  const job = makeJob('1', { frames: '1-7', chunk: 3 })
  const first = pick([job], fast)
  t.like(first, { kind: 'render', jobId: '1', format: 'PNG', blendSha256: 'a'.repeat(64), blendSize: 1024 })
  t.deepEqual(renderFrames(first), [1, 2, 3])
  t.deepEqual(renderFrames(pick([job], fast)), [4, 5, 6])
  t.deepEqual(renderFrames(pick([job], fast)), [7])
  t.is(pick([job], fast), undefined)
  t.like(job.frames[2], { state: 'rendering', attempts: 1, nodeId: fast.id, node: fast.name, taskId: first?.taskId })
  t.is(job.state, 'active')
  t.is(job.startedAt, at(1).toISOString())
})

test('a node that asks more often renders more frames, and each frame is rendered once', (t) => {
  const job = makeJob('1', { frames: '1-60', chunk: 2 })
  const online = [fast, slow]
  const handedOut: number[] = []
  const byNode: Record<string, number> = { fast: 0, slow: 0 }
  // The fast node finishes a chunk every tick, the slow one every third tick.
  for (let tick = 0; tick < 100; tick++) {
    for (const node of tick % 3 === 0 ? [fast, slow] : [fast]) {
      const task = pick([job], node, online)
      if (task === undefined) continue
      for (const frame of renderFrames(task)) {
        handedOut.push(frame)
        byNode[node.name] = (byNode[node.name] ?? 0) + 1
        t.is(frameDone(job, frame, node.name, at(2)), 'counted')
      }
    }
  }
  t.deepEqual([...handedOut].sort((a, b) => a - b), Array.from({ length: 60 }, (_, i) => i + 1))
  t.true((byNode.fast ?? 0) > 2 * (byNode.slow ?? 0), `fast ${byNode.fast} vs slow ${byNode.slow}`)
  t.true((byNode.slow ?? 0) > 0)
  t.is(job.state, 'completed')
})

test('higher priority first, then the older job, then the lower id', (t) => {
  const low = makeJob('1', { frames: '1-2', priority: 0 }, at(0))
  const high = makeJob('2', { frames: '1-2', priority: 5 }, at(10))
  const lowLater = makeJob('3', { frames: '1-2', priority: 0 }, at(5))
  const lowSameTime = makeJob('4', { frames: '1-2', priority: 0 }, at(5))
  t.deepEqual(jobsInOrder([lowSameTime, lowLater, low, high]).map(job => job.id), ['2', '1', '3', '4'])
  const jobs = [lowSameTime, lowLater, low, high]
  t.deepEqual([pick(jobs, fast), pick(jobs, fast), pick(jobs, fast), pick(jobs, fast)].map(task => task?.jobId), ['2', '1', '3', '4'])
})

test('paused, cancelled and completed jobs get no work', (t) => {
  const paused = makeJob('1', { frames: '1-4' })
  applyControl(paused, 'pause', at())
  const cancelled = makeJob('2', { frames: '1-4' })
  applyControl(cancelled, 'cancel', at())
  const completed = makeJob('3', { frames: '1-4' })
  applyControl(completed, 'complete', at())
  t.is(pick([paused, cancelled, completed], fast), undefined)
  t.deepEqual(framesIn(paused, 'pending'), [1, 2, 3, 4])
  const open = makeJob('4', { frames: '1-4', priority: -10 })
  t.is(pick([paused, cancelled, completed, open], fast)?.jobId, '4')
})

test('a job with an unknown frame range gets a probe first, then frames once the scene is read', (t) => {
  const job = makeJob('1', { frames: undefined, chunk: 2 })
  t.deepEqual(job.frames, {})
  const probe = pick([job], fast)
  t.deepEqual(probe, { kind: 'probe', taskId: probe?.taskId ?? '', jobId: '1', blendSha256: 'a'.repeat(64), blendSize: 1024, project: { sha256: 'b'.repeat(64), size: 200 } })
  t.like(job.probe, { state: 'running', nodeId: fast.id, attempts: 1 })
  // While the probe runs there is nothing else to hand out.
  t.is(pick([job], slow, [fast, slow]), undefined)
  setSceneInfo(job, sceneInfo({ frameStart: 10, frameEnd: 14 }))
  t.is(job.probe, undefined)
  t.deepEqual(renderFrames(pick([job], slow)), [10, 11])
})

test('a probe that was never asked for: frames from the submitter\'s scene info', (t) => {
  const job = makeJob('1', { frames: undefined, sceneInfo: sceneInfo({ frameStart: 0, frameEnd: 8, frameStep: 4 }) })
  t.is(job.probe, undefined)
  t.deepEqual(Object.keys(job.frames).map(Number), [0, 4, 8])
})

test('frameDone: the first copy counts, a second is a duplicate', (t) => {
  const job = makeJob('1', { frames: '1-2' })
  pick([job], fast)
  t.is(frameDone(job, 1, 'fast', at(3)), 'counted')
  t.is(frameDone(job, 1, 'slow', at(4)), 'duplicate')
  t.like(job.frames[1], { state: 'done', node: 'fast', doneAt: at(3).toISOString() })
  t.is(job.frames[1]?.nodeId, undefined)
  t.throws(() => frameDone(job, 99, 'fast', at()), { instanceOf: RangeError })
})

test('frameFailed retries up to maxAttempts, then gives the frame up', (t) => {
  const job = makeJob('1', { frames: '1', chunk: 1 })
  const lenient = { maxAttempts: 3, blocklistAfter: 10 }
  for (let attempt = 1; attempt <= 2; attempt++) {
    t.deepEqual(renderFrames(pick([job], fast)), [1])
    t.deepEqual(frameFailed(job, 1, fast, `boom ${attempt}`, lenient, at()), { gaveUp: false, blocklisted: false })
    t.is(job.frames[1]?.state, 'pending')
  }
  pick([job], fast)
  t.deepEqual(frameFailed(job, 1, fast, 'boom 3', lenient, at(9)), { gaveUp: true, blocklisted: false })
  t.like(job.frames[1], { state: 'failed', failures: 3, attempts: 3, error: 'boom 3', failedOn: ['fast'] })
  t.is(job.state, 'failed')
  t.is(job.error, 'frame 1 on fast: boom 3')
})

test('a frame that failed on a node goes to another online node first', (t) => {
  const job = makeJob('1', { frames: '1-3', chunk: 1 })
  pick([job], fast, [fast, slow])
  frameFailed(job, 1, fast, 'out of memory', policy, at())
  // fast is not given frame 1 again while slow could take it.
  t.deepEqual(renderFrames(pick([job], fast, [fast, slow])), [2])
  t.deepEqual(renderFrames(pick([job], slow, [fast, slow])), [1])
})

test('a frame that failed on a node is retried there when no other node is online', (t) => {
  const job = makeJob('1', { frames: '1', chunk: 1 })
  pick([job], fast)
  frameFailed(job, 1, fast, 'out of memory', policy, at())
  t.deepEqual(renderFrames(pick([job], fast, [fast])), [1])
})

test('a node is blocklisted for a job after blocklistAfter failed frames', (t) => {
  const job = makeJob('1', { frames: '1-5', chunk: 1 })
  const outcomes = [1, 2, 3].map(expected => {
    const frames = renderFrames(pick([job], fast, [fast, slow]))
    t.deepEqual(frames, [expected])
    return frameFailed(job, expected, fast, 'crash', { maxAttempts: 5, blocklistAfter: 3 }, at())
  })
  t.deepEqual(outcomes.map(o => o.blocklisted), [false, false, true])
  t.regex(job.blocklist.fast ?? '', /3 frames failed/)
  t.is(pick([job], fast, [fast, slow]), undefined)
  t.deepEqual(renderFrames(pick([job], slow, [fast, slow])), [1])
})

test('a failure report from a node that no longer holds the frame is ignored', (t) => {
  const job = makeJob('1', { frames: '1', chunk: 1 })
  pick([job], slow)
  t.deepEqual(frameFailed(job, 1, fast, 'late', policy, at()), { gaveUp: false, blocklisted: false })
  t.like(job.frames[1], { state: 'rendering', failures: 0, nodeId: slow.id })
  frameDone(job, 1, 'slow', at())
  frameFailed(job, 1, slow, 'after done', policy, at())
  t.is(job.frames[1]?.state, 'done')
})

test('releaseNode requeues only that node\'s in-flight frames', (t) => {
  const job = makeJob('1', { frames: '1-6', chunk: 2 })
  const other = makeJob('2', { frames: '1-2', chunk: 2, priority: -1 })
  const jobs = [job, other]
  pick(jobs, fast)
  pick(jobs, slow)
  pick(jobs, fast)
  frameDone(job, 1, 'fast', at())
  const fastOther = pick(jobs, fast)
  t.is(fastOther?.jobId, '2')
  t.is(releaseNode(jobs, fast.id, at()), 3 + 2)
  t.deepEqual(framesIn(job, 'pending'), [2, 5, 6])
  t.deepEqual(framesIn(job, 'rendering'), [3, 4])
  t.deepEqual(framesIn(job, 'done'), [1])
  t.deepEqual(framesIn(other, 'pending'), [1, 2])
  t.is(job.frames[2]?.nodeId, undefined)
  // A dropped node is not a failure.
  t.is(job.frames[2]?.failures, 0)
  t.is(releaseNode(jobs, 'unknown', at()), 0)
})

test('releaseNode puts a running probe back', (t) => {
  const job = makeJob('1', { frames: undefined })
  pick([job], fast)
  releaseNode([job], fast.id, at())
  t.deepEqual(job.probe, { state: 'needed', attempts: 1 })
  t.is(pick([job], slow)?.kind, 'probe')
})

test('framesOfTask lists what a task still holds', (t) => {
  const job = makeJob('1', { frames: '1-3', chunk: 3 })
  const task = pick([job], fast)
  frameDone(job, 2, 'fast', at())
  t.deepEqual(framesOfTask(job, fast.id, task?.taskId ?? ''), [1, 3])
  t.deepEqual(framesOfTask(job, fast.id, 'other'), [])
  t.deepEqual(framesOfTask(job, slow.id, task?.taskId ?? ''), [])
})

// A chunk is the next pending frames in order, across gaps: Blender renders
// any frame list in one process.
test('a chunk takes the next pending frames in order, across a gap', (t) => {
  const job = makeJob('1', { frames: '1-9', chunk: 3 })
  t.deepEqual(renderFrames(pick([job], fast)), [1, 2, 3])
  t.deepEqual(renderFrames(pick([job], slow)), [4, 5, 6])
  frameDone(job, 1, 'fast', at())
  frameDone(job, 2, 'fast', at())
  releaseNode([job], fast.id, at())
  // Pending now: 3, then 7-9 after the frames slow holds.
  t.deepEqual(renderFrames(pick([job], third)), [3, 7, 8])
})

// parseFrameList accepts any frame number, but the wire schema caps frames at
// 1_000_000: such a job's assign message is rejected by every node.
test('every task handed out passes the wire schema', (t) => {
  const job = makeJob('1', { frames: '1000000-1000001', chunk: 2 })
  const task = pick([job], fast)
  t.true(taskSchema.safeParse(task).success)
})

// frameFailed ignores a late report when another node holds the frame, but not
// when the frame went back to pending (pause, cancel, node released): the late
// report still counts as a failure and can give the frame up while the job is
// paused, where rollUp does not run; a resumed job is then stuck 'active'.
test('a late failure report for a frame that was requeued is ignored', (t) => {
  const job = makeJob('1', { frames: '1-2', chunk: 2 })
  pick([job], fast)
  frameDone(job, 1, 'fast', at())
  applyControl(job, 'pause', at())
  frameFailed(job, 2, fast, 'killed', { maxAttempts: 1, blocklistAfter: 10 }, at())
  t.like(job.frames[2], { state: 'pending', failures: 0 })
})
