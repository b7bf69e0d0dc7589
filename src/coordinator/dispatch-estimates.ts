import type { Job } from '../jobs/job.js'
import { frameIndex, isFinished } from '../jobs/index.js'
import { isSchedulable, jobsInOrder, suits } from '../jobs/scheduler.js'
import { freeAt, leaveToFasterNodes } from '../jobs/tail.js'
import type { NodeOutlook } from '../jobs/tail.js'
import { framesInFlight } from '../jobs/backup.js'
import type { BackupEstimates, InFlightFrame } from '../jobs/backup.js'
import type { NodeSession } from './node-registry.js'
import { nodeRef, takesWork } from './node-registry.js'

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
 * asked, from the jobs' frame indexes (never a walk over their frames): a
 * pass serves every waiting node. The farm makes a new one whenever a task
 * hands out frames (that changes what is pending and who holds what); a
 * backup copy or nothing handed out leaves them as they are.
 */
export class DispatchFacts {
  private withWork?: JobWork[]
  private readonly held = new Map<string, number>()
  private firstAssigned?: Map<string, number>
  private readonly heads = new Map<string, string | undefined>()
  private readonly next = new Map<string, JobWork | undefined>()
  private readonly outlooks = new Map<string, NodeOutlook>()
  /** Job id → the outlooks of the nodes that would render it next. */
  private contenders?: Map<string, Array<{ id: string, outlook: NodeOutlook }>>
  private inFlight?: { frames: readonly InFlightFrame[] | undefined }

  constructor (private readonly view: DispatchView) {}

  /** What a backup copy may be made of (undefined: real work is pending); see framesInFlight. */
  framesInFlight (): readonly InFlightFrame[] | undefined {
    this.inFlight ??= { frames: framesInFlight(this.view.jobs) }
    return this.inFlight.frames
  }

  /**
   * Near a job's end: the job whose pending frames the other nodes (those that
   * would render it next) are expected to finish before this one could finish
   * one, or undefined. See leaveToFasterNodes.
   */
  jobLeftToOthers (node: NodeSession): Job | undefined {
    const next = this.nextFor(node)
    if (next === undefined || next.job.probe?.state === 'needed') return undefined
    // A frame that failed somewhere is not for every node (chunkFor steers it
    // away from where it failed): holding back for it could leave it to nobody.
    if (next.retried) return undefined
    const others = (this.contendersByJob().get(next.job.id) ?? []).filter(other => other.id !== node.id).map(other => other.outlook)
    return leaveToFasterNodes(this.outlook(node), others, next.pending, this.view.now) ? next.job : undefined
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
        if (this.headOf(holder.id) !== `${job.id}:${frame}`) return undefined
        return (holder.lastFrameAt ?? holder.connectedAt) + ms
      },
    }
  }

  /** Unfinished jobs with work to hand out, most urgent first. */
  private jobsWithWork (): JobWork[] {
    if (this.withWork !== undefined) return this.withWork
    this.withWork = []
    for (const job of jobsInOrder(this.view.jobs)) {
      if (!isSchedulable(job)) continue
      const index = frameIndex(job)
      if (index.counts.pending > 0 || job.probe?.state === 'needed') {
        this.withWork.push({ job, pending: index.counts.pending, retried: index.pendingRetried > 0 })
      }
    }
    return this.withWork
  }

  /** The job a node would render next: the most urgent one it may render that has work. */
  private nextFor (node: NodeSession): JobWork | undefined {
    if (!this.next.has(node.id)) this.next.set(node.id, this.jobsWithWork().find(w => w.job.blocklist[node.name] === undefined && suits(w.job, nodeRef(node))))
    return this.next.get(node.id)
  }

  private contendersByJob (): Map<string, Array<{ id: string, outlook: NodeOutlook }>> {
    if (this.contenders !== undefined) return this.contenders
    this.contenders = new Map()
    // A drained or disabled node renders no pending frame: counting on it would leave them to nobody.
    for (const n of this.view.nodes.filter(takesWork)) {
      const next = this.nextFor(n)
      if (next === undefined) continue
      let list = this.contenders.get(next.job.id)
      if (list === undefined) this.contenders.set(next.job.id, list = [])
      list.push({ id: n.id, outlook: this.outlook(n) })
    }
    return this.contenders
  }

  private outlook (n: NodeSession): NodeOutlook {
    let outlook = this.outlooks.get(n.id)
    if (outlook === undefined) {
      const frameMs = averageFrameMs(n)
      const startedAt = Math.max(n.lastFrameAt ?? n.connectedAt, this.firstAssignedByNode().get(n.id) ?? 0)
      outlook = { frameMs, freeAt: freeAt(startedAt, this.heldBy(n.id), frameMs, this.view.now) }
      this.outlooks.set(n.id, outlook)
    }
    return outlook
  }

  /** How many frames the node renders, over every unfinished job (originals and backup copies). */
  private heldBy (nodeId: string): number {
    let held = this.held.get(nodeId)
    if (held === undefined) {
      held = 0
      for (const job of this.view.jobs) if (!isFinished(job.state)) held += frameIndex(job).held.get(nodeId)?.size ?? 0
      this.held.set(nodeId, held)
    }
    return held
  }

  private firstAssignedByNode (): Map<string, number> {
    if (this.firstAssigned !== undefined) return this.firstAssigned
    const first = new Map<string, number>()
    for (const task of this.view.tasks) first.set(task.nodeId, Math.min(first.get(task.nodeId) ?? Infinity, task.assignedAt))
    this.firstAssigned = first
    return first
  }

  /** A node renders its frames in the order they were handed out (task, then frame): `jobId:frame` of its first. */
  private headOf (nodeId: string): string | undefined {
    if (this.heads.has(nodeId)) return this.heads.get(nodeId)
    let best: { task: number, frame: number, key: string } | undefined
    for (const job of this.view.jobs) {
      for (const frame of frameIndex(job).held.get(nodeId) ?? []) {
        const record = job.frames[frame]
        if (record?.state !== 'rendering' || record.nodeId !== nodeId) continue
        const task = Number(record.taskId?.slice(1))
        if (best === undefined || task < best.task || (task === best.task && frame < best.frame)) best = { task, frame, key: `${job.id}:${frame}` }
      }
    }
    this.heads.set(nodeId, best?.key)
    return best?.key
  }
}
