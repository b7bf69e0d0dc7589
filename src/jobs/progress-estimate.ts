// How far a node is with the frame in its Blender. Blender's own sample count
// when it says something; when its counts are too coarse to (Blender 3.4's
// Cycles in background mode prints `Sample 0/48`, `1/48` and then `48/48`:
// 0% for the whole frame), an estimate from the time the frame has taken
// against the job's average frame time, said to be one. Pure: the caller
// gives the clock.

/** Blender's count for the frame: samples done of total. */
export interface SampleCount { done: number, total: number }

export interface ProgressFacts {
  /** Blender's own count for this frame, when it printed one. */
  reported?: SampleCount
  /** When Blender started the frame (ms), as the node said. */
  startedAt?: number
  /** Average ms a frame of this job takes (the node's own on the job when it delivered one). */
  frameMs?: number
  now: number
}

export interface FrameProgress {
  /** 0..1 */
  fraction: number
  /** From the time taken, not Blender's own count: shown as an estimate (`~40%`). */
  estimated: boolean
}

/** An estimate never says done: only Blender's own count (or the saved frame) does. */
export const MAX_ESTIMATE = 0.99

/**
 * Whether Blender's count says nothing yet: before its first sample, or at
 * it. Cycles renders the first sample alone (for a quick picture) and then,
 * in background mode, the rest in a few large steps; only from the second
 * step on does the count move with the work.
 */
export function isCoarse (count: SampleCount | undefined): boolean {
  return count === undefined || (count.done <= 1 && count.done < count.total)
}

/** What to show for the frame; undefined when there is nothing honest to say yet. */
export function frameProgress (facts: ProgressFacts): FrameProgress | undefined {
  const own = facts.reported !== undefined && facts.reported.total > 0 ? Math.min(1, facts.reported.done / facts.reported.total) : undefined
  if (own !== undefined && !isCoarse(facts.reported)) return { fraction: own, estimated: false }
  if (facts.startedAt === undefined || facts.frameMs === undefined || !(facts.frameMs > 0)) {
    return own !== undefined ? { fraction: own, estimated: false } : undefined
  }
  const byTime = Math.min(MAX_ESTIMATE, Math.max(0, facts.now - facts.startedAt) / facts.frameMs)
  return { fraction: Math.max(own ?? 0, byTime), estimated: true }
}
