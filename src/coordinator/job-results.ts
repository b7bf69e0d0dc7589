import { stat } from 'node:fs/promises'
import path from 'node:path'
import { FORMAT_EXTENSIONS } from '../blender/output-format.js'
import { countFrames, framePadding, outputFrames } from '../jobs/index.js'
import type { Job } from '../jobs/job.js'
import { MAX_RESULT_PAGE_FILES, MAX_SHORT_TEXT } from '../protocol/constants.js'
import { ProtocolError } from '../protocol/errors.js'
import { plainText } from '../protocol/plain-text.js'
import type { ResultFile, ResultsJob } from '../protocol/results.js'
import type { OutputLayout } from '../store/layout.js'
import { fitText } from '../util/fit-text.js'
import { ifExists } from '../util/if-exists.js'
import { HashCache } from './hash-cache.js'
import { listJobFiles } from './job-files.js'

/** The few things of the farm the results need: a job by its id (UnknownJobError otherwise). */
export interface JobBook {
  job: (jobId: string) => Job
}

/** A result file as the coordinator serves it: where it is on its own disk. */
export interface ServedFile { path: string, size: number, sha256: string }

export class NoSuchResultError extends ProtocolError {
  override name = 'NoSuchResultError'
}

/** A page goes out when it is full or after this long, so a client waiting on a first listing that hashes big frames hears from it. */
const PAGE_INTERVAL_MS = 2000

interface NamedFile { name: string, path: string, kind: 'frame' | 'video', frame?: number }

const FRAME_NAME = /^frame_([0-9]{1,7})\.([a-z]{3})$/

/**
 * A job's frames and videos as the results protocol lists them: each named by
 * its file name in the coordinator's own layout, with size, SHA-256 (cached)
 * and mtime. A name asked for is looked up here, never joined into a path:
 * a frame's path is built from the job and the frame number the name encodes
 * (and only when the layout would name that frame exactly so), a video's is
 * the one of the job's listed videos that has that name.
 */
export class JobResults {
  constructor (private readonly jobs: JobBook, private readonly layout: OutputLayout, readonly hashes = new HashCache()) {}

  describe (jobId: string): ResultsJob {
    const job = this.jobs.job(jobId)
    return {
      id: job.id,
      name: fitText(plainText(job.name), MAX_SHORT_TEXT),
      state: job.state,
      format: job.format,
      framePadding: framePadding(outputFrames(job)),
      // A tiled still is one frame, there once its tiles are stitched.
      framesTotal: outputFrames(job).length,
      framesDone: job.tiles !== undefined ? Number(job.tiles.stitch === 'done') : countFrames(job).done,
    }
  }

  /** The job's files in pages: frames by number, then videos. */
  async * list (jobId: string): AsyncGenerator<ResultFile[]> {
    const job = this.jobs.job(jobId)
    let page: ResultFile[] = []
    let pageStarted = Date.now()
    for (const entry of await this.named(job)) {
      const file = await this.described(entry)
      if (file !== undefined) page.push(file)
      if (page.length >= MAX_RESULT_PAGE_FILES || (page.length > 0 && Date.now() - pageStarted >= PAGE_INTERVAL_MS)) {
        yield page
        page = []
        pageStarted = Date.now()
      }
    }
    if (page.length > 0) yield page
  }

  /** The file a listing named `name`; NoSuchResultError when the job has none by that name (now). */
  async resolve (jobId: string, name: string): Promise<ServedFile> {
    const job = this.jobs.job(jobId)
    const frame = this.frameOf(job, name)
    const filePath = frame !== undefined
      ? this.layout.framePath(job, frame)
      : (await this.named(job)).find(entry => entry.kind === 'video' && entry.name === name)?.path
    const info = filePath !== undefined ? await statFile(filePath) : undefined
    if (filePath === undefined || info === undefined) throw new NoSuchResultError(`job ${job.id} has no file ${JSON.stringify(plainText(name))} (microfarm files ${job.id} lists them)`)
    return { path: filePath, size: info.size, sha256: await this.hashes.sha256(filePath, info.size, info.mtimeMs) }
  }

  /** The frame number `name` is the file of in this job's layout, or undefined. */
  private frameOf (job: Job, name: string, digits = framePadding(outputFrames(job))): number | undefined {
    const match = FRAME_NAME.exec(name)
    if (match === null || match[2] !== FORMAT_EXTENSIONS[job.format]) return undefined
    const frame = Number(match[1])
    return this.layout.frameFileName(job, frame, digits) === name ? frame : undefined
  }

  /** Each file of the job once, by name: frames the layout names, and videos (the job's listed one first when two share a name). */
  private async named (job: Job): Promise<NamedFile[]> {
    const files = await listJobFiles(job, this.layout)
    const listed = job.encode.outputPath
    files.sort((a, b) => Number(b.path === listed) - Number(a.path === listed))
    const byName = new Map<string, NamedFile>()
    const digits = framePadding(outputFrames(job))
    for (const file of files) {
      const name = path.basename(file.path)
      if (byName.has(name)) continue
      if (file.kind === 'video') {
        byName.set(name, { name, path: file.path, kind: 'video' })
        continue
      }
      // What else sits in the job's folder (ffmpeg's list, a stray file) is no frame of the job.
      const frame = this.frameOf(job, name, digits)
      if (frame !== undefined && path.dirname(file.path) === this.layout.jobDir(job.id)) byName.set(name, { name, path: file.path, kind: 'frame', frame })
    }
    const entries = [...byName.values()]
    return entries.sort((a, b) => a.kind !== b.kind ? (a.kind === 'frame' ? -1 : 1) : a.kind === 'frame' ? (a.frame ?? 0) - (b.frame ?? 0) : a.name.localeCompare(b.name))
  }

  private async described (entry: NamedFile): Promise<ResultFile | undefined> {
    // Gone since the folder was read (a job deleted, a video replaced): not listed.
    const info = await statFile(entry.path)
    if (info === undefined) return undefined
    return {
      name: entry.name,
      kind: entry.kind,
      ...(entry.frame !== undefined ? { frame: entry.frame } : {}),
      size: info.size,
      sha256: await this.hashes.sha256(entry.path, info.size, info.mtimeMs),
      mtime: info.mtime.toISOString(),
    }
  }
}

async function statFile (file: string): Promise<{ size: number, mtimeMs: number, mtime: Date } | undefined> {
  const info = await ifExists(stat(file))
  return info?.isFile() === true ? info : undefined
}
