import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, rm } from 'node:fs/promises'
import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { ProtocolError, TimeoutError } from '../protocol/errors.js'
import { incoming } from './incoming.js'

// Raw file bytes that follow a header message on a stream. The header has
// already announced size and SHA-256; these helpers move the bytes at disk
// speed (the receiver pauses the stream while the disk is behind, since
// yamux keeps granting window to a reader that only buffers).

const READ_CHUNK_BYTES = 256 * 1024

/**
 * Streams a file. A receiver that stops reading for `idleMs` (its window
 * stays full) ends the send with a TimeoutError instead of holding the file
 * open forever.
 */
export async function sendFile (stream: Stream, path: string, options: { signal?: AbortSignal, onSent?: (bytes: number) => void, idleMs?: number } = {}): Promise<number> {
  let sent = 0
  const idleMs = options.idleMs ?? IDLE_TIMEOUT_MS
  const idle = new AbortController()
  let timer = setTimeout(() => idle.abort(new TimeoutError(`the peer read nothing for ${idleMs / 1000} s`)), idleMs)
  const signal = options.signal !== undefined ? AbortSignal.any([options.signal, idle.signal]) : idle.signal
  try {
    const file = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES, signal })
    for await (const chunk of file as AsyncIterable<Buffer>) {
      sent += chunk.byteLength
      if (!stream.send(chunk)) await stream.onDrain({ signal })
      clearTimeout(timer)
      timer = setTimeout(() => idle.abort(new TimeoutError(`the peer read nothing for ${idleMs / 1000} s`)), idleMs)
      options.onSent?.(chunk.byteLength)
    }
  } finally {
    clearTimeout(timer)
  }
  return sent
}

/** Bytes already in memory (a project manifest), with the same backpressure as a file. */
export async function sendBytes (stream: Stream, bytes: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength; offset += READ_CHUNK_BYTES) {
    if (!stream.send(bytes.subarray(offset, offset + READ_CHUNK_BYTES))) await stream.onDrain(options)
  }
}

export class PayloadError extends ProtocolError {
  override name = 'PayloadError'
}

/** A sender silent this long is cut off: its half-received file must not stay open forever. */
const IDLE_TIMEOUT_MS = 60_000
/** Received bytes are written in batches of about this size. */
const WRITE_BATCH_BYTES = 1024 * 1024

/**
 * Receives exactly `size` bytes into `tempPath` and fsyncs it. When size or
 * SHA-256 do not match, the file is removed and PayloadError thrown. The caller
 * renames the file into place: a half-received file never has its real name.
 */
export interface MinimumRate {
  bytesPerSecond: number
  /** Measured over windows of this long. */
  windowMs: number
}

/**
 * What an upload to the coordinator must move: a stream that trickles keeps a
 * file and a slot open for nothing (20 000 of them once took every file
 * descriptor). Far below any LAN or Wi-Fi; a receiver whose own disk is
 * behind does not count the time against the sender.
 */
export const UPLOAD_MIN_RATE: MinimumRate = { bytesPerSecond: 16 * 1024, windowMs: 30_000 }

export async function receiveFile (stream: Stream, options: {
  size: number
  sha256: string
  tempPath: string
  signal?: AbortSignal
  idleMs?: number
  /** Cut the sender off when it moves less than this (default: no minimum). */
  minRate?: MinimumRate
  /** Bytes as they arrive (a download's progress). */
  onReceived?: (bytes: number) => void
}): Promise<void> {
  const tooSlow = new AbortController()
  const signal = options.signal !== undefined ? AbortSignal.any([options.signal, tooSlow.signal]) : tooSlow.signal
  // Listen before the first await, so bytes (or the end) that arrive meanwhile are seen.
  const chunks = incoming(stream, options.idleMs ?? IDLE_TIMEOUT_MS, signal)
  const handle = await open(options.tempPath, 'w')
  const hash = createHash('sha256')
  let received = 0
  let batch: Uint8Array[] = []
  let batchBytes = 0
  // One write in flight while the next batch fills; the stream pauses only when
  // the disk is behind, so the sender's window stays open at disk speed.
  let writing: Promise<unknown> | undefined
  let writeDone = true
  const flush = async (): Promise<void> => {
    if (writing !== undefined && !writeDone) {
      // A stream whose sender already finished cannot be paused, nor needs it.
      const pause = stream.readStatus === 'readable'
      if (pause) stream.pause()
      try {
        await writing
      } finally {
        if (pause && stream.readStatus === 'paused') stream.resume()
      }
    }
    await writing
    if (batch.length === 0) return
    writeDone = false
    writing = handle.writev(batch).finally(() => { writeDone = true })
    // Never leave a rejection unobserved between flushes.
    writing.catch(() => undefined)
    batch = []
    batchBytes = 0
  }
  let completed = false
  const rate = options.minRate
  let lastCount = 0
  const rateCheck = rate === undefined ? undefined : setInterval(() => {
    // Our disk behind (the stream is paused for it): not the sender's fault.
    if (!writeDone) { lastCount = received; return }
    const moved = received - lastCount
    lastCount = received
    const needed = rate.bytesPerSecond * rate.windowMs / 1000
    if (moved < needed && received < options.size) {
      tooSlow.abort(new TimeoutError(`the upload moved ${moved} bytes in ${rate.windowMs / 1000} s, less than the ${Math.round(rate.bytesPerSecond / 1024)} KiB/s the coordinator requires`))
    }
  }, rate.windowMs)
  try {
    if (options.size > 0) {
      for await (const chunk of chunks) {
        for (const part of toBuffers(chunk)) {
          received += part.byteLength
          if (received > options.size) throw new PayloadError(`peer sent more than the announced ${options.size} bytes`)
          hash.update(part)
          batch.push(part)
          batchBytes += part.byteLength
          options.onReceived?.(part.byteLength)
        }
        if (batchBytes >= WRITE_BATCH_BYTES) await flush()
        if (received === options.size) break
      }
    }
    if (received !== options.size) {
      throw new PayloadError(`stream ended after ${received} of ${options.size} bytes`)
    }
    await flush()
    await writing
    const digest = hash.digest('hex')
    if (digest !== options.sha256) {
      throw new PayloadError(`content hash mismatch: announced ${options.sha256.slice(0, 12)}…, received ${digest.slice(0, 12)}…`)
    }
    // fsync before the caller's rename, so a crash never leaves a complete-looking but empty file.
    await handle.sync()
    completed = true
  } finally {
    clearInterval(rateCheck)
    await chunks.return(undefined)
    // Wait for the last write before closing; its own error (if any) is already on its way out.
    await writing?.then(() => undefined, () => undefined)
    await handle.close()
    if (!completed) await rm(options.tempPath, { force: true })
  }
}

function * toBuffers (chunk: Uint8Array | Uint8ArrayList): Iterable<Uint8Array> {
  if (chunk instanceof Uint8Array) {
    yield chunk
    return
  }
  yield * chunk
}

/** Read into one buffer, reused: about a fifth faster than a read stream, which allocates every chunk. */
const HASH_READ_BYTES = 4 * 1024 * 1024

export async function sha256File (path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256')
  const file = await open(path, 'r')
  try {
    // No bigger than the file: a 4 MiB buffer for each of 2000 small frames kept the GC busy for seconds.
    const buffer = Buffer.allocUnsafe(Math.min(HASH_READ_BYTES, (await file.stat()).size + 1))
    for (;;) {
      signal?.throwIfAborted()
      const { bytesRead } = await file.read(buffer, 0, buffer.byteLength, null)
      if (bytesRead === 0) break
      hash.update(buffer.subarray(0, bytesRead))
    }
  } finally {
    await file.close()
  }
  return hash.digest('hex')
}
