import type { DecodedFrame } from './frame-decoder.js'
import { workerUrl, WorkerThread } from '../util/worker-thread.js'

// Frames are decoded in a worker thread (decode-worker.ts), never on the
// coordinator's event loop: decoding a 1080p JPEG takes half a second of CPU.

export interface DecodeRequest { path: string, bytes: number }

export class DecodeThreadError extends Error {
  override name = 'DecodeThreadError'
}

/** Longest one frame may take; past it the thread is stopped. */
const DECODE_TIMEOUT_MS = 30_000

export class DecodeThread {
  private readonly thread = new WorkerThread<DecodeRequest, DecodedFrame>(workerUrl('decode-worker', import.meta.url), 'decoding', DECODE_TIMEOUT_MS, DecodeThreadError)

  async decode (path: string, bytes: number): Promise<DecodedFrame> {
    return this.thread.call({ path, bytes }, path)
  }

  stop (): void { this.thread.stop() }
}
