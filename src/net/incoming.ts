import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { TimeoutError } from '../protocol/errors.js'

/**
 * The bytes a peer sends on a stream, as an async iterable. Unlike the stream's
 * own iterator it ends correctly when the peer half-closed before we started
 * listening (a 'remoteCloseWrite' event that already fired), and does not drop
 * bytes held back while the stream was paused when the peer closes meanwhile.
 * It fails when the peer goes silent for `idleMs`, or at once when `signal` aborts.
 */
export async function * incoming (stream: Stream, idleMs: number, signal?: AbortSignal): AsyncGenerator<Uint8Array | Uint8ArrayList> {
  const queue: Array<Uint8Array | Uint8ArrayList> = []
  let ended = false
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const notify = (): void => {
    wake?.()
    wake = undefined
  }
  const onMessage = (event: Event): void => {
    queue.push((event as Event & { data: Uint8Array | Uint8ArrayList }).data)
    notify()
  }
  const onRemoteClose = (): void => {
    ended = true
    notify()
  }
  const onClose = (event: Event): void => {
    const error = (event as Event & { error?: Error }).error
    if (error !== undefined) failure = error
    ended = true
    notify()
  }
  stream.addEventListener('message', onMessage)
  stream.addEventListener('remoteCloseWrite', onRemoteClose)
  stream.addEventListener('close', onClose)
  signal?.addEventListener('abort', notify)
  try {
    while (true) {
      const next = queue.shift()
      if (next !== undefined) {
        yield next
        continue
      }
      signal?.throwIfAborted()
      if (failure !== undefined) throw failure
      // The end: the peer finished writing and nothing is left in the stream's
      // buffer (bytes held back while the stream was paused still come).
      if ((ended || stream.remoteWriteStatus !== 'writable') && stream.readBufferLength === 0) return
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new TimeoutError(`the peer sent nothing for ${Math.round(idleMs / 1000)} s`)), idleMs)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  } finally {
    stream.removeEventListener('message', onMessage)
    stream.removeEventListener('remoteCloseWrite', onRemoteClose)
    stream.removeEventListener('close', onClose)
    signal?.removeEventListener('abort', notify)
  }
}
