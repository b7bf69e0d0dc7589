import { join } from 'node:path'
import type { BlenderInstall } from '../blender/find-blender.js'
import { readSceneInfo } from '../blender/scene-info.js'
import type { NodeToCoordinator, ProbeTask, RenderTask, Task } from '../protocol/messages.js'
import { formatBytes } from '../util/format-bytes.js'
import type { OpenStream } from './content-cache.js'
import type { PreparedScene, ProjectTrees } from './project-trees.js'
import type { FrameUploader } from './frame-uploader.js'
import type { FrameFailure, FrameRenderer } from './frame-renderer.js'
import { errorMessage } from '../util/error-message.js'
import type { ProcessRunner } from '../process/run-process.js'

export interface TaskRunnerDeps {
  blender: BlenderInstall
  renderer: FrameRenderer
  trees: ProjectTrees
  uploader: FrameUploader
  framesDir: string
  /** Sends to the coordinator over the current session; false when there is none. */
  send: (message: NodeToCoordinator) => boolean
  open: () => OpenStream | undefined
  log: (line: string) => void
  readScene?: typeof readSceneInfo
  /** How Blender is started for a probe (`--nice`); see BlenderDriverOptions.run. */
  run?: ProcessRunner
}

/**
 * Runs the tasks the coordinator assigns, one at a time. While a task runs it
 * keeps one more asked for or waiting in line, so there is no idle gap between
 * tasks; uploads of finished frames overlap the next render.
 */
export class TaskRunner {
  private readonly queue: Task[] = []
  private busy = false
  /** Work requests sent on this session and not yet answered with a task. */
  private outstanding = 0
  private readonly jobAborts = new Map<string, AbortController>()
  /** Outside the node's --schedule: it asks for nothing and gives back what it is handed. */
  private asleep = false
  /** The render task in Blender now, and its frames Blender has started or finished. */
  private current?: { task: RenderTask, started: number[], ended: Set<number> }

  constructor (private readonly deps: TaskRunnerDeps) {}

  get isBusy (): boolean { return this.busy || this.queue.length > 0 }

  enqueue (task: Task): void {
    this.outstanding = Math.max(0, this.outstanding - 1)
    // Assigned before the coordinator heard the node went to sleep: straight back.
    if (this.asleep) {
      this.giveBack(task, task.kind === 'render' ? task.frames : [])
      this.deps.send({ type: 'task-finished', taskId: task.taskId })
      return
    }
    this.queue.push(task)
    void this.pump()
  }

  /**
   * The node's schedule closed: tasks in line go back, and so do the current
   * task's frames Blender has not started; the frame in Blender finishes
   * (`stopNow`: it is stopped and goes back too). Blender quits once the node
   * is idle.
   */
  async sleep (stopNow: boolean): Promise<void> {
    this.asleep = true
    for (const task of this.queue.splice(0)) {
      this.giveBack(task, task.kind === 'render' ? task.frames : [])
      this.deps.send({ type: 'task-finished', taskId: task.taskId })
    }
    const current = this.current
    if (current !== undefined) {
      // Started frames before the last one that did not end have failed (said when the task ends).
      const last = current.started[current.started.length - 1]
      const inBlender = last !== undefined && !current.ended.has(last) ? last : undefined
      const back = current.task.frames.filter(frame => !current.started.includes(frame) || (stopNow && frame === inBlender))
      this.giveBack(current.task, back)
      await Promise.all(back.map(async frame => this.deps.renderer.drop(current.task.jobId, frame)))
      if (inBlender !== undefined && !stopNow) this.deps.log(`job ${current.task.jobId}: frame ${inBlender} finishes before the node sleeps`)
    }
    if (!this.busy) await this.deps.renderer.rest?.()
  }

  /** The schedule opened: work is asked for again. */
  wake (): void {
    this.asleep = false
    this.deps.renderer.ready()
    this.topUp()
  }

  /** Frames (or a probe) handed back unrendered: the coordinator gives them to others, no failure counted. */
  private giveBack (task: Task, frames: number[]): void {
    if (task.kind === 'render' && frames.length === 0) return
    this.deps.send({ type: 'return-frames', taskId: task.taskId, jobId: task.jobId, frames })
    if (frames.length > 0) this.deps.log(`job ${task.jobId}: frame(s) ${frames.join(',')} given back (outside this node's schedule)`)
  }

  /** A new session: the coordinator knows of no request from us yet. */
  connected (): void {
    this.outstanding = 0
    this.topUp()
    if (!this.asleep) this.deps.renderer.ready()
  }

  /**
   * Asks for work until it has what it should: one task when idle, and one
   * more in line (a prefetch) while a task runs. Every change of the queue
   * calls this, so a node never ends up idle without having asked.
   */
  private topUp (): void {
    if (this.asleep) return
    const wanted = this.busy ? 2 : 1
    let have = this.queue.length + (this.busy ? 1 : 0) + this.outstanding
    while (have < wanted && this.deps.send({ type: 'request-work' })) {
      this.outstanding++
      have++
    }
  }

  /** Stops this job's rendering now and forgets its queued tasks and uploads. */
  async cancelJob (jobId: string, reason: string): Promise<void> {
    const before = this.queue.length
    this.queue.splice(0, this.queue.length, ...this.queue.filter(task => task.jobId !== jobId))
    const controller = this.jobAborts.get(jobId)
    controller?.abort(new Error(reason))
    this.jobAborts.delete(jobId)
    await Promise.all([this.deps.renderer.stopJob(jobId), this.deps.uploader.dropJob(jobId)])
    if (controller !== undefined || before !== this.queue.length) this.deps.log(`job ${jobId}: stopped (${reason})`)
    this.topUp()
  }

  /** Another copy of the frame won: take it out of queued tasks, or stop it rendering. */
  async dropFrame (jobId: string, frame: number): Promise<void> {
    for (const task of this.queue) {
      if (task.kind === 'render' && task.jobId === jobId) task.frames = task.frames.filter(f => f !== frame)
    }
    for (const task of this.queue.filter(t => t.kind === 'render' && t.frames.length === 0)) {
      this.queue.splice(this.queue.indexOf(task), 1)
      this.deps.send({ type: 'task-finished', taskId: task.taskId })
    }
    await this.deps.renderer.drop(jobId, frame)
    this.deps.log(`job ${jobId}: frame ${frame} dropped (another copy was delivered first)`)
    this.topUp()
  }

  async stop (): Promise<void> {
    for (const controller of this.jobAborts.values()) controller.abort(new Error('node stopping'))
    await this.deps.renderer.stop()
  }

  private async pump (): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      for (let task = this.queue.shift(); task !== undefined; task = this.queue.shift()) {
        this.topUp()
        await this.run(task)
      }
    } finally {
      this.busy = false
      // Asleep: the frame that was finishing is done; Blender goes until the schedule opens.
      if (this.asleep) await this.deps.renderer.rest?.()
      else this.deps.renderer.idle()
      this.topUp()
    }
  }

  private async run (task: Task): Promise<void> {
    const controller = this.jobAborts.get(task.jobId) ?? new AbortController()
    this.jobAborts.set(task.jobId, controller)
    try {
      if (task.kind === 'probe') await this.probe(task, controller.signal)
      else await this.render(task, controller.signal)
    } finally {
      if (this.jobAborts.get(task.jobId) === controller && !this.queue.some(t => t.jobId === task.jobId)) this.jobAborts.delete(task.jobId)
    }
  }

  /** The job's files, fetched where missing and laid out in its tree; trees of jobs no longer queued go. */
  private async sceneFor (task: Task, signal: AbortSignal): Promise<PreparedScene> {
    const open = this.deps.open()
    if (open === undefined) throw new Error('not connected to the coordinator')
    const keep = new Set([task, ...this.queue].map(t => t.project?.sha256 ?? t.blendSha256))
    await this.deps.trees.retainOnly(keep)
    const scene = await this.deps.trees.prepare(task, open, signal)
    if (scene.fetched.files > 0) {
      this.deps.log(`job ${task.jobId}: fetched ${scene.fetched.files} file(s) of the scene (${formatBytes(scene.fetched.bytes)})`)
      if (scene.overCacheLimit) this.deps.log(`job ${task.jobId}: its files are more than --cache-size allows; they are kept while this node works on the job, and removed after`)
    }
    return scene
  }

  private async probe (task: ProbeTask, signal: AbortSignal): Promise<void> {
    try {
      const { blendPath } = await this.sceneFor(task, signal)
      const info = await (this.deps.readScene ?? readSceneInfo)(this.deps.blender, blendPath, { signal, ...(this.deps.run !== undefined ? { run: this.deps.run } : {}) })
      this.deps.send({ type: 'scene-info', taskId: task.taskId, jobId: task.jobId, info })
    } catch (err) {
      this.deps.send({ type: 'probe-failed', taskId: task.taskId, jobId: task.jobId, error: errorText(err) })
    }
    this.deps.send({ type: 'task-finished', taskId: task.taskId })
  }

  private async render (task: RenderTask, signal: AbortSignal): Promise<void> {
    this.deps.log(`job ${task.jobId}: rendering ${task.tiles !== undefined ? `tile(s) ${task.frames.join(',')} of frame ${task.tiles.frame}` : `frame(s) ${task.frames.join(',')}`}`)
    let failed: FrameFailure[]
    try {
      const scene = await this.sceneFor(task, signal)
      const outputDir = join(this.deps.framesDir, `job_${task.jobId}`)
      const current = { task, started: [] as number[], ended: new Set<number>() }
      this.current = current
      failed = await this.deps.renderer.render(task, scene, outputDir, signal, (frame, path, warned) => {
        current.ended.add(frame)
        if (warned !== undefined) this.deps.log(`job ${task.jobId}: frame ${frame} rendered with ${warned.warnings.length} Blender warning(s): ${warned.warnings[0] ?? ''}`)
        this.deps.send({ type: 'frame-rendered', jobId: task.jobId, frame, ...(warned !== undefined ? { warnings: warned.warnings.slice(0, 50).map(errorText), log: warned.log } : {}) })
        this.deps.uploader.add({ jobId: task.jobId, frame, path, taskId: task.taskId })
      }, (frame) => {
        current.started.push(frame)
        this.deps.send({ type: 'frame-started', jobId: task.jobId, frame })
      })
    } catch (err) {
      const error = errorText(err)
      failed = task.frames.map(frame => ({ frame, error }))
    } finally {
      this.current = undefined
    }
    if (!signal.aborted) {
      for (const { frame, error, log } of failed) {
        this.deps.log(`job ${task.jobId}: frame ${frame} failed: ${error}`)
        this.deps.send({ type: 'frame-failed', taskId: task.taskId, jobId: task.jobId, frame, error: errorText(error), ...(log !== undefined ? { log } : {}) })
      }
    }
    void this.finishWhenUploaded(task)
  }

  private async finishWhenUploaded (task: RenderTask): Promise<void> {
    while (this.deps.uploader.pendingFor(task.taskId) > 0) await this.deps.uploader.idle()
    this.deps.send({ type: 'task-finished', taskId: task.taskId })
  }
}

function errorText (err: unknown): string {
  const text = errorMessage(err)
  return text.length > 3900 ? text.slice(0, 3900) + '…' : text
}
