import type { Bitfield } from './pieces.js'

// The coordinator's view of who holds which content, piece by piece: nodes
// announce what they hold (complete or in progress) while they fetch; a node
// asking for content gets the others that hold some of it. Pure: the
// coordinator's swarm handler (coordinator/content-swarm.ts) feeds it.

export interface Holder {
  peerId: string
  addresses: string[]
  have: Bitfield
}

/** A piece sent to a node counts as spreading through it this long, unless the node says it holds it: at 20 Mbit/s a piece shared by 16 coordinator streams took ~27 s to arrive, and 30 s let the coordinator send 969 MB for 256 MiB. */
export const SEED_GRACE_MS = 120_000
/** How many peers one answer names at most: more than a node fetches from at once. */
export const PEERS_PER_ANSWER = 16
/**
 * Pieces the coordinator has on their way to nodes at once (every content,
 * seeded or asked by index), and one a node while another node is sent one:
 * a piece's bytes queue on the node's connection ahead of its session's
 * messages. With 2 pieces to each of 8 nodes at 20 Mbit/s (~27 s of bytes
 * queued there) the nodes' sessions dropped 56 times in one run, each time
 * the coordinator forgot what that node held, and it sent every piece 3–4
 * times (972 MB for 256 MiB). Few at once, each arrives soon and spreads sooner.
 */
export const SEEDS_AT_ONCE = 4
/**
 * While the pieces it seeds arrive within SEED_ROOM_MS, the coordinator has
 * room for this many at once, one a node: at 100 Mbit/s, 4 at once left its
 * link to 8 nodes part idle (each node's downlink shared with its peers took
 * the rest), 1 GiB took 1.59 of one transfer, and 8 at once 1.38. Slower
 * than that (a slow link, or nodes' downlinks full), it keeps to SEEDS_AT_ONCE,
 * so a piece's bytes never queue long ahead of a node's session messages.
 */
export const MAX_SEEDS_AT_ONCE = 8
export const SEED_ROOM_MS = 4000

export class HolderTable {
  private readonly holders = new Map<string, Map<string, Holder>>()
  /** Per content, the peers that sent a piece whose hash did not match: never offered for it again. */
  private readonly liars = new Map<string, Set<string>>()
  /** Per content, how often the coordinator sent each piece (see pickSeed). */
  private readonly served = new Map<string, Uint32Array>()
  /** Per content and piece, the nodes the coordinator sent it to that are still here, and when: theirs to spread. */
  private readonly seededTo = new Map<string, Array<Map<string, number>>>()
  /**
   * Per content and node, the pieces the coordinator is sending on a stream
   * that has not asked again since (see SEEDS_AT_ONCE): the node cannot put
   * the ones it did not ask for by index in its `skip`
   * (it learns which piece comes only when it arrives), and its other
   * streams' requests must not read as its having lost them (with two
   * streams a node, 256 MiB to 8 nodes at 20 Mbit/s made the coordinator send 885 MB).
   */
  private readonly inTransit = new Map<string, Map<string, Map<number, number>>>()
  /** How long the last seeded pieces took from sent to asked-again (a moving average; see MAX_SEEDS_AT_ONCE). */
  private seedMs?: number

  /** A node holds `have` of `sha256` (a fetch in progress, or all of it). */
  announce (sha256: string, peerId: string, addresses: readonly string[], have: Bitfield): void {
    if (this.liars.get(sha256)?.has(peerId) === true) return
    let bySha = this.holders.get(sha256)
    if (bySha === undefined) this.holders.set(sha256, bySha = new Map())
    bySha.set(peerId, { peerId, addresses: [...addresses], have })
  }

  /** A node left the farm: it holds nothing any more, as far as anyone should ask. */
  leave (peerId: string): void {
    for (const [sha, bySha] of this.holders) {
      bySha.delete(peerId)
      if (bySha.size === 0) this.holders.delete(sha)
    }
    for (const pieces of this.seededTo.values()) for (const to of pieces) to.delete(peerId)
    for (const byPeer of this.inTransit.values()) byPeer.delete(peerId)
  }

  /** Forgets a content (it left the store): its holders, liars and seed counts. */
  forget (sha256: string): void {
    this.holders.delete(sha256)
    this.liars.delete(sha256)
    this.served.delete(sha256)
    this.seededTo.delete(sha256)
    this.inTransit.delete(sha256)
  }

  /** `peerId` sent a bad piece of `sha256`: returns false when that was known already. */
  lied (sha256: string, peerId: string): boolean {
    let set = this.liars.get(sha256)
    if (set === undefined) this.liars.set(sha256, set = new Set())
    if (set.has(peerId)) return false
    set.add(peerId)
    this.holders.get(sha256)?.delete(peerId)
    // What it got from the coordinator does not spread through it.
    for (const to of this.seededTo.get(sha256) ?? []) to.delete(peerId)
    return true
  }

  isLiar (sha256: string, peerId: string): boolean {
    return this.liars.get(sha256)?.has(peerId) === true
  }

  /** Peers holding some of `sha256` for `asking`, those with most pieces first; never the asker itself. */
  peersFor (sha256: string, asking: string, limit = PEERS_PER_ANSWER): Holder[] {
    const found = [...(this.holders.get(sha256)?.values() ?? [])].filter(h => h.peerId !== asking && h.have.held > 0)
    return found.sort((a, b) => b.have.held - a.have.held).slice(0, limit)
  }

  /** How many peers hold each piece (the coordinator not counted). */
  availability (sha256: string, pieces: number): Uint32Array {
    const counts = new Uint32Array(pieces)
    for (const holder of this.holders.get(sha256)?.values() ?? []) {
      if (holder.have.length !== pieces) continue
      for (let i = 0; i < pieces; i++) if (holder.have.has(i)) counts[i]!++
    }
    return counts
  }

  /**
   * The piece the coordinator sends to a node that lacks everything not in
   * `skip` (what it has or is fetching): one it never sent (the one fewest
   * peers hold, then the lowest); once every piece went out, only one that
   * no peer holds and no node it went to is still here to spread (the one
   * sent least often): the coordinator's link carries each piece about once.
   * So nodes that start together get different pieces from it and exchange
   * the rest. Undefined: ask peers (a node that cannot reach any asks the
   * coordinator for a piece by index). 'busy': as many pieces as the
   * coordinator sends at once are on their way (see SEEDS_AT_ONCE); ask again
   * soon. Counted as sent, and on its way until `delivered`.
   */
  pickSeed (sha256: string, pieces: number, skip: Bitfield, to: string, now = Date.now()): number | 'busy' | undefined {
    if (!this.mayStart(to)) return 'busy'
    let counts = this.served.get(sha256)
    let seeded = this.seededTo.get(sha256)
    if (counts === undefined || seeded === undefined || counts.length !== pieces) {
      this.served.set(sha256, counts = new Uint32Array(pieces))
      this.seededTo.set(sha256, seeded = Array.from({ length: pieces }, () => new Map<string, number>()))
    }
    const held = this.availability(sha256, pieces)
    const coming = this.inTransit.get(sha256)?.get(to)
    // A node asking again for a piece it was sent lost it (evicted, killed before it kept it): not its to spread.
    for (let i = 0; i < pieces; i++) {
      if (!skip.has(i) && coming?.has(i) !== true) seeded[i]!.delete(to)
      // A node that never said it holds what it was sent (stuck mid-piece) stops counting as its spreader.
      for (const [peer, at] of seeded[i]!) if (now - at > SEED_GRACE_MS && !this.holds(sha256, peer, i)) seeded[i]!.delete(peer)
    }
    let best: number | undefined
    for (let i = 0; i < pieces; i++) {
      if (skip.has(i) || (counts[i]! > 0 && (held[i]! > 0 || seeded[i]!.size > 0))) continue
      if (best === undefined || counts[i]! < counts[best]! || (counts[i] === counts[best] && held[i]! < held[best]!)) best = i
    }
    if (best !== undefined) {
      counts[best]!++
      // Nobody asks a node that lied for this content: what it gets does not spread (it held
      // pieces back from everyone else for SEED_GRACE_MS, 2 min of the distribution test).
      if (!this.isLiar(sha256, to)) seeded[best]!.set(to, now)
      this.onItsWay(sha256, to, best, now)
    }
    return best
  }

  /**
   * A node asks for piece `index` by name (it reaches no peer that holds it):
   * whether the coordinator sends it now (then it is on its way until
   * `delivered`), or is busy. It does not count as seeding: peers hold it.
   */
  sendsByIndex (sha256: string, to: string, index: number, now = Date.now()): boolean {
    if (!this.mayStart(to)) return false
    this.onItsWay(sha256, to, index, now)
    return true
  }

  /** How many pieces may be on their way at once now: see SEEDS_AT_ONCE and MAX_SEEDS_AT_ONCE. */
  seedLimit (): number {
    return this.seedMs !== undefined && this.seedMs < SEED_ROOM_MS ? MAX_SEEDS_AT_ONCE : SEEDS_AT_ONCE
  }

  /** Whether the coordinator may start one more piece to `to`: see SEEDS_AT_ONCE. */
  private mayStart (to: string): boolean {
    let total = 0
    let mine = 0
    for (const byPeer of this.inTransit.values()) {
      for (const [peer, set] of byPeer) {
        total += set.size
        if (peer === to) mine += set.size
      }
    }
    // A node alone keeps two coming, so its link does not idle between one piece and the next.
    return total < this.seedLimit() && (mine === 0 || (mine === 1 && total === 1))
  }

  private onItsWay (sha256: string, to: string, index: number, now: number): void {
    let byPeer = this.inTransit.get(sha256)
    if (byPeer === undefined) this.inTransit.set(sha256, byPeer = new Map())
    let sent = byPeer.get(to)
    if (sent === undefined) byPeer.set(to, sent = new Map())
    sent.set(index, now)
  }

  /** The stream that was sent piece `index` (by pickSeed or sendsByIndex) asked again, or ended: the piece arrived, or never will. */
  delivered (sha256: string, to: string, index: number, now = Date.now()): void {
    const byPeer = this.inTransit.get(sha256)
    const sent = byPeer?.get(to)
    const at = sent?.get(index)
    if (sent === undefined || at === undefined) return
    sent.delete(index)
    // A stream that ended without its piece counts too: the link was that slow, or that troubled.
    this.seedMs = this.seedMs === undefined ? now - at : 0.75 * this.seedMs + 0.25 * (now - at)
    if (sent.size === 0) byPeer?.delete(to)
    if (byPeer?.size === 0) this.inTransit.delete(sha256)
  }

  private holds (sha256: string, peerId: string, index: number): boolean {
    return this.holders.get(sha256)?.get(peerId)?.have.has(index) === true
  }

  /** Contents with at least one holder (for the log, the UI). */
  contents (): string[] { return [...this.holders.keys()] }
}
