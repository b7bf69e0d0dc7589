import { basename } from 'node:path'
import { outputSize } from '../encode/image-header.js'
import { stitchTileFiles } from '../encode/stitch-tiles.js'
import type { Job } from '../jobs/job.js'
import { tilePlansOf } from '../jobs/tiled-still.js'
import { summarizeFrameList } from '../jobs/frame-list-summary.js'
import type { JobStore } from '../store/job-store.js'
import { errorMessage } from '../util/error-message.js'
import type { CoordinatorEvents } from './events.js'
import type { Farm } from './farm.js'

/** Stitches the tile files of a still into its frame file (injected, so the queue's rules are tested without images). */
export type StitchTiles = typeof stitchTileFiles

/**
 * Puts each tiled still together once its last tile is in: one still at a
 * time, in the background, without Blender (stitch-tiles.ts). The still is
 * written under its frame's name in the job's folder, where downloads and the
 * preview find it; the tiles stay in the job's tiles folder. A failure is
 * recorded on the job, which stays completed with its tiles; a still cut
 * short by a shutdown (or a crash) is stitched on the next start.
 */
export class StitchService {
  private readonly queue: Job[] = []
  private running?: Promise<void>
  /** Stopping: what completes from now on is stitched on the next start. */
  private stopped = false

  constructor (
    private readonly farm: Farm,
    private readonly store: JobStore,
    private readonly events: CoordinatorEvents,
    private readonly stitch: StitchTiles = stitchTileFiles,
  ) {
    events.on((event) => {
      if (event.type !== 'job-completed') return
      const job = farm.jobs.get(event.jobId)
      // After every listener has seen the completion, so logs read in order.
      if (job?.tiles?.stitch === 'waiting') setImmediate(() => { this.enqueue(job) })
    })
  }

  /** After a restart: stills whose tiles were all in but not yet stitched. */
  resumePending (): void {
    for (const job of this.farm.jobs.values()) if (job.state === 'completed' && job.tiles?.stitch === 'waiting') this.enqueue(job)
  }

  /** Resolves when the still being stitched now is written (the queue's others wait for the next start). */
  async stop (): Promise<void> {
    this.stopped = true
    this.queue.splice(0)
    await this.running
  }

  private enqueue (job: Job): void {
    if (this.stopped || this.queue.includes(job)) return
    this.queue.push(job)
    this.running ??= this.pump().finally(() => { this.running = undefined })
  }

  private async pump (): Promise<void> {
    for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) {
      // Deleted, or made to render again (retry) since it was queued.
      if (this.farm.jobs.get(job.id) !== job || job.tiles?.stitch !== 'waiting' || job.state !== 'completed') continue
      await this.run(job)
    }
  }

  private async run (job: Job): Promise<void> {
    const still = job.tiles
    const plans = tilePlansOf(job)
    if (still === undefined) return
    const outputPath = this.store.layout.framePath(job, still.frame)
    try {
      if (plans === undefined || job.sceneInfo === undefined) throw new Error('the still\'s size was never read from the scene')
      const missing = plans.filter(plan => job.frames[plan.index]?.state !== 'done').map(plan => plan.index)
      if (missing.length > 0) {
        throw new Error(`tile(s) ${summarizeFrameList(missing, 200)} of ${plans.length} were never rendered (the job was completed without them): submit the still again to render it whole`)
      }
      await this.stitch(outputSize(job.sceneInfo), plans.map(plan => ({ plan, path: this.store.layout.unitPath(job, plan.index) })), outputPath)
      still.stitch = 'done'
      still.outputPath = outputPath
      delete still.error
      this.events.emit({ type: 'stitch', jobId: job.id, frame: still.frame, state: 'done', file: basename(outputPath), message: `still ready: ${outputPath} (${still.columns}x${still.rows} tiles)` })
    } catch (err) {
      const message = errorMessage(err)
      still.stitch = 'failed'
      still.error = message
      this.events.emit({ type: 'stitch', jobId: job.id, frame: still.frame, state: 'failed', error: message, message: `stitching the still failed: ${message}` })
    }
    this.farm.persist(job, true)
  }
}
