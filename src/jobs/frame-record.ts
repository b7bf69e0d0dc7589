import type { FrameRecord, Job } from './job.js'
import { frameIndex, indexViolations } from './frame-index.js'

// Every change of a frame record goes through here: the scheduler, the job
// controls, the backup renders and the reconciliation with the disk call
// these transitions, never `record.state = …` themselves. A record's rule:
// rendering ⇔ it is held by a node (nodeId, taskId); a backup copy is held by
// another node of its own; done carries when; nothing else holds. Each
// transition keeps the job's FrameIndex (frame-index.ts) true as it goes.

/**
 * Every frame of a new job is this one record until it changes: a job of
 * 100 000 frames holds one record, not 100 000 (copy on write, in `change`).
 * Frozen, so a write that bypasses the transitions fails loudly.
 */
export const UNTOUCHED_FRAME: FrameRecord = Object.freeze({ state: 'pending', attempts: 0, failures: 0, failedOn: Object.freeze([]) as unknown as string[] })

/** Whether the record is a frame nothing happened to yet (stored as a range, not a record). */
export function isUntouched (record: FrameRecord): boolean {
  return record === UNTOUCHED_FRAME || (record.state === 'pending' && record.attempts === 0 && record.failures === 0 &&
    record.failedOn.length === 0 && Object.keys(record).length === 4)
}

/** Changes one record, keeping the job's index true: its old share out, its new share in. */
function change (job: Job, frame: number, mutate: (record: FrameRecord) => void): void {
  let record = job.frames[frame]
  if (record === undefined) throw new RangeError(`job ${job.id} has no frame ${frame}`)
  if (record === UNTOUCHED_FRAME) {
    record = { state: 'pending', attempts: 0, failures: 0, failedOn: [] }
    job.frames[frame] = record
  }
  const index = frameIndex(job)
  index.remove(frame, record)
  try {
    mutate(record)
  } finally {
    index.add(frame, record)
  }
}

/** A node starts rendering the frame (state rendering). */
export function assignFrame (job: Job, frame: number, node: { id: string, name: string }, taskId: string): void {
  change(job, frame, record => {
    record.state = 'rendering'
    record.attempts++
    record.nodeId = node.id
    record.lastNodeId = node.id
    record.node = node.name
    record.taskId = taskId
  })
}

/** A second node renders a copy of a frame that is rendering (the tail of a job). */
export function assignBackup (job: Job, frame: number, nodeId: string, taskId: string): void {
  change(job, frame, record => {
    record.attempts++
    record.backupNodeId = nodeId
    record.backupTaskId = taskId
  })
}

/** The first complete copy arrived (from the node holding it, its backup, or the disk). */
export function completeFrame (job: Job, frame: number, nodeName: string | undefined, doneAt: string): void {
  change(job, frame, record => {
    record.state = 'done'
    if (nodeName !== undefined) record.node = nodeName
    record.doneAt = doneAt
    letGo(record)
    delete record.error
  })
}

/** Blender failed the frame on this node: counted against it (the frame stays held until released or given up). */
export function recordFailure (job: Job, frame: number, nodeName: string, error: string): void {
  change(job, frame, record => {
    record.failures++
    record.error = error
    record.node = nodeName
    if (!record.failedOn.includes(nodeName)) record.failedOn.push(nodeName)
  })
}

/** Back in line for any node: a node left, the job was paused, the file vanished. */
export function releaseFrame (job: Job, frame: number): void {
  change(job, frame, record => {
    record.state = 'pending'
    letGo(record)
  })
}

/** Given up: no more attempts (too many failures, or no node may render the job). */
export function giveUpFrame (job: Job, frame: number): void {
  change(job, frame, record => {
    record.state = 'failed'
    letGo(record)
  })
}

/** A failed frame gets a new start: attempts on every node again (retry, activate). */
export function resetFrame (job: Job, frame: number): void {
  change(job, frame, record => {
    record.state = 'pending'
    record.failures = 0
    record.failedOn = []
    letGo(record)
  })
}

/** The node's failures of this frame are forgiven (unblock): it may be handed the frame again first; the frame's own count stays. */
export function forgetFailedOn (job: Job, frame: number, nodeName: string): void {
  change(job, frame, record => {
    record.failedOn = record.failedOn.filter(name => name !== nodeName)
  })
}

/** The node holding the frame dropped out or failed it: its backup copy carries on as the only render. */
export function promoteBackup (job: Job, frame: number): void {
  change(job, frame, record => {
    if (record.backupNodeId === undefined || record.backupTaskId === undefined) return
    record.nodeId = record.backupNodeId
    record.taskId = record.backupTaskId
    forgetBackup(record)
  })
}

/** The backup copy ended (failed, dropped, its node left): the original carries on alone. */
export function dropBackup (job: Job, frame: number): void {
  change(job, frame, forgetBackup)
}

function forgetBackup (record: FrameRecord): void {
  delete record.backupNodeId
  delete record.backupTaskId
}

function letGo (record: FrameRecord): void {
  delete record.nodeId
  delete record.taskId
  forgetBackup(record)
}

/** What is wrong with the job's frame records, if anything: the tests check this after every step. */
export function frameInvariantViolations (job: Job): string[] {
  const problems: string[] = []
  for (const [frame, r] of Object.entries(job.frames)) {
    const held = r.nodeId !== undefined || r.taskId !== undefined
    if (r.state === 'rendering' && (r.nodeId === undefined || r.taskId === undefined)) problems.push(`frame ${frame}: rendering but held by no node`)
    if (r.state !== 'rendering' && held) problems.push(`frame ${frame}: ${r.state} but still held by ${r.nodeId ?? '?'}`)
    if ((r.backupNodeId === undefined) !== (r.backupTaskId === undefined)) problems.push(`frame ${frame}: half a backup`)
    if (r.backupNodeId !== undefined && (r.state !== 'rendering' || r.backupNodeId === r.nodeId)) problems.push(`frame ${frame}: a backup copy on ${r.backupNodeId} while ${r.state}`)
    if (r.state === 'done' && r.doneAt === undefined) problems.push(`frame ${frame}: done without a time`)
    if (r.failures > r.attempts) problems.push(`frame ${frame}: ${r.failures} failures in ${r.attempts} attempts`)
  }
  return [...problems, ...indexViolations(job)]
}
