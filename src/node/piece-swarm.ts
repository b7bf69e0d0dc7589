import { rm } from 'node:fs/promises'
import type { PrivateKey } from '@libp2p/interface'
import { createHost } from '../net/host.js'
import type { Host } from '../net/host.js'
import type { FarmKey } from '../net/farm-key.js'
import { MAX_INBOUND_STREAMS, PIECES_PROTOCOL, SWARM_PROTOCOL } from '../protocol/constants.js'
import { ProtocolError } from '../protocol/errors.js'
import type { SwarmPeer, SwarmReply, SwarmRequest } from '../protocol/pieces.js'
import type { ContentRef } from '../protocol/project.js'
import { fetchPieces, PieceFetchError } from '../pieces/piece-fetcher.js'
import { ContentGoneError, pieceLink, swarmCall } from '../pieces/piece-link.js'
import { PieceServer } from '../pieces/piece-server.js'
import { Bitfield, checkPieceList, pieceCount } from '../pieces/pieces.js'
import type { PieceList } from '../pieces/pieces.js'
import { errorMessage } from '../util/error-message.js'
import { formatBytes } from '../util/format-bytes.js'
import type { OpenStream } from './content-cache.js'
import { dialPeer, localAddressToward } from './piece-dial.js'
import { Holdings } from './piece-holdings.js'
import { FarmMembers } from './farm-members.js'
import { contentFiles } from './piece-paths.js'
import type { FoundContent } from './piece-paths.js'

export interface NodeSwarmInit {
  privateKey: PrivateKey
  farmKey?: FarmKey
  /** TCP port other nodes fetch pieces on; 0 = any free one. */
  port: number
  /** Pieces served at once: a rendering node is not starved by serving. */
  maxUploads?: number
  log: (line: string) => void
}

/** Content below this comes whole from the coordinator (a manifest, a small texture): pieces would not pay. */
export const SWARM_MIN_BYTES = 8 * 1024 * 1024
const DEFAULT_UPLOADS = 4

/** What a node fetches now, for its log and the farm's views. */
export interface FetchStatus { sha256: string, size: number, bytes: number, fromPeers: number, peers: number, startedAt: number }

/**
 * A node's part in peer-to-peer distribution: it listens (on the address it
 * reaches its coordinator from) and serves the pieces it holds to the peers
 * its coordinator vouches for, and fetches content piece by piece from the
 * coordinator and from the peers the coordinator names.
 */
export class NodeSwarm {
  private host?: Host
  private listeningOn?: string
  private open?: OpenStream
  private readonly holdings = new Holdings()
  /** Telling the coordinator what this node holds, once per session. */
  private offering?: { stop: AbortController, done: Promise<void> }
  private readonly members = new FarmMembers(async () => {
    const open = this.open
    if (open === undefined) return undefined
    const reply = await this.call({ type: 'members' }, open, AbortSignal.timeout(10_000))
    return reply.type === 'members' ? reply.members : undefined
  })
  private readonly server: PieceServer
  readonly fetching = new Map<string, FetchStatus>()

  constructor (private readonly init: NodeSwarmInit) {
    this.server = new PieceServer({
      source: {
        holding: async (sha) => {
          const held = this.holdings.get(sha)
          return held === undefined ? undefined : { list: held.list, path: held.path, has: (i) => held.have.has(i) }
        },
      },
      allowed: async (peerId) => this.members.has(peerId),
      maxUploads: init.maxUploads ?? DEFAULT_UPLOADS,
    })
  }

  readonly minBytes = SWARM_MIN_BYTES

  /** A session with the coordinator at `address`: listen where it reaches us (again, when that changed). */
  async attach (address: string, open: OpenStream): Promise<void> {
    this.open = open
    const ip = await localAddressToward(address)
    if (this.host === undefined || this.listeningOn !== ip) await this.listen(ip)
    this.offer(open)
  }

  private async listen (ip: string): Promise<void> {
    await this.host?.stop()
    this.host = await createHost({
      privateKey: this.init.privateKey,
      listenPort: this.init.port,
      listenHost: ip,
      ...(this.init.farmKey !== undefined ? { farmKey: this.init.farmKey } : {}),
    })
    this.listeningOn = ip
    await this.host.handle(PIECES_PROTOCOL, async (stream, connection) => {
      await this.server.handle(stream, connection).catch((err: unknown) => this.init.log(`serving pieces to ${connection.remotePeer.toString()}: ${errorMessage(err)}`))
    }, { maxInboundStreams: MAX_INBOUND_STREAMS })
    this.init.log(`serving pieces of content to other nodes on ${this.addresses().join(' ')}`)
  }

  detach (): void {
    this.open = undefined
    this.offering?.stop.abort(new Error('the session ended'))
  }

  /** What an earlier run left in the content folder: offered to peers from the next session on. */
  adopt (found: FoundContent[]): void { this.holdings.adopt(found) }

  /**
   * A session began: the coordinator hears of everything this node holds and
   * is not fetching (its fetches announce themselves), in the background;
   * after the last session's telling, never beside it.
   */
  private offer (open: OpenStream): void {
    this.offering?.stop.abort(new Error('a new session began'))
    const stop = new AbortController()
    const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(300_000)])
    const previous = this.offering?.done ?? Promise.resolve()
    const done = previous.then(async () => {
      const told = await this.holdings.announce({
        busy: (sha256) => this.fetching.has(sha256),
        log: this.init.log,
        pieceList: async (content, s) => this.pieceList(content, open, s).catch((err: unknown) => {
          if (err instanceof ContentGoneError) return undefined
          throw err
        }),
        tell: async (sha256, have, s) => {
          const reply = await this.call({ type: 'announce', sha256, pieces: have.length, addresses: this.addresses(), have: have.toBase64(), fetching: false }, open, AbortSignal.any([s, AbortSignal.timeout(10_000)]))
          if (reply.type === 'peers') this.members.set(reply.members)
        },
      }, signal)
      if (told.contents > 0) this.init.log(`told the coordinator it holds ${told.contents} content(s)${told.partial > 0 ? ` (${told.partial} in part)` : ''}: peers may fetch them from this node`)
    }).catch((err: unknown) => {
      if (!stop.signal.aborted) this.init.log(`could not tell the coordinator what this node holds: ${errorMessage(err)}; it is told again at the next session`)
    })
    this.offering = { stop, done }
  }

  addresses (): string[] {
    return this.host?.getMultiaddrs().map(a => a.toString()) ?? []
  }

  async stop (): Promise<void> {
    this.offering?.stop.abort(new Error('node stopping'))
    await this.offering?.done
    await this.host?.stop()
    this.host = undefined
  }

  /** The content arrived under its final name: served from there. */
  completed (sha256: string, path: string): void {
    const held = this.holdings.get(sha256)
    if (held !== undefined) held.path = path
  }

  forget (sha256: string): void { this.holdings.delete(sha256) }

  /**
   * Fetches `content` into a temporary file in `dir` and returns its path,
   * verified and fsynced. Its verified pieces are kept across a restart, and
   * served meanwhile; a fetch that cannot complete (the piece list was
   * wrong) removes them.
   */
  async fetch (content: ContentRef, dir: string, open: OpenStream, signal?: AbortSignal): Promise<string> {
    const stop = signal ?? new AbortController().signal
    const list = await this.pieceList(content, open, stop)
    const count = pieceCount(list.size, list.pieceBytes)
    const files = contentFiles(dir, content.sha256)
    const tempPath = files.partial
    const holding = { list, path: tempPath, have: new Bitfield(count) }
    this.holdings.set(content.sha256, holding)
    const status: FetchStatus = { sha256: content.sha256, size: content.size, bytes: 0, fromPeers: 0, peers: 0, startedAt: Date.now() }
    this.fetching.set(content.sha256, status)
    const announce = async (have: Bitfield, s: AbortSignal): Promise<SwarmPeer[]> => {
      const reply = await this.call({ type: 'announce', sha256: content.sha256, pieces: count, addresses: this.addresses(), have: have.toBase64(), fromPeers: status.fromPeers }, open, s)
      if (reply.type !== 'peers') throw new ProtocolError(`expected peers, got ${reply.type}`)
      this.members.set(reply.members)
      status.peers = reply.peers.length
      return reply.peers
    }
    let reported = 0
    try {
      const result = await fetchPieces({
        list,
        tempPath,
        statePath: files.have,
        signal: stop,
        log: this.init.log,
        sources: {
          coordinator: async (s) => pieceLink(await open(PIECES_PROTOCOL, s), content.sha256),
          peer: async (peer, s) => {
            if (this.host === undefined) throw new ProtocolError('this node does not take part in sharing content yet')
            return pieceLink(await dialPeer(this.host, peer, s), content.sha256)
          },
          announce,
          badPiece: async (peerId, index) => { await this.call({ type: 'bad-piece', sha256: content.sha256, peerId, index }, open, AbortSignal.timeout(10_000)) },
        },
        onPiece: (have, from, bytes) => {
          holding.have = have
          status.bytes += bytes
          if (from !== 'coordinator') status.fromPeers += bytes
          // A line a quarter of the way, for people watching the log (and the tests).
          const quarter = Math.floor(4 * have.held / count)
          if (quarter > reported && quarter < 4) {
            reported = quarter
            this.init.log(`content ${content.sha256.slice(0, 12)}…: ${quarter * 25}% (${have.held} of ${count} pieces, ${formatBytes(status.fromPeers)} from peers)`)
          }
        },
      })
      if (result.resumedPieces > 0) this.init.log(`content ${content.sha256.slice(0, 12)}…: ${result.resumedPieces} piece(s) were here from an earlier run`)
      // Whole now: peers are told at once, not when this node fetches again.
      await announce(holding.have, AbortSignal.timeout(10_000)).catch((err: unknown) => this.init.log(`could not tell the coordinator this node has ${content.sha256.slice(0, 12)}…: ${errorMessage(err)}`))
      await this.call({
        type: 'fetched',
        sha256: content.sha256,
        size: content.size,
        seconds: (Date.now() - status.startedAt) / 1000,
        fromCoordinator: result.fromCoordinator,
        fromPeers: [...result.fromPeers].slice(0, 256).map(([peerId, bytes]) => ({ peerId, bytes })),
      }, open, AbortSignal.timeout(10_000)).catch((err: unknown) => this.init.log(`could not report the fetch: ${errorMessage(err)}`))
      return tempPath
    } catch (err) {
      if (err instanceof PieceFetchError) {
        this.holdings.delete(content.sha256)
        await Promise.all([files.partial, files.have].map(async file => rm(file, { force: true })))
      }
      throw err
    } finally {
      this.fetching.delete(content.sha256)
    }
  }

  private async pieceList (content: ContentRef, open: OpenStream, signal: AbortSignal): Promise<PieceList> {
    const link = pieceLink(await open(PIECES_PROTOCOL, signal), content.sha256)
    try {
      const list = await link.list(AbortSignal.any([signal, AbortSignal.timeout(120_000)]))
      checkPieceList(list, content)
      return list
    } finally {
      await link.close()
    }
  }

  private async call (request: SwarmRequest, open: OpenStream, signal: AbortSignal): Promise<SwarmReply> {
    return await swarmCall(await open(SWARM_PROTOCOL, signal), request, signal)
  }
}
