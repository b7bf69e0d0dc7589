import type { Job, JobState } from './job.js'
import { countFrames, frameNumbers, framesIn, isFinished } from './job.js'
import { frameIndex } from './frame-index.js'
import { giveUpFrame, releaseFrame, resetFrame } from './frame-record.js'
import { MAX_ERROR_TEXT } from '../protocol/constants.js'
import { fitText } from '../util/fit-text.js'

// The job state machine: how frame changes roll up to the job, and which
// controls fit which state. Pure: the coordinator applies the side effects
// (stopping nodes, deleting files, writing manifests).

export class JobControlError extends Error {
  override name = 'JobControlError'
}

/** Recomputes the job's state from its frames after any frame change. */
export function rollUp (job: Job, now: Date): void {
  if (job.state === 'paused' || isFinished(job.state)) return
  const total = frameIndex(job).total
  if (total === 0) return
  const counts = countFrames(job)
  if (counts.done === total) {
    finish(job, 'completed', now)
    if (job.encode.settings.enabled) job.encode.state = 'waiting'
    if (job.tiles !== undefined) job.tiles.stitch = 'waiting'
  } else if (counts.pending === 0 && counts.rendering === 0) {
    finish(job, 'failed', now)
    job.error = fitText(lastFrameError(job) ?? 'frames failed', MAX_ERROR_TEXT)
  } else if (job.state === 'queued' && (counts.rendering > 0 || counts.done > 0)) {
    job.state = 'active'
    job.startedAt ??= now.toISOString()
  }
}

function finish (job: Job, state: JobState, now: Date): void {
  job.state = state
  job.finishedAt = now.toISOString()
}

/** Blender's own message from the last frame that really failed (frames failed by the job's end carry none). */
function lastFrameError (job: Job): string | undefined {
  const failed = framesIn(job, 'failed').filter(frame => job.frames[frame]?.error !== undefined)
  const last = failed[failed.length - 1]
  const record = last !== undefined ? job.frames[last] : undefined
  return record === undefined ? undefined : `frame ${last}${record.node !== undefined ? ` on ${record.node}` : ''}: ${record.error}`
}

/**
 * Every node that may render the job is blocklisted: it fails, its frames
 * that were left (pending or rendering) fail with it. Returns the ids of the
 * nodes that were rendering it, which must stop.
 */
export function failForLackOfNodes (job: Job, now: Date): string[] {
  const stop = new Set<string>(frameIndex(job).held.keys())
  for (const frame of frameNumbers(job)) {
    const state = job.frames[frame]?.state
    if (state === 'pending' || state === 'rendering') giveUpFrame(job, frame)
  }
  if (job.probe?.nodeId !== undefined) stop.add(job.probe.nodeId)
  finish(job, 'failed', now)
  job.error = fitText(`no node may render it any more; last error: ${lastFrameError(job) ?? 'none reported'}`, MAX_ERROR_TEXT)
  return [...stop]
}

export type ControlAction = 'cancel' | 'pause' | 'resume' | 'activate' | 'complete' | 'retry'

export interface ControlResult {
  /** One line for the user: what changed. */
  message: string
  /** Nodes rendering this job must stop now. */
  stopRendering: boolean
}

const ALLOWED: Record<ControlAction, readonly JobState[]> = {
  cancel: ['queued', 'active', 'paused'],
  pause: ['queued', 'active'],
  resume: ['paused'],
  activate: ['queued', 'paused', 'cancelled', 'failed'],
  complete: ['queued', 'active', 'paused', 'cancelled', 'failed'],
  retry: ['active', 'failed', 'completed', 'paused', 'queued', 'cancelled'],
}

/**
 * Applies a user's control to a job, or throws JobControlError saying why it
 * does not fit. `inBlender`: how many of its frames nodes are rendering right
 * now (the others handed out wait on the nodes), for a message that says so.
 */
export function applyControl (job: Job, action: ControlAction, now: Date, inBlender?: number): ControlResult {
  if (!ALLOWED[action].includes(job.state)) {
    throw new JobControlError(`cannot ${action} job ${job.id}: it is ${job.state}` + hint(action))
  }
  switch (action) {
    case 'cancel': {
      const stopped = requeueRendering(job)
      finish(job, 'cancelled', now)
      return { message: `job ${job.id} cancelled (${handedBack(stopped, inBlender)})`, stopRendering: true }
    }
    case 'pause': {
      const stopped = requeueRendering(job)
      job.state = 'paused'
      return { message: `job ${job.id} paused (${handedBack(stopped, inBlender)})`, stopRendering: true }
    }
    case 'resume':
      job.state = countFrames(job).done > 0 ? 'active' : 'queued'
      rollUp(job, now)
      return { message: `job ${job.id} resumed`, stopRendering: false }
    case 'activate': {
      const reset = resetFailed(job)
      // Rendering again gives every node another chance (retry does the same).
      job.blocklist = {}
      delete job.finishedAt
      delete job.error
      if (job.probe?.state === 'failed') job.probe = { state: 'needed', attempts: 0 }
      job.state = 'active'
      job.startedAt ??= now.toISOString()
      const missing = countFrames(job)
      return { message: `job ${job.id} active: ${missing.pending} frame(s) to render (${reset} failed frame(s) queued again)`, stopRendering: false }
    }
    case 'complete': {
      requeueRendering(job)
      const missing = Object.keys(job.frames).length - countFrames(job).done
      finish(job, 'completed', now)
      delete job.error
      if (job.encode.settings.enabled) job.encode.state = 'waiting'
      // A still missing tiles cannot be stitched: the stitcher says which are missing.
      if (job.tiles !== undefined) job.tiles.stitch = 'waiting'
      return { message: `job ${job.id} marked complete with ${missing} frame(s) missing`, stopRendering: true }
    }
    case 'retry': {
      const reset = resetFailed(job)
      if (reset === 0) throw new JobControlError(`job ${job.id} has no failed frames to retry`)
      // As activate: a blocklist kept would leave the frames to nobody, and the job active forever.
      job.blocklist = {}
      if (job.state === 'failed' || job.state === 'completed' || job.state === 'cancelled') {
        job.state = 'active'
        delete job.finishedAt
        delete job.error
      }
      return { message: `job ${job.id}: ${reset} failed frame(s) queued again`, stopRendering: false }
    }
  }
}

function handedBack (stopped: number, inBlender: number | undefined): string {
  if (inBlender === undefined) return `${stopped} frame(s) stopped mid-render`
  const waiting = Math.max(0, stopped - inBlender)
  return `${Math.min(inBlender, stopped)} frame(s) stopped mid-render` + (waiting > 0 ? `, ${waiting} waiting on nodes handed back` : '')
}

function hint (action: ControlAction): string {
  if (action === 'resume') return ' (only a paused job resumes; use activate for others)'
  if (action === 'activate') return ' (a completed job has nothing left to render)'
  return ''
}

function requeueRendering (job: Job): number {
  const rendering = [...frameIndex(job).rendering]
  for (const frame of rendering) releaseFrame(job, frame)
  const count = rendering.length
  if (job.probe?.state === 'running') job.probe = { state: 'needed', attempts: job.probe.attempts }
  return count
}

function resetFailed (job: Job): number {
  const failed = framesIn(job, 'failed')
  for (const frame of failed) resetFrame(job, frame)
  return failed.length
}
