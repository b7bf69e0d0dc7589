import { rm, stat } from 'node:fs/promises'
import type { Stream } from '@libp2p/interface'
import { FRAME_PROTOCOL } from '../protocol/constants.js'
import { ProtocolError } from '../protocol/errors.js'
import { MessageChannel } from '../protocol/framing.js'
import { frameAck } from '../protocol/messages.js'
import type { FrameAck, FrameHeader } from '../protocol/messages.js'
import { sendFile, sha256File } from '../net/payload.js'
import { sleep } from '../util/sleep.js'
import { ifExists } from '../util/if-exists.js'
import type { OpenStream } from './content-cache.js'

export interface RenderedFrame {
  jobId: string
  frame: number
  path: string
  taskId: string
}

export type UploadOutcome = 'stored' | 'duplicate' | 'refused' | 'missing'

/** First wait before sending a frame again (the coordinator's disk was full, or the upload broke); doubles up to the most. */
const RETRY_FIRST_MS = 2000
const RETRY_MAX_MS = 30_000

export interface FrameUploaderInit {
  retryFirstMs?: number
  retryMaxMs?: number
}

/** The coordinator cannot store the frame now; it stays here until it can. */
export class UploadLaterError extends Error {
  override name = 'UploadLaterError'
}

export interface UploaderEvents {
  onUploaded: (frame: RenderedFrame, outcome: UploadOutcome, detail: string) => void
  onRetryLater: (frame: RenderedFrame, error: Error) => void
  /** Delivered (or not wanted), but its file could not be removed from this disk. */
  onFileKept: (frame: RenderedFrame, error: Error) => void
}

/**
 * Uploads rendered frames one after another while Blender goes on with the
 * next. A frame stays on the node's disk until the coordinator acknowledged
 * it: when an upload fails or the coordinator has no room, it is sent again
 * a little later; while there is no connection, frames wait for the next one.
 */
export class FrameUploader {
  private readonly queue: RenderedFrame[] = []
  private running = false
  private open?: OpenStream
  private idleWaiters: Array<() => void> = []
  private current?: RenderedFrame
  private readonly retryFirstMs: number
  private readonly retryMaxMs: number
  private retryMs: number
  /** Ends a wait before a retry: a new connection (or none) is reason to look again. */
  private wake = new AbortController()

  constructor (private readonly events: UploaderEvents, init: FrameUploaderInit = {}) {
    this.retryFirstMs = init.retryFirstMs ?? RETRY_FIRST_MS
    this.retryMaxMs = init.retryMaxMs ?? RETRY_MAX_MS
    this.retryMs = this.retryFirstMs
  }

  /** The connection to upload over; undefined while disconnected. */
  setConnection (open: OpenStream | undefined): void {
    this.open = open
    this.retryMs = this.retryFirstMs
    this.wake.abort()
    this.wake = new AbortController()
    if (open !== undefined) void this.pump()
  }

  add (frame: RenderedFrame): void {
    this.queue.push(frame)
    void this.pump()
  }

  get pending (): number { return this.queue.length + (this.running ? 1 : 0) }

  pendingFor (taskId: string): number { return this.queue.filter(f => f.taskId === taskId).length + (this.current?.taskId === taskId ? 1 : 0) }

  /** Drops queued frames of a job the coordinator no longer wants (cancelled, deleted). */
  async dropJob (jobId: string): Promise<void> {
    const dropped = this.queue.filter(f => f.jobId === jobId)
    this.queue.splice(0, this.queue.length, ...this.queue.filter(f => f.jobId !== jobId))
    await Promise.all(dropped.map(async f => rm(f.path, { force: true })))
  }

  /** Resolves when nothing is queued or uploading. */
  async idle (): Promise<void> {
    if (this.pending === 0) return
    await new Promise<void>(resolve => this.idleWaiters.push(resolve))
  }

  private async pump (): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      while (this.queue.length > 0 && this.open !== undefined) {
        const frame = this.queue[0] as RenderedFrame
        this.current = frame
        // Taken before the upload: a connection that changes meanwhile ends the wait below at once.
        const wake = this.wake.signal
        let answer: { outcome: UploadOutcome, detail: string } | undefined
        let failure: unknown
        try {
          answer = await this.upload(frame, this.open)
        } catch (err) {
          failure = err
        } finally {
          this.current = undefined
        }
        if (answer === undefined) {
          // Dropped meanwhile (its job was cancelled): nothing to send again.
          // Otherwise keep the frame: a broken connection ends the session and
          // the next one wakes this wait; a full disk on the coordinator clears in time.
          if (!this.queue.includes(frame) || wake.aborted) continue
          this.events.onRetryLater(frame, failure instanceof Error ? failure : new Error(String(failure)))
          const delay = this.retryMs
          this.retryMs = Math.min(this.retryMaxMs, this.retryMs * 2)
          await sleep(delay, wake).catch(() => undefined)
          continue
        }
        // dropJob may have taken it out of the queue meanwhile.
        const index = this.queue.indexOf(frame)
        if (index >= 0) this.queue.splice(index, 1)
        this.retryMs = this.retryFirstMs
        this.events.onUploaded(frame, answer.outcome, answer.detail)
        await rm(frame.path, { force: true }).catch((err: unknown) => {
          this.events.onFileKept(frame, err instanceof Error ? err : new Error(String(err)))
        })
      }
    } finally {
      this.running = false
      if (this.pending === 0) {
        const waiters = this.idleWaiters
        this.idleWaiters = []
        waiters.forEach(resolve => resolve())
      }
    }
  }

  /** One upload on a stream of its own; the stream is always closed or aborted, whatever the answer. */
  private async upload (frame: RenderedFrame, open: OpenStream): Promise<{ outcome: UploadOutcome, detail: string }> {
    const size = (await ifExists(stat(frame.path)))?.size
    // Gone from this disk (removed by hand?): it cannot be sent, ever; the coordinator has it rendered again.
    if (size === undefined) return { outcome: 'missing', detail: `${frame.path} is gone from this node's disk` }
    const sha256 = await sha256File(frame.path)
    const stream = await open(FRAME_PROTOCOL)
    let answer: FrameAck
    try {
      answer = await this.exchange(stream, frame, size, sha256)
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
    // The answer is what counts: a close that fails afterwards changes nothing.
    await stream.close().catch((err: unknown) => { stream.abort(err instanceof Error ? err : new Error(String(err))) })
    switch (answer.type) {
      case 'retry-later': throw new UploadLaterError(answer.message)
      case 'error': return { outcome: 'refused', detail: answer.message }
      case 'frame-stored': return answer.duplicate ? { outcome: 'duplicate', detail: 'the coordinator already has this frame' } : { outcome: 'stored', detail: '' }
      case 'send-frame': throw new ProtocolError('the coordinator asked for the frame twice')
    }
  }

  /** Header, the coordinator's go-ahead, the bytes, its answer. */
  private async exchange (stream: Stream, frame: RenderedFrame, size: number, sha256: string): Promise<FrameAck> {
    const channel = new MessageChannel<FrameAck, FrameHeader>(stream)
    await channel.write({ type: 'frame', jobId: frame.jobId, frame: frame.frame, size, sha256 })
    const go = await channel.read(frameAck, { signal: AbortSignal.timeout(30_000) })
    if (go.type !== 'send-frame') return go
    await sendFile(stream, frame.path)
    return await channel.read(frameAck, { signal: AbortSignal.timeout(120_000) })
  }
}
