import { basename } from 'node:path'
import { encodeFrames } from '../encode/encode-frames.js'
import type { EncodeFramesOptions, EncodeResult } from '../encode/encode-frames.js'
import { findFfmpeg } from '../encode/find-ffmpeg.js'
import { reencodeSuffix, videoPath } from '../encode/output-path.js'
import type { EncodeStatus, Job } from '../jobs/job.js'
import { framesIn } from '../jobs/index.js'
import type { EncodeSettingsMessage } from '../protocol/messages.js'
import type { JobStore } from '../store/job-store.js'
import type { JobEncoder } from './api.js'
import { ApiError } from './api.js'
import type { CoordinatorEvents } from './events.js'
import type { Farm } from './farm.js'
import { errorMessage } from '../util/error-message.js'

/** Used when neither the scene nor the user said: Blender's own default. */
const FALLBACK_FPS = 24
/** Progress reaches the manifest and the event log at most this often. */
const PROGRESS_EVERY_MS = 1000
/**
 * Encodes asked for on demand are refused while this many wait behind the one
 * running: any peer may ask, and each holds ffmpeg for minutes. The videos of
 * jobs that complete (at most one a job) are queued whatever the count: they
 * are the farm's own work, not requests.
 */
export const MAX_WAITING_ENCODES = 8

/** A job's video is already waiting or being made: one request a job at a time. */
export class EncodeBusyError extends ApiError {
  override name = 'EncodeBusyError'
}

/** MAX_WAITING_ENCODES videos wait already. */
export class EncodeQueueFullError extends ApiError {
  override name = 'EncodeQueueFullError'
}

interface EncodeRequest {
  job: Job
  settings: EncodeSettingsMessage
  suffix?: string
  /** With the job's own settings and place: cut short by a shutdown, it is made on the next start. */
  own: boolean
  /**
   * What the job showed when the request came: put back if it fails while the
   * job had a video, or if a re-encode with other settings is cut short, so a
   * request that did not make its video never hides the one the job has.
   */
  before?: EncodeStatus
}

/** What the service runs, injected so its queue rules are tested without ffmpeg. */
export interface EncodeServiceComponents {
  findFfmpeg?: (o: { explicitPath?: string }) => Promise<{ path: string }>
  encodeFrames?: (o: EncodeFramesOptions) => Promise<EncodeResult>
}

/**
 * Turns completed jobs into videos with ffmpeg, one encode at a time, in the
 * background: scheduling never waits for it. A missing ffmpeg or a failed
 * encode is recorded on the job, which stays completed with its frames intact.
 * A request on demand is refused while its job's video waits or is made (the
 * first asked wins: replacing it would waste ffmpeg's work or silently drop
 * what someone else asked for). A video is written under a name of its job and
 * settings, to a temporary name first, so a video made again with the same
 * settings replaces the old one only once it is whole.
 */
export class EncodeService implements JobEncoder {
  private readonly queue: EncodeRequest[] = []
  private running = false
  /** Aborted by stop(): the encode in progress ends (a job's own video is made again on the next start). */
  private readonly stopping = new AbortController()
  private current?: { request: EncodeRequest, done: Promise<void> }

  constructor (
    private readonly farm: Farm,
    private readonly store: JobStore,
    private readonly events: CoordinatorEvents,
    private readonly ffmpegPath?: string,
    private readonly components: EncodeServiceComponents = {},
  ) {
    events.on((event) => {
      if (event.type !== 'job-completed') return
      const job = farm.jobs.get(event.jobId)
      // After every listener has seen the completion, so logs read in order.
      if (job?.encode.settings.enabled === true) setImmediate(() => { this.enqueueOwn(job) })
    })
  }

  /**
   * Stops the encode in progress (its job's video waits for the next start,
   * like the ones still queued; a re-encode with other settings is dropped and
   * its job shows what it did before) and says so. Returns what it stopped.
   */
  async stop (): Promise<string | undefined> {
    const current = this.current
    const dropped = this.queue.splice(0).filter(request => !request.own)
    this.stopping.abort(new Error('the coordinator is stopping'))
    for (const request of dropped) this.putBack(request)
    if (current !== undefined) await current.done
    const said = [...(current !== undefined ? [current.request] : []), ...dropped].map(request => request.own
      ? `the video of job ${request.job.id} was being made: it is made again when the coordinator starts next`
      : `job ${request.job.id}'s re-encode to ${this.outputPath(request)} was cut short: ask for it again`)
    return said.length > 0 ? said.join('; ') : undefined
  }

  /** After a restart: encodes that were waiting or cut short start again. */
  resumePending (): void {
    for (const job of this.farm.jobs.values()) {
      if (job.state === 'completed' && (job.encode.state === 'waiting' || job.encode.state === 'encoding')) this.enqueueOwn(job)
    }
  }

  async encode (job: Job, overrides: Partial<EncodeSettingsMessage> = {}): Promise<string> {
    if (job.state !== 'completed') {
      throw new ApiError(`job ${job.id} is ${job.state}: a video is made from a completed job (force-complete it to encode the frames it has)`)
    }
    if (job.tiles !== undefined) throw new ApiError(`job ${job.id} is one still rendered in tiles: there is no video to make of it`)
    if (framesIn(job, 'done').length === 0) throw new ApiError(`job ${job.id} has no rendered frames to encode`)
    const pending = this.pendingFor(job)
    if (pending !== undefined) {
      const what = pending === this.current?.request ? 'encoding to' : 'waiting to encode to'
      throw new EncodeBusyError(`job ${job.id}'s video is already being made (${what} ${this.outputPath(pending)}): wait for it to finish, then ask again`)
    }
    if (this.queue.length >= MAX_WAITING_ENCODES) {
      throw new EncodeQueueFullError(`${this.queue.length} videos are waiting to be made: ask again once one is done`)
    }
    const request = this.requestFor(job, overrides)
    const target = this.outputPath(request)
    const listed = job.encode.state === 'done' ? job.encode.outputPath : undefined
    const note = listed === undefined ? '' : listed === target ? '; it replaces the current one once made' : `; the current video ${listed} is kept`
    this.enqueue(request)
    return `job ${job.id}: encoding to ${target} (${request.settings.codec}, ${request.settings.quality})${note}`
  }

  private requestFor (job: Job, overrides: Partial<EncodeSettingsMessage>): EncodeRequest {
    const base = job.encode.settings
    const settings: EncodeSettingsMessage = { ...base, ...overrides, enabled: true }
    const changed = settings.codec !== base.codec || settings.quality !== base.quality || settings.fps !== base.fps
    const own = !changed && settings.location === base.location
    // Other settings get a file of their own, so the first video is left alone.
    const suffix = reencodeSuffix({ codec: settings.codec, quality: settings.quality, ...(settings.fps !== base.fps && settings.fps !== undefined ? { fps: settings.fps } : {}) })
    return { job, settings, own, before: { ...job.encode }, ...(changed ? { suffix } : {}) }
  }

  private pendingFor (job: Job): EncodeRequest | undefined {
    return this.current?.request.job === job ? this.current.request : this.queue.find(request => request.job === job)
  }

  private outputPath (request: EncodeRequest): string {
    return videoPath({
      outputRoot: this.store.layout.root,
      jobId: request.job.id,
      jobName: request.job.name,
      codec: request.settings.codec,
      location: request.settings.location,
      ...(request.suffix !== undefined ? { suffix: request.suffix } : {}),
    })
  }

  /** The job's own video, when it completes or after a restart; never twice in the queue. */
  private enqueueOwn (job: Job): void {
    if (this.queue.some(request => request.job === job)) return
    this.enqueue({ job, settings: job.encode.settings, own: true })
  }

  private enqueue (request: EncodeRequest): void {
    if (this.stopping.signal.aborted) return
    request.job.encode.state = 'waiting'
    delete request.job.encode.error
    this.farm.persist(request.job)
    this.queue.push(request)
    void this.pump()
  }

  /** A re-encode that did not make its video: the job shows what it showed before. */
  private putBack (request: EncodeRequest, error?: string): void {
    if (request.before === undefined) return
    request.job.encode = { ...request.before, ...(error !== undefined ? { error } : {}) }
    this.farm.persist(request.job)
  }

  private async pump (): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        if (this.farm.jobs.get(next.job.id) !== next.job) continue
        const done = this.run(next)
        this.current = { request: next, done }
        await done
        this.current = undefined
      }
    } finally {
      this.running = false
    }
  }

  private async run (request: EncodeRequest): Promise<void> {
    const { job, settings } = request
    const outputPath = this.outputPath(request)
    job.encode = { settings: job.encode.settings, state: 'encoding', progress: 0, outputPath }
    this.farm.persist(job)
    this.events.emit({ type: 'encode', jobId: job.id, state: 'encoding', message: `encoding ${outputPath}` })
    let lastReport = 0
    try {
      const ffmpeg = await (this.components.findFfmpeg ?? findFfmpeg)(this.ffmpegPath !== undefined ? { explicitPath: this.ffmpegPath } : {})
      const frames = framesIn(job, 'done').map(frame => ({ frame, path: this.store.layout.framePath(job, frame) }))
      const result = await (this.components.encodeFrames ?? encodeFrames)({
        ffmpeg,
        frames,
        settings,
        fps: job.sceneInfo?.fps ?? FALLBACK_FPS,
        outputPath,
        signal: this.stopping.signal,
        onProgress: (done, total) => {
          job.encode.progress = total > 0 ? Math.min(1, done / total) : 0
          if (Date.now() - lastReport < PROGRESS_EVERY_MS) return
          lastReport = Date.now()
          this.farm.persist(job)
        },
      })
      job.encode = { settings: job.encode.settings, state: 'done', progress: 1, outputPath: result.outputPath }
      const gaps = result.missing.length > 0 ? ` (frames ${result.missing.join(',')} missing)` : ''
      this.events.emit({ type: 'encode', jobId: job.id, state: 'done', message: `video ready: ${result.outputPath}, ${result.framesEncoded} frames${gaps}`, video: basename(result.outputPath) })
    } catch (err) {
      this.recordFailure(request, outputPath, err)
    }
    this.farm.persist(job)
  }

  private recordFailure (request: EncodeRequest, outputPath: string, err: unknown): void {
    const { job, before } = request
    if (this.stopping.signal.aborted) {
      // Cut short by the shutdown, not failed: the job's own video waits for the
      // next start; a re-encode with other settings is dropped (stop() says so).
      if (request.own) job.encode = { settings: job.encode.settings, state: 'waiting' }
      else this.putBack(request)
      return
    }
    const message = errorMessage(err)
    // The video the job had is still whole (ffmpeg wrote to a temporary name): keep showing it.
    if (before?.state === 'done') this.putBack(request, `the re-encode to ${outputPath} failed: ${message}`)
    else job.encode = { settings: job.encode.settings, state: 'failed', error: message }
    this.events.emit({ type: 'encode', jobId: job.id, state: 'failed', message: `video failed: ${message}`, error: message })
  }
}
