import test from 'ava'
import { PROGRESS_EVERY_MS, ProgressReporter } from '../../../src/node/progress-reporter.js'
import type { NodeToCoordinator } from '../../../src/protocol/messages.js'

function reporter (): { sent: NodeToCoordinator[], at: { now: number }, progress: ProgressReporter } {
  const sent: NodeToCoordinator[] = []
  const at = { now: 1000 }
  return { sent, at, progress: new ProgressReporter((m) => { sent.push(m); return true }, () => at.now) }
}

test('sample lines are thinned out to one report per interval, the last sample always goes', (t) => {
  const { sent, at, progress } = reporter()
  for (let done = 1; done <= 64; done++) progress.report('1', 7, done, 64)
  t.deepEqual(sent.map(m => m.type === 'frame-progress' ? m.done : -1), [1, 64])
  at.now += PROGRESS_EVERY_MS
  progress.report('1', 7, 64, 64)
  t.is(sent.length, 3)
})

test('a new frame is reported at once', (t) => {
  const { sent, progress } = reporter()
  progress.report('1', 1, 1, 10)
  progress.report('1', 2, 1, 10)
  progress.report('2', 2, 1, 10)
  t.deepEqual(sent, [
    { type: 'frame-progress', jobId: '1', frame: 1, done: 1, total: 10 },
    { type: 'frame-progress', jobId: '1', frame: 2, done: 1, total: 10 },
    { type: 'frame-progress', jobId: '2', frame: 2, done: 1, total: 10 },
  ])
})
