import { BlenderDriver } from '../blender/blender-driver.js'
import type { BlenderDriverOptions } from '../blender/blender-driver.js'
import type { BlenderInstall } from '../blender/find-blender.js'

/** How long a loaded Blender waits for more frames before it is let go. */
export const DEFAULT_IDLE_MS = 60_000

export type StartDriver = (options: BlenderDriverOptions) => Promise<BlenderDriver>

/**
 * The node's loaded Blender: one process for the job it is rendering, kept
 * between tasks of that job, replaced when another job comes, stopped when
 * the job is cancelled or the node has been idle for a while, and started
 * again when it died.
 */
export class BlenderPool {
  private current?: { jobId: string, blendPath: string, driver: Promise<BlenderDriver> }
  private idleTimer?: NodeJS.Timeout

  constructor (
    private readonly blender: BlenderInstall,
    private readonly options: { idleMs?: number, start?: StartDriver, onProgress?: (jobId: string, frame: number, done: number, total: number) => void } = {},
  ) {}

  /** The loaded Blender for this job's scene, started when needed. */
  async driverFor (jobId: string, blendPath: string): Promise<BlenderDriver> {
    clearTimeout(this.idleTimer)
    const current = this.current
    if (current !== undefined && current.jobId === jobId && current.blendPath === blendPath) {
      const driver = await current.driver.catch(() => undefined)
      if (driver?.alive === true) return driver
    }
    await this.stopCurrent(false)
    const start = this.options.start ?? BlenderDriver.start
    const onProgress = this.options.onProgress
    const driver = start({
      blender: this.blender,
      blendPath,
      ...(onProgress !== undefined ? { onProgress: (frame: number, done: number, total: number) => onProgress(jobId, frame, done, total) } : {}),
    })
    this.current = { jobId, blendPath, driver }
    return driver
  }

  /** Called when the node has nothing to render: the loaded scene is kept for a while. */
  idle (): void {
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => { void this.stopCurrent(false) }, this.options.idleMs ?? DEFAULT_IDLE_MS)
    this.idleTimer.unref()
  }

  /** Stops the job's Blender at once (cancel, pause, delete). */
  async stopJob (jobId: string): Promise<void> {
    if (this.current?.jobId === jobId) await this.stopCurrent(true)
  }

  async stopAll (): Promise<void> {
    clearTimeout(this.idleTimer)
    await this.stopCurrent(false)
  }

  private async stopCurrent (now: boolean): Promise<void> {
    const current = this.current
    this.current = undefined
    if (current === undefined) return
    const driver = await current.driver.catch(() => undefined)
    await driver?.stop(now)
  }
}
