import type { CoordinatorClient } from '../client/coordinator-client.js'
import type { JobSummary } from '../protocol/messages.js'
import { sleep } from '../util/sleep.js'

/**
 * `submit --wait`: shows progress until the job ends. Exit code 0 when it
 * completed (with its video, when it makes one), 1 with the reason when it
 * failed, was cancelled or deleted, or its video failed.
 */
export async function waitForJob (client: CoordinatorClient, jobId: string, options: { json: boolean, pollMs?: number, /** The job each time it is read. */ onJob?: (job: JobSummary) => void, /** Said after the progress (files downloaded so far). */ extra?: () => string }): Promise<number> {
  let last = ''
  while (true) {
    const list = await client.jobList()
    const job = list.jobs.find(j => j.id === jobId)
    if (job === undefined) {
      // Left out as unreadable is not gone: say so, it may still be rendering.
      const note = list.notes.find(n => n.startsWith(`job ${jobId}: `))
      console.error(note !== undefined
        ? `cannot follow job ${jobId}: ${note.slice(`job ${jobId}: `.length)}; it may still be rendering (microfarm jobs --json shows what the coordinator says)`
        : `job ${jobId} is gone from the coordinator (deleted or cleared)`)
      return 1
    }
    options.onJob?.(job)
    const line = progressLine(job) + (options.extra?.() ?? '')
    if (line !== last && !options.json) console.log(line)
    last = line
    const encodeBusy = job.encode !== undefined && (job.encode.state === 'waiting' || job.encode.state === 'encoding')
    const stitchBusy = job.tiles !== undefined && job.tiles.stitch !== 'done' && job.tiles.stitch !== 'failed'
    if (job.state === 'completed' && !encodeBusy && !stitchBusy) {
      if (options.json) console.log(JSON.stringify(job))
      if (job.encode?.state === 'failed') {
        console.error(`frames are complete, but the video failed: ${job.encode.error ?? ''}`)
        return 1
      }
      if (job.tiles?.stitch === 'failed') {
        console.error(`every tile is in, but stitching the still failed: ${job.tiles.error ?? ''}`)
        return 1
      }
      return 0
    }
    if (job.state === 'failed' || job.state === 'cancelled') {
      if (options.json) console.log(JSON.stringify(job))
      console.error(`job ${jobId} ${job.state}${job.error !== undefined ? `: ${job.error}` : ''}`)
      return 1
    }
    await sleep(options.pollMs ?? 500)
  }
}

export function progressLine (job: JobSummary): string {
  const percent = job.framesTotal > 0 ? Math.floor(100 * job.framesDone / job.framesTotal) : 0
  const encode = job.encode !== undefined && job.encode.state !== 'none' ? `, video ${job.encode.state}` : ''
  const still = job.tiles !== undefined && job.tiles.stitch !== 'none' ? `, still ${job.tiles.stitch === 'waiting' ? 'stitching' : job.tiles.stitch}` : ''
  const what = job.tiles !== undefined ? `tiles of frame ${job.tiles.frame}` : 'frames'
  return `job ${job.id} ${job.state}: ${job.framesDone}/${job.framesTotal} ${what} (${percent}%)` +
    (job.framesFailed > 0 ? `, ${job.framesFailed} failed` : '') + encode + still
}
