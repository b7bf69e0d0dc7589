import type { Connection, Stream } from '@libp2p/interface'
import { ProtocolError } from '../protocol/errors.js'

// What one peer, and all peers together, may hold open on the coordinator at
// once. An upload holds a file descriptor and disk room; a reply waits in
// memory until the peer reads it. 20 000 uploads trickling one byte at a time
// once took every file descriptor the coordinator had (new peers could not
// connect), and 600 replies nobody read took 500 MB.

export type StreamKind = 'upload' | 'reply' | 'watch'

export interface StreamLimitSettings { perPeer: number, total: number }

export const STREAM_LIMITS: Record<StreamKind, StreamLimitSettings> = {
  // A node uploads its frames one at a time, a submit sends one file at a time: 8 is generous.
  upload: { perPeer: 8, total: 256 },
  // Admin answers and content a node fetches (a few files at once).
  reply: { perPeer: 16, total: 256 },
  // Event watches (microfarm events, submit --wait's followers): open for as long as the watcher runs.
  watch: { perPeer: 4, total: 64 },
}

const WHAT: Record<StreamKind, string> = { upload: 'uploads', reply: 'requests', watch: 'event watches' }

export class TooManyStreamsError extends ProtocolError {
  override name = 'TooManyStreamsError'
}

/** How long a stream waits for a slot when the coordinator is serving all it takes. */
export const SLOT_WAIT_MS = 30_000

export class StreamLimits {
  private readonly open = new Map<string, number>()
  private readonly totals = new Map<StreamKind, number>()
  private readonly waiting = new Map<StreamKind, Array<() => void>>()

  constructor (private readonly limits: Record<StreamKind, StreamLimitSettings> = STREAM_LIMITS, private readonly waitMs = SLOT_WAIT_MS) {}

  /**
   * Takes a slot for the peer's stream; returns the release. Past its own
   * limit a peer is refused at once (TooManyStreamsError); when all peers
   * together hold every slot, the stream waits its turn (a farm of many nodes
   * starting a job together), up to `waitMs`.
   */
  async acquire (peerId: string, kind: StreamKind): Promise<() => void> {
    const key = `${kind}:${peerId}`
    const limit = this.limits[kind]
    const what = WHAT[kind]
    if ((this.open.get(key) ?? 0) >= limit.perPeer) throw new TooManyStreamsError(`too many ${what} from this peer at once (at most ${limit.perPeer}): wait for those under way`)
    // The peer's slot counts while it waits, so its own limit holds for waiting streams too.
    this.open.set(key, (this.open.get(key) ?? 0) + 1)
    try {
      await this.totalSlot(kind, limit.total, what)
    } catch (err) {
      this.leave(key)
      throw err
    }
    let released = false
    return () => {
      if (released) return
      released = true
      this.leave(key)
      const next = this.waiting.get(kind)?.shift()
      // The slot goes straight to the longest waiting stream.
      if (next !== undefined) next()
      else this.totals.set(kind, (this.totals.get(kind) ?? 1) - 1)
    }
  }

  private async totalSlot (kind: StreamKind, total: number, what: string): Promise<void> {
    const all = this.totals.get(kind) ?? 0
    if (all < total) {
      this.totals.set(kind, all + 1)
      return
    }
    const queue = this.waiting.get(kind) ?? []
    this.waiting.set(kind, queue)
    await new Promise<void>((resolve, reject) => {
      const take = (): void => {
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(take), 1)
        reject(new TooManyStreamsError(`the coordinator is serving ${total} ${what} at once, the most it takes, and none ended within ${this.waitMs / 1000} s: try again shortly`))
      }, this.waitMs)
      queue.push(take)
    })
  }

  private leave (key: string): void {
    const left = (this.open.get(key) ?? 1) - 1
    if (left <= 0) this.open.delete(key)
    else this.open.set(key, left)
  }

  /**
   * The handler runs only with a slot for its stream, released when it ends.
   * `refused` answers a stream that gets none (by default the refusal is
   * thrown, and the guard answers it as an error).
   */
  limited (kind: StreamKind, handler: (stream: Stream, connection: Connection) => Promise<void>, refused?: (stream: Stream, error: TooManyStreamsError) => Promise<void>): (stream: Stream, connection: Connection) => Promise<void> {
    return async (stream, connection) => {
      let release: () => void
      try {
        release = await this.acquire(connection.remotePeer.toString(), kind)
      } catch (err) {
        if (refused === undefined || !(err instanceof TooManyStreamsError)) throw err
        await refused(stream, err)
        return
      }
      try {
        await handler(stream, connection)
      } finally {
        release()
      }
    }
  }
}
