import { Worker } from 'node:worker_threads'
import type { DecodedFrame } from './frame-decoder.js'

// Frames are decoded in a worker thread, never on the coordinator's event
// loop (which carries every node's uploads and heartbeats). One thread,
// started on first use, unref'd so it never keeps the process alive; a thread
// that dies or hangs is replaced on the next frame.

export interface DecodeRequest { id: number, path: string, bytes: number }
export type DecodeReply = { id: number, result: DecodedFrame } | { id: number, error: string }

export class DecodeThreadError extends Error {
  override name = 'DecodeThreadError'
}

/** Longest one frame may take; past it the thread is stopped. */
const DECODE_TIMEOUT_MS = 30_000

// Compiled, the worker is a .js file beside this one. Under tsx (the tests)
// it is a .ts file, which a worker thread can only load once tsx's loader is
// registered in that thread too.
const BOOT = `
const { workerData } = require('node:worker_threads')
;(async () => {
  if (workerData.url.endsWith('.ts')) (await import('tsx/esm/api')).register()
  await import(workerData.url)
})().catch((err) => { setImmediate(() => { throw err }) })
`
const WORKER_URL = new URL(`./decode-worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url).href

export class DecodeThread {
  private worker?: Worker
  private next = 0
  private readonly pending = new Map<number, { resolve: (frame: DecodedFrame) => void, reject: (err: Error) => void, timer: NodeJS.Timeout }>()

  decode (path: string, bytes: number): Promise<DecodedFrame> {
    const worker = this.started()
    const id = this.next++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new DecodeThreadError(`decoding ${path} took over ${DECODE_TIMEOUT_MS / 1000} s; stopped`), worker), DECODE_TIMEOUT_MS)
      this.pending.set(id, { resolve, reject, timer })
      worker.postMessage({ id, path, bytes } satisfies DecodeRequest)
    })
  }

  stop (): void {
    const worker = this.worker
    if (worker !== undefined) this.fail(new DecodeThreadError('the decoding thread was stopped'), worker)
  }

  private started (): Worker {
    if (this.worker !== undefined) return this.worker
    const worker = new Worker(BOOT, { eval: true, workerData: { url: WORKER_URL } })
    worker.unref()
    worker.on('message', (reply: DecodeReply) => {
      const waiting = this.pending.get(reply.id)
      if (waiting === undefined) return
      this.pending.delete(reply.id)
      clearTimeout(waiting.timer)
      if ('error' in reply) waiting.reject(new DecodeThreadError(reply.error))
      else waiting.resolve(reply.result)
    })
    worker.on('error', (err) => this.fail(new DecodeThreadError(`the decoding thread failed: ${err.message}`, { cause: err }), worker))
    worker.on('exit', (code) => this.fail(new DecodeThreadError(`the decoding thread exited (code ${code})`), worker))
    this.worker = worker
    return worker
  }

  /** Every frame waiting gets the error; the thread goes, and the next frame starts another. */
  private fail (err: Error, worker: Worker): void {
    if (this.worker !== worker) return
    delete this.worker
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer)
      waiting.reject(err)
    }
    this.pending.clear()
    // terminate() resolves with the exit code once the thread is gone; nothing waits for that.
    void worker.terminate()
  }
}
