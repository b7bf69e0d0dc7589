import type { Job } from '../jobs/job.js'
import { outputSize, readFileHead, readImageHeader } from '../encode/image-header.js'
import { tilePlansOf } from '../jobs/tiled-still.js'

/**
 * Why an uploaded file is not a frame of this job, or undefined when it is:
 * an image of the job's format and of the scene's output size (smaller is
 * fine for a scene that crops to its border; a tile of a tiled still is its
 * plan's size exactly). Only the header is read; a peer that sends a matching
 * hash over any other bytes is caught here.
 */
export async function frameFileProblem (path: string, job: Job, unit: number): Promise<string | undefined> {
  const header = readImageHeader(await readFileHead(path))
  if (header === undefined) return `it is not a ${job.format} image (nor any image format the farm renders)`
  if (header.format !== job.format) return `it is a ${header.format} image, the job renders ${job.format}`
  if (header.width < 1 || header.height < 1) return `its header says ${header.width}×${header.height} pixels`
  if (job.tiles !== undefined) {
    const tile = tilePlansOf(job)?.[unit]?.rendered
    if (tile === undefined) return `the still has no tile ${unit} (or its size is not known yet)`
    return header.width === tile.width && header.height === tile.height ? undefined : `it is ${header.width}×${header.height} pixels, tile ${unit} renders ${tile.width}×${tile.height}`
  }
  if (job.sceneInfo === undefined) return undefined
  const expected = outputSize(job.sceneInfo)
  const fits = job.sceneInfo.cropToBorder === true
    ? header.width <= expected.width && header.height <= expected.height
    : header.width === expected.width && header.height === expected.height
  return fits ? undefined : `it is ${header.width}×${header.height} pixels, the scene renders ${expected.width}×${expected.height}`
}
