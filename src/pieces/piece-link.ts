import type { Stream } from '@libp2p/interface'
import { ProtocolError, RemoteError } from '../protocol/errors.js'
import { pieceReply, swarmReply } from '../protocol/pieces.js'
import type { PieceReply, PieceRequest, SwarmReply, SwarmRequest } from '../protocol/pieces.js'
import { PieceChannel } from './piece-channel.js'
import type { Bitfield, PieceList } from './pieces.js'

/** A piece as it arrived, with the SHA-256 of its bytes (hashed as they came). */
export interface ReceivedPiece { index: number, bytes: Uint8Array, sha256: string }

/** One stream to a source of pieces. */
export interface PieceLink {
  /**
   * A piece by index, or (the coordinator) any piece not in `skip`; 'busy' /
   * 'missing' send the asker elsewhere. Its bytes land in `into` when it is
   * large enough (see PieceChannel.readBytes).
   */
  get: (want: { index: number } | { skip: Bitfield }, signal: AbortSignal, into?: Buffer) => Promise<ReceivedPiece | 'busy' | 'missing'>
  close: () => Promise<void>
}

/** The coordinator holds that content no more: nobody will ask for it. */
export class ContentGoneError extends ProtocolError {
  override name = 'ContentGoneError'
}

/** The asking side of a pieces stream (see PieceServer). */
export function pieceLink (stream: Stream, sha256: string): PieceLink & { list: (signal: AbortSignal) => Promise<PieceList> } {
  const channel = new PieceChannel<PieceReply, PieceRequest>(stream)
  const reply = async (signal: AbortSignal): Promise<PieceReply> => {
    const message = await channel.read(pieceReply, signal)
    if (message === undefined) throw new ProtocolError('the peer closed the stream instead of answering')
    if (message.type === 'error') throw new RemoteError(message.message)
    return message
  }
  return {
    async get (want, signal, into) {
      try {
        await channel.write('index' in want ? { type: 'get-piece', sha256, index: want.index } : { type: 'get-any-piece', sha256, skip: want.skip.toBase64() }, signal)
        const message = await reply(signal)
        if (message.type === 'busy' || message.type === 'missing') return message.type
        if (message.type !== 'piece' || message.sha256 !== sha256) throw new ProtocolError(`expected a piece of ${sha256.slice(0, 12)}…, got ${message.type}`)
        return { index: message.index, ...await channel.readBytes(message.bytes, signal, into) }
      } catch (err) {
        stream.abort(err instanceof Error ? err : new Error(String(err)))
        throw err
      }
    },
    async list (signal) {
      await channel.write({ type: 'get-piece-list', sha256 }, signal)
      const message = await reply(signal)
      if (message.type === 'missing') throw new ContentGoneError(`the coordinator has no piece list of ${sha256.slice(0, 12)}…: it holds that content no more`)
      if (message.type !== 'piece-list') throw new ProtocolError(`the coordinator has no piece list of ${sha256.slice(0, 12)}… (${message.type})`)
      return { sha256: message.sha256, size: message.size, pieceBytes: message.pieceBytes, pieces: message.pieces }
    },
    async close () {
      if (stream.status === 'open') await stream.close({ signal: AbortSignal.timeout(2000) }).catch((err: unknown) => stream.abort(err instanceof Error ? err : new Error(String(err))))
    },
  }
}

/** One request and its answer on a new swarm stream to the coordinator. */
export async function swarmCall (stream: Stream, request: SwarmRequest, signal: AbortSignal): Promise<SwarmReply> {
  const channel = new PieceChannel<SwarmReply, SwarmRequest>(stream)
  try {
    await channel.write(request, signal)
    const reply = await channel.read(swarmReply, signal)
    if (reply === undefined) throw new ProtocolError('the coordinator closed the stream instead of answering')
    if (reply.type === 'error') throw new RemoteError(`the coordinator says: ${reply.message}`)
    await stream.close({ signal })
    return reply
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}
