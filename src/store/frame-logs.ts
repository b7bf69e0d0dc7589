import { appendFile, mkdir, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import writeFileAtomic from 'write-file-atomic'
import { frameLogEntry } from '../protocol/frame-logs.js'
import type { FrameLogEntry, FrameLogSummary } from '../protocol/frame-logs.js'
import { ifExists } from '../util/if-exists.js'
import { readTextIfExists } from './read-if-exists.js'

// Blender's output of frames that failed (or warned), kept by the coordinator
// for `microfarm log`: one file of JSON lines per job under .microfarm/logs/,
// appended to as attempts come in — never in the job's manifest, which is
// rewritten every few frames. Each job's file is bounded: past the limit the
// oldest attempts go, and the newest always stay.

/** Most bytes one job's log file may hold before its oldest attempts are dropped. */
export const MAX_JOB_LOG_BYTES = 4 * 1024 * 1024

export interface FrameLogStoreOptions {
  maxBytes?: number
  /** Said when a line of a log file cannot be read (it is skipped). */
  onProblem?: (message: string) => void
}

export class FrameLogStore {
  /** Bytes in each job's file as far as this store knows (read once, then counted). */
  private readonly sizes = new Map<string, number>()
  /** One write at a time per job: appends and compactions in order. */
  private readonly writing = new Map<string, Promise<void>>()
  private readonly maxBytes: number

  constructor (private readonly dir: string, private readonly options: FrameLogStoreOptions = {}) {
    this.maxBytes = options.maxBytes ?? MAX_JOB_LOG_BYTES
  }

  /** The job's file; its name comes from the job id the coordinator issued (validated digits). */
  pathOf (jobId: string): string {
    if (!/^[0-9]{1,9}$/.test(jobId)) throw new RangeError(`not a job id: ${jobId}`)
    return join(this.dir, `job_${jobId}.jsonl`)
  }

  /** Adds an attempt's log; resolves once it is on disk. */
  async append (jobId: string, entry: FrameLogEntry): Promise<void> {
    return this.serial(jobId, async () => {
      const path = this.pathOf(jobId)
      const line = JSON.stringify(frameLogEntry.parse(entry)) + '\n'
      const size = this.sizes.get(jobId) ?? await sizeOf(path)
      if (size + Buffer.byteLength(line) > this.maxBytes) {
        this.sizes.set(jobId, await this.compact(path, line))
        return
      }
      await mkdir(dirname(path), { recursive: true })
      await appendFile(path, line)
      this.sizes.set(jobId, size + Buffer.byteLength(line))
    })
  }

  /** Every attempt kept of this frame, oldest first. */
  async entries (jobId: string, frame: number): Promise<FrameLogEntry[]> {
    await this.writing.get(jobId)
    return (await this.read(this.pathOf(jobId))).filter(entry => entry.frame === frame)
  }

  /** The frames that have a log, by frame number: how many attempts are kept, and the latest. */
  async index (jobId: string): Promise<FrameLogSummary[]> {
    await this.writing.get(jobId)
    const byFrame = new Map<number, FrameLogSummary>()
    for (const { frame, node, at, outcome, error } of await this.read(this.pathOf(jobId))) {
      byFrame.set(frame, { frame, node, at, outcome, ...(error !== undefined ? { error } : {}), attempts: (byFrame.get(frame)?.attempts ?? 0) + 1 })
    }
    return [...byFrame.values()].sort((a, b) => a.frame - b.frame)
  }

  /** Resolves once every write begun is done (a coordinator stopping, a test's folder about to go). */
  async drain (): Promise<void> {
    while (this.writing.size > 0) await Promise.allSettled([...this.writing.values()])
  }

  async remove (jobId: string): Promise<void> {
    return this.serial(jobId, async () => {
      await rm(this.pathOf(jobId), { force: true })
      this.sizes.delete(jobId)
    })
  }

  /** Writes the newest entries that fit in half the limit, `line` last; returns the new size. */
  private async compact (path: string, line: string): Promise<number> {
    const kept = [line]
    let bytes = Buffer.byteLength(line)
    const old = await this.read(path)
    for (let i = old.length - 1; i >= 0; i--) {
      const text = JSON.stringify(old[i]) + '\n'
      if (bytes + Buffer.byteLength(text) > this.maxBytes / 2) break
      kept.unshift(text)
      bytes += Buffer.byteLength(text)
    }
    await mkdir(dirname(path), { recursive: true })
    await writeFileAtomic(path, kept.join(''))
    return bytes
  }

  private async read (path: string): Promise<FrameLogEntry[]> {
    const text = await readTextIfExists(path)
    if (text === undefined) return []
    const entries: FrameLogEntry[] = []
    for (const [index, line] of text.split('\n').entries()) {
      if (line === '') continue
      const parsed = frameLogEntry.safeParse(parseJson(line))
      // A line cut by a crash mid-append, or edited by hand: the others still count.
      if (parsed.success) entries.push(parsed.data)
      else this.options.onProblem?.(`${path}, line ${index + 1}: not a frame log entry; skipped`)
    }
    return entries
  }

  private async serial (jobId: string, work: () => Promise<void>): Promise<void> {
    const previous = this.writing.get(jobId) ?? Promise.resolve()
    const next = previous.catch(() => undefined).then(work)
    this.writing.set(jobId, next)
    try {
      await next
    } finally {
      if (this.writing.get(jobId) === next) this.writing.delete(jobId)
    }
  }
}

async function sizeOf (path: string): Promise<number> {
  return (await ifExists(stat(path)))?.size ?? 0
}

function parseJson (line: string): unknown {
  try {
    return JSON.parse(line)
  } catch {
    return undefined
  }
}
