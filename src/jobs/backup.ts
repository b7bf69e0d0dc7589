import type { Task } from '../protocol/messages.js'
import type { FrameRecord, Job } from './job.js'
import { isFinished } from './job.js'
import { renderTaskFor } from './render-task.js'
import type { NodeRef } from './scheduler.js'
import { jobsInOrder, suits } from './scheduler.js'
import { assignBackup } from './frame-record.js'
import { frameIndex } from './frame-index.js'

// The tail of a job: when nothing is pending and a node is idle, it may render
// a copy of the in-flight frame expected to finish last, so a job's end is not
// set by its slowest node's last frame. The first complete copy wins.

export interface BackupEstimates {
  /** Now, in ms. */
  now: number
  /** When the frame, rendering on its node, is expected to be done (ms); undefined when unknown. */
  expectedFinish: (job: Job, frame: number, record: FrameRecord) => number | undefined
  /** How long the idle node is expected to take for one frame (ms); undefined when unknown. */
  frameMsOnThisNode: number | undefined
}

/** A copy is only worth it when it should beat the original by this much. */
const MARGIN = 1.25

/** A frame rendering somewhere, in job order then frame order: what a backup copy may be made of. */
export interface InFlightFrame { job: Job, frame: number, record: FrameRecord }

/**
 * The frames a backup may copy, or undefined when real work is pending (no
 * backups then). Costs what is in flight, not what the jobs hold; a dispatch
 * pass computes it once for all its nodes (see DispatchFacts).
 */
export function framesInFlight (jobs: Iterable<Job>): InFlightFrame[] | undefined {
  const inFlight: InFlightFrame[] = []
  for (const job of jobsInOrder(jobs)) {
    if (isFinished(job.state) || job.state === 'paused') continue
    const index = frameIndex(job)
    if (index.counts.pending > 0) return undefined // real work exists: no backups yet
    for (const frame of [...index.rendering].sort((a, b) => a - b)) {
      inFlight.push({ job, frame, record: job.frames[frame] as FrameRecord })
    }
  }
  return inFlight
}

export function pickBackup (jobs: Iterable<Job>, node: NodeRef, taskId: string, estimates: BackupEstimates): Task | undefined {
  return pickBackupFrom(framesInFlight(jobs), node, taskId, estimates)
}

/** pickBackup over frames in flight found already (undefined: real work is pending). */
export function pickBackupFrom (inFlight: readonly InFlightFrame[] | undefined, node: NodeRef, taskId: string, estimates: BackupEstimates): Task | undefined {
  if (inFlight === undefined || estimates.frameMsOnThisNode === undefined) return undefined
  const backupDone = estimates.now + estimates.frameMsOnThisNode * MARGIN
  let best: { job: Job, frame: number, finish: number } | undefined
  for (const { job, frame, record } of inFlight) {
    if (job.blocklist[node.name] !== undefined || !suits(job, node)) continue
    // Read now, not when the list was made: another node may have taken the copy in this pass.
    if (record.state !== 'rendering' || record.backupNodeId !== undefined || record.nodeId === node.id) continue
    if (record.failedOn.includes(node.name)) continue
    const finish = estimates.expectedFinish(job, frame, record)
    if (finish === undefined || finish <= backupDone) continue
    if (best === undefined || finish > best.finish) best = { job, frame, finish }
  }
  if (best === undefined) return undefined
  assignBackup(best.job, best.frame, node.id, taskId)
  return renderTaskFor(best.job, [best.frame], taskId)
}
