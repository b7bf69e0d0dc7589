import { open } from 'node:fs/promises'
import type { ContentRef } from '../protocol/project.js'
import { readBitfield, verifiedPieces } from '../pieces/piece-files.js'
import { Bitfield, pieceCount } from '../pieces/pieces.js'
import type { PieceList } from '../pieces/pieces.js'
import { errorMessage } from '../util/error-message.js'
import type { FoundContent } from './piece-paths.js'

/** What a node serves of one content: all of it, or the pieces verified so far. */
export interface Holding { list: PieceList, path: string, have: Bitfield }

/** One session with the coordinator, as announcing needs it. */
export interface AnnounceSession {
  /** Whether this content is fetched now: its fetch announces it every second. */
  busy: (sha256: string) => boolean
  /** The coordinator's piece list; undefined when it holds the content no more (nobody will ask for it). */
  pieceList: (content: ContentRef, signal: AbortSignal) => Promise<PieceList | undefined>
  /** Tells the coordinator this node holds `have` of a content it is not fetching. */
  tell: (sha256: string, have: Bitfield, signal: AbortSignal) => Promise<void>
  log: (line: string) => void
}

/**
 * What a node can serve to its peers, by content: what it fetches now, what
 * it fetched, and what an earlier run left in its folder. The last is adopted
 * at start and made servable at the first session (the coordinator's piece
 * list; a partial's pieces checked again, its bitfield being kept without
 * fsync). Every session tells the coordinator all of it, so a node that was
 * restarted, or lost its coordinator for a while, is a source again.
 */
export class Holdings {
  private readonly held = new Map<string, Holding>()
  private readonly found = new Map<string, FoundContent>()

  get (sha256: string): Holding | undefined { return this.held.get(sha256) }

  /** A fetch in progress (or over) replaces what was found of it on disk. */
  set (sha256: string, holding: Holding): void {
    this.found.delete(sha256)
    this.held.set(sha256, holding)
  }

  delete (sha256: string): void {
    this.held.delete(sha256)
    this.found.delete(sha256)
  }

  adopt (found: readonly FoundContent[]): void {
    for (const f of found) if (!this.held.has(f.sha256)) this.found.set(f.sha256, f)
  }

  /** Tells the coordinator what this node holds and is not fetching; returns how many contents, how many of them in part. */
  async announce (session: AnnounceSession, signal: AbortSignal): Promise<{ contents: number, partial: number }> {
    for (const f of [...this.found.values()]) {
      if (session.busy(f.sha256)) continue
      let holding: Holding | undefined
      try {
        holding = await this.load(f, session, signal)
      } catch (err) {
        signal.throwIfAborted()
        // Told again at the next session; the other contents go on.
        session.log(`could not offer content ${f.sha256.slice(0, 12)}… to peers: ${errorMessage(err)}`)
        continue
      }
      // A fetch of it that began meanwhile (or an eviction) decides instead.
      if (this.found.get(f.sha256) !== f) continue
      this.found.delete(f.sha256)
      if (holding !== undefined) this.held.set(f.sha256, holding)
    }
    const told = { contents: 0, partial: 0 }
    for (const [sha256, holding] of [...this.held]) {
      if (session.busy(sha256) || holding.have.held === 0) continue
      await session.tell(sha256, holding.have, signal)
      told.contents++
      if (!holding.have.complete) told.partial++
    }
    return told
  }

  private async load (f: FoundContent, session: AnnounceSession, signal: AbortSignal): Promise<Holding | undefined> {
    const list = await session.pieceList({ sha256: f.sha256, size: f.size }, signal)
    if (list === undefined) return undefined
    const count = pieceCount(list.size, list.pieceBytes)
    if (f.whole) return { list, path: f.files.whole, have: Bitfield.full(count) }
    const handle = await open(f.files.partial, 'r')
    try {
      return { list, path: f.files.partial, have: await verifiedPieces(handle, list, await readBitfield(f.files.have, count)) }
    } finally {
      await handle.close()
    }
  }
}
