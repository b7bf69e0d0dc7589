import { mkdir, rm, writeFile } from 'node:fs/promises'
import { tinyPng } from './tiny-png.js'
import path from 'node:path'
import type { LoadableScene } from '../../src/node/blender-pool.js'
import type { FrameFailure, FrameRenderer } from '../../src/node/frame-renderer.js'
import type { RenderTask } from '../../src/protocol/messages.js'

/**
 * A stand-in for Blender in scheduling tests and benchmarks: "renders" a frame
 * by writing a small file and sleeping out the rest of `msPerFrame`. Everything
 * else on the node (protocol, uploads, drops, cancels) is the real code.
 */
export class SleepingRenderer implements FrameRenderer {
  private readonly dropped = new Set<string>()
  private wake?: { key: string, stop: () => void }
  private readonly dirs = new Set<string>()

  constructor (private readonly msPerFrame: number) {}

  async render (task: RenderTask, _scene: LoadableScene, outputDir: string, signal: AbortSignal, onSaved: (frame: number, path: string) => void, onStarted?: (frame: number) => void): Promise<FrameFailure[]> {
    const failed: FrameFailure[] = []
    if (!this.dirs.has(outputDir)) {
      await mkdir(outputDir, { recursive: true })
      this.dirs.add(outputDir)
    }
    for (const frame of task.frames) {
      const key = `${task.jobId}:${frame}`
      if (signal.aborted) { failed.push({ frame, error: 'cancelled' }); continue }
      if (this.dropped.delete(key)) continue
      onStarted?.(frame)
      // Writing the output is part of a frame's time, as it is in Blender: the
      // frame is saved first and announced when its time is up.
      const due = performance.now() + this.msPerFrame
      const file = path.join(outputDir, `frame_${String(frame).padStart(6, '0')}.png`)
      await writeFile(file, tinyPng(`frame ${frame} of job ${task.jobId}`))
      const finished = await new Promise<boolean>((resolve) => {
        const stop = (): void => { clearTimeout(timer); resolve(false) }
        const timer = setTimeout(() => { signal.removeEventListener('abort', stop); resolve(true) }, Math.max(0, due - performance.now()))
        this.wake = { key, stop }
        signal.addEventListener('abort', stop, { once: true })
      })
      this.wake = undefined
      if (!finished) {
        await rm(file, { force: true })
        if (!this.dropped.delete(key)) failed.push({ frame, error: 'cancelled' })
        continue
      }
      onSaved(frame, file)
    }
    return failed
  }

  async stopJob (jobId: string): Promise<void> {
    if (this.wake?.key.startsWith(`${jobId}:`) === true) this.wake.stop()
  }

  async drop (jobId: string, frame: number): Promise<void> {
    const key = `${jobId}:${frame}`
    this.dropped.add(key)
    if (this.wake?.key === key) this.wake.stop()
  }

  idle (): void {}
  ready (): void {}
  async stop (): Promise<void> { this.wake?.stop() }
}
