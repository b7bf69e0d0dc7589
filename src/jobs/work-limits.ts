import type { Job } from './job.js'
import { isFinished } from './job.js'
import { frameIndex } from './frame-index.js'
import { MAX_FRAMES_PER_JOB } from './frame-range.js'

// What one coordinator takes on at most: a peer that submits job after job
// of 100 000 frames must meet a clear refusal, not a coordinator that runs out
// of memory. Generous for a studio (a feature film's shots are jobs of a few
// hundred frames; a farm rarely holds more than a few dozen unfinished jobs).

export const WORK_LIMITS = {
  /** Frames of one job (frame-range.ts enforces it while parsing). */
  framesPerJob: MAX_FRAMES_PER_JOB,
  /** Jobs not yet completed, cancelled or failed. */
  unfinishedJobs: 200,
  /** Frames still to render over every unfinished job. */
  queuedFrames: 1_000_000,
} as const

export class WorkLimitError extends Error {
  override name = 'WorkLimitError'
}

/** Throws WorkLimitError when a new job of `frames` frames (undefined: not known yet) would pass a limit. */
export function checkWorkLimits (jobs: Iterable<Job>, frames: number | undefined): void {
  let unfinished = 0
  let queued = 0
  for (const job of jobs) {
    if (isFinished(job.state)) continue
    unfinished++
    const counts = frameIndex(job).counts
    queued += counts.pending + counts.rendering
  }
  if (unfinished >= WORK_LIMITS.unfinishedJobs) {
    throw new WorkLimitError(`the coordinator holds ${unfinished} unfinished jobs, the most it takes (${WORK_LIMITS.unfinishedJobs}): wait for some to finish, or cancel or delete old ones (microfarm jobs lists them)`)
  }
  if (frames !== undefined && queued + frames > WORK_LIMITS.queuedFrames) {
    throw new WorkLimitError(`this job's ${frames} frames would take the frames waiting to render to ${queued + frames}, past the most the coordinator queues (${WORK_LIMITS.queuedFrames}): wait for jobs to finish, or submit fewer frames`)
  }
}
