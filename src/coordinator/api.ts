import { copyFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { submitRequest } from '../protocol/messages.js'
import type { EncodeSettingsMessage, JobAction, JobSummary, SubmitRequest } from '../protocol/messages.js'
import type { JobStore } from '../store/job-store.js'
import { sha256File } from '../net/payload.js'
import { parseFrameList } from '../jobs/frame-range.js'
import { DEFAULT_ENCODE_SETTINGS } from '../encode/settings.js'
import { checkBlendFile } from '../blender/blend-file.js'
import type { Farm } from './farm.js'
import { summarizeJob } from './job-summary.js'
import { storeBlend } from './blend-intake.js'
import { listJobFiles } from './job-files.js'
import type { JobFile } from './job-files.js'
import type { Job } from '../jobs/job.js'

export type { JobFile }

/** A job from a .blend on the coordinator's own machine (the terminal UI's "new job"). */
export interface SubmitFileOptions {
  /** Frame list like `1-100,120`; absent = the scene's own range, read by a node. */
  frames?: string
  chunk: number
  priority?: number
  format?: SubmitRequest['format']
  encode?: SubmitRequest['encode']
}

/** Starts an encode of a job's frames in the background; resolves once it is queued. */
export interface JobEncoder {
  encode: (job: Job, overrides?: Partial<EncodeSettingsMessage>) => Promise<string>
}

export class ApiError extends Error {
  override name = 'ApiError'
}

/**
 * The one API for every job control: the CLI (through the admin protocol) and
 * the terminal UI both call this, so they cannot drift apart.
 */
export class CoordinatorApi {
  constructor (private readonly farm: Farm, private readonly store: JobStore, private readonly encoder?: JobEncoder) {}

  listJobs (): JobSummary[] {
    return [...this.farm.jobs.values()]
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map(job => summarizeJob(job, this.store.layout))
  }

  async jobAction (jobId: string, action: JobAction, encode?: Partial<EncodeSettingsMessage>): Promise<string> {
    switch (action) {
      case 'delete':
        return this.farm.deleteJob(jobId)
      case 'encode': {
        if (this.encoder === undefined) throw new ApiError('this coordinator cannot encode videos')
        return this.encoder.encode(this.farm.job(jobId), encode)
      }
      default:
        return this.farm.control(jobId, action)
    }
  }

  async clearCompleted (): Promise<string> {
    return this.farm.clearCompleted()
  }

  /**
   * Checks a .blend on this machine, stores it by content hash (copied under a
   * temporary name, then renamed) and submits it like the submit protocol does:
   * the same request schema, the same store, the same `farm.submit`.
   */
  async submitFile (file: string, options: SubmitFileOptions): Promise<Job> {
    const blendFile = path.resolve(file)
    await checkBlendFile(blendFile)
    if (options.frames !== undefined) parseFrameList(options.frames)
    const blendSize = (await stat(blendFile)).size
    const blendSha256 = await sha256File(blendFile)
    await storeBlend(this.store.layout, { sha256: blendSha256, size: blendSize }, async (tempPath) => {
      await copyFile(blendFile, tempPath)
      // The hash was taken before the copy: a file still being written would not match it.
      if ((await stat(tempPath)).size !== blendSize) throw new ApiError(`${blendFile} changed while it was copied; try again`)
    })
    const request = submitRequest.parse({
      type: 'submit',
      name: path.basename(blendFile),
      blendSha256,
      blendSize,
      chunk: options.chunk,
      format: options.format ?? 'PNG',
      priority: options.priority ?? 0,
      encode: options.encode ?? { ...DEFAULT_ENCODE_SETTINGS },
      ...(options.frames !== undefined ? { frames: options.frames } : {}),
    } satisfies SubmitRequest)
    return this.farm.submit(request)
  }

  /** The job's frames and videos on disk, with their sizes. */
  async jobFiles (jobId: string): Promise<JobFile[]> {
    return listJobFiles(this.farm.job(jobId), this.store.layout)
  }
}
