import { lpStream } from '@libp2p/utils'
import type { LengthPrefixedStream } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import type { z } from 'zod'
import { MAX_MESSAGE_BYTES } from '../protocol/constants.js'
import { ProtocolError } from '../protocol/errors.js'
import { decodeMessage, encodeMessage } from '../protocol/framing.js'

/** A piece is at most this big (pieceBytesFor doubles 4 MiB for content past 32 GiB): frames are bounded by it. */
export const MAX_PIECE_FRAME_BYTES = 64 * 1024 * 1024

/**
 * Length-prefixed frames on one stream, many requests in turn: JSON messages
 * (validated against the schemas) and a piece's raw bytes as one frame after
 * its header. Reads go through lpStream, never the stream's own iterator.
 */
export class PieceChannel<In, Out> {
  private readonly lp: LengthPrefixedStream<Stream>

  constructor (readonly stream: Stream) {
    this.lp = lpStream(stream, { maxDataLength: Math.max(MAX_MESSAGE_BYTES, MAX_PIECE_FRAME_BYTES) })
  }

  /** The next message; undefined when the peer closed the stream between two (an end, not an error). */
  async read<T extends In> (schema: z.ZodType<T>, signal: AbortSignal): Promise<T | undefined> {
    const bytes = await this.frame(signal, true)
    if (bytes === undefined) return undefined
    if (bytes.byteLength > MAX_MESSAGE_BYTES) throw new ProtocolError(`a message of ${bytes.byteLength} bytes, more than ${MAX_MESSAGE_BYTES}`)
    return decodeMessage(schema, bytes)
  }

  async readBytes (signal: AbortSignal): Promise<Uint8Array> {
    const bytes = await this.frame(signal, false)
    if (bytes === undefined) throw new ProtocolError('the peer closed the stream before the piece\'s bytes')
    return bytes
  }

  async write (message: Out, signal: AbortSignal): Promise<void> {
    await this.lp.write(encodeMessage(message), { signal })
  }

  async writeBytes (bytes: Uint8Array, signal: AbortSignal): Promise<void> {
    await this.lp.write(bytes, { signal })
  }

  private async frame (signal: AbortSignal, endAllowed: boolean): Promise<Uint8Array | undefined> {
    try {
      return (await this.lp.read({ signal })).subarray()
    } catch (err) {
      if (signal.aborted) throw err
      const message = err instanceof Error ? err.message : String(err)
      // Closed where the next frame's length prefix would start (see MessageChannel.read).
      if (endAllowed && err instanceof Error && err.name === 'UnexpectedEOFError' && / 0\/1 bytes$/.test(message)) return undefined
      throw new ProtocolError(`could not read from the peer: ${message}`, { cause: err })
    }
  }
}
