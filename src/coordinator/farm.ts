import type { Job } from '../jobs/job.js'
import { countFrames, frameIndex, frameNumbers, isFinished } from '../jobs/index.js'
import { summarizeFrameList } from '../jobs/frame-list-summary.js'
import { applyControl, failForLackOfNodes, JobControlError } from '../jobs/job-state.js'
import type { ControlAction } from '../jobs/job-state.js'
import { createJob, requestedFrames, setSceneInfo } from '../jobs/create-job.js'
import { checkWorkLimits } from '../jobs/work-limits.js'
import { tiledStillFor, tileIndices } from '../jobs/tiled-still.js'
import { checkRequirements } from '../jobs/blender-rules.js'
import { frameDone, frameFailed, framesOfNode, framesOfTask, holdsFramesOf, pickTask, releaseNode, returnFrames } from '../jobs/scheduler.js'
import { dropBackup } from '../jobs/frame-record.js'
import { framesInFlight, pickBackupFrom } from '../jobs/backup.js'
import type { SchedulerPolicy } from '../jobs/scheduler.js'
import { reconcileWithDisk } from '../jobs/reconcile.js'
import type { JobOwner, SceneInfoMessage, SubmitRequest, Task } from '../protocol/messages.js'
import type { FrameLogEntry, ScheduleReport } from '../protocol/frame-logs.js'
import type { ProjectManifest } from '../protocol/project.js'
import type { JobStore } from '../store/job-store.js'
import type { CoordinatorEvents } from './events.js'
import { NodeRegistry, nodeRef, takesWork } from './node-registry.js'
import { NodeNames } from './node-names.js'
import { readNodeNames } from '../store/node-names-file.js'
import { readNodeStates } from '../store/node-states-file.js'
import { NodeStates } from './node-states.js'
import { DispatchFacts } from './dispatch-estimates.js'
import type { DispatchView, TaskInfo } from './dispatch-estimates.js'
import { FramePhases } from './frame-phases.js'
import type { FramePhase } from './frame-phases.js'
import type { NodeSession } from './node-registry.js'
import { errorMessage } from '../util/error-message.js'
import { MAX_ERROR_TEXT } from '../protocol/constants.js'
import { fitText } from '../util/fit-text.js'

export interface FarmInit {
  policy: SchedulerPolicy
  now?: () => Date
}

export interface FarmComponents {
  store: JobStore
  events: CoordinatorEvents
}

/** Distinct load warnings kept per job (a scene with hundreds of missing files says enough with these). */
const MAX_JOB_WARNINGS = 100

/**
 * What one node may hold: the task it renders and one in line. More would let
 * a node (or a peer posing as one) sit on a job's frames while others idle.
 */
export const MAX_TASKS_PER_NODE = 2

/**
 * Tasks whose frames a node has rendered and is uploading do not count
 * against MAX_TASKS_PER_NODE, up to this many: the next frame renders while
 * the last one travels. Without this, a node's request for the frame after
 * next waited for its own upload (the soak saw 19 000 of 20 000 requests wait).
 */
export const MAX_UPLOADING_TASKS_PER_NODE = 2

/** A frame list in a log line: one line's worth (a 100 000-frame list of pairs would be 690 KB). */
const LOGGED_FRAME_LIST = 200


export class UnknownJobError extends Error {
  override name = 'UnknownJobError'
}

export class JobNotSavedError extends Error {
  override name = 'JobNotSavedError'
}

/**
 * The coordinator's state and policy in one place: jobs, connected nodes, and
 * what happens on each thing a node or a user does. Protocol handlers call in
 * here; nothing in here touches the network.
 */
export class Farm {
  readonly jobs = new Map<string, Job>()
  readonly nodes = new NodeRegistry()
  private readonly tasks = new Map<string, TaskInfo>()
  /** Where the frames handed to nodes are, as the nodes say (in Blender, uploading, waiting). */
  readonly phases = new FramePhases()
  private taskCounter = 0
  /** `jobId:frame` of the frame files being moved into place now (see claimFrame). */
  private readonly storing = new Set<string>()
  private diskIsFull = false
  private readonly now: () => Date

  constructor (private readonly init: FarmInit, private readonly components: FarmComponents) {
    this.now = init.now ?? (() => new Date())
  }

  /** The one clock of the farm's policy, in ms (tests pass their own through `now`). */
  private clock (): number { return this.now().getTime() }

  private get events (): CoordinatorEvents { return this.components.events }
  private get store (): JobStore { return this.components.store }

  /** Writes who owns which node name (coalesced by the store, and waited for by its drain). */
  private saveNodeNames (): void {
    this.store.saveNodeNames(() => this.nodes.names.entries(), (err) => {
      this.events.emit({ type: 'warning', message: `could not save the node names: ${errorMessage(err)}` })
    })
  }

  /** Loads the node names, every manifest, and reconciles each job with the frames on disk. */
  async load (): Promise<void> {
    try {
      this.nodes.names = new NodeNames(await readNodeNames(this.store.layout.nodeNamesPath))
    } catch (err) {
      this.events.emit({ type: 'warning', message: errorMessage(err) })
    }
    try {
      this.nodes.states = new NodeStates(await readNodeStates(this.store.layout.nodeStatesPath))
    } catch (err) {
      this.events.emit({ type: 'warning', message: errorMessage(err) })
    }
    const { jobs, problems } = await this.store.loadJobs()
    for (const problem of problems) {
      this.events.emit({ type: 'warning', message: `skipped ${problem.path}: ${problem.error.message}` })
    }
    for (const job of jobs) {
      await this.store.removeStaleTemporaries(job)
      const { recovered, requeued } = reconcileWithDisk(job, await this.store.framesOnDisk(job), this.now())
      if (recovered.length > 0 || requeued.length > 0) {
        this.events.emit({ type: 'warning', message: `job ${job.id}: ${recovered.length} frame(s) found on disk, ${requeued.length} queued again after restart` })
      }
      this.jobs.set(job.id, job)
      await this.store.save(job)
    }
    await this.removeUnusedContent()
  }

  job (jobId: string): Job {
    const job = this.jobs.get(jobId)
    if (job === undefined) throw new UnknownJobError(`no job ${jobId} on this coordinator (microfarm jobs lists them)`)
    return job
  }

  /**
   * Throws (FrameRangeError, WorkLimitError) when the coordinator would not
   * take this job: frames it cannot render, or more work than it takes on.
   * Asked before any of the job's bytes move, and again when it is made.
   */
  checkSubmit (request: SubmitRequest): void {
    // A version rule that is not one, or that no Blender could meet, is refused now, not queued for ever.
    checkRequirements(request)
    const tiles = tiledStillFor(request, this.nodes.workers().length)
    checkWorkLimits(this.jobs.values(), tiles !== undefined ? tileIndices(tiles).length : requestedFrames(request)?.length)
  }

  /** A new job; its project's files are in the content store already. */
  async submit (request: SubmitRequest, project: ProjectManifest, owner?: JobOwner): Promise<Job> {
    this.checkSubmit(request)
    // --tiles auto is sized by the nodes taking work now.
    const tiles = tiledStillFor(request, this.nodes.workers().length)
    const id = await this.store.allocateJobId()
    const job = createJob(id, request, project, this.now(), owner, tiles)
    this.jobs.set(id, job)
    await this.store.prepareJobDir(job)
    await this.store.save(job)
    const frames = frameNumbers(job)
    const range = job.tiles !== undefined ? `frame ${job.tiles.frame} in ${job.tiles.columns}x${job.tiles.rows} tiles` : summarizeFrameList(frames, LOGGED_FRAME_LIST)
    this.events.emit({ type: 'job-created', jobId: id, name: job.name, frames: frames.length, range, ...stillOf(job) })
    this.dispatch()
    return job
  }

  nodeJoined (node: NodeSession): void {
    node.connectedAt = node.lastSeen = this.clock()
    this.nodes.add(node, this.clock())
    this.saveNodeNames()
    this.events.emit({ type: 'node-joined', nodeId: node.id, name: node.name, blenderVersion: node.blenderVersion, cores: node.cores })
  }

  /** A node's session ended. With `session`, only if that session is still the current one. */
  nodeLeft (nodeId: string, reason: string, session?: NodeSession): void {
    const node = this.nodes.get(nodeId)
    if (node === undefined || (session !== undefined && node !== session)) return
    this.nodes.remove(nodeId, this.clock())
    this.saveNodeNames()
    if (session === undefined) node.disconnect(reason)
    for (const [taskId, task] of this.tasks) if (task.nodeId === nodeId) this.tasks.delete(taskId)
    this.phases.forgetNode(nodeId)
    const touched = [...this.jobs.values()].filter(job => holdsFramesOf(job, nodeId) || job.probe?.nodeId === nodeId)
    const requeued = releaseNode(touched, nodeId, this.now())
    touched.forEach(job => this.persist(job))
    this.events.emit({ type: 'node-left', nodeId, name: node.name, reason, requeued })
    this.dispatch()
  }

  /** The output folder's disk is full: said once, not for every upload it turns away. */
  diskFull (message: string): void {
    if (this.diskIsFull) return
    this.diskIsFull = true
    this.events.emit({ type: 'disk', full: true, message: `${message}; nodes keep their frames and send them again when there is room` })
  }

  /** A frame was stored: if the disk had been full, say it has room again. */
  diskHasRoom (): void {
    if (!this.diskIsFull) return
    this.diskIsFull = false
    this.events.emit({ type: 'disk', full: false, message: "the coordinator's disk has room again: frames kept on the nodes are coming in" })
  }

  heartbeat (nodeId: string): void {
    const node = this.nodes.get(nodeId)
    if (node !== undefined) node.lastSeen = this.clock()
  }

  /**
   * A node asks for a task. One request stands per node: a second, before the
   * first was answered, replaces it (a flood of requests is one request). It
   * is answered at once when there is work for this node, or when the next
   * dispatch pass finds some.
   */
  requestWork (nodeId: string): void {
    const node = this.nodes.get(nodeId)
    // A sleeping node (outside its --schedule) asks again when it wakes: a request sent before it slept is void.
    if (node === undefined || node.schedule?.sleeping === true) return
    node.wants = 1
    this.dispatch([node])
  }

  /** Hands tasks to every node that is waiting for one (or to `only` these), while there is work. */
  dispatch (only?: readonly NodeSession[]): void {
    // One set of facts for the whole pass, made anew once frames were handed out.
    let facts: DispatchFacts | undefined
    for (const node of only ?? this.nodes.waiting()) {
      // Drained or disabled: its request stands, answered once it is enabled again.
      if (!takesWork(node)) continue
      while (node.wants > 0 && this.hasRoomFor(node)) {
        facts ??= new DispatchFacts(this.dispatchView())
        const task = this.nextTaskFor(node, facts)
        // Nothing for this node (blocklisted, or only frames that failed on it) may still leave work for the next.
        if (task === undefined) break
        if (task.kind === 'probe' || !this.isBackupTask(task)) facts = undefined
        node.wants--
        node.tasks.add(task.taskId)
        node.send({ type: 'assign', task })
      }
    }
  }

  /** Whether the node may take one more task (see MAX_TASKS_PER_NODE, MAX_UPLOADING_TASKS_PER_NODE). */
  private hasRoomFor (node: NodeSession): boolean {
    let uploading = 0
    for (const taskId of node.tasks) if (this.isUploading(node.id, taskId)) uploading++
    return node.tasks.size - Math.min(uploading, MAX_UPLOADING_TASKS_PER_NODE) < MAX_TASKS_PER_NODE
  }

  /** Every frame the node holds of the task is rendered and on its way, as it said. */
  private isUploading (nodeId: string, taskId: string): boolean {
    const task = this.tasks.get(taskId)
    const job = task !== undefined ? this.jobs.get(task.jobId) : undefined
    if (job === undefined) return false
    const frames = framesOfTask(job, nodeId, taskId)
    return frames.length > 0 && frames.every(frame => this.phases.of(job, frame) === 'uploading')
  }

  private isBackupTask (task: Task): boolean {
    if (task.kind !== 'render' || task.frames.length !== 1) return false
    return this.jobs.get(task.jobId)?.frames[task.frames[0] ?? -1]?.backupTaskId === task.taskId
  }

  /** What the dispatch estimates read: a view of now, never a copy. */
  private dispatchView (): DispatchView {
    return { jobs: [...this.jobs.values()], nodes: this.nodes.all(), tasks: [...this.tasks.values()], now: this.clock(), node: (id) => this.nodes.get(id) }
  }

  private nextTaskFor (node: NodeSession, facts: DispatchFacts): Task | undefined {
    // A job whose last frames are better left to faster nodes is skipped; other work still fits.
    const heldBack = facts.jobLeftToOthers(node)
    const jobs = [...this.jobs.values()].filter(job => job !== heldBack)
    // The nodes a frame that failed here may go to instead: only those that take work.
    const online = this.nodes.workers().map(nodeRef)
    const taskId = `t${++this.taskCounter}`
    const task = pickTask(jobs, nodeRef(node), online, taskId, this.now()) ??
      pickBackupFrom(heldBack === undefined ? facts.framesInFlight() : framesInFlight(jobs), nodeRef(node), taskId, facts.backupEstimates(node))
    if (task === undefined) return undefined
    this.tasks.set(taskId, { jobId: task.jobId, nodeId: node.id, assignedAt: this.clock() })
    // An idle node's clock starts with its first task (a prefetched one waits on the current).
    if (node.tasks.size === 0) node.lastWorkAt = this.clock()
    const job = this.job(task.jobId)
    this.persist(job)
    this.events.emit({ type: 'task-assigned', jobId: job.id, nodeName: node.name, frames: task.kind === 'render' ? task.frames : [], kind: task.kind, ...stillOf(job) })
    return task
  }

  /** Blender's progress on a frame this node is rendering; reports about other frames are ignored. */
  frameProgress (nodeId: string, jobId: string, frame: number, done: number, total: number): void {
    const node = this.nodes.get(nodeId)
    const record = this.jobs.get(jobId)?.frames[frame]
    if (node === undefined || record?.state !== 'rendering' || record.nodeId !== nodeId) return
    const fraction = Math.min(1, done / total)
    node.progress = { jobId, frame, fraction, done, total }
    node.lastWorkAt = this.clock()
    this.events.emit({ type: 'frame-progress', jobId, frame, nodeName: node.name, fraction })
  }

  /**
   * Why a frame upload from this node is refused, or undefined when it is
   * welcome: only the node rendering the frame (or its backup copy) may send
   * it, or the node that rendered it last when the frame went back in line
   * meanwhile (a coordinator restart, a dropped session). A frame already
   * done is welcome (and a duplicate).
   */
  refuseFrame (jobId: string, frame: number, nodeId: string): string | undefined {
    const job = this.jobs.get(jobId)
    if (job === undefined) return `no job ${jobId}`
    const record = job.frames[frame]
    if (record === undefined) return `job ${jobId} has no frame ${frame}`
    if (job.state === 'cancelled' || job.state === 'paused') return `job ${jobId} is ${job.state}`
    if (job.state === 'completed' || job.state === 'failed') return `job ${jobId} is ${job.state}`
    const holds = record.nodeId === nodeId || record.backupNodeId === nodeId || (record.state === 'pending' && record.lastNodeId === nodeId)
    if (record.state !== 'done' && !holds) return `frame ${frame} of job ${jobId} was not handed to this node`
    return undefined
  }

  /**
   * Takes the right to store this frame's file now (false: another copy is
   * being stored). With the check for done before it, one synchronous step:
   * of copies arriving together exactly one is stored and counted.
   */
  claimFrame (jobId: string, frame: number): boolean {
    const key = `${jobId}:${frame}`
    if (this.storing.has(key)) return false
    this.storing.add(key)
    return true
  }

  unclaimFrame (jobId: string, frame: number): void {
    this.storing.delete(`${jobId}:${frame}`)
  }

  /** A frame's file is in place: count it (first complete copy wins). */
  frameStored (jobId: string, frame: number, nodeId: string): 'counted' | 'duplicate' {
    const job = this.job(jobId)
    this.phases.forget(jobId, frame)
    const node = this.nodes.get(nodeId)
    const nodeName = node?.name ?? job.frames[frame]?.node ?? 'unknown node'
    const record = job.frames[frame]
    const taskId = record?.nodeId === nodeId ? record.taskId : record?.backupNodeId === nodeId ? record.backupTaskId : undefined
    // Whoever else holds a copy of this frame (a backup render, or the original) can stop.
    const others = [job.frames[frame]?.nodeId, job.frames[frame]?.backupNodeId].filter((id): id is string => id !== undefined && id !== nodeId)
    const previous = job.state
    const outcome = frameDone(job, frame, nodeName, this.now())
    if (outcome === 'duplicate') return outcome
    const task = taskId !== undefined ? this.tasks.get(taskId) : undefined
    // The frame started when the node finished its previous one, or when this
    // task was handed over if it came later (the node was idle until then).
    const started = Math.max(task?.assignedAt ?? 0, node?.lastFrameAt ?? 0)
    const seconds = task !== undefined && node !== undefined ? (this.clock() - started) / 1000 : undefined
    if (node !== undefined) {
      node.lastWorkAt = this.clock()
      node.framesDone++
      node.lastFrameAt = this.clock()
      if (seconds !== undefined) node.frameSeconds += seconds
      if (seconds !== undefined) this.nodes.timings.add(jobId, node.id, seconds)
    }
    for (const other of others) this.nodes.get(other)?.send({ type: 'drop-frame', jobId, frame })
    // New timings may make a backup copy worth it for a waiting node.
    this.dispatch()
    const counts = countFrames(job)
    this.events.emit({ type: 'frame-done', jobId, frame, nodeName, done: counts.done, total: frameIndex(job).total, ...(seconds !== undefined ? { seconds } : {}), ...stillOf(job) })
    this.afterChange(job, previous)
    return outcome
  }

  /** `log`: Blender's last lines of the attempt, kept with the frame for `microfarm log` (see store/frame-logs.ts). */
  frameFailed (nodeId: string, jobId: string, frame: number, error: string, log: readonly string[] = []): void {
    const job = this.jobs.get(jobId)
    const node = this.nodes.get(nodeId)
    const record = job?.frames[frame]
    // Only a frame this node renders now can fail on it: a report about any other (a late one, or a
    // lie) changes nothing — no log line, no progress forgotten, no sign of work (found by the fuzz test).
    if (job === undefined || node === undefined || record?.state !== 'rendering' || (record.nodeId !== nodeId && record.backupNodeId !== nodeId)) return
    const previous = job.state
    this.phases.forget(jobId, frame)
    node.lastWorkAt = this.clock()
    this.keepLog(job, { frame, attempt: record.attempts, node: node.name, outcome: 'failed', error: fitText(error, MAX_ERROR_TEXT), lines: [...log] })
    const outcome = frameFailed(job, frame, { id: node.id, name: node.name }, error, this.init.policy, this.now())
    this.events.emit({ type: 'frame-failed', jobId, frame, nodeName: node.name, error, willRetry: !outcome.gaveUp, ...stillOf(job) })
    if (outcome.blocklisted) {
      this.events.emit({ type: 'node-blocklisted', jobId, nodeName: node.name, reason: job.blocklist[node.name] ?? '' })
      this.failIfNobodyMayRender(job)
    }
    this.afterChange(job, previous)
    this.dispatch()
  }

  /**
   * A frame rendered while Blender warned (a file it could not load, a
   * fallback): counted on the job, its lines kept like a failure's. Said in
   * the log for a job's first such frame only: a scene missing a texture warns
   * on every frame.
   */
  frameWarned (nodeId: string, jobId: string, frame: number, warnings: readonly string[], log: readonly string[]): void {
    const job = this.jobs.get(jobId)
    const node = this.nodes.get(nodeId)
    const record = job?.frames[frame]
    if (job === undefined || node === undefined || warnings.length === 0 || record?.state !== 'rendering' || (record.nodeId !== nodeId && record.backupNodeId !== nodeId)) return
    job.framesWarned = (job.framesWarned ?? 0) + 1
    this.persist(job)
    this.keepLog(job, { frame, attempt: record.attempts, node: node.name, outcome: 'warnings', lines: log.length > 0 ? [...log] : [...warnings] })
    if (job.framesWarned === 1) {
      this.events.emit({ type: 'warning', message: `job ${jobId}: frame ${frame} on ${node.name} rendered with Blender warnings: ${warnings[0] ?? ''}${warnings.length > 1 ? ` (and ${warnings.length - 1} more)` : ''}; microfarm log ${jobId} ${frame} shows them, microfarm jobs counts such frames` })
    }
  }

  /** Blender's output of a frame attempt, appended to the job's log file (not its manifest); a write that fails is said. */
  private keepLog (job: Job, entry: Omit<FrameLogEntry, 'at'>): void {
    this.store.frameLogs.append(job.id, { ...entry, at: this.now().toISOString() }).catch((err: unknown) => {
      this.events.emit({ type: 'warning', message: `job ${job.id}: could not keep frame ${entry.frame}'s Blender log: ${errorMessage(err)}` })
    })
  }

  /** The node gives frames of its task back unrendered (its schedule closed): they go to others, no failure counted. */
  framesReturned (nodeId: string, taskId: string, jobId: string, frames: readonly number[]): void {
    const job = this.jobs.get(jobId)
    const node = this.nodes.get(nodeId)
    if (job === undefined || node === undefined || this.tasks.get(taskId)?.nodeId !== nodeId) return
    const previous = job.state
    for (const frame of frames) this.phases.forget(jobId, frame)
    const released = returnFrames(job, nodeId, taskId, frames, this.now())
    if (released > 0) this.events.emit({ type: 'warning', message: `job ${jobId}: ${node.name} gave back ${released} frame(s) unrendered (its schedule closed); they go to other nodes` })
    this.afterChange(job, previous)
    this.dispatch()
  }

  /** A polite node's schedule: asleep, it takes no work and no dispatch rule counts on it (see takesWork). */
  nodeSchedule (nodeId: string, report: ScheduleReport): void {
    const node = this.nodes.get(nodeId)
    if (node === undefined) return
    const until = report.until !== undefined ? Date.parse(report.until) : undefined
    const changed = node.schedule?.sleeping !== report.sleeping || node.schedule.until !== until
    node.schedule = { window: report.window, sleeping: report.sleeping, ...(until !== undefined ? { until } : {}) }
    // Its standing request is void: it asks again when it wakes.
    if (report.sleeping) node.wants = 0
    if (changed) this.events.emit({ type: 'node-schedule', nodeId, name: node.name, window: report.window, sleeping: report.sleeping, ...(until !== undefined ? { until } : {}) })
    this.dispatch()
  }

  /** Every online node is blocklisted for a job that still has frames: nobody may finish it. */
  private failIfNobodyMayRender (job: Job): void {
    const nodes = this.nodes.all()
    if (isFinished(job.state) || nodes.length === 0 || nodes.some(node => job.blocklist[node.name] === undefined)) return
    const holding = failForLackOfNodes(job, this.now()).map(id => this.nodes.get(id)).filter((n): n is NodeSession => n !== undefined)
    this.stopTasksOf(job, holding, 'job failed: no node may render it any more')
  }

  taskFinished (nodeId: string, taskId: string): void {
    const task = this.tasks.get(taskId)
    const node = this.nodes.get(nodeId)
    node?.tasks.delete(taskId)
    if (task === undefined || task.nodeId !== nodeId) {
      // A slot on the node is free again.
      this.dispatch()
      return
    }
    this.tasks.delete(taskId)
    const job = this.jobs.get(task.jobId)
    for (const frame of job === undefined ? [] : framesOfTask(job, nodeId, taskId)) {
      const record = job?.frames[frame]
      if (job === undefined || record === undefined) continue
      if (record.backupTaskId === taskId) {
        // A backup copy that ended without a frame: the original carries on alone.
        dropBackup(job, frame)
      } else {
        // Neither delivered nor reported.
        this.frameFailed(nodeId, job.id, frame, 'the node finished its task without delivering this frame')
      }
    }
    this.dispatch()
  }

  sceneInfo (nodeId: string, taskId: string, jobId: string, info: SceneInfoMessage): void {
    const job = this.jobs.get(jobId)
    if (job === undefined || job.probe?.taskId !== taskId || job.probe.nodeId !== nodeId) return
    const previous = job.state
    try {
      setSceneInfo(job, info)
      // The range only now known must fit what the coordinator takes on, as a submitted one does.
      checkWorkLimits([...this.jobs.values()].filter(other => other !== job), frameIndex(job).total)
    } catch (err) {
      this.failJob(job, errorMessage(err))
      return
    }
    const frames = frameNumbers(job)
    this.events.emit({ type: 'job-state', jobId, state: job.state, message: `job ${jobId}: scene range read by ${this.nodes.get(nodeId)?.name ?? 'a node'}: ${frames.length} frames (${summarizeFrameList(frames, LOGGED_FRAME_LIST)})` })
    this.store.prepareJobDir(job).catch((err: unknown) => {
      // Frames that cannot be stored wait on the nodes (see the frame handler); say why.
      this.events.emit({ type: 'warning', message: `job ${jobId}: cannot make its frames folder: ${errorMessage(err)}` })
    })
    this.afterChange(job, previous)
    this.dispatch()
  }

  probeFailed (nodeId: string, taskId: string, jobId: string, error: string): void {
    const job = this.jobs.get(jobId)
    if (job === undefined || job.probe?.taskId !== taskId || job.probe.nodeId !== nodeId) return
    if (job.probe.attempts >= this.init.policy.maxAttempts) {
      job.probe = { state: 'failed', attempts: job.probe.attempts }
      this.failJob(job, `cannot read the scene: ${error}`)
    } else {
      job.probe = { state: 'needed', attempts: job.probe.attempts }
      this.persist(job)
    }
    this.dispatch()
  }

  private failJob (job: Job, error: string): void {
    const previous = job.state
    job.state = 'failed'
    // The node's own text (up to the limit) comes after words of ours: cut to what a summary carries.
    job.error = fitText(error, MAX_ERROR_TEXT)
    job.finishedAt = this.now().toISOString()
    this.afterChange(job, previous)
  }

  /**
   * A user's control (CLI, UI): applies it, stops nodes when needed, and says
   * what changed once the new state is on disk — an acknowledged cancel must
   * not come back as active after a restart.
   */
  async control (jobId: string, action: ControlAction): Promise<string> {
    const job = this.job(jobId)
    const previous = job.state
    const rendering = this.nodesRendering(job)
    const result = applyControl(job, action, this.now(), this.phases.counts(job).rendering)
    if (result.stopRendering) this.stopTasksOf(job, rendering, `job ${action}`)
    // Whatever the control, a job no online node may render fails now, saying so, instead of waiting forever.
    this.failIfNobodyMayRender(job)
    this.afterChange(job, previous)
    this.dispatch()
    try {
      await this.store.save(job)
    } catch (err) {
      throw new JobNotSavedError(`job ${jobId} is ${job.state} now, but its manifest could not be written (${errorMessage(err)}); it is written again shortly, and a restart before that may bring back the old state`, { cause: err })
    }
    return result.message
  }

  private nodesRendering (job: Job): NodeSession[] {
    const ids = new Set(frameIndex(job).held.keys())
    if (job.probe?.nodeId !== undefined) ids.add(job.probe.nodeId)
    return [...ids].map(id => this.nodes.get(id)).filter((n): n is NodeSession => n !== undefined)
  }

  /**
   * The job's tasks are void (it stopped, failed or went): its nodes are told
   * to stop, and their slots are free now, whether or not they say so.
   */
  private stopTasksOf (job: Job, nodes: readonly NodeSession[], reason: string): void {
    for (const node of nodes) node.send({ type: 'cancel-job', jobId: job.id, reason })
    for (const [taskId, task] of this.tasks) {
      if (task.jobId !== job.id) continue
      this.tasks.delete(taskId)
      this.nodes.get(task.nodeId)?.tasks.delete(taskId)
    }
  }

  async deleteJob (jobId: string): Promise<string> {
    const job = this.job(jobId)
    this.stopTasksOf(job, this.nodesRendering(job), 'job deleted')
    this.jobs.delete(jobId)
    this.dispatch()
    await this.store.deleteJob(job)
    await this.removeUnusedContent()
    this.events.emit({ type: 'job-state', jobId, state: 'deleted', message: `job ${jobId} deleted with its files` })
    return `job ${jobId} deleted with its frames and manifest`
  }

  /** Forgets completed jobs (those `which` lets through); their files stay. */
  async clearCompleted (which: (jobs: Job[]) => readonly Job[] = jobs => jobs): Promise<string> {
    const done = which([...this.jobs.values()].filter(job => job.state === 'completed'))
    for (const job of done) {
      this.jobs.delete(job.id)
      await this.store.forgetJob(job)
    }
    await this.removeUnusedContent()
    return done.length === 0 ? 'no completed jobs to clear' : `cleared ${done.length} completed job(s): ${done.map(j => j.id).join(', ')} (files kept)`
  }

  /** The content store keeps what the remaining jobs need (their .blend, manifest and files), nothing more. */
  async removeUnusedContent (): Promise<void> {
    await this.store.content.collect(async () => {
      const needed = new Set<string>()
      for (const job of [...this.jobs.values()]) {
        needed.add(job.blendSha256)
        if (job.project === undefined) continue
        needed.add(job.project.sha256)
        try {
          for (const file of (await this.store.content.manifest(job.project)).files) needed.add(file.sha256)
        } catch (err) {
          // Without the job's list, nothing can be known unused: keep everything.
          this.events.emit({ type: 'warning', message: `job ${job.id}: ${errorMessage(err)}; stored content kept` })
          return undefined
        }
      }
      return needed
    })
  }

  /** A node says where a frame it holds is: in Blender, or uploading. */
  framePhase (nodeId: string, jobId: string, frame: number, phase: FramePhase): void {
    const job = this.jobs.get(jobId)
    const node = this.nodes.get(nodeId)
    if (job === undefined || !this.phases.report(job, frame, nodeId, phase) || node === undefined) return
    node.lastWorkAt = this.clock()
    if (phase === 'rendering') node.frameStarted = { jobId, frame, at: this.clock() }
    // Saved: Blender is through it, whatever its last count said.
    else if (node.frameStarted?.jobId === jobId && node.frameStarted.frame === frame) node.progress = { jobId, frame, fraction: 1, done: 1, total: 1 }
    // A task now uploading may free a slot for the node's standing request.
    if (phase === 'uploading') this.dispatch([node])
  }

  /**
   * Takes back the frames of nodes that showed no work on them for
   * `timeoutMs` (a node's own watchdog stops a silent Blender sooner, see
   * --frame-timeout on the node): a node that sits on frames, hung or by
   * design, holds them no longer, and other nodes (or backup copies) get them.
   */
  checkStalled (timeoutMs: number): void {
    const now = this.clock()
    for (const node of this.nodes.all()) {
      if (this.jobsHeldBy(node).length === 0 || now - (node.lastWorkAt ?? node.connectedAt) <= timeoutMs) continue
      const requeued = this.takeBackFrom(node)
      this.events.emit({ type: 'warning', message: `${node.name} showed no work on its frames for ${Math.round(timeoutMs / 1000)} s: ${requeued} frame(s) go to other nodes` })
    }
    this.dispatch()
  }

  private jobsHeldBy (node: NodeSession): Job[] {
    return [...this.jobs.values()].filter(job => holdsFramesOf(job, node.id) || job.probe?.nodeId === node.id)
  }

  /**
   * Takes every frame the node holds back (it is told to drop them; its tasks
   * are void) and puts them in line for others; returns how many. The caller
   * dispatches. Its session stays: a frame it delivered meanwhile still counts.
   */
  takeBackFrom (node: NodeSession): number {
    const holding = this.jobsHeldBy(node)
    for (const job of holding) {
      for (const frame of framesOfNode(job, node.id)) node.send({ type: 'drop-frame', jobId: job.id, frame })
    }
    const requeued = releaseNode(holding, node.id, this.now())
    for (const [taskId, task] of this.tasks) {
      if (task.nodeId !== node.id) continue
      this.tasks.delete(taskId)
      node.tasks.delete(taskId)
    }
    this.phases.forgetNode(node.id)
    holding.forEach(job => this.persist(job))
    return requeued
  }

  /** What Blender said on a node while loading a job's scene: kept on the job (each line once) and said. */
  sceneWarnings (nodeId: string, jobId: string, warnings: readonly string[]): void {
    const node = this.nodes.get(nodeId)
    const job = this.jobs.get(jobId)
    // Only from a node that was given work of that job; once the job holds its fill, nothing more.
    if (node === undefined || job === undefined || ![...this.tasks.values()].some(task => task.nodeId === nodeId && task.jobId === jobId)) return
    const known = new Set(job.warnings ?? [])
    if (known.size >= MAX_JOB_WARNINGS) return
    const fresh = warnings.filter(w => !known.has(w)).slice(0, MAX_JOB_WARNINGS - known.size)
    if (fresh.length === 0) return
    job.warnings = [...known, ...fresh]
    this.persist(job)
    for (const warning of fresh) this.events.emit({ type: 'warning', message: `job ${jobId} on ${node.name}: Blender: ${warning}` })
  }

  /** Drops nodes whose heartbeats stopped. */
  checkHeartbeats (timeoutMs: number): void {
    for (const node of this.nodes.silentSince(this.clock(), timeoutMs)) {
      this.nodeLeft(node.id, `no heartbeat for ${Math.round(timeoutMs / 1000)} s`)
    }
  }

  /** Persists the job and reports a change of its state. */
  afterChange (job: Job, previous: Job['state']): void {
    // A new state of the job (completed, failed, …) is written at once; frame changes may wait a moment.
    this.persist(job, job.state !== previous)
    if (job.state === previous) return
    if (job.state === 'completed') {
      this.events.emit({ type: 'job-completed', jobId: job.id, name: job.name, missing: frameIndex(job).total - countFrames(job).done })
    } else if (job.state === 'failed') {
      this.events.emit({ type: 'job-failed', jobId: job.id, error: job.error ?? 'failed' })
    } else {
      this.events.emit({ type: 'job-state', jobId: job.id, state: job.state, message: `job ${job.id} is ${job.state}` })
    }
  }

  /** Writes the job's manifest now, or soon (see JobStore.saveLater); a user's control awaits its own save instead. */
  persist (job: Job, now = false): void {
    if (!this.jobs.has(job.id)) return
    const warn = (err: unknown): void => {
      this.events.emit({ type: 'warning', message: `could not save job ${job.id}'s manifest: ${errorMessage(err)}` })
    }
    if (now) this.store.save(job).catch(warn)
    else this.store.saveLater(job, warn)
  }
}


/** For events about a record of a tiled still (a tile): the still's frame. */
function stillOf (job: Job): { still?: number } {
  return job.tiles !== undefined ? { still: job.tiles.frame } : {}
}

export { JobControlError }
