import { BlenderDriver } from '../blender/blender-driver.js'
import type { BlenderDriverOptions } from '../blender/blender-driver.js'
import type { BlenderInstall } from '../blender/find-blender.js'
import type { SceneFiles } from '../blender/driver-messages.js'

/** A scene as the pool loads it: the .blend in its job's tree, and what to tell Blender about its files. */
export interface LoadableScene extends SceneFiles {
  blendPath: string
}

/** How long a loaded scene waits for more frames before it is let go. */
export const DEFAULT_IDLE_MS = 60_000
/**
 * Idle this long, an empty Blender starts beside the loaded scene, warm for a
 * next job's scene: a new .blend on a node otherwise waited for a whole
 * Blender start (1.0 of its first frame's 1.7 s in bench/cli.ts). Not at once:
 * between two frames of a job the queue may be empty for a moment, and a
 * Blender starting then would take CPU from the render.
 */
export const SPARE_AFTER_IDLE_MS = 2000

export type StartDriver = (options: BlenderDriverOptions) => Promise<BlenderDriver>

export interface BlenderPoolOptions {
  idleMs?: number
  start?: StartDriver
  onProgress?: (jobId: string, frame: number, done: number, total: number) => void
  /** See BlenderDriverOptions.stallTimeoutMs. */
  stallTimeoutMs?: number
  /** See BlenderDriverOptions.threads. */
  threads?: number
  /** How Blender is started (`--nice`: at low priority, see process/low-priority.ts). */
  run?: BlenderDriverOptions['run']
  /** What Blender said while loading a job's scene, when it said anything. */
  onSceneWarnings?: (jobId: string, warnings: string[]) => void
  /** An empty Blender is up, waiting for the next scene. */
  onWarm?: () => void
  spareAfterIdleMs?: number
}

/**
 * The node's Blender: the one loaded with the scene of the job it renders
 * (kept between tasks, and for a next job with the same .blend; stopped when
 * the job is cancelled or the node idles a while), and, once the node has
 * idled SPARE_AFTER_IDLE_MS (or has just connected), a spare started empty
 * and waiting, warm, for the next scene — Blender's own start-up is most of
 * the cost of a light job. Without a spare, a new scene's Blender starts
 * while the old one quits. A Blender that died is started again.
 */
export class BlenderPool {
  private current?: { jobId: string, blendPath: string, driver: Promise<BlenderDriver> }
  private spare?: Promise<BlenderDriver>
  private idleTimer?: NodeJS.Timeout
  private spareTimer?: NodeJS.Timeout
  private stopped = false
  /** Outside the node's schedule: no Blender is kept warm. */
  private resting = false

  constructor (private readonly blender: BlenderInstall, private readonly options: BlenderPoolOptions = {}) {}

  /** Starts an empty Blender ahead of the next job's scene, unless one is waiting already. */
  warm (): void {
    if (this.stopped || this.resting || this.spare !== undefined) return
    const spare = this.startDriver()
    // A spare that fails to start is simply not there; the next job starts its own.
    spare.then(() => { if (this.spare === spare) this.options.onWarm?.() }, () => { if (this.spare === spare) this.spare = undefined })
    this.spare = spare
  }

  /** The loaded Blender for this job's scene. */
  async driverFor (jobId: string, scene: LoadableScene): Promise<BlenderDriver> {
    const { blendPath } = scene
    clearTimeout(this.idleTimer)
    clearTimeout(this.spareTimer)
    const current = this.current
    // The same scene (its path names its project tree), even for another job: the
    // scene is loaded already, and each frame sets its own output and format.
    if (current !== undefined && current.blendPath === blendPath) {
      const driver = await current.driver.catch(() => undefined)
      if (driver?.alive === true && this.current === current) {
        this.current = { jobId, blendPath, driver: current.driver }
        return driver
      }
    }
    // The old scene's Blender quits while the next one starts.
    this.track(this.stopCurrent(false, false))
    const spare = this.spare
    this.spare = undefined
    const driver = this.load(spare, jobId, scene)
    this.current = { jobId, blendPath, driver }
    return driver
  }

  /** Blenders still quitting; stopAll waits for them. */
  private readonly quitting = new Set<Promise<void>>()

  private track (stopping: Promise<void>): void {
    this.quitting.add(stopping)
    void stopping.finally(() => this.quitting.delete(stopping))
  }

  /** Every scene is opened by the driver (never on Blender's command line), so its paths are rewritten and checked. */
  private async load (spare: Promise<BlenderDriver> | undefined, jobId: string, scene: LoadableScene): Promise<BlenderDriver> {
    const warm = await spare?.catch(() => undefined)
    const driver = warm?.alive === true ? warm : await this.startDriver()
    try {
      const warnings = await driver.open(scene.blendPath, scene)
      if (warnings.length > 0) this.options.onSceneWarnings?.(jobId, warnings)
      return driver
    } catch (err) {
      await driver.stop(true)
      throw err
    }
  }

  private async startDriver (): Promise<BlenderDriver> {
    const onProgress = this.options.onProgress
    return (this.options.start ?? BlenderDriver.start)({
      blender: this.blender,
      ...(this.options.stallTimeoutMs !== undefined ? { stallTimeoutMs: this.options.stallTimeoutMs } : {}),
      ...(this.options.threads !== undefined ? { threads: this.options.threads } : {}),
      ...(this.options.run !== undefined ? { run: this.options.run } : {}),
      ...(onProgress !== undefined
        ? { onProgress: (frame: number, done: number, total: number) => { if (this.current !== undefined) onProgress(this.current.jobId, frame, done, total) } }
        : {}),
    })
  }

  /** Called when the node has nothing to render: the loaded scene is kept for a while, and a spare started beside it. */
  idle (): void {
    clearTimeout(this.idleTimer)
    clearTimeout(this.spareTimer)
    this.idleTimer = setTimeout(() => { void this.stopCurrent(false, true) }, this.options.idleMs ?? DEFAULT_IDLE_MS)
    this.idleTimer.unref()
    this.spareTimer = setTimeout(() => this.warm(), this.options.spareAfterIdleMs ?? SPARE_AFTER_IDLE_MS)
    this.spareTimer.unref()
  }

  /** The node sleeps until its schedule opens: its Blenders quit (a desktop's user gets the memory back). */
  async rest (): Promise<void> {
    this.resting = true
    clearTimeout(this.idleTimer)
    clearTimeout(this.spareTimer)
    const spare = this.spare
    this.spare = undefined
    await Promise.all([this.stopCurrent(false, false), spare?.then(async d => d.stop(), () => undefined)])
  }

  /** Work may come (connected, or awake again): a Blender is started, warm, ahead of it. */
  wake (): void {
    this.resting = false
    this.warm()
  }

  /** Stops the job's Blender at once (cancel, pause, delete). */
  async stopJob (jobId: string): Promise<void> {
    if (this.current?.jobId === jobId) await this.stopCurrent(true, true)
  }

  async stopAll (): Promise<void> {
    this.stopped = true
    clearTimeout(this.idleTimer)
    clearTimeout(this.spareTimer)
    const spare = this.spare
    this.spare = undefined
    await Promise.all([this.stopCurrent(false, false), spare?.then(async d => d.stop(), () => undefined), ...this.quitting])
  }

  private async stopCurrent (now: boolean, warmAfter: boolean): Promise<void> {
    const current = this.current
    this.current = undefined
    if (current !== undefined) {
      const driver = await current.driver.catch(() => undefined)
      await driver?.stop(now)
    }
    if (warmAfter) this.warm()
  }
}
