import type { CoordinatorClient } from '../client/coordinator-client.js'
import { JobDownload } from '../client/job-download.js'
import type { SyncResult } from '../client/job-download.js'
import { UnsafeNameError } from '../client/result-names.js'
import { errorMessage } from '../util/error-message.js'
import { sleep } from '../util/sleep.js'
import { waitForJob } from './wait-for-job.js'

/** How often the coordinator's listing is read while the job renders. */
const POLL_MS = 1000

/**
 * A job's files coming to a folder while it renders: the listing is read
 * every second (at once again after a round that brought files: more are
 * likely ready), and what is new is fetched. A failure is said once and
 * tried again; a name the client will not write stops it.
 */
export class LiveDownload {
  /** Files brought so far. */
  fetched = 0
  private readonly wake = new AbortController()
  private stopping = false
  private fatal?: Error
  private said?: string
  private readonly loop: Promise<void>

  constructor (private readonly download: JobDownload, private readonly warn: (line: string) => void, private readonly pollMs = POLL_MS) {
    this.loop = this.follow()
  }

  private async follow (): Promise<void> {
    while (!this.stopping) {
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
      if (brought === 0 && !this.stopping) await sleep(this.pollMs, this.wake.signal).catch((err: unknown) => { if (!this.wake.signal.aborted) throw err })
    }
  }

  /** Stops following; the round under way ends first. */
  async stop (): Promise<void> {
    this.stopping = true
    this.wake.abort()
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
    code = await waitForJob(client, jobId, { json: options.json, extra: () => `, ${live.fetched} file(s) downloaded` })
  } finally {
    // Whatever ended the wait, the download's round ends before the client closes.
    await live.stop()
  }
  const result = await live.finish()
  if (!options.json) console.log(`${result.files.length} file(s) of job ${jobId} in ${result.dir}`)
  return code
}
