import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { runProcess } from '../process/run-process.js'
import type { ProcessRunner } from '../process/run-process.js'
import { ChunkTracker } from './chunk-tracker.js'
import type { ChunkResult } from './chunk-tracker.js'
import type { BlenderInstall } from './find-blender.js'
import { buildRenderArgs } from './render-args.js'
import type { RenderFormat } from './render-args.js'
import { runBlender } from './run-blender.js'

export type { ChunkResult } from './chunk-tracker.js'

export interface RenderChunkOptions {
  blender: BlenderInstall
  blendPath: string
  outputDir: string
  format: RenderFormat
  frames: readonly number[]
  signal?: AbortSignal
  run?: ProcessRunner
  /** Called as each frame's file is on disk, while Blender goes on with the next. */
  onFrameSaved: (frame: number, filePath: string) => void
  onProgress?: (frame: number, done: number, total: number) => void
}

/** Output files are `<outputDir>/frame_000001.png`. */
export const FRAME_NAME_PREFIX = 'frame_'

/**
 * Renders every frame of the chunk in one Blender process: starting Blender and
 * loading the scene costs about as much as a light frame, so once per chunk.
 */
export async function renderChunk (o: RenderChunkOptions): Promise<ChunkResult> {
  const frames = [...new Set(o.frames)]
  if (o.signal?.aborted === true) {
    return { saved: [], failed: frames.map((frame) => ({ frame, error: `cancelled before frame ${frame} was started` })) }
  }
  // Blender reads a relative -o against its own idea of the current directory: give it an absolute one.
  const outputDir = path.resolve(o.outputDir)
  await mkdir(outputDir, { recursive: true })
  const args = buildRenderArgs({
    blendPath: o.blendPath, outputPrefix: path.join(outputDir, FRAME_NAME_PREFIX), format: o.format, frames,
  })
  const tracker = new ChunkTracker({
    frames, namePrefix: FRAME_NAME_PREFIX, format: o.format, onFrameSaved: o.onFrameSaved,
    ...(o.onProgress != null ? { onProgress: o.onProgress } : {}),
  })
  const result = await runBlender(o.blender, {
    command: o.blender.path, args, signal: o.signal,
    // Cancel and pause must stop Blender within 2 s, and Blender can take over a
    // second to act on SIGTERM while it loads or renders; nothing of a cancelled
    // render is kept, so SIGKILL follows soon.
    killGraceMs: 250,
    onStdoutLine: tracker.onLine, onStderrLine: tracker.onLine,
  }, o.run ?? runProcess)
  return await tracker.finish(result)
}
