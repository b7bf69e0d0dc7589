import path from 'node:path'
import { CoordinatorClient } from '../../client/coordinator-client.js'
import type { ClientOptions } from '../../client/coordinator-client.js'
import { JobDownload } from '../../client/job-download.js'
import type { DownloadSelection, SyncResult } from '../../client/job-download.js'
import { sanitiseJobName } from '../../encode/output-path.js'
import { parseFrameList } from '../../jobs/frame-range.js'
import type { ResultsJob } from '../../protocol/results.js'
import { formatBytes } from '../../util/format-bytes.js'
import { transferProgress } from '../transfer-progress.js'

export interface DownloadFlags extends ClientOptions {
  frames?: string
  videoOnly: boolean
  framesOnly: boolean
  json: boolean
}

export class DownloadOptionsError extends Error {
  override name = 'DownloadOptionsError'
}

/** `microfarm download JOB [DIR]`: the job's frames and videos (what is done so far) into DIR. */
export async function runDownload (jobId: string, dir: string | undefined, flags: DownloadFlags): Promise<number> {
  const selection = downloadSelection(flags)
  const client = await CoordinatorClient.connect(flags)
  const progress = flags.json ? undefined : transferProgress(process.stderr, Date.now, 'receiving')
  const download = new JobDownload(client, jobId, selection, job => dir ?? defaultDownloadDir(job), p => progress?.update(p))
  // Ctrl-C: the file being received is dropped with its temporary name; the files complete stay.
  const interrupted = new AbortController()
  const onInterrupt = (): void => { interrupted.abort(new Error('interrupted')) }
  process.once('SIGINT', onInterrupt)
  try {
    const result = await download.sync(interrupted.signal)
    progress?.end()
    if (flags.json) console.log(JSON.stringify(result, null, 2))
    else for (const line of describeSync(result, selection)) console.log(line)
    return 0
  } catch (err) {
    progress?.end()
    if (!interrupted.signal.aborted) throw err
    console.error('interrupted: the files received whole are kept, the one on its way is not; run the same download again for the rest')
    return 130
  } finally {
    process.off('SIGINT', onInterrupt)
    await client.close()
  }
}

/** What --frames, --video-only and --frames-only ask for. */
export function downloadSelection (flags: { frames?: string, videoOnly: boolean, framesOnly: boolean }): DownloadSelection {
  if (flags.videoOnly && (flags.framesOnly || flags.frames !== undefined)) throw new DownloadOptionsError('--video-only brings the videos alone: leave out --frames and --frames-only')
  return {
    kinds: new Set(flags.videoOnly ? ['video'] : flags.framesOnly || flags.frames !== undefined ? ['frame'] : ['frame', 'video']),
    ...(flags.frames !== undefined ? { frames: new Set(parseFrameList(flags.frames)) } : {}),
  }
}

/** `./<job name>_<id>` (`shot_3` for job 3 of shot.blend), in the folder the command runs in. */
export function defaultDownloadDir (job: ResultsJob): string {
  const name = sanitiseJobName(job.name)
  return path.join('.', `${name !== '' ? name : 'job'}_${job.id}`)
}

export function describeSync (result: SyncResult, selection: DownloadSelection): string[] {
  const { job } = result
  const present = result.files.length - result.fetched
  const what = selection.kinds.has('frame') && selection.kinds.has('video') ? 'file(s)' : selection.kinds.has('video') ? 'video(s)' : 'frame(s)'
  const lines = [result.files.length === 0
    ? `job ${job.id} has no ${what} to download yet (${job.state}, ${job.framesDone}/${job.framesTotal} frames done)`
    : `job ${job.id}: ${result.files.length} ${what} in ${result.dir}: ${result.fetched} fetched (${formatBytes(result.bytesFetched)}), ${present} already here`]
  if (job.state === 'active' || job.state === 'queued' || job.state === 'paused') {
    lines.push(`job ${job.id} is ${job.state} (${job.framesDone}/${job.framesTotal} frames done): run the same download again later for the rest`)
  }
  return lines
}
