import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { sha256File } from '../net/payload.js'
import { ProtocolError } from '../protocol/errors.js'
import type { ResultFile, ResultsJob } from '../protocol/results.js'
import { mapConcurrent } from '../util/map-concurrent.js'
import { ifExists } from '../util/if-exists.js'
import type { JobResultsListing } from './results-client.js'
import { localName } from './result-names.js'

/** The few client methods a download uses (see CoordinatorClient). */
export interface ResultsSource {
  listResults: (jobId: string) => Promise<JobResultsListing>
  fetchResult: (jobId: string, name: string, options: { tempPath: string, signal?: AbortSignal, onReceived?: (bytes: number) => void }) => Promise<{ size: number, sha256: string }>
}

/** Which of the job's files to bring: undefined frames = every frame. */
export interface DownloadSelection { frames?: ReadonlySet<number>, kinds: ReadonlySet<ResultFile['kind']> }

export interface DownloadProgress { files: number, filesTotal: number, bytes: number, bytesTotal: number }

export interface DownloadedFile {
  /** The local name, in the download's folder. */
  name: string
  kind: ResultFile['kind']
  frame?: number
  size: number
  sha256: string
  /** `fetched` now, or `present` already with the same size and hash. */
  status: 'fetched' | 'present'
}

export interface SyncResult { job: ResultsJob, dir: string, files: DownloadedFile[], fetched: number, bytesFetched: number }

/**
 * Files fetched (or checked) at once: a stream costs about 10 ms to open here,
 * so small frames go several at a time; within the coordinator's 16 requests
 * per peer, with room for the listing and `--wait`'s job list.
 */
const CONCURRENCY = 8
/** Our temporary names: `.frame_0001.png.1a2b3c4d.part`. */
const TEMP_NAME = /^\.(.+)\.[0-9a-f]{8}\.part$/

/**
 * A job's files brought to a folder on this machine, as often as asked
 * (`sync`): each is received under a dot-named temporary file, checked
 * against its SHA-256 as it arrives, and renamed to its final name only when
 * whole, so an interrupted download leaves no half file under a final name.
 * A file already here with the listed size and hash is not fetched again; one
 * truncated or changed is. Local names are built by the client (result-names.ts).
 */
export class JobDownload {
  /** Local name → SHA-256 of what this download wrote or checked: a later sync does not read it again. */
  private readonly known = new Map<string, string>()
  private dir?: string

  constructor (
    private readonly source: ResultsSource,
    readonly jobId: string,
    private readonly selection: DownloadSelection,
    /** The folder, from the job (the default is named after it). */
    private readonly dirFor: (job: ResultsJob) => string,
    private readonly onProgress?: (progress: DownloadProgress) => void,
  ) {}

  async sync (signal?: AbortSignal): Promise<SyncResult> {
    const { job, files } = await this.source.listResults(this.jobId)
    const dir = await this.folder(job)
    const wanted = this.selected(job, files)
    const result: SyncResult = { job, dir, files: [], fetched: 0, bytesFetched: 0 }
    const isMissing: boolean[] = []
    // Checked several at once: each is a few system calls, mostly waiting.
    await mapConcurrent(wanted, CONCURRENCY, async (entry, index) => {
      signal?.throwIfAborted()
      if (await this.present(dir, entry.name, entry.file)) result.files.push(downloaded(entry.name, entry.file, 'present'))
      else isMissing[index] = true
    })
    // Fetched in the listing's order: frames by number, then videos.
    const missing = wanted.filter((_, index) => isMissing[index] === true)
    const progress: DownloadProgress = { files: 0, filesTotal: missing.length, bytes: 0, bytesTotal: missing.reduce((sum, m) => sum + m.file.size, 0) }
    if (missing.length > 0) this.onProgress?.({ ...progress })
    const stop = new AbortController()
    const stopSignal = signal !== undefined ? AbortSignal.any([signal, stop.signal]) : stop.signal
    await mapConcurrent(missing, CONCURRENCY, async ({ file, name }) => {
      const got = await this.fetch(dir, name, file, stopSignal, (bytes) => { progress.bytes += bytes; this.onProgress?.({ ...progress }) })
      progress.files++
      this.onProgress?.({ ...progress })
      result.files.push(downloaded(name, { ...file, ...got }, 'fetched'))
      result.fetched++
      result.bytesFetched += got.size
    }, stop)
    result.files.sort((a, b) => a.kind !== b.kind ? (a.kind === 'frame' ? -1 : 1) : (a.frame ?? 0) - (b.frame ?? 0) || a.name.localeCompare(b.name))
    return result
  }

  /** The listed files this download wants, with their local names (refusing any it cannot name itself). */
  private selected (job: ResultsJob, files: readonly ResultFile[]): Array<{ file: ResultFile, name: string }> {
    const names = new Set<string>()
    const wanted: Array<{ file: ResultFile, name: string }> = []
    for (const file of files) {
      const name = localName(job, file)
      if (names.has(name)) throw new ProtocolError(`the coordinator listed ${name} twice`)
      names.add(name)
      if (!this.selection.kinds.has(file.kind)) continue
      if (file.kind === 'frame' && this.selection.frames !== undefined && !this.selection.frames.has(file.frame ?? -1)) continue
      wanted.push({ file, name })
    }
    return wanted
  }

  /** The folder, made on the first sync, with temporary files a killed download left removed. */
  private async folder (job: ResultsJob): Promise<string> {
    if (this.dir !== undefined) return this.dir
    const dir = path.resolve(this.dirFor(job))
    await mkdir(dir, { recursive: true })
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isFile() && TEMP_NAME.test(entry.name)) await rm(path.join(dir, entry.name), { force: true })
    }
    this.dir = dir
    return dir
  }

  /** Whether `name` is here with the file's size and hash (hashed once per download, then remembered). */
  private async present (dir: string, name: string, file: ResultFile): Promise<boolean> {
    const local = path.join(dir, name)
    const info = await ifExists(stat(local))
    if (info === undefined) return false
    if (!info.isFile()) throw new ProtocolError(`${local} is not a file: move it away, then download again`)
    if (info.size !== file.size) return false
    let sha256 = this.known.get(name)
    if (sha256 === undefined) {
      sha256 = await sha256File(local)
      this.known.set(name, sha256)
    }
    return sha256 === file.sha256
  }

  private async fetch (dir: string, name: string, file: ResultFile, signal: AbortSignal, onReceived: (bytes: number) => void): Promise<{ size: number, sha256: string }> {
    const tempPath = path.join(dir, `.${name}.${randomBytes(4).toString('hex')}.part`)
    try {
      const got = await this.source.fetchResult(this.jobId, file.name, { tempPath, signal, onReceived })
      await rename(tempPath, path.join(dir, name))
      this.known.set(name, got.sha256)
      return got
    } finally {
      // Gone after the rename; receiveFile removes it on a failure, this covers a failed rename.
      await rm(tempPath, { force: true })
    }
  }
}

function downloaded (name: string, file: ResultFile, status: DownloadedFile['status']): DownloadedFile {
  return { name, kind: file.kind, ...(file.frame !== undefined ? { frame: file.frame } : {}), size: file.size, sha256: file.sha256, status }
}
