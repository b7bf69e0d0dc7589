import { encodeFrames } from '../encode/encode-frames.js'
import { findFfmpeg } from '../encode/find-ffmpeg.js'
import { reencodeSuffix, videoPath } from '../encode/output-path.js'
import type { Job } from '../jobs/job.js'
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

interface EncodeRequest { job: Job, settings: EncodeSettingsMessage, suffix?: string }

/**
 * Turns completed jobs into videos with ffmpeg, one encode at a time, in the
 * background: scheduling never waits for it. A missing ffmpeg or a failed
 * encode is recorded on the job, which stays completed with its frames intact.
 */
export class EncodeService implements JobEncoder {
  private readonly queue: EncodeRequest[] = []
  private running = false
  /** Aborted by stop(): the encode in progress ends and is made again on the next start. */
  private readonly stopping = new AbortController()
  private current?: { job: Job, done: Promise<void> }

  constructor (
    private readonly farm: Farm,
    private readonly store: JobStore,
    private readonly events: CoordinatorEvents,
    private readonly ffmpegPath?: string,
  ) {
    events.on((event) => {
      if (event.type !== 'job-completed') return
      const job = farm.jobs.get(event.jobId)
      // After every listener has seen the completion, so logs read in order.
      if (job?.encode.settings.enabled === true) setImmediate(() => this.enqueue({ job, settings: job.encode.settings }))
    })
  }

  /**
   * Stops the encode in progress (its job's video waits for the next start,
   * like the ones still queued) and says so. Returns what it stopped.
   */
  async stop (): Promise<string | undefined> {
    const current = this.current
    this.queue.splice(0)
    this.stopping.abort(new Error('the coordinator is stopping'))
    if (current === undefined) return undefined
    await current.done
    return `the video of job ${current.job.id} was being made: it is made again when the coordinator starts next`
  }

  /** After a restart: encodes that were waiting or cut short start again. */
  resumePending (): void {
    for (const job of this.farm.jobs.values()) {
      if (job.state === 'completed' && (job.encode.state === 'waiting' || job.encode.state === 'encoding')) {
        this.enqueue({ job, settings: job.encode.settings })
      }
    }
  }

  async encode (job: Job, overrides: Partial<EncodeSettingsMessage> = {}): Promise<string> {
    if (job.state !== 'completed') {
      throw new ApiError(`job ${job.id} is ${job.state}: a video is made from a completed job (force-complete it to encode the frames it has)`)
    }
    if (framesIn(job, 'done').length === 0) throw new ApiError(`job ${job.id} has no rendered frames to encode`)
    const base = job.encode.settings
    const settings: EncodeSettingsMessage = { ...base, ...overrides, enabled: true }
    const changed = settings.codec !== base.codec || settings.quality !== base.quality || settings.fps !== base.fps
    // Other settings get a file of their own, so the first video is left alone.
    const suffix = reencodeSuffix({ codec: settings.codec, quality: settings.quality, ...(settings.fps !== base.fps && settings.fps !== undefined ? { fps: settings.fps } : {}) })
    const request: EncodeRequest = changed ? { job, settings, suffix } : { job, settings }
    this.enqueue(request)
    return `job ${job.id}: encoding to ${this.outputPath(request)} (${settings.codec}, ${settings.quality})`
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

  private enqueue (request: EncodeRequest): void {
    if (this.stopping.signal.aborted) return
    request.job.encode.state = 'waiting'
    delete request.job.encode.error
    this.farm.persist(request.job)
    this.queue.push(request)
    void this.pump()
  }

  private async pump (): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        if (this.farm.jobs.get(next.job.id) !== next.job) continue
        const done = this.run(next)
        this.current = { job: next.job, done }
        await done
        this.current = undefined
      }
    } finally {
      this.running = false
    }
  }

  private async run ({ job, settings, suffix }: EncodeRequest): Promise<void> {
    const outputPath = this.outputPath({ job, settings, ...(suffix !== undefined ? { suffix } : {}) })
    job.encode = { settings: job.encode.settings, state: 'encoding', progress: 0, outputPath }
    this.farm.persist(job)
    this.events.emit({ type: 'encode', jobId: job.id, state: 'encoding', message: `encoding ${outputPath}` })
    let lastReport = 0
    try {
      const ffmpeg = await findFfmpeg(this.ffmpegPath !== undefined ? { explicitPath: this.ffmpegPath } : {})
      const frames = framesIn(job, 'done').map(frame => ({ frame, path: this.store.layout.framePath(job, frame) }))
      const result = await encodeFrames({
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
      this.events.emit({ type: 'encode', jobId: job.id, state: 'done', message: `video ready: ${result.outputPath}, ${result.framesEncoded} frames${gaps}` })
    } catch (err) {
      if (this.stopping.signal.aborted) {
        // Cut short by the shutdown, not failed: waiting, so the next start makes it.
        job.encode = { settings: job.encode.settings, state: 'waiting' }
      } else {
        const message = errorMessage(err)
        job.encode = { settings: job.encode.settings, state: 'failed', error: message }
        this.events.emit({ type: 'encode', jobId: job.id, state: 'failed', message: `video failed: ${message}` })
      }
    }
    this.farm.persist(job)
  }
}
