import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { errorMessage } from '../util/error-message.js'
import { NodeIdentityError } from './ownership.js'
import type { PeerCaller } from './ownership.js'
import { createHost } from '../net/host.js'
import type { Host } from '../net/host.js'
import { loadOrCreateIdentity, USER_IDENTITY_PATH } from '../net/identity.js'
import { advertiseCoordinator } from '../discovery/advertise.js'
import type { Advertisement } from '../discovery/advertise.js'
import { ADMIN_PROTOCOL, CONTENT_PROTOCOL, PIECES_PROTOCOL, SWARM_PROTOCOL, DEFAULT_FRAME_TAKEBACK_MS, EVENTS_PROTOCOL, DEFAULT_NODE_TIMEOUT_MS, HEARTBEAT_INTERVAL_MS, FRAME_PROTOCOL, MAX_INBOUND_STREAMS, RESULTS_PROTOCOL, SESSION_PROTOCOL, SUBMIT_PROTOCOL } from '../protocol/constants.js'
import { DEFAULT_POLICY } from '../jobs/scheduler.js'
import type { SchedulerPolicy } from '../jobs/scheduler.js'
import { JobStore } from '../store/job-store.js'
import { CoordinatorEvents } from './events.js'
import { Farm } from './farm.js'
import { CoordinatorApi } from './api.js'
import { lockFolder } from '../store/folder-lock.js'
import type { BlenderInstall } from '../blender/find-blender.js'
import { EncodeService } from './encode-service.js'
import { StitchService } from './stitch-service.js'
import { StitchThread } from '../encode/stitch-thread.js'
import { guarded } from './handlers/guard.js'
import { StreamLimits } from './stream-limits.js'
import { RefusalLog } from './refusal-log.js'
import { DispatchTiming } from './dispatch-timing.js'
import type { FarmKey } from '../net/farm-key.js'
import { handleSession } from './handlers/session.js'
import { handleContentRequest } from './handlers/content.js'
import { ContentSwarm, jobsHolding } from './content-swarm.js'
import type { PieceStreamWatcher } from './content-swarm.js'
import { askToSendLater, handleFrameUpload } from './handlers/frame.js'
import { handleSubmit } from './handlers/submit.js'
import { handleAdmin } from './handlers/admin.js'
import { handleWatch } from './handlers/events.js'
import { handleResults } from './handlers/results.js'
import { JobResults } from './job-results.js'

export interface CoordinatorInit {
  farmName: string
  outputDir: string
  port: number
  advertise: boolean
  nodeTimeoutMs?: number
  /** A private farm's key (see net/farm-key.ts): only peers holding it connect. */
  farmKey?: FarmKey
  /** The identity of the user running the coordinator, an admin (default USER_IDENTITY_PATH). */
  userIdentityPath?: string
  /** Frames a node shows no work on for this long go to other nodes (see Farm.checkStalled). */
  frameTimeoutMs?: number
  /** How often the log says how fast work requests were answered (default 60 s). */
  statsIntervalMs?: number
  policy?: SchedulerPolicy
  /** ffmpeg to encode with; default: FFMPEG env, then PATH. */
  ffmpegPath?: string
  /** This machine's Blender, for the new-job form; undefined when there is none. */
  findBlender?: () => Promise<BlenderInstall | undefined>
  /** Told when a stream sending pieces to a node opens and ends. */
  pieceStreams?: PieceStreamWatcher
}

export interface CoordinatorComponents {
  events?: CoordinatorEvents
}

/** How often the log says how fast work requests were answered, unless told. */
const DISPATCH_REPORT_MS = 60_000

export class PortInUseError extends Error {
  override name = 'PortInUseError'
}

/** The coordinator service: libp2p host, protocol handlers, mDNS advertisement, heartbeat checks. */
export class Coordinator {
  readonly events: CoordinatorEvents
  readonly store: JobStore
  readonly farm: Farm
  readonly api: CoordinatorApi
  private readonly encoder: EncodeService
  private readonly stitcher: StitchService
  private readonly stitchThread = new StitchThread()
  private host?: Host
  private advertisement?: Advertisement
  private heartbeatTimer?: NodeJS.Timeout
  private readonly timing = new DispatchTiming()

  constructor (private readonly init: CoordinatorInit, components: CoordinatorComponents = {}) {
    this.events = components.events ?? new CoordinatorEvents()
    this.store = new JobStore(init.outputDir)
    this.farm = new Farm({ policy: init.policy ?? DEFAULT_POLICY }, { store: this.store, events: this.events })
    this.encoder = new EncodeService(this.farm, this.store, this.events, init.ffmpegPath)
    this.stitcher = new StitchService(this.farm, this.store, this.events, this.stitchThread.stitch)
    this.api = new CoordinatorApi(this.farm, this.store, this.encoder, init.findBlender)
  }

  get peerId (): PeerId | undefined { return this.host?.peerId }

  /** Full multiaddrs (with /p2p/) that nodes can dial. */
  multiaddrs (): string[] {
    return this.host?.getMultiaddrs().map(addr => addr.toString()) ?? []
  }

  isStarted (): boolean { return this.host !== undefined }

  async start (): Promise<void> {
    // Nothing of the folder's state is read or written before it is ours and the port is.
    this.unlock = await lockFolder(this.store.layout.lockPath, this.store.layout.root)
    let host: Host
    try {
      host = await this.listen()
      await this.store.init()
      await this.farm.load()
      await this.loadAdmins()
    } catch (err) {
      await this.stop()
      throw err
    }
    this.encoder.resumePending()
    this.stitcher.resumePending()
    this.host = host
    const options = { maxInboundStreams: MAX_INBOUND_STREAMS }
    this.timing.start()
    const ctx = { farm: this.farm, farmName: this.init.farmName, events: this.events, timing: this.timing }
    await host.handle(SESSION_PROTOCOL, guarded(SESSION_PROTOCOL, this.events, async (s, c) => handleSession(ctx, s, c)), options)
    const limits = new StreamLimits()
    await host.handle(CONTENT_PROTOCOL, guarded(CONTENT_PROTOCOL, this.events, limits.limited('reply', async (s) => handleContentRequest(this.store.content, s))), options)
    // Content in pieces, seeded to nodes that then exchange them (see content-swarm.ts).
    const swarm = new ContentSwarm(this.store.content, {
      nameOf: id => this.farm.nodes.get(id)?.name,
      members: () => this.farm.nodes.all().map(n => n.id),
      setFetching: (id, fetch) => { const node = this.farm.nodes.get(id); if (node !== undefined) node.fetching = fetch },
      jobsOf: async (sha) => jobsHolding(this.farm.jobs.values(), this.store.content, sha),
    }, this.events, this.init.pieceStreams)
    await host.handle(PIECES_PROTOCOL, guarded(PIECES_PROTOCOL, this.events, limits.limited('reply', async (s, c) => swarm.handlePieces(s, c))), options)
    await host.handle(SWARM_PROTOCOL, guarded(SWARM_PROTOCOL, this.events, limits.limited('reply', async (s, c) => swarm.handleSwarm(s, c))), options)
    await host.handle(FRAME_PROTOCOL, guarded(FRAME_PROTOCOL, this.events, limits.limited('upload', async (s, c) => handleFrameUpload(this.farm, this.store, s, c), async (s, err) => askToSendLater(s, err.message))), options)
    await host.handle(SUBMIT_PROTOCOL, guarded(SUBMIT_PROTOCOL, this.events, limits.limited('upload', async (s, c) => handleSubmit(this.farm, this.store, s, () => this.userCaller(c)))), options)
    await host.handle(ADMIN_PROTOCOL, guarded(ADMIN_PROTOCOL, this.events, limits.limited('reply', async (s, c) => handleAdmin(this.api, s, () => this.userCaller(c)))), options)
    // Reads, for any farm member (on a private farm only key holders connect at all).
    const results = new JobResults(this.farm, this.store.layout)
    await host.handle(RESULTS_PROTOCOL, guarded(RESULTS_PROTOCOL, this.events, limits.limited('reply', async (s) => handleResults(results, s))), options)
    await host.handle(EVENTS_PROTOCOL, guarded(EVENTS_PROTOCOL, this.events, limits.limited('watch', async (s) => handleWatch(this.events, s))), options)

    const timeout = this.init.nodeTimeoutMs ?? DEFAULT_NODE_TIMEOUT_MS
    let pinged = 0
    let reported = Date.now()
    this.heartbeatTimer = setInterval(() => {
      this.farm.checkHeartbeats(timeout)
      this.farm.checkStalled(this.init.frameTimeoutMs ?? DEFAULT_FRAME_TAKEBACK_MS)
      // Nodes take a silent coordinator for gone: tell them we are here.
      if (Date.now() - pinged >= HEARTBEAT_INTERVAL_MS) {
        pinged = Date.now()
        for (const node of this.farm.nodes.all()) node.send({ type: 'heartbeat' })
      }
      // A request held back near a job's end (see jobs/tail.ts) is looked at
      // again even when no frame arrives meanwhile.
      this.farm.dispatch()
      if (Date.now() - reported >= (this.init.statsIntervalMs ?? DISPATCH_REPORT_MS)) {
        reported = Date.now()
        const stats = this.timing.take()
        if (stats !== undefined) this.events.emit({ type: 'dispatch-stats', stats })
      }
    }, 1000)

    const addresses = this.multiaddrs()
    this.events.emit({ type: 'listening', addresses, peerId: host.peerId.toString(), farm: this.init.farmName })
    if (this.init.advertise) {
      this.advertisement = advertiseCoordinator({
        farm: this.init.farmName,
        peerId: host.peerId.toString(),
        port: this.listenPort(),
        addresses: addresses.map(addr => addr.replace(/\/p2p\/.*$/, '')),
        private: this.init.farmKey !== undefined,
      }, (err) => this.events.emit({ type: 'warning', message: `mDNS: ${err.message}` }))
    }
  }

  private listenPort (): number {
    const tcp = this.host?.getMultiaddrs()[0]?.toString().match(/\/tcp\/(\d+)/)
    return tcp?.[1] !== undefined ? Number(tcp[1]) : this.init.port
  }

  private unlock?: () => Promise<void>
  private listening?: Host

  /** The listed admins, and the coordinator's own user (its CLI identity on this machine) as one. */
  private async loadAdmins (): Promise<void> {
    try {
      await this.api.admins.load()
    } catch (err) {
      this.events.emit({ type: 'warning', message: errorMessage(err) })
    }
    this.api.admins.addBuiltIn(peerIdFromPrivateKey(await loadOrCreateIdentity(this.init.userIdentityPath ?? USER_IDENTITY_PATH)).toString())
  }

  /**
   * A user's connection as a caller of the API; a render node's identity is
   * refused (nodes render, people submit and control). The handlers ask only
   * after reading the request, so the refusal is an answer like any other.
   */
  private userCaller (connection: Connection): PeerCaller {
    const peerId = connection.remotePeer.toString()
    if (this.farm.nodes.get(peerId) !== undefined || this.farm.nodes.names.isNode(peerId)) {
      throw new NodeIdentityError('a render node\'s identity cannot submit or control jobs: run microfarm submit and the job controls as a user (their own identity, ~/.microfarm/identity.key)')
    }
    return { kind: 'peer', peerId }
  }
  /** Connections refused on a private farm: said once, then at most once a minute with how many. */
  private readonly refusals = new RefusalLog(message => this.events.emit({ type: 'warning', message }))

  private async listen (): Promise<Host> {
    try {
      this.listening = await createHost({
        privateKey: await loadOrCreateIdentity(this.store.layout.identityPath),
        listenPort: this.init.port,
        ...(this.init.farmKey !== undefined ? { farmKey: this.init.farmKey, onRefused: () => { this.refusals.refused() } } : {}),
      })
      return this.listening
    } catch (err) {
      if (err instanceof Error && /EADDRINUSE/.test(err.message)) {
        throw new PortInUseError(`port ${this.init.port} is in use (another coordinator?): stop whatever listens there, or pass --port with another port (0 = any free one)`, { cause: err })
      }
      throw err
    }
  }

  /** Stops serving; returns what it cut short, for the user (a video being made). */
  async stop (): Promise<string[]> {
    clearInterval(this.heartbeatTimer)
    this.timing.stop()
    await this.stitcher.stop()
    this.stitchThread.stop()
    const stopped = await this.encoder.stop()
    await this.advertisement?.stop()
    await this.listening?.stop()
    await this.store.drain()
    this.host = undefined
    this.listening = undefined
    await this.unlock?.()
    this.unlock = undefined
    return stopped !== undefined ? [stopped] : []
  }
}
