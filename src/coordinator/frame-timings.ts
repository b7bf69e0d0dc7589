// How long frames of a job take, as they arrive: the job's running average
// over every node, and each node's own on the job. In memory only (after a
// restart the first frames measure it again); what a time-based progress
// estimate divides by (jobs/progress-estimate.ts).

/** Jobs (and job-node pairs) remembered at most: the oldest first go. */
const MAX_ENTRIES = 5000

interface Timing { ms: number, frames: number }

export class FrameTimings {
  private readonly timings = new Map<string, Timing>()

  add (jobId: string, nodeId: string, seconds: number): void {
    for (const key of [jobId, `${jobId}\n${nodeId}`]) {
      const timing = this.timings.get(key) ?? { ms: 0, frames: 0 }
      timing.ms += seconds * 1000
      timing.frames++
      // Re-inserted: the map's order is the order of last use.
      this.timings.delete(key)
      this.timings.set(key, timing)
    }
    for (const key of this.timings.keys()) {
      if (this.timings.size <= MAX_ENTRIES) break
      this.timings.delete(key)
    }
  }

  /** Average ms a frame of the job: this node's own when it delivered one, else the job's over every node. */
  frameMs (jobId: string, nodeId: string): number | undefined {
    const timing = this.timings.get(`${jobId}\n${nodeId}`) ?? this.timings.get(jobId)
    return timing !== undefined ? timing.ms / timing.frames : undefined
  }
}
