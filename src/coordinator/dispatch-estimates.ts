import type { Job } from '../jobs/job.js'
import { isFinished } from '../jobs/index.js'
import { isSchedulable, jobsInOrder } from '../jobs/scheduler.js'
import { freeAt, leaveToFasterNodes } from '../jobs/tail.js'
import type { NodeOutlook } from '../jobs/tail.js'
import type { BackupEstimates } from '../jobs/backup.js'
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

/**
 * Near a job's end: the job whose pending frames the other nodes (those that
 * would render it next) are expected to finish before this one could finish
 * one, or undefined. See leaveToFasterNodes. Called for every work request:
 * one pass over each job's frames, no sorting.
 */
export function jobLeftToOthers (view: DispatchView, node: NodeSession): Job | undefined {
  const withWork: Array<{ job: Job, pending: number, retried: boolean }> = []
  const held = new Map<string, number>()
  for (const job of jobsInOrder(view.jobs)) {
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
  // The job each node would render next: the most urgent one it may render that has work.
  const nextFor = (n: NodeSession): Job | undefined => withWork.find(w => w.job.blocklist[n.name] === undefined)?.job
  const next = withWork.find(w => w.job === nextFor(node))
  if (next === undefined || next.job.probe?.state === 'needed') return undefined
  // A frame that failed somewhere is not for every node (chunkFor steers it
  // away from where it failed): holding back for it could leave it to nobody.
  if (next.retried) return undefined
  const now = view.now
  const firstAssigned = new Map<string, number>()
  for (const task of view.tasks) firstAssigned.set(task.nodeId, Math.min(firstAssigned.get(task.nodeId) ?? Infinity, task.assignedAt))
  const outlook = (n: NodeSession): NodeOutlook => {
    const frameMs = averageFrameMs(n)
    const startedAt = Math.max(n.lastFrameAt ?? n.connectedAt, firstAssigned.get(n.id) ?? 0)
    return { frameMs, freeAt: freeAt(startedAt, held.get(n.id) ?? 0, frameMs, now) }
  }
  const others = view.nodes.filter(n => n.id !== node.id && nextFor(n) === next.job).map(outlook)
  return leaveToFasterNodes(outlook(node), others, next.pending, now) ? next.job : undefined
}

/** Expected frame times from what each node delivered so far; see pickBackup. */
export function backupEstimates (view: DispatchView, idle: NodeSession): BackupEstimates {
  const nodes = view.nodes
  const done = nodes.reduce((sum, n) => sum + n.framesDone, 0)
  const farmMs = done > 0 ? 1000 * nodes.reduce((sum, n) => sum + n.frameSeconds, 0) / done : undefined
  // Each node renders its frames in the order they were handed out.
  const queues = new Map<string, string[]>()
  for (const job of view.jobs) {
    for (const [frame, record] of Object.entries(job.frames)) {
      if (record.state !== 'rendering' || record.nodeId === undefined) continue
      const queue = queues.get(record.nodeId) ?? []
      queue.push(`${job.id}:${frame}:${record.taskId ?? ''}`)
      queues.set(record.nodeId, queue)
    }
  }
  const order = (key: string): [number, number] => [Number(key.split(':')[2]?.slice(1)), Number(key.split(':')[1])]
  for (const queue of queues.values()) queue.sort((a, b) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1])
  return {
    now: view.now,
    frameMsOnThisNode: averageFrameMs(idle) ?? farmMs,
    expectedFinish: (job, frame, record) => {
      const holder = record.nodeId !== undefined ? view.node(record.nodeId) : undefined
      const ms = holder !== undefined ? averageFrameMs(holder) : undefined
      if (holder === undefined || ms === undefined) return undefined
      const rank = (queues.get(holder.id) ?? []).findIndex(key => key.startsWith(`${job.id}:${frame}:`)) + 1
      // Only the frame a node renders now gets a copy: one still queued behind
      // it is not rendered twice in the normal case (it is next in line).
      if (rank !== 1) return undefined
      return (holder.lastFrameAt ?? holder.connectedAt) + ms
    },
  }
}
