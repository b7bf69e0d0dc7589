import { rename, rm } from 'node:fs/promises'
import { diskFullWhileWriting, ensureRoom, fileHasSize, isDiskFull } from '../store/disk.js'
import type { OutputLayout } from '../store/layout.js'

/**
 * Puts a .blend into the content-addressed store unless it holds that content
 * already. `write` fills a temporary file beside the store; it gets its real
 * name only once complete, so a half-written .blend is never taken for one.
 * Used by the submit protocol (bytes from the network) and by the UI's new job
 * (a file on this machine). A disk without room for it is said before any
 * byte moves.
 */
export async function storeBlend (layout: OutputLayout, blend: { sha256: string, size: number }, write: (tempPath: string) => Promise<void>): Promise<'had' | 'stored'> {
  const blendPath = layout.blendPath(blend.sha256)
  if (await fileHasSize(blendPath, blend.size)) return 'had'
  await ensureRoom(layout.blendDir, blend.size, 'this .blend')
  const tempPath = layout.blendTempPath()
  try {
    await write(tempPath)
    await rename(tempPath, blendPath)
  } catch (err) {
    await rm(tempPath, { force: true })
    throw isDiskFull(err) ? diskFullWhileWriting(err, layout.blendDir, 'the .blend') : err
  }
  return 'stored'
}
