import { Worker } from 'node:worker_threads'

// Work too heavy for the coordinator's event loop (which carries every node's
// uploads and heartbeats) runs in a worker thread: decoding a frame for the
// preview, stitching a tiled still. One thread per use, started on first
// call, unref'd so it never keeps the process alive; a thread that dies or
// hangs is replaced on the next call. The thread's side is serveCalls
// (worker-calls.ts).

export interface CallRequest<Q> { id: number, request: Q }
export type CallReply<R> = { id: number, result: R } | { id: number, error: string }

export class WorkerThreadError extends Error {
  override name = 'WorkerThreadError'
}

// Compiled, a worker is a .js file. Under tsx (the tests) it is a .ts file,
// which a worker thread can only load once tsx's loader is registered in that
// thread too. Only import(), no require: the thread takes its process's
// flags, and under --input-type=module this source is an ES module.
const BOOT = `
;(async () => {
  const { workerData } = await import('node:worker_threads')
  if (workerData.url.endsWith('.ts')) (await import('tsx/esm/api')).register()
  await import(workerData.url)
})().catch((err) => { setImmediate(() => { throw err }) })
`

/** The URL of a worker module beside `importMetaUrl`, as .ts under tsx and .js once compiled. */
export function workerUrl (name: string, importMetaUrl: string): string {
  return new URL(`./${name}.${importMetaUrl.endsWith('.ts') ? 'ts' : 'js'}`, importMetaUrl).href
}

export class WorkerThread<Q, R> {
  private worker?: Worker
  private next = 0
  private readonly pending = new Map<number, { resolve: (result: R) => void, reject: (err: Error) => void, timer: NodeJS.Timeout }>()

  /**
   * `url`: the worker module (workerUrl); `what`: what it does, for messages
   * ("decoding", "stitching"); `error`: the error class its failures carry.
   */
  constructor (
    private readonly url: string,
    private readonly what: string,
    private readonly timeoutMs: number,
    private readonly error: new (message: string, options?: ErrorOptions) => Error = WorkerThreadError,
  ) {}

  /** Runs one call in the thread; `subject` names it in a timeout's message. */
  call (request: Q, subject: string): Promise<R> {
    const worker = this.started()
    const id = this.next++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new this.error(`${this.what} ${subject} took over ${this.timeoutMs / 1000} s; stopped`), worker), this.timeoutMs)
      this.pending.set(id, { resolve, reject, timer })
      worker.postMessage({ id, request } satisfies CallRequest<Q>)
    })
  }

  stop (): void {
    const worker = this.worker
    if (worker !== undefined) this.fail(new this.error(`the ${this.what} thread was stopped`), worker)
  }

  private started (): Worker {
    if (this.worker !== undefined) return this.worker
    const worker = new Worker(BOOT, { eval: true, workerData: { url: this.url } })
    worker.on('message', (reply: CallReply<R>) => {
      const waiting = this.pending.get(reply.id)
      if (waiting === undefined) return
      this.pending.delete(reply.id)
      clearTimeout(waiting.timer)
      if ('error' in reply) waiting.reject(new this.error(reply.error))
      else waiting.resolve(reply.result)
    })
    worker.on('error', (err) => this.fail(new this.error(`the ${this.what} thread failed: ${err.message}`, { cause: err }), worker))
    worker.on('exit', (code) => this.fail(new this.error(`the ${this.what} thread exited (code ${code})`), worker))
    // After the listeners: adding a 'message' listener refs the thread's port again, and an
    // unref before it left every process that had made one call running for good.
    // A call waiting keeps the process up by its own timer.
    worker.unref()
    this.worker = worker
    return worker
  }

  /** Every call waiting gets the error; the thread goes, and the next call starts another. */
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
