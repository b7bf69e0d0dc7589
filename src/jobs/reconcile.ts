import type { Job } from './job.js'
import { frameNumbers, isFinished } from './job.js'
import { rollUp } from './job-state.js'
import { completeFrame, releaseFrame } from './frame-record.js'

/**
 * After a restart: the frame files on disk are the truth. A complete file
 * counts as done even if the manifest missed it (the coordinator died between
 * rename and manifest write); frames that were in flight are queued again.
 * Returns the frames whose state changed.
 */
export function reconcileWithDisk (job: Job, framesOnDisk: ReadonlySet<number>, now: Date): { recovered: number[], requeued: number[] } {
  const recovered: number[] = []
  const requeued: number[] = []
  for (const frame of frameNumbers(job)) {
    const record = job.frames[frame]
    if (record === undefined) continue
    if (framesOnDisk.has(frame)) {
      if (record.state !== 'done') {
        completeFrame(job, frame, undefined, record.doneAt ?? now.toISOString())
        recovered.push(frame)
      }
    } else if (record.state === 'rendering' || record.state === 'done') {
      // 'done' without a file: the file was removed by hand; render it again.
      releaseFrame(job, frame)
      requeued.push(frame)
    }
  }
  if (job.probe?.state === 'running') job.probe = { state: 'needed', attempts: job.probe.attempts }
  if (!isFinished(job.state)) rollUp(job, now)
  return { recovered, requeued }
}
