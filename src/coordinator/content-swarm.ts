import { stat } from 'node:fs/promises'
import type { Connection, Stream } from '@libp2p/interface'
import { FIRST_MESSAGE_TIMEOUT_MS, REPLY_WRITE_TIMEOUT_MS } from '../protocol/constants.js'
import { ProtocolError } from '../protocol/errors.js'
import { swarmRequest } from '../protocol/pieces.js'
import type { SwarmReply, SwarmRequest } from '../protocol/pieces.js'
import { HolderTable } from '../pieces/holder-table.js'
import { PieceChannel } from '../pieces/piece-channel.js'
import { loadOrComputePieceList } from '../pieces/piece-files.js'
import { PieceServer } from '../pieces/piece-server.js'
import { Bitfield } from '../pieces/pieces.js'
import type { PieceList } from '../pieces/pieces.js'
import type { CoordinatorEvents } from './events.js'
import type { ContentFetch } from './node-registry.js'
import { isFinished } from '../jobs/job.js'
import type { Job } from '../jobs/job.js'
import type { ContentStore } from '../store/content-store.js'

/** The few things the swarm needs of the farm: who is a node now, by peer id, and where views read fetches. */
export interface SwarmMembers {
  nameOf: (peerId: string) => string | undefined
  members: () => string[]
  /** What the node fetches now (undefined: nothing). */
  setFetching: (peerId: string, fetch: ContentFetch | undefined) => void
  /** The unfinished jobs whose project holds this content. */
  jobsOf: (sha256: string) => Promise<string[]>
}

/** Told when a stream that sends pieces to a node opens and when it ends (the CLI's heap policy, cli/heap-policy.ts). */
export interface PieceStreamWatcher {
  opened: () => void
  closed: () => void
}

/** A fetch nobody announced for this long is over (the node gave up, or left): views stop showing it. */
const FETCH_SHOWN_MS = 5000

/** The unfinished jobs whose .blend, manifest or project files include `sha256`. */
export async function jobsHolding (jobs: Iterable<Job>, content: Pick<ContentStore, 'manifest'>, sha256: string): Promise<string[]> {
  const found: string[] = []
  for (const job of jobs) {
    if (isFinished(job.state)) continue
    if (job.blendSha256 === sha256 || job.project?.sha256 === sha256) { found.push(job.id); continue }
    if (job.project === undefined) continue
    const manifest = await content.manifest(job.project).catch(() => undefined)
    if (manifest?.files.some(f => f.sha256 === sha256) === true) found.push(job.id)
  }
  return found
}

export interface SwarmContent {
  path: (sha256: string) => string
}

/** Piece lists kept in memory (they stay on disk beside their content either way). */
const LISTS_KEPT = 64
/** Pieces the coordinator sends at once, over all nodes. */
const COORDINATOR_UPLOADS = 64

/**
 * The coordinator's part in peer-to-peer distribution: it answers nodes that
 * announce what they hold with the peers to ask (see HolderTable), seeds
 * pieces (each once before any again), serves pieces as a fallback, and logs
 * who got content from whom and who sent a bad piece.
 */
export class ContentSwarm {
  readonly table = new HolderTable()
  private readonly lists = new Map<string, PieceList>()
  private readonly names = new Map<string, string>()
  /** Per node, its last announcement (for the rate) and when what views show of it ends. */
  private readonly fetches = new Map<string, { fetch: ContentFetch, at: number, expiry: NodeJS.Timeout }>()
  private readonly jobsBySha = new Map<string, Promise<string[]>>()
  readonly pieces: PieceServer

  constructor (private readonly content: SwarmContent, private readonly members: SwarmMembers, private readonly events: CoordinatorEvents, private readonly streams?: PieceStreamWatcher) {
    this.pieces = new PieceServer({
      source: { holding: async (sha) => this.holding(sha) },
      // Anyone who connected is a farm member (on a private farm, only key holders connect): as for content.
      allowed: async () => true,
      maxUploads: COORDINATOR_UPLOADS,
      seed: {
        list: async (sha) => (await this.holding(sha))?.list,
        pick: (sha, list, skip, peerId) => this.table.pickSeed(sha, list.pieces.length, skip, peerId),
        admit: (sha, peerId, index) => this.table.sendsByIndex(sha, peerId, index),
        delivered: (sha, peerId, index) => this.table.delivered(sha, peerId, index),
      },
    })
    events.on((event) => { if (event.type === 'node-left') this.table.leave(event.nodeId) })
  }

  async handlePieces (stream: Stream, connection: Connection): Promise<void> {
    this.streams?.opened()
    try {
      await this.pieces.handle(stream, connection)
    } finally {
      this.streams?.closed()
    }
  }

  private async holding (sha256: string): Promise<{ list: PieceList, path: string, has: () => boolean } | undefined> {
    const path = this.content.path(sha256)
    let list = this.lists.get(sha256)
    if (list === undefined) {
      // Eight nodes asking at once for content whose list is not made yet wait for one pass over it, not eight.
      let pending = this.computing.get(sha256)
      if (pending === undefined) {
        pending = this.listOf(path, sha256).finally(() => this.computing.delete(sha256))
        this.computing.set(sha256, pending)
      }
      list = await pending
      if (list === undefined) return undefined
    }
    return { list, path, has: () => true }
  }

  private readonly computing = new Map<string, Promise<PieceList | undefined>>()

  private async listOf (path: string, sha256: string): Promise<PieceList | undefined> {
    let size: number
    try {
      size = (await stat(path)).size
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
    const list = await loadOrComputePieceList(path, { sha256, size })
    this.lists.set(sha256, list)
    for (const oldest of this.lists.keys()) {
      if (this.lists.size <= LISTS_KEPT) break
      this.lists.delete(oldest)
    }
    return list
  }

  /** One request of a node, one answer. */
  async handleSwarm (stream: Stream, connection: Connection): Promise<void> {
    const peerId = connection.remotePeer.toString()
    const channel = new PieceChannel<SwarmRequest, SwarmReply>(stream)
    const request = await channel.read(swarmRequest, AbortSignal.timeout(FIRST_MESSAGE_TIMEOUT_MS))
    if (request === undefined) return
    const name = this.members.nameOf(peerId)
    if (name === undefined) throw new ProtocolError('only a render node in session with this coordinator takes part in sharing content')
    // A node that left since it served a piece is still named in the log, not shown as a peer id.
    this.names.set(peerId, name)
    const reply = this.answer(request, peerId, name)
    if (request.type === 'announce' && request.fetching !== false) await this.showFetch(peerId, request)
    if (request.type === 'fetched') this.endFetch(peerId)
    await channel.write(reply, AbortSignal.timeout(REPLY_WRITE_TIMEOUT_MS))
    await stream.close({ signal: AbortSignal.timeout(REPLY_WRITE_TIMEOUT_MS) })
  }

  /** What views show of a node's fetch, from its announcement: bytes verified, rate since the last one, peers. */
  private async showFetch (peerId: string, request: Extract<SwarmRequest, { type: 'announce' }>): Promise<void> {
    const list = this.lists.get(request.sha256)
    if (list === undefined) return
    const have = Bitfield.fromBase64(request.pieces, request.have)
    if (have.complete) { this.endFetch(peerId); return }
    let jobs = this.jobsBySha.get(request.sha256)
    if (jobs === undefined) {
      // A job list that cannot be read shows the fetch without its jobs; the fetch itself goes on.
      jobs = this.members.jobsOf(request.sha256).catch(() => [])
      this.jobsBySha.set(request.sha256, jobs)
      // Jobs come and go: looked up again for the next fetch of it.
      void jobs.then(() => setTimeout(() => this.jobsBySha.delete(request.sha256), 30_000).unref())
    }
    const bytes = Math.min(list.size, have.held * list.pieceBytes)
    const now = Date.now()
    const last = this.fetches.get(peerId)
    clearTimeout(last?.expiry)
    const seconds = last !== undefined && last.fetch.sha256 === request.sha256 ? (now - last.at) / 1000 : 0
    const rate = seconds > 0 ? Math.max(0, bytes - (last?.fetch.bytes ?? 0)) / seconds : 0
    const fetch: ContentFetch = {
      sha256: request.sha256,
      size: list.size,
      bytes,
      fromPeers: request.fromPeers ?? 0,
      // Smoothed: announcements come about once a second, pieces in bursts.
      bytesPerSecond: last !== undefined && seconds > 0 ? 0.5 * rate + 0.5 * last.fetch.bytesPerSecond : rate,
      peers: this.table.peersFor(request.sha256, peerId).length,
      jobIds: await jobs,
    }
    this.fetches.set(peerId, { fetch, at: now, expiry: setTimeout(() => this.endFetch(peerId), FETCH_SHOWN_MS).unref() })
    this.members.setFetching(peerId, fetch)
  }

  private endFetch (peerId: string): void {
    clearTimeout(this.fetches.get(peerId)?.expiry)
    if (this.fetches.delete(peerId)) this.members.setFetching(peerId, undefined)
  }

  private nameOf (peerId: string): string {
    return this.members.nameOf(peerId) ?? this.names.get(peerId) ?? peerId
  }

  private answer (request: SwarmRequest, peerId: string, name: string): SwarmReply {
    switch (request.type) {
      case 'announce': {
        const have = Bitfield.fromBase64(request.pieces, request.have)
        this.table.announce(request.sha256, peerId, ownAddresses(request.addresses, peerId), have)
        const peers = this.table.peersFor(request.sha256, peerId).filter(h => this.members.nameOf(h.peerId) !== undefined)
        return { type: 'peers', peers: peers.map(h => ({ peerId: h.peerId, addresses: h.addresses, have: h.have.toBase64() })), members: this.members.members() }
      }
      case 'members':
        return { type: 'members', members: this.members.members() }
      case 'bad-piece':
        if (this.table.lied(request.sha256, request.peerId)) {
          this.events.emit({ type: 'bad-piece', reporter: name, culprit: this.nameOf(request.peerId), sha256: request.sha256, index: request.index })
        }
        return { type: 'ok' }
      case 'fetched':
        this.events.emit({
          type: 'content-fetched',
          nodeName: name,
          sha256: request.sha256,
          size: request.size,
          seconds: request.seconds,
          fromCoordinator: request.fromCoordinator,
          fromPeers: request.fromPeers.map(p => ({ name: this.nameOf(p.peerId), bytes: p.bytes })),
        })
        return { type: 'ok' }
    }
  }
}

/** A node's announced addresses, each naming it: a /p2p/ part of another peer is dropped, a missing one added. */
function ownAddresses (addresses: readonly string[], peerId: string): string[] {
  return addresses.flatMap((address) => {
    const match = /\/p2p\/([^/]+)$/.exec(address)
    if (match === null) return [`${address}/p2p/${peerId}`]
    return match[1] === peerId ? [address] : []
  })
}
