import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { open, rm } from 'node:fs/promises'
import { once } from 'node:events'
import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { ProtocolError } from '../protocol/errors.js'

// Raw file bytes that follow a header message on a stream. The header has
// already announced size and SHA-256; these helpers move the bytes at disk
// speed (the receiver pauses the stream while the disk is behind, since
// yamux keeps granting window to a reader that only buffers).

const READ_CHUNK_BYTES = 256 * 1024
const WRITE_BUFFER_BYTES = 4 * 1024 * 1024

export async function sendFile (stream: Stream, path: string, options: { signal?: AbortSignal } = {}): Promise<number> {
  let sent = 0
  const file = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES, ...(options.signal ? { signal: options.signal } : {}) })
  for await (const chunk of file as AsyncIterable<Buffer>) {
    sent += chunk.byteLength
    if (!stream.send(chunk)) await stream.onDrain(options)
  }
  return sent
}

export class PayloadError extends ProtocolError {
  override name = 'PayloadError'
}

/**
 * Receives exactly `size` bytes into `tempPath` and fsyncs it. When size or
 * SHA-256 do not match, the file is removed and PayloadError thrown. The caller
 * renames the file into place: a half-received file never has its real name.
 */
export async function receiveFile (stream: Stream, options: {
  size: number
  sha256: string
  tempPath: string
  signal?: AbortSignal
}): Promise<void> {
  const handle = await open(options.tempPath, 'w')
  const out = createWriteStream('', { fd: handle.fd, autoClose: false, highWaterMark: WRITE_BUFFER_BYTES })
  const hash = createHash('sha256')
  let received = 0
  let completed = false
  try {
    if (options.size > 0) {
      for await (const chunk of stream as AsyncIterable<Uint8Array | Uint8ArrayList>) {
        options.signal?.throwIfAborted()
        for (const part of toBuffers(chunk)) {
          received += part.byteLength
          if (received > options.size) throw new PayloadError(`peer sent more than the announced ${options.size} bytes`)
          hash.update(part)
          if (!out.write(part)) {
            stream.pause()
            await once(out, 'drain')
            stream.resume()
          }
        }
        if (received === options.size) break
      }
    }
    if (received !== options.size) {
      throw new PayloadError(`stream ended after ${received} of ${options.size} bytes`)
    }
    out.end()
    await once(out, 'finish')
    const digest = hash.digest('hex')
    if (digest !== options.sha256) {
      throw new PayloadError(`content hash mismatch: announced ${options.sha256.slice(0, 12)}…, received ${digest.slice(0, 12)}…`)
    }
    // fsync before rename so a crash never leaves a complete-looking but empty file.
    await handle.sync()
    await handle.close()
    completed = true
  } finally {
    if (!completed) {
      out.destroy()
      await handle.close().catch(() => undefined)
      await rm(options.tempPath, { force: true })
    }
  }
}

function * toBuffers (chunk: Uint8Array | Uint8ArrayList): Iterable<Uint8Array> {
  if (chunk instanceof Uint8Array) {
    yield chunk
    return
  }
  yield * chunk
}

export async function sha256File (path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256')
  const file = createReadStream(path, { highWaterMark: 1024 * 1024, ...(signal ? { signal } : {}) })
  for await (const chunk of file as AsyncIterable<Buffer>) hash.update(chunk)
  return hash.digest('hex')
}
