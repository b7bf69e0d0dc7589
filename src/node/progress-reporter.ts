import type { NodeToCoordinator } from '../protocol/messages.js'

/** At most this often per frame: Cycles prints a line per sample, far more than a coordinator needs. */
export const PROGRESS_EVERY_MS = 500

/** Passes Blender's per-frame sample progress on to the coordinator, thinned out. */
export class ProgressReporter {
  private last = { key: '', at: 0 }

  constructor (private readonly send: (message: NodeToCoordinator) => boolean, private readonly now: () => number = Date.now) {}

  report (jobId: string, frame: number, done: number, total: number): void {
    const key = `${jobId}:${frame}`
    const at = this.now()
    // A new frame, or the last sample, always goes; in between, one every PROGRESS_EVERY_MS.
    if (key === this.last.key && done < total && at - this.last.at < PROGRESS_EVERY_MS) return
    this.last = { key, at }
    this.send({ type: 'frame-progress', jobId, frame, done, total })
  }
}
