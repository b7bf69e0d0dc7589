import { lpStream } from '@libp2p/utils'
import * as varint from 'uint8-varint'
import type { LengthPrefixedStream } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import type { z } from 'zod'
import { MAX_MESSAGE_BYTES } from './constants.js'
import { ProtocolError, StreamEndedError } from './errors.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeMessage (message: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(message))
}

/** Parses and validates one message; every failure is a ProtocolError naming what was wrong. */
export function decodeMessage<S extends z.ZodType> (schema: S, bytes: Uint8Array): z.infer<S> {
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch (err) {
    throw new ProtocolError('malformed message: not UTF-8 JSON', { cause: err })
  }
  const result = schema.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : ''
    throw new ProtocolError(`invalid message${where}: ${issue?.message ?? 'does not match the schema'}`)
  }
  return result.data
}

/**
 * Writes one length-prefixed message without reading anything. A
 * MessageChannel starts buffering whatever arrives the moment it is made, so
 * on a stream whose incoming side carries raw file bytes (see `unwrap`),
 * replies must go out through this instead.
 */
export async function writeMessage<Out> (stream: Stream, message: Out, options: { signal?: AbortSignal } = {}): Promise<void> {
  const body = encodeMessage(message)
  const frame = new Uint8Array(varint.encodingLength(body.byteLength) + body.byteLength)
  varint.encode(body.byteLength, frame)
  frame.set(body, frame.byteLength - body.byteLength)
  if (!stream.send(frame)) await stream.onDrain(options)
}

/**
 * Length-prefixed JSON messages over a libp2p stream. After the messages, a
 * stream may carry raw file bytes: `unwrap()` hands back the stream with any
 * bytes already buffered put back in front. Typed per protocol and direction:
 * `In` what this side reads, `Out` what it writes, both from the schemas, so
 * a message of another protocol is a compile error.
 */
export class MessageChannel<In = unknown, Out = unknown> {
  private readonly lp: LengthPrefixedStream<Stream>

  constructor (readonly stream: Stream, maxMessageBytes = MAX_MESSAGE_BYTES) {
    this.lp = lpStream(stream, { maxDataLength: maxMessageBytes })
  }

  async read<T extends In> (schema: z.ZodType<T>, options?: { signal?: AbortSignal }): Promise<T> {
    let bytes
    try {
      bytes = await this.lp.read(options)
    } catch (err) {
      if (options?.signal?.aborted === true) throw err
      const message = err instanceof Error ? err.message : String(err)
      // Closed where the next message's length prefix would start (its first
      // byte is read alone). A prefix with no body says "0/<length>": truncated.
      if (err instanceof Error && err.name === 'UnexpectedEOFError' && / 0\/1 bytes$/.test(message)) {
        throw new StreamEndedError('the peer closed the stream', { cause: err })
      }
      throw new ProtocolError(`could not read a message: ${message}`, { cause: err })
    }
    return decodeMessage(schema, bytes.subarray())
  }

  async write (message: Out, options?: { signal?: AbortSignal }): Promise<void> {
    await this.lp.write(encodeMessage(message), options)
  }

  unwrap (): Stream {
    return this.lp.unwrap()
  }
}
