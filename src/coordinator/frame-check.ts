import type { Job } from '../jobs/job.js'
import { outputSize, readFileHead, readImageHeader } from '../encode/image-header.js'

/**
 * Why an uploaded file is not a frame of this job, or undefined when it is:
 * an image of the job's format and of the scene's output size (smaller is
 * fine for a scene that crops to its border). Only the header is read; a peer
 * that sends a matching hash over any other bytes is caught here.
 */
export async function frameFileProblem (path: string, job: Job): Promise<string | undefined> {
  const header = readImageHeader(await readFileHead(path))
  if (header === undefined) return `it is not a ${job.format} image (nor any image format the farm renders)`
  if (header.format !== job.format) return `it is a ${header.format} image, the job renders ${job.format}`
  if (header.width < 1 || header.height < 1) return `its header says ${header.width}×${header.height} pixels`
  if (job.sceneInfo === undefined) return undefined
  const expected = outputSize(job.sceneInfo)
  const fits = job.sceneInfo.cropToBorder === true
    ? header.width <= expected.width && header.height <= expected.height
    : header.width === expected.width && header.height === expected.height
  return fits ? undefined : `it is ${header.width}×${header.height} pixels, the scene renders ${expected.width}×${expected.height}`
}
