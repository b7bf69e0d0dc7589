import { parentPort } from 'node:worker_threads'
import { errorMessage } from './error-message.js'
import type { CallReply, CallRequest } from './worker-thread.js'

/** The thread's side of a WorkerThread: each call handled and answered by its id. */
export function serveCalls<Q, R> (handle: (request: Q) => Promise<R>): void {
  parentPort?.on('message', (call: CallRequest<Q>) => {
    const reply = (message: CallReply<R>): void => { parentPort?.postMessage(message) }
    handle(call.request).then(
      (result) => reply({ id: call.id, result }),
      (err: unknown) => reply({ id: call.id, error: errorMessage(err) }),
    )
  })
}
