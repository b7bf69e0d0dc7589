import type { Task } from '../protocol/messages.js'
import type { FrameRecord, Job, JobView } from './job.js'
import { isFinished, taskScene } from './job.js'
import { rollUp } from './job-state.js'
import { assignFrame, completeFrame, dropBackup, giveUpFrame, promoteBackup, recordFailure, releaseFrame } from './frame-record.js'
import { frameIndex } from './frame-index.js'
import { refusal } from './blender-rules.js'
import { renderTaskFor } from './render-task.js'

// Pull scheduling: a node that is idle asks, and gets the next chunk of the
// most urgent job it may render. Faster nodes ask more often, so they render
// more; nothing is pushed round-robin.

export interface SchedulerPolicy {
  /** Blender failures of one frame before it is given up. */
  maxAttempts: number
  /** Failed frames of one job after which a node may no longer render it. */
  blocklistAfter: number
}

export const DEFAULT_POLICY: SchedulerPolicy = { maxAttempts: 3, blocklistAfter: 3 }

export interface NodeRef {
  id: string
  name: string
  /** As the node's hello says; absent (tests of other rules): the node may take any job. */
  blenderVersion?: string
  /** The Cycles device type it renders on (see blender-rules.ts). */
  device?: string
}

/** Whether the node's Blender and device suit the job (blender-rules.ts). */
export function suits (job: Job, node: NodeRef): boolean {
  return node.blenderVersion === undefined || refusal(job, { name: node.name, blenderVersion: node.blenderVersion, ...(node.device !== undefined ? { device: node.device } : {}) }) === undefined
}

export function jobsInOrder (jobs: Iterable<Job>): Job[] {
  return [...jobs].sort((a, b) =>
    b.priority - a.priority || a.createdAt.localeCompare(b.createdAt) || Number(a.id) - Number(b.id))
}

/**
 * Picks the next task for `node` and marks its frames as rendering on it.
 * `online` lists the nodes that could take a frame instead, so a frame that
 * failed on this node goes to another one when one exists.
 */
export function pickTask (jobs: Iterable<Job>, node: NodeRef, online: readonly NodeRef[], taskId: string, now: Date): Task | undefined {
  for (const job of jobsInOrder(jobs)) {
    if (!isSchedulable(job) || job.blocklist[node.name] !== undefined || !suits(job, node)) continue
    if (job.probe?.state === 'needed') {
      job.probe = { state: 'running', nodeId: node.id, taskId, attempts: job.probe.attempts + 1 }
      return { kind: 'probe', taskId, jobId: job.id, ...taskScene(job) }
    }
    // A tiled still's tiles wait until a node has read the scene's size.
    if (job.tiles !== undefined && job.sceneInfo === undefined) continue
    const frames = chunkFor(job, node, online)
    if (frames.length === 0) continue
    for (const frame of frames) assignFrame(job, frame, node, taskId)
    rollUp(job, now)
    return renderTaskFor(job, frames, taskId)
  }
  return undefined
}

export function isSchedulable (job: Pick<JobView, 'state'>): boolean {
  return !isFinished(job.state) && job.state !== 'paused'
}

function chunkFor (job: Job, node: NodeRef, online: readonly NodeRef[]): number[] {
  let others: NodeRef[] | undefined
  const chunk: number[] = []
  // The next pending frames in order, not necessarily neighbours: Blender
  // renders any frame list in one process (-f 3,7,8). A frame that failed on
  // this node is left to another that may still try it; a node is blocklisted
  // after a few such frames, so few are ever skipped.
  frameIndex(job).eachPending(job, frame => {
    if (chunk.length >= job.chunk) return false
    const record = job.frames[frame] as FrameRecord
    if (record.failedOn.includes(node.name)) {
      others ??= online.filter(other => other.id !== node.id && job.blocklist[other.name] === undefined && suits(job, other))
      if (others.some(other => !record.failedOn.includes(other.name))) return 'skip'
    }
    chunk.push(frame)
    return true
  })
  return chunk
}

export type FrameDoneOutcome = 'counted' | 'duplicate'

/** The first complete copy of a frame wins; a later copy is a duplicate and is not counted. */
export function frameDone (job: Job, frame: number, nodeName: string, now: Date): FrameDoneOutcome {
  const record = job.frames[frame]
  if (record === undefined) throw new RangeError(`job ${job.id} has no frame ${frame}`)
  if (record.state === 'done') return 'duplicate'
  completeFrame(job, frame, nodeName, now.toISOString())
  rollUp(job, now)
  return 'counted'
}

export interface FrameFailedOutcome {
  gaveUp: boolean
  blocklisted: boolean
}

/** Records a Blender failure; the frame goes back to pending until it has failed maxAttempts times. */
export function frameFailed (job: Job, frame: number, node: NodeRef, error: string, policy: SchedulerPolicy, now: Date): FrameFailedOutcome {
  const record = job.frames[frame]
  // Only a frame this node is rendering now can fail on it: a late report for a
  // frame already handed back (pause, cancel, a dropped connection) is ignored.
  if (record === undefined || record.state !== 'rendering') return { gaveUp: false, blocklisted: false }
  const isBackup = record.backupNodeId === node.id
  if (!isBackup && record.nodeId !== node.id) return { gaveUp: false, blocklisted: false }
  recordFailure(job, frame, node.name, error)
  if (isBackup || record.backupNodeId !== undefined) {
    // The other copy goes on; this failure still counts against the node.
    if (isBackup) dropBackup(job, frame)
    else promoteBackup(job, frame)
    return { gaveUp: false, blocklisted: maybeBlocklist(job, node.name, policy) }
  }
  const gaveUp = record.failures >= policy.maxAttempts
  if (gaveUp) giveUpFrame(job, frame)
  else releaseFrame(job, frame)
  const blocklisted = maybeBlocklist(job, node.name, policy)
  rollUp(job, now)
  return { gaveUp, blocklisted }
}

function maybeBlocklist (job: Job, nodeName: string, policy: SchedulerPolicy): boolean {
  if (job.blocklist[nodeName] !== undefined) return false
  const failedHere = frameIndex(job).failedOn.get(nodeName) ?? 0
  if (failedHere < policy.blocklistAfter) return false
  job.blocklist[nodeName] = `${failedHere} frames failed on it`
  return true
}

/** A node went away: its in-flight frames go back to the queue for others. Returns how many. */
export function releaseNode (jobs: Iterable<Job>, nodeId: string, now: Date): number {
  let released = 0
  for (const job of jobs) {
    const held = frameIndex(job).held.get(nodeId)
    for (const frame of held === undefined ? [] : [...held]) released += letGoOf(job, frame, nodeId)
    if (job.probe?.state === 'running' && job.probe.nodeId === nodeId) {
      job.probe = { state: 'needed', attempts: job.probe.attempts }
    }
    rollUp(job, now)
  }
  return released
}

/**
 * The node gives back frames of one of its tasks unrendered (its schedule
 * closed): they are pending again, no failure counted; a probe task given
 * back is needed again. Frames it does not hold under that task are left as
 * they are. Returns how many went back in line.
 */
export function returnFrames (job: Job, nodeId: string, taskId: string, frames: readonly number[], now: Date): number {
  const given = new Set(frames)
  let released = 0
  for (const frame of framesOfTask(job, nodeId, taskId)) if (given.has(frame)) released += letGoOf(job, frame, nodeId)
  if (job.probe?.state === 'running' && job.probe.nodeId === nodeId && job.probe.taskId === taskId) {
    job.probe = { state: 'needed', attempts: job.probe.attempts }
  }
  rollUp(job, now)
  return released
}

/** The node no longer renders this frame: 1 when it goes back in line, 0 when a backup copy goes on (or was the node's). */
function letGoOf (job: Job, frame: number, nodeId: string): number {
  const record = job.frames[frame] as FrameRecord
  if (record.backupNodeId === nodeId) {
    dropBackup(job, frame)
    return 0
  }
  if (record.backupNodeId !== undefined) {
    // The backup copy carries on as the frame's only render.
    promoteBackup(job, frame)
    return 0
  }
  releaseFrame(job, frame)
  return 1
}

/** The frames of one of a node's tasks it still holds (as the original or as a backup copy), in order. */
export function framesOfTask (job: Job, nodeId: string, taskId: string): number[] {
  const held = frameIndex(job).held.get(nodeId)
  if (held === undefined) return []
  return [...held].filter(frame => {
    const record = job.frames[frame]
    return (record?.nodeId === nodeId && record.taskId === taskId) || (record?.backupNodeId === nodeId && record.backupTaskId === taskId)
  }).sort((a, b) => a - b)
}

/** The frames of the job the node holds (as the original or as a backup copy), in order. */
export function framesOfNode (job: Job, nodeId: string): number[] {
  return [...(frameIndex(job).held.get(nodeId) ?? [])].sort((a, b) => a - b)
}

/** Whether the node holds any frame of the job. */
export function holdsFramesOf (job: Job, nodeId: string): boolean {
  return frameIndex(job).held.has(nodeId)
}
