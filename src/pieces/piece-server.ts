import { open } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import type { Connection, Stream } from '@libp2p/interface'
import { FIRST_MESSAGE_TIMEOUT_MS, REPLY_WRITE_TIMEOUT_MS } from '../protocol/constants.js'
import { ProtocolError } from '../protocol/errors.js'
import { pieceRequest } from '../protocol/pieces.js'
import type { PieceReply, PieceRequest } from '../protocol/pieces.js'
import { PieceChannel } from './piece-channel.js'
import { readRange } from './piece-files.js'
import { Bitfield, pieceCount } from './pieces.js'
import type { PieceList } from './pieces.js'

/** What a farm member can serve: the content it holds (all of it, or the pieces verified so far). */
export interface PieceSource {
  /** Undefined: not held here. */
  holding: (sha256: string) => Promise<{ list: PieceList, path: string, has: (index: number) => boolean } | undefined>
}

export interface PieceServerInit {
  source: PieceSource
  /** Whether the farm vouches for this peer (a node asks its coordinator). */
  allowed: (peerId: string) => Promise<boolean>
  /** Pieces sent at once, over all peers; past it a request is answered 'busy' (the asker goes elsewhere). */
  maxUploads: number
  /** The coordinator only: piece lists, and choosing what to send a node that lacks everything not in `skip`. */
  seed?: {
    list: (sha256: string) => Promise<PieceList | undefined>
    /** 'busy': the coordinator sends as many pieces at once as it will. */
    pick: (sha256: string, list: PieceList, skip: Bitfield, peerId: string) => number | 'busy' | undefined
    /** Whether a piece asked for by index goes out now (false: busy). */
    admit: (sha256: string, peerId: string, index: number) => boolean
    /** The stream that was sent a picked or admitted piece asked again, or ended: the piece arrived, or never will. */
    delivered: (sha256: string, peerId: string, index: number) => void
  }
  onSent?: (peerId: string, sha256: string, bytes: number) => void
}

/** A peer may take this long between two requests before its stream is closed. */
const IDLE_BETWEEN_REQUESTS_MS = 60_000

export class PieceServer {
  private uploads = 0

  constructor (private readonly init: PieceServerInit) {}

  get activeUploads (): number { return this.uploads }

  /** One stream: requests in turn until the peer closes it. */
  async handle (stream: Stream, connection: Connection): Promise<void> {
    const peerId = connection.remotePeer.toString()
    const channel = new PieceChannel<PieceRequest, PieceReply>(stream)
    const file = new OpenContent()
    let first = true
    // The piece this stream was last sent (picked or admitted): the asker gets its next request in only once it arrived.
    let picked: { sha256: string, index: number } | undefined
    const delivered = (): void => {
      if (picked !== undefined) this.init.seed?.delivered(picked.sha256, peerId, picked.index)
      picked = undefined
    }
    try {
      for (;;) {
        const request = await channel.read(pieceRequest, AbortSignal.timeout(first ? FIRST_MESSAGE_TIMEOUT_MS : IDLE_BETWEEN_REQUESTS_MS))
        delivered()
        if (request === undefined) break
        if (first && !await this.init.allowed(peerId)) throw new ProtocolError('this peer is not a member of the farm as far as its coordinator says: no content for it')
        first = false
        // Told as soon as the seed counts a piece as on its way: an answer that fails after that still ends it (finally).
        await this.answer(channel, request, peerId, file, (index) => { picked = { sha256: request.sha256, index } })
      }
      await stream.close({ signal: AbortSignal.timeout(REPLY_WRITE_TIMEOUT_MS) })
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    } finally {
      delivered()
      await file.close()
    }
  }

  /** Answers one request; `onPicked`: the piece the seed picked or admitted for it (sent or not, it counts as on its way). */
  private async answer (channel: PieceChannel<PieceRequest, PieceReply>, request: PieceRequest, peerId: string, file: OpenContent, onPicked: (index: number) => void): Promise<void> {
    const signal = AbortSignal.timeout(REPLY_WRITE_TIMEOUT_MS)
    if (request.type === 'get-piece-list') {
      const list = await this.init.seed?.list(request.sha256)
      await channel.write(list === undefined ? { type: 'missing' } : { type: 'piece-list', ...list }, signal)
      return
    }
    const held = await this.init.source.holding(request.sha256)
    if (held === undefined) { await channel.write({ type: 'missing' }, signal); return }
    let index: number | undefined
    if (request.type === 'get-any-piece' || this.init.seed !== undefined) {
      // Busy before picking or admitting: a piece picked counts as sent to the asker.
      if (this.uploads >= this.init.maxUploads) { await channel.write({ type: 'busy' }, signal); return }
    }
    if (request.type === 'get-any-piece') {
      const count = pieceCount(held.list.size, held.list.pieceBytes)
      const pick = this.init.seed?.pick(request.sha256, held.list, Bitfield.fromBase64(count, request.skip), peerId)
      if (pick === 'busy') { await channel.write({ type: 'busy' }, signal); return }
      index = pick
      if (index !== undefined) onPicked(index)
    } else {
      index = request.index
      if (this.init.seed !== undefined) {
        if (!held.has(index) || !this.init.seed.admit(request.sha256, peerId, index)) { await channel.write({ type: held.has(index) ? 'busy' : 'missing' }, signal); return }
        onPicked(index)
      }
    }
    if (index === undefined || !held.has(index)) { await channel.write({ type: 'missing' }, signal); return }
    if (this.uploads >= this.init.maxUploads) { await channel.write({ type: 'busy' }, signal); return }
    this.uploads++
    try {
      let bytes: Buffer
      try {
        bytes = await file.read(held.path, held.list, index)
      } catch (err) {
        // The content moved to its final name (or was evicted) since it was looked up.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
        await channel.write({ type: 'missing' }, signal)
        return
      }
      await channel.write({ type: 'piece', sha256: request.sha256, index, bytes: bytes.byteLength }, signal)
      await channel.writeBytes(bytes, signal)
      this.init.onSent?.(peerId, request.sha256, bytes.byteLength)
    } finally {
      this.uploads--
    }
  }
}

/**
 * The content a stream serves, kept open between its requests (opening it for
 * each piece was two more trips to the thread pool a piece). A node's file
 * that takes its final name, or is evicted, stays readable through the open
 * handle, and its bytes are still that content's.
 */
class OpenContent {
  private current?: { path: string, handle: FileHandle }

  async read (path: string, list: PieceList, index: number): Promise<Buffer> {
    if (this.current?.path !== path) {
      await this.close()
      this.current = { path, handle: await open(path, 'r') }
    }
    return await readRange(this.current.handle, list, index)
  }

  async close (): Promise<void> {
    const current = this.current
    this.current = undefined
    await current?.handle.close()
  }
}
