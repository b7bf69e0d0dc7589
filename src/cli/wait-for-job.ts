import type { CoordinatorClient } from '../client/coordinator-client.js'
import type { JobSummary } from '../protocol/messages.js'
import { errorMessage } from '../util/error-message.js'

/** Without a word from the coordinator, the job is read again this often anyway. */
const READ_AGAIN_MS = 2000

/**
 * `submit --wait`: shows progress until the job ends. Exit code 0 when it
 * completed (with its video, when it makes one), 1 with the reason when it
 * failed, was cancelled or deleted, or its video failed.
 *
 * The job is read again as soon as one of its events arrives (the farm's
 * event stream, `microfarm events`), so the wait ends when the job does: a
 * poll every 250 ms made each wait 125 ms longer than the job on average.
 */
export async function waitForJob (client: CoordinatorClient, jobId: string, options: { json: boolean, /** The job each time it is read. */ onJob?: (job: JobSummary) => void, /** Said after the progress (files downloaded so far). */ extra?: () => string }): Promise<number> {
  const changes = new JobChanges(client, jobId)
  try {
    return await follow(client, jobId, changes, options)
  } finally {
    changes.stop()
  }
}

async function follow (client: CoordinatorClient, jobId: string, changes: JobChanges, options: Parameters<typeof waitForJob>[2]): Promise<number> {
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
    await changes.next(READ_AGAIN_MS)
  }
}

/** Wakes a wait when the job's events say something happened; a wait also ends after its time. */
class JobChanges {
  private readonly stopWatch = new AbortController()
  private pending = false
  private wake?: () => void

  constructor (client: CoordinatorClient, jobId: string) {
    client.watchEvents(jobId, () => { this.pending = true; this.wake?.() }, this.stopWatch.signal).catch((err: unknown) => {
      // The job is still read every few seconds: only its end may be seen later.
      if (!this.stopWatch.signal.aborted) console.error(`microfarm: the coordinator's events stopped (${errorMessage(err)}); reading the job every ${READ_AGAIN_MS / 1000} s`)
    })
  }

  async next (ms: number): Promise<void> {
    if (this.pending) { this.pending = false; return }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      function done (): void { clearTimeout(timer); resolve() }
      this.wake = done
    })
    this.wake = undefined
    this.pending = false
  }

  stop (): void { this.stopWatch.abort() }
}

export function progressLine (job: JobSummary): string {
  const percent = job.framesTotal > 0 ? Math.floor(100 * job.framesDone / job.framesTotal) : 0
  const encode = job.encode !== undefined && job.encode.state !== 'none' ? `, video ${job.encode.state}` : ''
  const still = job.tiles !== undefined && job.tiles.stitch !== 'none' ? `, still ${job.tiles.stitch === 'waiting' ? 'stitching' : job.tiles.stitch}` : ''
  const what = job.tiles !== undefined ? `tiles of frame ${job.tiles.frame}` : 'frames'
  return `job ${job.id} ${job.state}: ${job.framesDone}/${job.framesTotal} ${what} (${percent}%)` +
    (job.framesFailed > 0 ? `, ${job.framesFailed} failed` : '') + encode + still
}
