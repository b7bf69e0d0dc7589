import { workerUrl, WorkerThread } from '../util/worker-thread.js'
import { StitchError } from './stitch-tiles.js'
import type { stitchTileFiles } from './stitch-tiles.js'

// A tiled still is stitched in a worker thread (stitch-worker.ts): pngjs
// decodes and encodes partly synchronously, and a 2560x1440 still held the
// coordinator's event loop up to 0.3 s (an 8K poster, nine times the pixels).

export interface StitchRequest {
  size: Parameters<typeof stitchTileFiles>[0]
  tiles: Parameters<typeof stitchTileFiles>[1]
  outPath: string
}

/** Longest one still may take (an 8K still takes seconds); past it the thread is stopped. */
const STITCH_TIMEOUT_MS = 600_000

export class StitchThread {
  private readonly thread = new WorkerThread<StitchRequest, null>(workerUrl('stitch-worker', import.meta.url), 'stitching', STITCH_TIMEOUT_MS, StitchError)

  /** stitchTileFiles, in the thread. */
  readonly stitch: typeof stitchTileFiles = async (size, tiles, outPath) => {
    await this.thread.call({ size, tiles, outPath }, outPath)
  }

  stop (): void { this.thread.stop() }
}
