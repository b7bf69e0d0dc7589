import type { RenderTask } from '../protocol/messages.js'
import { BlenderPool } from './blender-pool.js'
import type { BlenderPoolOptions, LoadableScene } from './blender-pool.js'
import type { BlenderInstall } from '../blender/find-blender.js'
import { errorMessage } from '../util/error-message.js'
import { frameWarnings } from '../blender/frame-log.js'
import type { BlenderDriver } from '../blender/blender-driver.js'

/** A frame that failed, with what Blender printed while it rendered it (bounded, see blender/frame-log.ts). */
export interface FrameFailure { frame: number, error: string, log?: string[] }

/** A frame's file is on disk; `warned`: Blender's lines for it worth a look (a file it could not load), and its output (bounded). */
export type OnFrameSaved = (frame: number, path: string, warned?: { warnings: string[], log: string[] }) => void

/** How a node turns a render task into frame files (real Blender, or a stand-in in benchmarks). */
export interface FrameRenderer {
  /** Renders the task's frames, calling `onStarted` as Blender begins each and `onSaved` as its file is on disk; returns the frames that failed. */
  render: (task: RenderTask, scene: LoadableScene, outputDir: string, signal: AbortSignal, onSaved: OnFrameSaved, onStarted?: (frame: number) => void) => Promise<FrameFailure[]>
  /** Stops rendering this job now. */
  stopJob: (jobId: string) => Promise<void>
  /** Another copy of this frame won: skip it, or stop it if it is rendering now. */
  drop: (jobId: string, frame: number) => Promise<void>
  /** Nothing more to render for now. */
  idle: () => void
  /** Connected to a coordinator, or awake again after its schedule: work may come soon. */
  ready: () => void
  /** The node sleeps (outside its --schedule): let Blender go, and keep none warm until ready(). */
  rest?: () => Promise<void>
  stop: () => Promise<void>
}

/**
 * Renders with a Blender that stays loaded between frames and tasks of a job
 * (see BlenderPool), one frame at a time, so each frame can be uploaded while
 * the next renders. A frame that fails in Blender fails alone; when Blender
 * itself died, the next frame starts it again.
 */
export class BlenderFrameRenderer implements FrameRenderer {
  private readonly pool: BlenderPool
  private readonly dropped = new Set<string>()
  private current?: string

  constructor (blender: BlenderInstall, private readonly options: Omit<BlenderPoolOptions, 'start'> = {}) {
    this.pool = new BlenderPool(blender, options)
  }

  async render (task: RenderTask, scene: LoadableScene, outputDir: string, signal: AbortSignal, onSaved: OnFrameSaved, onStarted?: (frame: number) => void): Promise<FrameFailure[]> {
    const failed: FrameFailure[] = []
    for (const frame of task.frames) {
      const key = `${task.jobId}:${frame}`
      if (signal.aborted) {
        failed.push({ frame, error: `cancelled before frame ${frame} was started` })
        continue
      }
      if (this.dropped.delete(key)) continue
      this.current = key
      let driver: BlenderDriver | undefined
      try {
        driver = await this.pool.driverFor(task.jobId, scene)
        onStarted?.(frame)
        const path = task.tiles === undefined
          ? await driver.render(frame, outputDir, task.format)
          : await this.renderTile(driver, task.jobId, task.tiles, frame, outputDir, task.format)
        const warnings = frameWarnings(driver.frameLog)
        onSaved(frame, path, ...(warnings.length > 0 ? [{ warnings, log: driver.frameLog }] : []))
      } catch (err) {
        // A frame stopped because another copy won is not a failure.
        const log = driver?.frameLog ?? []
        if (!this.dropped.delete(key)) failed.push({ frame, error: errorMessage(err), ...(log.length > 0 ? { log } : {}) })
      } finally {
        this.current = undefined
      }
    }
    return failed
  }

  /** One tile of a tiled still (`tile`: its index, what the task's `frames` list); what it had to turn off is said on the job. */
  private async renderTile (driver: BlenderDriver, jobId: string, tiles: NonNullable<RenderTask['tiles']>, tile: number, outputDir: string, format: RenderTask['format']): Promise<string> {
    const border = tiles.borders.find(entry => entry.index === tile)?.border
    if (border === undefined) throw new Error(`the task names tile ${tile} but gives no border for it`)
    const path = await driver.render(tiles.frame, outputDir, format, { index: tile, border })
    if (driver.tileTurnedOff.length > 0) {
      this.options.onSceneWarnings?.(jobId, [`tiles render without ${driver.tileTurnedOff.join(', ')}: each needs the whole image, which a tile is not`])
    }
    return path
  }

  async drop (jobId: string, frame: number): Promise<void> {
    const key = `${jobId}:${frame}`
    this.dropped.add(key)
    if (this.current === key) await this.pool.stopJob(jobId)
  }

  async stopJob (jobId: string): Promise<void> { await this.pool.stopJob(jobId) }
  idle (): void { this.pool.idle() }
  ready (): void { this.pool.wake() }
  async rest (): Promise<void> { await this.pool.rest() }
  async stop (): Promise<void> { await this.pool.stopAll() }
}
