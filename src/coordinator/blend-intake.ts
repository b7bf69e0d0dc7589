import { rename, rm, stat } from 'node:fs/promises'
import type { OutputLayout } from '../store/layout.js'

/**
 * Puts a .blend into the content-addressed store unless it holds that content
 * already. `write` fills a temporary file beside the store; it gets its real
 * name only once complete, so a half-written .blend is never taken for one.
 * Used by the submit protocol (bytes from the network) and by the UI's new job
 * (a file on this machine).
 */
export async function storeBlend (layout: OutputLayout, blend: { sha256: string, size: number }, write: (tempPath: string) => Promise<void>): Promise<'had' | 'stored'> {
  const blendPath = layout.blendPath(blend.sha256)
  if (await hasFile(blendPath, blend.size)) return 'had'
  const tempPath = layout.blendTempPath()
  try {
    await write(tempPath)
    await rename(tempPath, blendPath)
  } catch (err) {
    await rm(tempPath, { force: true })
    throw err
  }
  return 'stored'
}

async function hasFile (path: string, size: number): Promise<boolean> {
  try {
    return (await stat(path)).size === size
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}
