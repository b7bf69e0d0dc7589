import type { Job } from '../jobs/job.js'
import { isFinished } from '../jobs/index.js'
import { isSchedulable, jobsInOrder } from '../jobs/scheduler.js'
import { freeAt, leaveToFasterNodes } from '../jobs/tail.js'
import type { NodeOutlook } from '../jobs/tail.js'
import { framesInFlight } from '../jobs/backup.js'
import type { BackupEstimates, InFlightFrame } from '../jobs/backup.js'
import type { NodeSession } from './node-registry.js'

// What dispatch needs to know beyond the job records: how fast each node
// renders and when it will be free, for the tail rule (jobs/tail.ts) and
// backup renders (jobs/backup.ts). Read-only over a view of the farm; the
// farm's clock gives `now`.

export interface TaskInfo { jobId: string, nodeId: string, assignedAt: number }

export interface DispatchView {
  jobs: readonly Job[]
  nodes: readonly NodeSession[]
  tasks: readonly TaskInfo[]
  now: number
  node: (id: string) => NodeSession | undefined
}

export function averageFrameMs (node: NodeSession): number | undefined {
  return node.framesDone > 0 ? 1000 * node.frameSeconds / node.framesDone : undefined
}

interface JobWork { job: Job, pending: number, retried: boolean }

/**
 * The facts one dispatch pass needs, each computed at most once and only when
 * asked: a pass serves every waiting node, and walking every frame of every
 * job for each of them froze the coordinator with 200 nodes and 20 000
 * frames. The farm makes a new one whenever a task hands out frames (that
 * changes what is pending and who holds what); a backup copy or nothing
 * handed out leaves them as they are.
 */
export class DispatchFacts {
  private work?: { withWork: JobWork[], held: Map<string, number> }
  private firstAssigned?: Map<string, number>
  /** nodeId → `jobId:frame` of the frame it renders now (the first of those handed to it). */
  private heads?: Map<string, string>
  private inFlight?: { frames: readonly InFlightFrame[] | undefined }

  /** What a backup copy may be made of (undefined: real work is pending); see framesInFlight. */
  framesInFlight (): readonly InFlightFrame[] | undefined {
    this.inFlight ??= { frames: framesInFlight(this.view.jobs) }
    return this.inFlight.frames
  }

  constructor (private readonly view: DispatchView) {}

  /**
   * Near a job's end: the job whose pending frames the other nodes (those that
   * would render it next) are expected to finish before this one could finish
   * one, or undefined. See leaveToFasterNodes.
   */
  jobLeftToOthers (node: NodeSession): Job | undefined {
    const { withWork, held } = this.jobsWithWork()
    // The job each node would render next: the most urgent one it may render that has work.
    const nextFor = (n: NodeSession): Job | undefined => withWork.find(w => w.job.blocklist[n.name] === undefined)?.job
    const next = withWork.find(w => w.job === nextFor(node))
    if (next === undefined || next.job.probe?.state === 'needed') return undefined
    // A frame that failed somewhere is not for every node (chunkFor steers it
    // away from where it failed): holding back for it could leave it to nobody.
    if (next.retried) return undefined
    const now = this.view.now
    const firstAssigned = this.firstAssignedByNode()
    const outlook = (n: NodeSession): NodeOutlook => {
      const frameMs = averageFrameMs(n)
      const startedAt = Math.max(n.lastFrameAt ?? n.connectedAt, firstAssigned.get(n.id) ?? 0)
      return { frameMs, freeAt: freeAt(startedAt, held.get(n.id) ?? 0, frameMs, now) }
    }
    const others = this.view.nodes.filter(n => n.id !== node.id && nextFor(n) === next.job).map(outlook)
    return leaveToFasterNodes(outlook(node), others, next.pending, now) ? next.job : undefined
  }

  /** Expected frame times from what each node delivered so far; see pickBackup. */
  backupEstimates (idle: NodeSession): BackupEstimates {
    const nodes = this.view.nodes
    const done = nodes.reduce((sum, n) => sum + n.framesDone, 0)
    const farmMs = done > 0 ? 1000 * nodes.reduce((sum, n) => sum + n.frameSeconds, 0) / done : undefined
    return {
      now: this.view.now,
      frameMsOnThisNode: averageFrameMs(idle) ?? farmMs,
      expectedFinish: (job, frame, record) => {
        const holder = record.nodeId !== undefined ? this.view.node(record.nodeId) : undefined
        const ms = holder !== undefined ? averageFrameMs(holder) : undefined
        if (holder === undefined || ms === undefined) return undefined
        // Only the frame a node renders now gets a copy: one still queued behind
        // it is not rendered twice in the normal case (it is next in line).
        if (this.headsByNode().get(holder.id) !== `${job.id}:${frame}`) return undefined
        return (holder.lastFrameAt ?? holder.connectedAt) + ms
      },
    }
  }

  /** One pass over every frame: each job's pending work, and how many frames each node holds. */
  private jobsWithWork (): { withWork: JobWork[], held: Map<string, number> } {
    if (this.work !== undefined) return this.work
    const withWork: JobWork[] = []
    const held = new Map<string, number>()
    for (const job of jobsInOrder(this.view.jobs)) {
      if (isFinished(job.state)) continue
      let pending = 0
      let retried = false
      for (const record of Object.values(job.frames)) {
        if (record.state === 'pending') {
          pending++
          if (record.failedOn.length > 0) retried = true
        } else if (record.state === 'rendering') {
          for (const id of [record.nodeId, record.backupNodeId]) if (id !== undefined) held.set(id, (held.get(id) ?? 0) + 1)
        }
      }
      if (isSchedulable(job) && (pending > 0 || job.probe?.state === 'needed')) withWork.push({ job, pending, retried })
    }
    this.work = { withWork, held }
    return this.work
  }

  private firstAssignedByNode (): Map<string, number> {
    if (this.firstAssigned !== undefined) return this.firstAssigned
    const first = new Map<string, number>()
    for (const task of this.view.tasks) first.set(task.nodeId, Math.min(first.get(task.nodeId) ?? Infinity, task.assignedAt))
    this.firstAssigned = first
    return first
  }

  /** Each node renders its frames in the order they were handed out (task, then frame): the first is its head. */
  private headsByNode (): Map<string, string> {
    if (this.heads !== undefined) return this.heads
    const best = new Map<string, { task: number, frame: number, key: string }>()
    for (const job of this.view.jobs) {
      for (const [frameKey, record] of Object.entries(job.frames)) {
        if (record.state !== 'rendering' || record.nodeId === undefined) continue
        const task = Number(record.taskId?.slice(1))
        const frame = Number(frameKey)
        const current = best.get(record.nodeId)
        if (current === undefined || task < current.task || (task === current.task && frame < current.frame)) {
          best.set(record.nodeId, { task, frame, key: `${job.id}:${frame}` })
        }
      }
    }
    this.heads = new Map([...best].map(([id, head]) => [id, head.key]))
    return this.heads
  }
}
