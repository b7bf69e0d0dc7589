import { rm } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import type { SwarmPeer } from '../protocol/pieces.js'
import { TimeoutError } from '../protocol/errors.js'
import { errorMessage } from '../util/error-message.js'
import { sleep } from '../util/sleep.js'
import { FlushBehind } from './flush-behind.js'
import { openSparse, readBitfield, verifiedPieces, writeBitfield } from './piece-files.js'
import type { PieceLink } from './piece-link.js'
import { Bitfield, pickRarest, pieceCount, pieceRange, verifyPiece } from './pieces.js'
import type { PieceList } from './pieces.js'

export interface FetchSources {
  coordinator: (signal: AbortSignal) => Promise<PieceLink>
  peer: (peer: SwarmPeer, signal: AbortSignal) => Promise<PieceLink>
  /** Tells the coordinator what this node holds; answers with the peers that hold some of it. */
  announce: (have: Bitfield, signal: AbortSignal) => Promise<SwarmPeer[]>
  badPiece: (peerId: string, index: number) => Promise<void>
}

export interface FetchInit {
  list: PieceList
  /** A sparse file the pieces are written into, and the bitfield of those verified (both kept across a restart). */
  tempPath: string
  statePath: string
  sources: FetchSources
  signal: AbortSignal
  /** Each verified piece, as soon as it is on disk: this node may serve it from then on. */
  onPiece?: (have: Bitfield, from: string | 'coordinator', bytes: number) => void
  log?: (line: string) => void
  maxPeers?: number
  coordinatorLinks?: number
  /** The order peers are tried in (see startPeers); a seeded one in tests. */
  random?: () => number
}

export interface FetchResult {
  fromCoordinator: number
  fromPeers: Map<string, number>
  resumedPieces: number
}

export class PieceFetchError extends Error {
  override name = 'PieceFetchError'
}

const ANNOUNCE_MS = 1000
/** A piece that does not arrive within this long is asked for elsewhere. */
const PIECE_TIMEOUT_MS = 60_000
/** No verified piece for this long: the fetch fails (the node reports the task, the coordinator retries it). */
const STALL_MS = 180_000
/** No piece from a peer for this long (none reachable, all busy): the coordinator is asked for pieces peers hold, too. */
const FALLBACK_MS = 2000
/** A peer that failed (gone, busy) is not asked again for this long. */
const COOLDOWN_MS = 3000
/** Written pieces are flushed to disk this often while the fetch goes on (see FlushBehind). */
const FLUSH_EVERY_BYTES = 32 * 1024 * 1024

/**
 * Fetches one content piece by piece: from the coordinator (which picks
 * pieces nobody has yet) and from up to `maxPeers` peers at once (rarest
 * first), each piece verified as it arrives and written at its place. A peer
 * that fails mid-piece costs only that piece; one that sends a bad piece is
 * dropped for this content and reported.
 *
 * No pass over the whole file follows: every byte was checked against the
 * piece list, which comes from the coordinator only and which it made from
 * the content it checked against the content's SHA-256 (computePieceList).
 * On loopback that pass cost a tenth of the fetch.
 */
export async function fetchPieces (init: FetchInit): Promise<FetchResult> {
  return await new PieceFetch(init).run()
}

class PieceFetch {
  private readonly count: number
  private have: Bitfield
  private readonly inFlight = new Set<number>()
  private readonly storing = new Set<number>()
  private peers = new Map<string, SwarmPeer>()
  private readonly active = new Set<string>()
  private readonly dropped = new Set<string>()
  private readonly cooldown = new Map<string, number>()
  private readonly result: FetchResult = { fromCoordinator: 0, fromPeers: new Map(), resumedPieces: 0 }
  private readonly stop = new AbortController()
  private readonly signal: AbortSignal
  private handle?: FileHandle
  private flush?: FlushBehind
  private lastProgress = Date.now()
  /** When a peer last brought a piece: long ago, and the coordinator is asked for pieces by index. */
  private lastPeerPiece = Date.now()
  private failure?: Error
  /** Wakes untilComplete: the last piece is in, or the fetch failed. */
  private wake?: () => void

  constructor (private readonly init: FetchInit) {
    this.count = pieceCount(init.list.size, init.list.pieceBytes)
    this.have = new Bitfield(this.count)
    this.signal = AbortSignal.any([init.signal, this.stop.signal])
  }

  async run (): Promise<FetchResult> {
    this.handle = await openSparse(this.init.tempPath, this.init.list.size)
    this.flush = new FlushBehind(this.handle, FLUSH_EVERY_BYTES)
    const workers: Array<Promise<void>> = []
    try {
      await this.resume()
      if (!this.have.complete) {
        workers.push(this.announceLoop())
        for (let i = 0; i < (this.init.coordinatorLinks ?? 2); i++) workers.push(this.coordinatorLoop())
        await this.untilComplete()
      }
      if (this.failure !== undefined) throw this.failure
      await this.flush.settle()
      await this.handle.sync()
      return this.result
    } finally {
      this.stop.abort(new Error('fetch over'))
      await Promise.allSettled(workers)
      // Not closed under a flush still running. A failed flush was thrown above when the fetch completed; else the
      // fetch failed already, and a resumed fetch checks every piece it kept against its hash.
      await this.flush.idle()
      await this.handle.close()
      if (this.have.complete) await rm(this.init.statePath, { force: true })
      else await writeBitfield(this.init.statePath, this.have).catch((err: unknown) => this.init.log?.(`could not keep the pieces fetched so far: ${errorMessage(err)}`))
    }
  }

  /** Pieces verified by an earlier run are checked again (the bitfield is written without fsync). */
  private async resume (): Promise<void> {
    await verifiedPieces(this.handle!, this.init.list, await readBitfield(this.init.statePath, this.count), (i) => this.accept(i))
    this.result.resumedPieces = this.have.held
    if (this.have.held > 0) this.init.onPiece?.(this.have, 'coordinator', 0)
  }

  private async untilComplete (): Promise<void> {
    while (!this.have.complete) {
      if (this.failure !== undefined) throw this.failure
      this.signal.throwIfAborted()
      if (Date.now() - this.lastProgress > STALL_MS) throw new TimeoutError(`no piece arrived for ${STALL_MS / 1000} s from the coordinator or any peer`)
      // At once when the last piece is in (a poll every 100 ms cost a 200 MB fetch on loopback 4 %), else each second.
      await new Promise<void>((resolve) => {
        const done = (): void => { clearTimeout(timer); this.signal.removeEventListener('abort', done); resolve() }
        const timer = setTimeout(done, 1000)
        this.signal.addEventListener('abort', done, { once: true })
        this.wake = done
      })
    }
  }

  private fail (err: unknown): void {
    this.failure ??= err instanceof Error ? err : new Error(String(err))
    this.wake?.()
  }

  private async announceLoop (): Promise<void> {
    let kept = this.have.held
    while (!this.signal.aborted) {
      // What is verified so far, kept each second: a node killed (-9, power) goes on from there.
      if (this.have.held !== kept) {
        kept = this.have.held
        await writeBitfield(this.init.statePath, this.have).catch((err: unknown) => this.init.log?.(`could not keep the pieces fetched so far: ${errorMessage(err)}`))
      }
      try {
        const peers = await this.init.sources.announce(this.have, withTimeout(this.signal, 10_000))
        this.peers = new Map(peers.filter(p => !this.dropped.has(p.peerId)).map(p => [p.peerId, p]))
        this.startPeers()
      } catch (err) {
        if (this.signal.aborted) return
        this.init.log?.(`could not ask the coordinator who holds pieces: ${errorMessage(err)}`)
      }
      await sleep(ANNOUNCE_MS, this.signal).catch(() => undefined)
    }
  }

  /**
   * Fills the free peer slots, trying peers in a random order: the
   * coordinator names holders most-pieces-first, the same list to every node,
   * and in that order 8 nodes at 100 Mbit/s all fetched from the same 4
   * (the ones it seeded) while the other 4 uploaded almost nothing.
   */
  private startPeers (): void {
    const now = Date.now()
    for (const peer of shuffled([...this.peers.values()], this.init.random ?? Math.random)) {
      if (this.active.size >= (this.init.maxPeers ?? 4)) return
      if (this.active.has(peer.peerId) || this.dropped.has(peer.peerId) || (this.cooldown.get(peer.peerId) ?? 0) > now) continue
      // A slot goes to a peer with something this node lacks, not to one it would wait on.
      if (pickRarest(this.have, this.underWay(), Bitfield.fromBase64(this.count, peer.have), []) === undefined) continue
      this.active.add(peer.peerId)
      this.peerLoop(peer.peerId).catch((err: unknown) => this.fail(err))
    }
  }

  private async peerLoop (peerId: string): Promise<void> {
    let link: PieceLink | undefined
    const writer = new OneWrite(this.init.list.pieceBytes)
    try {
      while (!this.signal.aborted && !this.dropped.has(peerId)) {
        const peer = this.peers.get(peerId)
        if (peer === undefined) return
        const index = pickRarest(this.have, this.underWay(), Bitfield.fromBase64(this.count, peer.have), [...this.peers.values()].map(p => Bitfield.fromBase64(this.count, p.have)))
        // Nothing this peer has that we lack (or all of it under way): its slot goes to
        // another peer at the next announcement (an idle link held 4 slots at 20 Mbit/s).
        if (index === undefined) return
        this.inFlight.add(index)
        try {
          link ??= await this.init.sources.peer(peer, withTimeout(this.signal, 10_000))
          const got = await link.get({ index }, withTimeout(this.signal, PIECE_TIMEOUT_MS), writer.receiving())
          if (got === 'busy') { this.cooldown.set(peerId, Date.now() + COOLDOWN_MS); return }
          if (got === 'missing') { this.peers.delete(peerId); return }
          if (got.index !== index || !verifyPiece(this.init.list, index, got.bytes, got.sha256)) {
            this.dropped.add(peerId)
            this.init.log?.(`peer ${peerId} sent a bad piece ${index}: it is no longer asked for this content`)
            await this.init.sources.badPiece(peerId, index).catch((err: unknown) => this.init.log?.(`could not report the bad piece: ${errorMessage(err)}`))
            return
          }
          await writer.start(this.store(index, got.bytes, peerId))
        } finally {
          this.inFlight.delete(index)
        }
      }
      await writer.finish()
    } catch (err) {
      // Gone mid-piece, or unreachable: that piece is asked of another; this peer rests a moment.
      if (!this.signal.aborted) {
        this.cooldown.set(peerId, Date.now() + COOLDOWN_MS)
        this.init.log?.(`peer ${peerId}: ${errorMessage(err)}; its piece is fetched elsewhere`)
      }
    } finally {
      this.active.delete(peerId)
      await writer.finish().catch((err: unknown) => this.fail(err))
      await link?.close().catch(() => undefined)
    }
  }

  private async coordinatorLoop (): Promise<void> {
    while (!this.signal.aborted && !this.have.complete) {
      let link: PieceLink | undefined
      const writer = new OneWrite(this.init.list.pieceBytes)
      try {
        link = await this.init.sources.coordinator(withTimeout(this.signal, 10_000))
        while (!this.signal.aborted && !this.have.complete) {
          const skip = new Bitfield(this.count, this.have.bytes())
          for (const i of this.underWay()) skip.set(i)
          let got = await link.get({ skip }, withTimeout(this.signal, PIECE_TIMEOUT_MS), writer.receiving())
          if (got === 'missing' || got === 'busy') {
            // The coordinator leaves what peers hold to them. When none of them can
            // be reached (no peer link up, none brought a piece for a while), ask
            // it by index for a piece they hold; what nobody holds yet it sends unasked.
            // Busy: it is sending as many pieces as it will at once; this node's turn comes.
            const index = got === 'missing' && this.active.size === 0 && Date.now() - this.lastPeerPiece > FALLBACK_MS ? this.heldByPeers(skip) : undefined
            if (index === undefined) { await sleep(200, this.signal); continue }
            this.inFlight.add(index)
            try {
              got = await link.get({ index }, withTimeout(this.signal, PIECE_TIMEOUT_MS), writer.receiving())
            } finally {
              this.inFlight.delete(index)
            }
            if (got === 'missing' || got === 'busy') { await sleep(200, this.signal); continue }
          }
          // Picked while a peer was bringing it: the peer's copy counts.
          if (this.have.has(got.index) || this.underWay().has(got.index)) continue
          if (!verifyPiece(this.init.list, got.index, got.bytes, got.sha256)) throw new PieceFetchError(`the coordinator sent a piece ${got.index} that does not match its own piece list`)
          await writer.start(this.store(got.index, got.bytes, 'coordinator'))
        }
        await writer.finish()
      } catch (err) {
        if (this.signal.aborted) return
        if (err instanceof PieceFetchError) { this.fail(err); return }
        this.init.log?.(`fetching pieces from the coordinator: ${errorMessage(err)}; trying again`)
        await sleep(1000, this.signal).catch(() => undefined)
      } finally {
        await writer.finish().catch((err: unknown) => this.fail(err))
        await link?.close().catch(() => undefined)
      }
    }
  }

  /** Pieces asked for or being written: not asked for again. */
  private underWay (): Set<number> {
    return new Set([...this.inFlight, ...this.storing])
  }

  /** The rarest piece not in `skip` that some peer holds. */
  private heldByPeers (skip: Bitfield): number | undefined {
    const holders = [...this.peers.values()].map(p => Bitfield.fromBase64(this.count, p.have))
    const any = new Bitfield(this.count)
    for (const holder of holders) for (let i = 0; i < this.count; i++) if (holder.has(i)) any.set(i)
    return pickRarest(skip, new Set(), any, holders)
  }

  private async store (index: number, bytes: Uint8Array, from: string): Promise<void> {
    // The same piece from two sources at once (the coordinator picked one a peer was sending): written once, counted once.
    if (this.have.has(index) || this.storing.has(index)) return
    this.storing.add(index)
    const { start } = pieceRange(this.init.list, index)
    try {
      await this.handle!.write(bytes, 0, bytes.byteLength, start)
    } finally {
      this.storing.delete(index)
    }
    this.accept(index)
    this.flush!.wrote(bytes.byteLength)
    this.lastProgress = Date.now()
    if (from === 'coordinator') {
      this.result.fromCoordinator += bytes.byteLength
    } else {
      this.result.fromPeers.set(from, (this.result.fromPeers.get(from) ?? 0) + bytes.byteLength)
      this.lastPeerPiece = Date.now()
    }
    this.init.onPiece?.(this.have, from, bytes.byteLength)
  }

  /** A verified piece: marked. */
  private accept (index: number): void {
    this.have.set(index)
    if (this.have.complete) this.wake?.()
  }
}

/**
 * One piece written to disk per link while the link already asks for the
 * next: on loopback a 4 MiB write took as long as a third of the piece's
 * transfer, and the link sat idle through it. `start` waits for the write
 * before it (so a failed write is thrown in the link's loop), `finish` for the last.
 *
 * The link receives into two buffers in turn (`receiving`): the one not
 * being written. A new 4 MiB buffer a piece was 200 MB of short-lived
 * memory outside V8's heap for 200 MB fetched, and the collections it set off.
 */
class OneWrite {
  private pending?: Promise<void>
  private readonly buffers: Array<Buffer | undefined> = [undefined, undefined]
  private turn = 0

  constructor (private readonly pieceBytes: number) {}

  /** Where the link's next piece goes: never the buffer of the write still pending. */
  receiving (): Buffer {
    return (this.buffers[this.turn] ??= Buffer.allocUnsafe(this.pieceBytes))
  }

  /** `write` writes the piece received last (into `receiving()`); the next goes into the other buffer. */
  async start (write: Promise<void>): Promise<void> {
    // Marked handled at once (it is awaited by the next start or by finish): when the write before it
    // failed and that is thrown below, a failure of this one must not be reported as unhandled.
    write.catch(() => undefined)
    const before = this.pending
    this.pending = write
    this.turn = 1 - this.turn
    await before
  }

  async finish (): Promise<void> {
    const pending = this.pending
    this.pending = undefined
    await pending
  }
}

/** A copy of `items` in random order (Fisher–Yates). */
export function shuffled<T> (items: readonly T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

function withTimeout (signal: AbortSignal, ms: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(ms)])
}
