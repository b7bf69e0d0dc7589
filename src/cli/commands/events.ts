import { CoordinatorClient } from '../../client/coordinator-client.js'
import type { ClientOptions } from '../../client/coordinator-client.js'
import type { FarmEvent } from '../../protocol/farm-events.js'
import { errorMessage } from '../../util/error-message.js'
import { untilSignal } from '../signals.js'
import { formatJobs } from './jobs.js'

/** `microfarm events [--job N] [--json]`: one line per farm event until interrupted (the JSON lines are a stable interface, README "Events for scripts"). */
export async function runEvents (flags: ClientOptions & { job?: string, json: boolean }): Promise<number> {
  const client = await CoordinatorClient.connect(flags)
  const stop = new AbortController()
  void untilSignal().then(() => { stop.abort() })
  try {
    await client.watchEvents(flags.job, (event) => { console.log(flags.json ? JSON.stringify(event) : describe(event)) }, stop.signal)
    return 0
  } catch (err) {
    console.error(errorMessage(err))
    return 1
  } finally {
    await client.close()
  }
}

function describe (e: FarmEvent): string {
  const time = e.at.slice(11, 19)
  switch (e.event) {
    case 'watching': return `${time} watching ${e.jobId !== undefined ? `job ${e.jobId}` : 'every job'} (Ctrl-C stops)`
    case 'job-created': return `${time} job ${e.jobId} created: ${e.name}, ${e.frames} frames`
    case 'job-state': return `${time} job ${e.jobId} ${e.state}${e.error !== undefined ? `: ${e.error}` : ''}${e.missing !== undefined ? ` (${e.missing} frame(s) missing)` : ''}`
    case 'frame-done': return `${time} job ${e.jobId}: frame ${e.frame} done by ${e.node}${e.seconds !== undefined ? ` in ${e.seconds.toFixed(1)} s` : ''} (${e.done}/${e.total})`
    case 'frame-failed': return `${time} job ${e.jobId}: frame ${e.frame} failed on ${e.node}: ${e.error}${e.willRetry ? ' (will retry)' : ''}`
    case 'tile-done': return `${time} job ${e.jobId}: tile ${e.tile} of frame ${e.frame} done by ${e.node}${e.seconds !== undefined ? ` in ${e.seconds.toFixed(1)} s` : ''} (${e.done}/${e.total})`
    case 'tile-failed': return `${time} job ${e.jobId}: tile ${e.tile} of frame ${e.frame} failed on ${e.node}: ${e.error}${e.willRetry ? ' (will retry)' : ''}`
    case 'still-ready': return `${time} job ${e.jobId}: still ready: ${e.file}`
    case 'still-failed': return `${time} job ${e.jobId}: stitching the still failed: ${e.error}`
    case 'video-ready': return `${time} job ${e.jobId}: video ready: ${e.video}`
    case 'video-failed': return `${time} job ${e.jobId}: video failed: ${e.error}`
    case 'watch-ended': return `${time} the coordinator ended the watch: ${e.reason}`
  }
}

/** `microfarm jobs --watch`: the job list redrawn in place each second until interrupted. */
export async function runJobsWatch (flags: ClientOptions & { intervalMs?: number }): Promise<number> {
  const client = await CoordinatorClient.connect(flags)
  const stop = new AbortController()
  void untilSignal().then(() => { stop.abort() })
  const tty = process.stdout.isTTY
  try {
    while (!stop.signal.aborted) {
      const { jobs, notes } = await client.jobList()
      const text = [jobs.length === 0 ? 'no jobs' : formatJobs(jobs), ...notes, `(${new Date().toLocaleTimeString()}; Ctrl-C stops)`].join('\n')
      // On a terminal the list is drawn over the last one; piped, each list follows the last.
      process.stdout.write(tty ? `\u001b[H\u001b[2J${text}\n` : `${text}\n\n`)
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, flags.intervalMs ?? 1000)
        stop.signal.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
      })
    }
    return 0
  } finally {
    await client.close()
  }
}
