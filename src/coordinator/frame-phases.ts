import type { Job, JobView } from '../jobs/job.js'
import { frameIndex } from '../jobs/frame-index.js'

export type FramePhase = 'rendering' | 'uploading'

/**
 * Where each frame handed to a node is, as that node tells it: in Blender, or
 * rendered and uploading (before either, it waits on the node). In memory
 * only, for truthful counts; a report from a node that does not hold the
 * frame (any more) counts for nothing.
 */
export class FramePhases {
  private readonly phases = new Map<string, { nodeId: string, phase: FramePhase }>()

  /** Returns whether the report counted (the node holds the frame). */
  report (job: Job, frame: number, nodeId: string, phase: FramePhase): boolean {
    const record = job.frames[frame]
    if (record?.state !== 'rendering' || (record.nodeId !== nodeId && record.backupNodeId !== nodeId)) return false
    this.phases.set(`${job.id}:${frame}`, { nodeId, phase })
    return true
  }

  /** The frame's phase on the node holding it; undefined while it waits there (or is not rendering). */
  of (job: JobView, frame: number): FramePhase | undefined {
    const record = job.frames[frame]
    const entry = this.phases.get(`${job.id}:${frame}`)
    if (entry === undefined || record?.state !== 'rendering' || (record.nodeId !== entry.nodeId && record.backupNodeId !== entry.nodeId)) return undefined
    return entry.phase
  }

  /** The job's frames handed to nodes: in Blender, uploading, or waiting on the node. */
  counts (job: JobView): { rendering: number, uploading: number, queued: number } {
    const counts = { rendering: 0, uploading: 0, queued: 0 }
    for (const frame of frameIndex(job).rendering) {
      const phase = this.of(job, frame)
      if (phase === undefined) counts.queued++
      else counts[phase]++
    }
    return counts
  }

  /** The frame arrived or failed: nothing to remember. */
  forget (jobId: string, frame: number): void {
    this.phases.delete(`${jobId}:${frame}`)
  }

  forgetNode (nodeId: string): void {
    for (const [key, entry] of this.phases) if (entry.nodeId === nodeId) this.phases.delete(key)
  }
}
