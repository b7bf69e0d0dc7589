import { stat } from 'node:fs/promises'
import { frameNumbers } from '../jobs/job.js'
import type { FrameRecordView, JobView } from '../jobs/job.js'
import { errorMessage } from '../util/error-message.js'
import { ifExists } from '../util/if-exists.js'
import { decodeFrame } from './frame-decoder.js'
import type { DecodedFrame } from './frame-decoder.js'
import type { FramePreview } from './preview-panel.js'

// Which frame the preview shows and its decoded pixels, kept off the redraw
// path: a draw asks for the preview and gets what is ready at once; reading
// and decoding happen in the background, at most once a second, and the
// answer redraws the screen. Decoded frames are kept by path, size and
// modification time, so a frame rendered again is read again.

/** A frame the user picked in the files list: shown instead of the latest while its job is selected. */
export interface PickedFrame {
  jobId: string
  frame: number
  path: string
}

export interface FileInfo {
  size: number
  mtimeMs: number
}

export interface PreviewDeps {
  /** Where the coordinator keeps a job's frame. */
  framePath: (job: JobView, frame: number) => string
  /** A preview became ready: redraw. */
  changed: () => void
  now?: () => number
  /** Undefined when there is no such file. */
  statFile?: (path: string) => Promise<FileInfo | undefined>
  decode?: (path: string, bytes: number) => Promise<DecodedFrame>
}

export const PREVIEW_INTERVAL_MS = 1000
/** Decoded frames kept (each at most DECODE_LIMITS.keep: 300 KiB). */
const CACHE_ENTRIES = 8

/** The done frame that finished last (the highest number among equals), or undefined. A tiled still: the still, once stitched. */
export function latestDoneFrame (job: JobView): number | undefined {
  if (job.tiles !== undefined) return job.tiles.stitch === 'done' ? job.tiles.frame : undefined
  const numbers = frameNumbers(job)
  // Object.values follows the integer keys' ascending order, as frameNumbers does.
  const records = Object.values(job.frames)
  let latest: number | undefined
  let latestAt = ''
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as FrameRecordView
    if (record.state === 'done' && (record.doneAt ?? '') >= latestAt) {
      latest = numbers[i]
      latestAt = record.doneAt ?? ''
    }
  }
  return latest
}

export class PreviewService {
  private latest?: { jobId: string, at: number, target?: PickedFrame }
  private shown?: { target: PickedFrame, preview: FramePreview }
  private busy = false
  private checkedAt = -Infinity
  private readonly cache = new Map<string, FramePreview>()
  private readonly now: () => number

  constructor (private readonly deps: PreviewDeps) {
    this.now = deps.now ?? Date.now
  }

  /** What to draw for the job now: its picked or latest finished frame; undefined when it has none. */
  show (job: JobView, picked?: PickedFrame): FramePreview | undefined {
    const now = this.now()
    const target = picked?.jobId === job.id ? picked : this.latestOf(job, now)
    if (target === undefined) return undefined
    const shown = this.shown
    const current = shown !== undefined && sameFrame(shown.target, target) ? shown.preview : undefined
    if (!this.busy && (current === undefined || now - this.checkedAt >= PREVIEW_INTERVAL_MS)) this.refresh(target, now)
    // While the job's next frame is read, its previous one stays: no flicker as frames arrive.
    if (current === undefined && shown?.target.jobId === target.jobId && picked === undefined) return shown.preview
    return current ?? { frame: target.frame, state: 'loading' }
  }

  private latestOf (job: JobView, now: number): PickedFrame | undefined {
    if (this.latest?.jobId !== job.id || now - this.latest.at >= PREVIEW_INTERVAL_MS) {
      const frame = latestDoneFrame(job)
      const same = this.latest?.jobId === job.id && this.latest.target?.frame === frame ? this.latest.target : undefined
      this.latest = { jobId: job.id, at: now, ...(frame !== undefined ? { target: same ?? { jobId: job.id, frame, path: this.deps.framePath(job, frame) } } : {}) }
    }
    return this.latest.target
  }

  private refresh (target: PickedFrame, now: number): void {
    this.busy = true
    this.checkedAt = now
    this.load(target).then(
      (preview) => this.settle(target, preview),
      (err: unknown) => this.settle(target, { frame: target.frame, state: 'note', note: `cannot show the frame: ${errorMessage(err)}` }),
    ).finally(() => { this.busy = false })
  }

  private settle (target: PickedFrame, preview: FramePreview): void {
    if (this.shown?.preview === preview && sameFrame(this.shown.target, target)) return
    this.shown = { target, preview }
    this.deps.changed()
  }

  private async load (target: PickedFrame): Promise<FramePreview> {
    const info = await (this.deps.statFile ?? statFile)(target.path)
    if (info === undefined) return { frame: target.frame, state: 'note', note: 'its file is not in the output folder' }
    const key = `${target.path}\0${info.size}\0${info.mtimeMs}`
    let preview = this.cache.get(key)
    if (preview === undefined) {
      preview = asPreview(target.frame, await (this.deps.decode ?? decodeFrame)(target.path, info.size))
      if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value ?? '')
    }
    // Last used goes last: the first key is the one to forget.
    this.cache.delete(key)
    this.cache.set(key, preview)
    return preview
  }
}

function sameFrame (a: PickedFrame, b: PickedFrame): boolean {
  return a.jobId === b.jobId && a.frame === b.frame && a.path === b.path
}

function asPreview (frame: number, decoded: DecodedFrame): FramePreview {
  return decoded.kind === 'picture'
    ? { frame, state: 'picture', picture: decoded.picture, source: decoded.source }
    : { frame, state: 'note', note: decoded.note }
}

async function statFile (path: string): Promise<FileInfo | undefined> {
  const info = await ifExists(stat(path))
  return info?.isFile() === true ? { size: info.size, mtimeMs: info.mtimeMs } : undefined
}
