import test from 'ava'
import type { ExecutionContext } from 'ava'
import { TaskRunner } from '../../../src/node/task-runner.js'
import type { FrameFailure, FrameRenderer, OnFrameSaved } from '../../../src/node/frame-renderer.js'
import type { LoadableScene } from '../../../src/node/blender-pool.js'
import type { ProjectTrees, PreparedScene } from '../../../src/node/project-trees.js'
import type { FrameUploader } from '../../../src/node/frame-uploader.js'
import { NodeSchedule } from '../../../src/node/schedule-gate.js'
import type { ScheduleStop } from '../../../src/node/schedule-gate.js'
import { parseSchedule } from '../../../src/node/schedule.js'
import type { NodeToCoordinator, RenderTask } from '../../../src/protocol/messages.js'

// The node's side of --schedule with an injected clock: no work asked for
// outside the window, the frame in Blender finishes when it closes (or goes
// back with --schedule-stop now), the rest goes back, work resumes when it opens.

/** A renderer whose frames end when the test says so; a dropped frame is skipped, or stopped if in Blender. */
class HeldRenderer implements FrameRenderer {
  readonly release = new Map<number, () => void>()
  private readonly dropped = new Set<number>()
  rests = 0
  readies = 0

  async render (task: RenderTask, _scene: LoadableScene, _dir: string, _signal: AbortSignal, onSaved: OnFrameSaved, onStarted?: (frame: number) => void): Promise<FrameFailure[]> {
    for (const frame of task.frames) {
      if (this.dropped.delete(frame)) continue
      onStarted?.(frame)
      const finished = await new Promise<boolean>((resolve) => { this.release.set(frame, () => resolve(!this.dropped.delete(frame))) })
      if (finished) onSaved(frame, `/frames/frame_${frame}.png`)
    }
    return []
  }

  async drop (_jobId: string, frame: number): Promise<void> {
    this.dropped.add(frame)
    this.release.get(frame)?.()
  }

  async stopJob (): Promise<void> {}
  idle (): void {}
  ready (): void { this.readies++ }
  async rest (): Promise<void> { this.rests++ }
  async stop (): Promise<void> {}
}

const scene: PreparedScene = { key: 'k', blendPath: '/jobs/k/scene.blend', remap: [], allowedMissing: [], fetched: { files: 0, bytes: 0 }, overCacheLimit: false }
const task = (taskId: string, frames: number[]): RenderTask =>
  ({ kind: 'render', taskId, jobId: '4', blendSha256: 'a'.repeat(64), blendSize: 1, format: 'PNG', frames })

// 2026-12-07 is a Monday; local time.
const at = (day: number, h: number): Date => new Date(2026, 11, 7 + day, h, 0, 0)

async function until (t: ExecutionContext, what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000
  while (!check()) {
    if (Date.now() > deadline) t.fail(`timed out waiting for ${what}`)
    await new Promise(resolve => setImmediate(resolve))
  }
}

function setup (stop: ScheduleStop, start: Date): { runner: TaskRunner, renderer: HeldRenderer, schedule: NodeSchedule, sent: NodeToCoordinator[], clock: { now: Date } } {
  const sent: NodeToCoordinator[] = []
  const renderer = new HeldRenderer()
  const trees = { retainOnly: async () => {}, prepare: async () => scene } as unknown as ProjectTrees
  const uploader = { add: () => {}, pendingFor: () => 0, idle: async () => {}, dropJob: async () => {} } as unknown as FrameUploader
  const runner = new TaskRunner({
    blender: { path: '/usr/bin/blender', version: '3.4.1' },
    renderer,
    trees,
    uploader,
    framesDir: '/frames',
    send: (message) => { sent.push(message); return true },
    open: () => async () => { throw new Error('no network in this test') },
    log: () => {},
  })
  const clock = { now: start }
  const schedule = new NodeSchedule({ schedule: parseSchedule('Mon-Fri 19:00-08:00'), stop, now: () => clock.now, log: () => {}, send: (m) => { sent.push(m); return true }, runner: async () => runner })
  return { runner, renderer, schedule, sent, clock }
}

const requests = (sent: NodeToCoordinator[]): number => sent.filter(m => m.type === 'request-work').length

test('outside the window no work is asked for; the frame in Blender finishes when it closes, the rest goes back; work resumes when it opens', async t => {
  const { runner, renderer, schedule, sent, clock } = setup('finish', at(0, 18))
  t.teardown(() => schedule.stop())
  schedule.start()
  await until(t, 'the runner asleep', () => sent.some(m => m.type === 'schedule'))
  await new Promise(resolve => setImmediate(resolve))
  runner.connected()
  t.like(sent[0], { type: 'schedule', window: 'Mon-Fri 19:00-08:00', sleeping: true, until: at(0, 19).toISOString() })
  t.is(requests(sent), 0, 'no work asked for outside the window')
  t.is(renderer.readies, 0, 'no Blender kept warm while asleep')

  clock.now = at(0, 19)
  schedule.check()
  await until(t, 'a work request', () => requests(sent) === 1)
  t.like(sent.filter(m => m.type === 'schedule').at(-1), { sleeping: false, until: at(1, 8).toISOString() })

  runner.enqueue(task('t1', [1, 2, 3]))
  await until(t, 'frame 1 in Blender', () => renderer.release.has(1))
  clock.now = at(1, 8)
  schedule.check()
  await until(t, 'frames given back', () => sent.some(m => m.type === 'return-frames'))
  t.like(sent.find(m => m.type === 'return-frames'), { taskId: 't1', jobId: '4', frames: [2, 3] })
  const asked = requests(sent)
  renderer.release.get(1)?.()
  await until(t, 'the task finished', () => sent.some(m => m.type === 'task-finished'))
  t.truthy(sent.find(m => m.type === 'frame-rendered' && m.frame === 1), 'the frame in progress finished')
  t.false(sent.some(m => m.type === 'frame-started' && m.frame !== 1), 'no other frame was started')
  t.false(sent.some(m => m.type === 'frame-failed'))
  t.is(requests(sent), asked, 'nothing more asked for once asleep')
  await until(t, 'Blender let go', () => renderer.rests > 0)

  // A task the coordinator handed out before it heard: straight back.
  runner.enqueue(task('t2', [9]))
  t.like(sent.filter(m => m.type === 'return-frames').at(-1), { taskId: 't2', frames: [9] })
  t.like(sent.at(-1), { type: 'task-finished', taskId: 't2' })

  clock.now = at(1, 19)
  schedule.check()
  await until(t, 'work asked for again', () => requests(sent) > asked)
  t.true(renderer.readies > 0)
})

test('--schedule-stop now: the frame in Blender is stopped and goes back too, not as a failure', async t => {
  const { runner, renderer, schedule, sent, clock } = setup('now', at(0, 20))
  t.teardown(() => schedule.stop())
  schedule.start()
  await until(t, 'awake', () => requests(sent) === 0 && sent.some(m => m.type === 'schedule'))
  runner.connected()
  runner.enqueue(task('t1', [1, 2]))
  await until(t, 'frame 1 in Blender', () => renderer.release.has(1))
  clock.now = at(1, 8)
  schedule.check()
  await until(t, 'the task finished', () => sent.some(m => m.type === 'task-finished'))
  t.like(sent.find(m => m.type === 'return-frames'), { taskId: 't1', frames: [1, 2] })
  t.false(sent.some(m => m.type === 'frame-rendered' || m.type === 'frame-failed'))
})
