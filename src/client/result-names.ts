import { isJobVideo } from '../encode/output-path.js'
import { ProtocolError } from '../protocol/errors.js'
import { plainText } from '../protocol/plain-text.js'
import type { ResultFile, ResultsJob } from '../protocol/results.js'
import { frameFileName } from '../store/layout.js'

/** A listing named a file this client will not write: a path, or a name it cannot build itself. */
export class UnsafeNameError extends ProtocolError {
  override name = 'UnsafeNameError'
}

/**
 * The name a downloaded file gets on this machine, built here, never taken
 * from the network: a frame's from its number and the job's format and
 * padding (`frame_0001.png`), a video's only when it is one of the job's own
 * video names (`job_3_render.mp4`, `shot_job3_h265_medium.mp4`: the rule the
 * coordinator names them by) and a plain file name. Anything else is refused.
 */
export function localName (job: ResultsJob, file: ResultFile): string {
  const shown = JSON.stringify(plainText(file.name))
  switch (file.kind) {
    case 'frame': {
      if (file.frame === undefined) throw new UnsafeNameError(`the coordinator listed ${shown} as a frame without a frame number: refused`)
      const name = frameFileName(file.frame, job.framePadding, job.format)
      if (file.name !== name) throw new UnsafeNameError(`the coordinator named frame ${file.frame} ${shown}, not ${name}: refused (this client writes only names it builds itself)`)
      return name
    }
    case 'video':
      if (!isPlainFileName(file.name) || !isJobVideo(file.name, job.id, job.name)) {
        throw new UnsafeNameError(`the coordinator listed a video named ${shown}, which is not a video name of job ${job.id}: refused (this client writes only names it can check)`)
      }
      return file.name
  }
}

const FORBIDDEN = /[/\\:*?"<>|\p{Cc}]/u

/** One harmless name in a folder on any system: no separator, no `..`, not hidden, nothing Windows refuses. */
export function isPlainFileName (name: string): boolean {
  return name.length > 0 && name.length <= 200 && !FORBIDDEN.test(name) && !name.startsWith('.') && !/[.\s]$/.test(name) && name === name.normalize('NFC')
}
