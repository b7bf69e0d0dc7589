import { EncodeError, UnsupportedFramesError } from './errors.js'
import { inspectExrHeader } from './exr-header.js'
import { readFileHead } from './image-header.js'
import type { FrameFile } from './frame-plan.js'

const CONCURRENCY = 8

/**
 * Refuses frames ffmpeg would misread, before it starts: a multilayer EXR
 * would otherwise fail late with a cryptic decoder message, or encode black.
 */
export async function assertFramesReadable (frames: readonly FrameFile[]): Promise<void> {
  const exrs = frames.filter((f) => /\.exr$/i.test(f.path))
  const refused: Array<{ path: string; reason: string }> = []
  for (let i = 0; i < exrs.length; i += CONCURRENCY) {
    const batch = exrs.slice(i, i + CONCURRENCY)
    const verdicts = await Promise.all(batch.map(async (f) => inspectExrHeader(await readHead(f.path))))
    verdicts.forEach((v, j) => {
      const f = batch[j]
      if (v.kind === 'unsupported' && f != null) refused.push({ path: f.path, reason: v.reason })
    })
  }
  const first = refused[0]
  if (first == null) return
  throw new UnsupportedFramesError(
    `cannot encode: ${refused.length} of ${frames.length} frames are ${first.reason}, which ffmpeg cannot read ` +
    `as it is (e.g. ${first.path}). Render the job as PNG or single-layer OpenEXR to get a video; ` +
    'the frames themselves are kept.',
    refused.map((r) => r.path),
  )
}

async function readHead (file: string): Promise<Uint8Array> {
  try {
    return await readFileHead(file)
  } catch (error) {
    throw new EncodeError(`cannot read frame ${file}`, { cause: error })
  }
}
