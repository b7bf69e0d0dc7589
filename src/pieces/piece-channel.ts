import { createHash } from 'node:crypto'
import { lpStream } from '@libp2p/utils'
import type { LengthPrefixedStream } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { z } from 'zod'
import { MAX_MESSAGE_BYTES, MAX_PIECE_BYTES, PIECE_FRAME_BYTES } from '../protocol/constants.js'
import { ProtocolError } from '../protocol/errors.js'
import { decodeMessage, encodeMessage } from '../protocol/framing.js'
import { STREAM_WINDOW_BYTES } from '../net/host.js'

/**
 * Length-prefixed frames on one stream, many requests in turn: JSON messages
 * (validated against the schemas) and a piece's raw bytes, in frames of at
 * most PIECE_FRAME_BYTES after its header. Reads go through lpStream, never
 * the stream's own iterator.
 */
export class PieceChannel<In, Out> {
  private readonly lp: LengthPrefixedStream<Stream>

  constructor (readonly stream: Stream) {
    // Bytes wait here until read: up to a window's worth may arrive at once
    // (yamux grants more as they do), beside the part of a frame read so far.
    this.lp = lpStream(stream, { maxDataLength: Math.max(MAX_MESSAGE_BYTES, PIECE_FRAME_BYTES), maxBufferSize: STREAM_WINDOW_BYTES + 2 * PIECE_FRAME_BYTES })
  }

  /** The next message; undefined when the peer closed the stream between two (an end, not an error). */
  async read<T extends In> (schema: z.ZodType<T>, signal: AbortSignal): Promise<T | undefined> {
    const frame = await this.frame(signal, true)
    if (frame === undefined) return undefined
    if (frame.byteLength > MAX_MESSAGE_BYTES) throw new ProtocolError(`a message of ${frame.byteLength} bytes, more than ${MAX_MESSAGE_BYTES}`)
    return decodeMessage(schema, frame.subarray())
  }

  /**
   * A piece's `size` bytes, as writeBytes sent them: frames until that many
   * arrived, and their SHA-256, hashed frame by frame as they come (while the
   * next is on its way) rather than in one pass after the last. Into `into`
   * when it is large enough (the fetcher reuses its buffers), else a new one.
   */
  async readBytes (size: number, signal: AbortSignal, into?: Buffer): Promise<{ bytes: Uint8Array, sha256: string }> {
    if (size > MAX_PIECE_BYTES) throw new ProtocolError(`a piece of ${size} bytes, more than ${MAX_PIECE_BYTES}`)
    // What arrived is copied once, straight to its place in the piece.
    const piece = into !== undefined && into.byteLength >= size ? into.subarray(0, size) : Buffer.allocUnsafe(size)
    const hash = createHash('sha256')
    let received = 0
    while (received < size) {
      const frame = await this.frame(signal, false)
      if (frame === undefined) throw new ProtocolError('the peer closed the stream before the piece\'s bytes')
      if (received + frame.byteLength > size) throw new ProtocolError(`the peer sent more than the ${size} bytes its piece header said`)
      for (const part of frame) {
        piece.set(part, received)
        hash.update(part)
        received += part.byteLength
      }
    }
    return { bytes: piece, sha256: hash.digest('hex') }
  }

  async write (message: Out, signal: AbortSignal): Promise<void> {
    await this.lp.write(encodeMessage(message), { signal })
  }

  async writeBytes (bytes: Uint8Array, signal: AbortSignal): Promise<void> {
    const frames: Uint8Array[] = []
    for (let start = 0; start < bytes.byteLength; start += PIECE_FRAME_BYTES) frames.push(bytes.subarray(start, start + PIECE_FRAME_BYTES))
    await this.lp.writeV(frames, { signal })
  }

  private async frame (signal: AbortSignal, endAllowed: boolean): Promise<Uint8ArrayList | undefined> {
    try {
      return await this.lp.read({ signal })
    } catch (err) {
      if (signal.aborted) throw err
      const message = err instanceof Error ? err.message : String(err)
      // Closed where the next frame's length prefix would start (see MessageChannel.read).
      if (endAllowed && err instanceof Error && err.name === 'UnexpectedEOFError' && / 0\/1 bytes$/.test(message)) return undefined
      throw new ProtocolError(`could not read from the peer: ${message}`, { cause: err })
    }
  }
}
