import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import writeFileAtomic from 'write-file-atomic'
import type { Job } from '../jobs/job.js'
import { frameNumbers } from '../jobs/job.js'
import { OutputLayout } from './layout.js'
import { isJobVideo } from '../encode/output-path.js'
import { basename, join } from 'node:path'
import { parseManifest, serializeManifest } from './manifest.js'
import { ContentStore } from './content-store.js'
import { DiskReservations } from './disk.js'
import { writeNodeNames } from './node-names-file.js'
import type { NodeNameEntry } from './node-names-file.js'
import { FrameLogStore } from './frame-logs.js'
import { readTextIfExists } from './read-if-exists.js'
import { ifExists } from '../util/if-exists.js'

/** A manifest that could not be written is tried again after this long (a full disk, a lost mount). */
const RETRY_WRITE_MS = 2_000

/**
 * How long a change nobody waits for (a frame handed out, a frame done) may
 * stay in memory only. A job of 100 000 frames is megabytes of manifest:
 * written on every change, it kept the coordinator busy writing. Nothing is
 * lost in the gap: after a crash the frame files on disk are the truth
 * (reconcile.ts) and frames that were rendering are handed out again.
 */
export const SAVE_LATER_MS = 250

const MANIFEST_NAME = /^job_([0-9]{1,9})_info\.json$/
/** A video ffmpeg is writing, and its frame list (see encodeFrames): never a finished file. */
const STALE_VIDEO = /\.[0-9a-f]{8}\.partial(\.ffconcat)?$/
/** Anything of a job's in the output folder: its frames folder, manifest (also cleared), videos. */
const JOB_FILE_NAME = /^job_([0-9]{1,9})(?:$|_)/

export interface LoadedJobs {
  jobs: Job[]
  /** Manifests that could not be read: reported, left in place, never overwritten. */
  problems: Array<{ path: string; error: Error }>
}

/**
 * Job manifests and frame files on disk. Writes are atomic (temporary file,
 * fsync, rename: write-file-atomic) and coalesced per job, so a burst of frame
 * events costs one write in flight and at most one queued.
 */
export class JobStore {
  readonly layout: OutputLayout
  /** Every job's files by content hash. */
  readonly content: ContentStore
  /** Blender's output of frames that failed or warned, per job (see frame-logs.ts). */
  readonly frameLogs: FrameLogStore
  /** Room promised to uploads under way (frames, submitted files): the output folder is one disk. */
  readonly disk = new DiskReservations()
  private readonly writing = new Map<string, Promise<void>>()
  private readonly dirty = new Map<string, Job>()
  private readonly queued = new Map<string, Promise<void>>()
  private readonly later = new Map<string, { job: Job, timer: NodeJS.Timeout, onError: (err: unknown) => void }>()

  constructor (root: string) {
    this.layout = new OutputLayout(root)
    this.content = new ContentStore(this.layout)
    this.frameLogs = new FrameLogStore(this.layout.frameLogDir)
  }

  async init (): Promise<void> {
    await this.content.init()
    // Videos ffmpeg was writing when a coordinator was killed (the encode is made again).
    for (const name of await readdir(this.layout.root)) {
      if (STALE_VIDEO.test(name)) await rm(join(this.layout.root, name), { force: true })
    }
    this.lastJobId = Math.max(await this.readLastJobId(), await this.highestJobIdOnDisk())
  }

  async loadJobs (): Promise<LoadedJobs> {
    const jobs: Job[] = []
    const problems: LoadedJobs['problems'] = []
    for (const name of await readdir(this.layout.root)) {
      const match = MANIFEST_NAME.exec(name)
      if (match === null) continue
      const path = this.layout.manifestPath(match[1] as string)
      try {
        const job = parseManifest(await readFile(path, 'utf8'), path)
        if (job.id !== match[1]) throw new Error(`${path} holds job ${job.id}`)
        jobs.push(job)
      } catch (err) {
        problems.push({ path, error: err instanceof Error ? err : new Error(String(err)) })
      }
    }
    return { jobs, problems }
  }

  private lastJobId?: number
  private idWrites: Promise<unknown> = Promise.resolve()

  /**
   * A new job id, one past every id this output folder has used. Taken with
   * no wait in between, so concurrent submits never share one; kept in
   * `.microfarm/last-job-id`, so the id of a deleted job (and the names of
   * its videos) is never given again, not after a restart either. Resolves
   * once the id is on disk.
   */
  async allocateJobId (): Promise<string> {
    if (this.lastJobId === undefined) throw new Error('JobStore.init() must run before job ids are allocated')
    const id = ++this.lastJobId
    // Each write puts the newest id; one at a time, so an older one never lands last.
    const write = this.idWrites.then(async () => { await writeFileAtomic(this.layout.lastJobIdPath, `${this.lastJobId}\n`, { fsync: true }) })
    this.idWrites = write.catch(() => undefined)
    await write
    return String(id)
  }

  private async readLastJobId (): Promise<number> {
    const text = await readTextIfExists(this.layout.lastJobIdPath)
    if (text === undefined) return 0
    const value = Number(text.trim())
    return Number.isSafeInteger(value) && value > 0 ? value : 0
  }

  /** For an output folder from before last-job-id: the highest id any job's file carries. */
  private async highestJobIdOnDisk (): Promise<number> {
    let max = 0
    for (const name of await readdir(this.layout.root)) {
      const match = JOB_FILE_NAME.exec(name)
      if (match !== null) max = Math.max(max, Number(match[1]))
    }
    return max
  }

  /** The job's records (frames, or a tiled still's tiles) whose final file exists and is not empty. */
  async framesOnDisk (job: Job): Promise<Set<number>> {
    const found = new Set<number>()
    // One listing, then a stat only for the files there: a job of 100 000 frames is not 100 000 stats.
    const listed = await ifExists(readdir(this.layout.unitDir(job)))
    if (listed === undefined) return found
    const names = new Set(listed)
    for (const frame of frameNumbers(job)) {
      const path = this.layout.unitPath(job, frame)
      if (!names.has(basename(path))) continue
      // Gone since the listing (removed by hand): not on disk.
      const size = (await ifExists(stat(path)))?.size ?? 0
      if (size > 0) found.add(frame)
    }
    return found
  }

  /** Removes half-received uploads left by a crash (of frames, or of a tiled still's tiles). */
  async removeStaleTemporaries (job: Job): Promise<void> {
    for (const dir of new Set([this.layout.jobDir(job.id), this.layout.unitDir(job)])) {
      const names = await ifExists(readdir(dir))
      if (names === undefined) continue
      await Promise.all(names.filter(name => (name.startsWith('.') && name.endsWith('.part')) || STALE_VIDEO.test(name))
        .map(name => rm(join(dir, name), { force: true })))
    }
  }

  /** The folder the job's uploads land in (a tiled still's tiles folder inside its frames folder). */
  async prepareJobDir (job: Job): Promise<void> {
    await mkdir(this.layout.unitDir(job), { recursive: true })
  }

  /**
   * Schedules a manifest write; resolves when a write that includes this state
   * is on disk. While one write runs, all further saves share one queued write.
   */
  save (job: Job): Promise<void> {
    // This write takes whatever a save-later was waiting to write.
    const later = this.later.get(job.id)
    if (later !== undefined) {
      clearTimeout(later.timer)
      this.later.delete(job.id)
    }
    this.dirty.set(job.id, job)
    const queued = this.queued.get(job.id)
    if (queued !== undefined) return queued
    const inFlight = this.writing.get(job.id)
    if (inFlight === undefined) return this.startWrite(job.id)
    const start = (): Promise<void> => {
      this.queued.delete(job.id)
      return this.startWrite(job.id)
    }
    // The queued write runs whether or not the one before it failed; that
    // failure is reported to the caller who awaited it.
    const next = inFlight.then(start, start)
    this.queued.set(job.id, next)
    return next
  }

  /**
   * A save nobody waits for: written within SAVE_LATER_MS, together with every
   * other change of the job until then. A write failure is reported to
   * `onError`; the state stays dirty and is written again (see flush).
   */
  saveLater (job: Job, onError: (err: unknown) => void): void {
    const pending = this.later.get(job.id)
    if (pending !== undefined) {
      pending.job = job
      return
    }
    const timer = setTimeout(() => {
      const entry = this.later.get(job.id)
      this.later.delete(job.id)
      if (entry !== undefined) this.save(entry.job).catch(entry.onError)
    }, SAVE_LATER_MS)
    this.later.set(job.id, { job, timer, onError })
  }

  /** Starts now the saves that were to wait (see saveLater). */
  private flushLater (): void {
    for (const [jobId, { job, timer, onError }] of this.later) {
      clearTimeout(timer)
      this.later.delete(jobId)
      this.save(job).catch(onError)
    }
  }

  private startWrite (jobId: string): Promise<void> {
    const write = this.flush(jobId).finally(() => {
      if (this.writing.get(jobId) === write) this.writing.delete(jobId)
    })
    this.writing.set(jobId, write)
    return write
  }

  private async flush (jobId: string): Promise<void> {
    const job = this.dirty.get(jobId)
    if (job === undefined) return
    this.dirty.delete(jobId)
    try {
      await writeFileAtomic(this.layout.manifestPath(jobId), serializeManifest(job), { fsync: true })
    } catch (err) {
      // The state is not on disk: it stays dirty and is written again (unless a newer save came meanwhile).
      if (!this.dirty.has(jobId)) {
        this.dirty.set(jobId, job)
        setTimeout(() => { this.save(job).catch(() => undefined) }, RETRY_WRITE_MS).unref()
      }
      throw err
    }
  }

  private namesWrite?: Promise<void>
  private namesDirty?: () => NodeNameEntry[]

  /**
   * Writes who owns which node name: one write at a time, and the changes
   * made meanwhile in one more (a burst of joins is two writes, not a queue).
   */
  saveNodeNames (entries: () => NodeNameEntry[], onError: (err: unknown) => void): void {
    this.namesDirty = entries
    if (this.namesWrite !== undefined) return
    const loop = async (): Promise<void> => {
      for (let next = this.namesDirty; next !== undefined; next = this.namesDirty) {
        this.namesDirty = undefined
        await writeNodeNames(this.layout.nodeNamesPath, next())
      }
    }
    this.namesWrite = loop().catch(onError).finally(() => {
      this.namesWrite = undefined
      // A change that came after the loop's last look is written too.
      if (this.namesDirty !== undefined) this.saveNodeNames(this.namesDirty, onError)
    })
  }

  /** Waits for every pending manifest write (and the node names'). */
  async drain (): Promise<void> {
    await this.namesWrite
    this.flushLater()
    while (this.writing.size > 0 || this.queued.size > 0) {
      await Promise.allSettled([...this.writing.values(), ...this.queued.values()])
    }
    await this.frameLogs.drain()
  }

  /** Removes the job's frames, videos (wherever its settings put them) and manifest. */
  async deleteJob (job: Job): Promise<void> {
    await this.drain()
    await rm(this.layout.jobDir(job.id), { recursive: true, force: true })
    for (const name of await readdir(this.layout.root)) {
      if (isJobVideo(name, job.id, job.name)) await rm(join(this.layout.root, name), { force: true })
    }
    await rm(this.layout.manifestPath(job.id), { force: true })
    await this.frameLogs.remove(job.id)
  }

  /** Forget a job but keep its files: the manifest moves aside (kept for the record) so it is not loaded again. */
  async forgetJob (job: Job): Promise<void> {
    await this.drain()
    await rename(this.layout.manifestPath(job.id), `${this.layout.manifestPath(job.id)}.cleared`)
  }
}
