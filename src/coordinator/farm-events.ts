import type { FarmEvent } from '../protocol/farm-events.js'
import type { CoordinatorEvent } from './events.js'

const JOB_STATES = new Set(['queued', 'active', 'paused', 'completed', 'cancelled', 'failed', 'deleted'] as const)
type JobStateName = typeof JOB_STATES extends Set<infer T> ? T : never

function isJobState (state: string): state is JobStateName {
  return (JOB_STATES as Set<string>).has(state)
}

/**
 * The coordinator's event as scripts see it (protocol/farm-events.ts), or
 * undefined for what is not part of that interface (progress ticks, node
 * joins, warnings). Pure: `at` is when it happened, as ISO text.
 */
export function toFarmEvent (event: CoordinatorEvent, at: string): FarmEvent | undefined {
  switch (event.type) {
    case 'job-created':
      return { event: 'job-created', at, jobId: event.jobId, name: event.name, frames: event.frames, ...(event.still !== undefined ? { still: event.still } : {}) }
    case 'job-state':
      return isJobState(event.state) ? { event: 'job-state', at, jobId: event.jobId, state: event.state } : undefined
    case 'job-completed':
      return { event: 'job-state', at, jobId: event.jobId, state: 'completed', ...(event.missing > 0 ? { missing: event.missing } : {}) }
    case 'job-failed':
      return { event: 'job-state', at, jobId: event.jobId, state: 'failed', error: event.error }
    case 'frame-done': {
      const counts = { node: event.nodeName, done: event.done, total: event.total, ...(event.seconds !== undefined ? { seconds: event.seconds } : {}) }
      return event.still !== undefined
        ? { event: 'tile-done', at, jobId: event.jobId, frame: event.still, tile: event.frame, ...counts }
        : { event: 'frame-done', at, jobId: event.jobId, frame: event.frame, ...counts }
    }
    case 'frame-failed': {
      const failure = { node: event.nodeName, error: event.error, willRetry: event.willRetry }
      return event.still !== undefined
        ? { event: 'tile-failed', at, jobId: event.jobId, frame: event.still, tile: event.frame, ...failure }
        : { event: 'frame-failed', at, jobId: event.jobId, frame: event.frame, ...failure }
    }
    case 'stitch':
      if (event.state === 'done' && event.file !== undefined) return { event: 'still-ready', at, jobId: event.jobId, frame: event.frame, file: event.file }
      return event.state === 'failed' ? { event: 'still-failed', at, jobId: event.jobId, error: event.error ?? event.message } : undefined
    case 'encode':
      if (event.state === 'done' && event.video !== undefined) return { event: 'video-ready', at, jobId: event.jobId, video: event.video }
      if (event.state === 'failed') return { event: 'video-failed', at, jobId: event.jobId, error: event.error ?? event.message }
      return undefined
    default:
      return undefined
  }
}

/** The job an event is about, for a watch of one job. */
export function jobOf (event: FarmEvent): string | undefined {
  return 'jobId' in event ? event.jobId : undefined
}
