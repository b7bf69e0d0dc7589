import type { CoordinatorClient } from '../client/coordinator-client.js'
import { JobDownload } from '../client/job-download.js'
import type { SyncResult } from '../client/job-download.js'
import { UnsafeNameError } from '../client/result-names.js'
import type { JobSummary } from '../protocol/messages.js'
import { errorMessage } from '../util/error-message.js'
import { sleep } from '../util/sleep.js'
import { waitForJob } from './wait-for-job.js'

/** The listing is read at least this often while the job renders, whatever the job list says. */
const IDLE_POLL_MS = 5000

/**
 * A job's files coming to a folder while it renders. The listing is read
 * again as soon as the job list (which `--wait` reads twice a second) shows
 * a frame more or a video made, at once after a round that brought files,
 * and every few seconds anyway; what is new is fetched. A failure is said
 * once and tried again; a name the client will not write stops it.
 */
export class LiveDownload {
  /** Files brought so far. */
  fetched = 0
  private stopping = false
  private fatal?: Error
  private said?: string
  private seen?: string
  private wakeUp = new AbortController()
  private readonly loop: Promise<void>

  constructor (private readonly download: JobDownload, private readonly warn: (line: string) => void, private readonly idlePollMs = IDLE_POLL_MS) {
    this.loop = this.follow()
  }

  /** The job as the job list shows it now: a frame more, a video, or a stitched still means files to fetch. */
  jobSeen (job: JobSummary): void {
    const key = `${job.framesDone} ${job.encode?.state ?? ''} ${job.encode?.outputPath ?? ''} ${job.tiles?.stitch ?? ''}`
    if (key === this.seen) return
    this.seen = key
    this.wakeUp.abort()
  }

  private async follow (): Promise<void> {
    while (!this.stopping) {
      this.wakeUp = new AbortController()
      let brought = 0
      try {
        brought = (await this.download.sync()).fetched
        this.fetched += brought
      } catch (err) {
        if (err instanceof UnsafeNameError) {
          this.fatal = err
          return
        }
        const message = errorMessage(err)
        if (message !== this.said) this.warn(`download: ${message} (trying again)`)
        this.said = message
      }
      const woken = this.wakeUp.signal
      if (brought === 0 && !this.stopping) await sleep(this.idlePollMs, woken).catch((err: unknown) => { if (!woken.aborted) throw err })
    }
  }

  /** Stops following; the round under way ends first. */
  async stop (): Promise<void> {
    this.stopping = true
    this.wakeUp.abort()
    await this.loop
  }

  /** Stops following, then one last round brings what the job ended with: its last frames, the video. */
  async finish (): Promise<SyncResult> {
    await this.stop()
    if (this.fatal !== undefined) throw this.fatal
    const last = await this.download.sync()
    this.fetched += last.fetched
    return last
  }
}

/** `submit --wait --download DIR`: the job's progress as `--wait` shows it, with its files filling DIR meanwhile. */
export async function waitAndDownload (client: CoordinatorClient, jobId: string, dir: string, options: { json: boolean }): Promise<number> {
  const download = new JobDownload(client, jobId, { kinds: new Set(['frame', 'video']) }, () => dir)
  const live = new LiveDownload(download, line => { console.error(line) })
  let code: number
  try {
    code = await waitForJob(client, jobId, { json: options.json, onJob: (job) => { live.jobSeen(job) }, extra: () => `, ${live.fetched} file(s) downloaded` })
  } finally {
    // Whatever ended the wait, the download's round ends before the client closes.
    await live.stop()
  }
  const result = await live.finish()
  if (!options.json) console.log(`${result.files.length} file(s) of job ${jobId} in ${result.dir}`)
  return code
}
