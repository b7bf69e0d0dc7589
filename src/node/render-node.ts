import { hostname, cpus, platform } from 'node:os'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Stream } from '@libp2p/interface'
import type { BlenderInstall } from '../blender/find-blender.js'
import type { NodeDevices } from '../blender/devices.js'
import { createHost } from '../net/host.js'
import type { Host } from '../net/host.js'
import { loadOrCreateIdentity } from '../net/identity.js'
import { lockFolder } from '../store/folder-lock.js'
import { dialFirst } from '../net/dial.js'
import { assertCanJoin, locateCoordinators, NOT_FOUND_HELP, SeveralFarmsError } from '../discovery/locate.js'
import { FarmKeyError } from '../net/farm-key.js'
import type { FarmKey } from '../net/farm-key.js'
import { HEARTBEAT_INTERVAL_MS, PROTOCOL_VERSION, SESSION_PROTOCOL } from '../protocol/constants.js'
import { ProtocolError, RemoteError, StreamEndedError } from '../protocol/errors.js'
import { MessageChannel } from '../protocol/framing.js'
import { coordinatorToNode } from '../protocol/messages.js'
import type { CoordinatorToNode, NodeToCoordinator } from '../protocol/messages.js'
import { ContentCache } from './content-cache.js'
import { NodeSwarm } from './piece-swarm.js'
import type { OpenStream } from './content-cache.js'
import { ProjectTrees } from './project-trees.js'
import { FrameUploader } from './frame-uploader.js'
import { TaskRunner } from './task-runner.js'
import { BlenderFrameRenderer } from './frame-renderer.js'
import type { FrameRenderer } from './frame-renderer.js'
import { sleep } from '../util/sleep.js'
import { BlenderNotFoundError } from '../blender/errors.js'
import { ProgressReporter } from './progress-reporter.js'
import { errorMessage } from '../util/error-message.js'
import type { ProcessRunner } from '../process/run-process.js'
import type { Schedule } from './schedule.js'
import { NodeSchedule } from './schedule-gate.js'
import type { ScheduleStop } from './schedule-gate.js'

/** Heartbeats of the coordinator missed in a row before a node takes it for gone and reconnects. */
const SILENT_HEARTBEATS = 3

export interface RenderNodeInit {
  name?: string
  /** Looked up while the node looks for its coordinator: both take a moment. */
  blender: Promise<BlenderInstall>
  workDir: string
  /** Most the content cache of jobs' files may hold. */
  cacheBytes: number
  /** A frame with no output from Blender for this long is stopped and fails (see --frame-timeout). */
  stallTimeoutMs?: number
  /** Full multiaddr with /p2p/: skips mDNS. */
  coordinator?: string
  /** A private farm's key (see net/farm-key.ts). */
  farmKey?: FarmKey
  /** TCP port other nodes fetch pieces of content on (see piece-swarm.ts); default 0, any free one. */
  port?: number
  farm?: string
  log: (line: string) => void
  /** The devices it renders on, checked at start (see blender/devices.ts); the hello waits for them. Absent: the CPU. */
  devices?: Promise<NodeDevices>
  /** How frames are rendered; default: a loaded Blender per job. */
  renderer?: FrameRenderer
  /** Render threads for Blender (--threads, Blender's -t); absent: every core. */
  threads?: number
  /** How Blender is started (--nice: at low priority, see process/low-priority.ts). */
  blenderRun?: ProcessRunner
  /** --schedule: when this node renders, and what it does with the frame in Blender when the window closes. */
  schedule?: { schedule: Schedule, stop: ScheduleStop }
  /** The node's clock for its schedule (tests pass their own). */
  now?: () => Date
}

/**
 * A render node: finds the coordinator, keeps one session with it, renders
 * what it is given, and comes back when the coordinator does.
 */
export class RenderNode {
  private host?: Host
  private readonly stopController = new AbortController()
  private readonly uploader: FrameUploader
  private runner?: Promise<TaskRunner>
  private session?: { channel: MessageChannel, open: OpenStream }
  private readonly progress = new ProgressReporter((message) => this.send(message))
  private stopped?: Promise<void>
  private unlock?: () => Promise<void>
  private swarm?: NodeSwarm

  constructor (private readonly init: RenderNodeInit) {
    const log = init.log
    if (init.schedule !== undefined) {
      this.schedule = new NodeSchedule({ ...init.schedule, now: init.now ?? (() => new Date()), log, send: (message) => this.send(message), runner: async () => this.ready() })
    }
    this.uploader = new FrameUploader({
      onUploaded: (frame, outcome, detail) => {
        if (outcome === 'stored') log(`job ${frame.jobId}: frame ${frame.frame} delivered`)
        else if (outcome === 'missing') log(`job ${frame.jobId}: frame ${frame.frame} cannot be sent (${detail}); the coordinator will have it rendered again`)
        else log(`job ${frame.jobId}: frame ${frame.frame} not needed any more (${outcome}${detail !== '' ? `: ${detail}` : ''})`)
      },
      onRetryLater: (frame, error) => log(`job ${frame.jobId}: frame ${frame.frame} kept on disk, to be sent again shortly (${error.message})`),
      onFileKept: (frame, error) => log(`job ${frame.jobId}: frame ${frame.frame}'s file could not be removed from this disk: ${error.message}`),
    })
  }

  /** The task runner, once Blender is known. */
  private async ready (): Promise<TaskRunner> {
    this.runner ??= this.init.blender.then(async blender => new TaskRunner({
      blender,
      renderer: this.init.renderer ?? new BlenderFrameRenderer(blender, {
        ...(this.init.stallTimeoutMs !== undefined ? { stallTimeoutMs: this.init.stallTimeoutMs } : {}),
        ...(this.init.threads !== undefined ? { threads: this.init.threads } : {}),
        ...(this.init.blenderRun !== undefined ? { run: this.init.blenderRun } : {}),
        onProgress: (jobId, frame, done, total) => this.progress.report(jobId, frame, done, total),
        onWarm: () => this.init.log('a Blender is up and empty, warm for the next job\'s scene'),
        onSceneWarnings: (jobId, warnings) => {
          for (const warning of warnings) this.init.log(`job ${jobId}: Blender: ${warning}`)
          this.send({ type: 'scene-warnings', jobId, warnings: warnings.slice(0, 50) })
        },
      }),
      trees: await this.projectTrees(),
      uploader: this.uploader,
      framesDir: join(this.init.workDir, 'frames'),
      send: (message) => this.send(message),
      open: () => this.session?.open,
      log: this.init.log,
      ...(this.init.blenderRun !== undefined ? { run: this.init.blenderRun } : {}),
    }))
    return this.runner
  }

  /** The content cache and the jobs' trees; trees of an earlier run are removed first. */
  private async projectTrees (): Promise<ProjectTrees> {
    const cache = new ContentCache(join(this.init.workDir, 'content'), this.init.cacheBytes, this.swarm)
    const trees = new ProjectTrees(join(this.init.workDir, 'jobs'), cache)
    await trees.reset()
    // The .blend cache of a MicroFarm before jobs carried their files: content now lives in content/.
    await rm(join(this.init.workDir, 'blends'), { recursive: true, force: true })
    return trees
  }

  get name (): string { return this.init.name ?? hostname() }

  async start (): Promise<void> {
    // The work folder is this node's: its identity, its cache, its frames waiting to upload.
    this.unlock = await lockFolder(join(this.init.workDir, '.lock'), this.init.workDir, { holder: 'node' })
    try {
      // One peer id across restarts: the coordinator knows the node by it (its name, its blocklists,
      // the frames it may still deliver).
      const privateKey = await loadOrCreateIdentity(join(this.init.workDir, 'node-key'))
      this.host = await createHost({
        privateKey,
        ...(this.init.farmKey !== undefined ? { farmKey: this.init.farmKey } : {}),
      })
      // The same identity serves content to other nodes: the coordinator vouches for it by that peer id.
      this.swarm = new NodeSwarm({ privateKey, port: this.init.port ?? 0, log: this.init.log, ...(this.init.farmKey !== undefined ? { farmKey: this.init.farmKey } : {}) })
    } catch (err) {
      await this.unlock()
      throw err
    }
    this.stopped = this.connectLoop(this.host)
    this.schedule?.start()
    // A choice the user must make (several farms answer) can end the loop before
    // anyone awaits done(): observed here, so it is not an unhandled rejection;
    // done() still rejects with it.
    this.stopped.catch(() => undefined)
  }

  /** When this node renders (--schedule); absent: always. */
  readonly schedule?: NodeSchedule

  async stop (): Promise<void> {
    this.schedule?.stop()
    this.stopController.abort(new Error('node stopping'))
    await this.stopped?.catch(() => undefined)
    await (await this.runner?.catch(() => undefined))?.stop()
    await this.host?.stop()
    await this.swarm?.stop()
    await this.unlock?.()
  }

  /** Runs until stopped; a farm choice the user must make ends it with an error. */
  async done (): Promise<void> {
    await this.stopped
  }

  private send (message: NodeToCoordinator): boolean {
    if (this.session === undefined) return false
    this.session.channel.write(message).catch((err: unknown) => {
      this.init.log(`could not send ${message.type}: ${errorMessage(err)}`)
    })
    return true
  }

  private async connectLoop (host: Host): Promise<void> {
    const signal = this.stopController.signal
    let first = true
    let lastProblem = { message: '', at: 0 }
    while (!signal.aborted) {
      try {
        const addresses = await this.coordinatorAddresses(first, signal)
        first = false
        const { stream, address } = await dialFirst(host, addresses, SESSION_PROTOCOL, { signal, keyed: this.init.farmKey !== undefined })
        await this.runSession(host, stream, address)
        if (!signal.aborted) {
          this.init.log(this.joined !== undefined && this.init.coordinator === undefined
            ? `lost the coordinator of farm "${this.joined.farm}"; waiting for it to come back (this node rejoins only it; restart the node to join another farm)`
            : 'lost the coordinator; looking for it again')
        }
      } catch (err) {
        if (signal.aborted) return
        if (err instanceof SeveralFarmsError || err instanceof BlenderNotFoundError || err instanceof FarmKeyError) throw err
        // Said once, then every half minute while the coordinator stays away.
        const message = errorMessage(err)
        if (message !== lastProblem.message || Date.now() - lastProblem.at > 30_000) {
          this.init.log(`${message}; trying again every 2 s`)
          lastProblem = { message, at: Date.now() }
        }
        await sleep(2000, signal).catch(() => undefined)
      }
    }
  }

  /** The coordinator this node joined (its peer id and farm): after a blip, only it is looked for. */
  private joined?: { peerId: string, farm: string }

  private async coordinatorAddresses (first: boolean, signal: AbortSignal): Promise<string[]> {
    if (this.init.coordinator !== undefined) return [this.init.coordinator]
    if (first) this.init.log('looking for a coordinator on the local network (mDNS)…')
    const found = await locateCoordinators({
      ...(this.init.farm !== undefined ? { farm: this.init.farm } : {}),
      ...(this.joined !== undefined ? { peerId: this.joined.peerId } : {}),
      signal,
      // Farms on one LAN answer the same query within milliseconds of each other.
      settleMs: first ? 300 : 200,
      onWaiting: (ms) => this.init.log(`no coordinator found yet after ${Math.round(ms / 1000)} s; still looking. ${NOT_FOUND_HELP}`),
    })
    assertCanJoin(found, this.init.farmKey !== undefined)
    return found.flatMap(c => c.multiaddrs)
  }

  private async runSession (host: Host, stream: Stream, address: string): Promise<void> {
    const channel = new MessageChannel<CoordinatorToNode, NodeToCoordinator>(stream)
    const signal = this.stopController.signal
    const runner = await this.ready()
    await channel.write({
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      name: this.name,
      cores: cpus().length,
      blenderVersion: (await this.init.blender).version,
      platform: platform(),
      ...(this.init.devices !== undefined ? await this.init.devices : {}),
    })
    const welcome = await channel.read(coordinatorToNode, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) })
    if (welcome.type === 'error') throw new RemoteError(`the coordinator refused this node: ${welcome.message}`)
    if (welcome.type !== 'welcome') throw new ProtocolError(`expected welcome, got ${welcome.type}`)
    this.init.log(`connected to farm "${welcome.farm}" at ${address} as ${this.name} (peer id ${welcome.nodeId})`)
    const peerId = /\/p2p\/([^/]+)$/.exec(address)?.[1]
    if (peerId !== undefined) this.joined = { peerId, farm: welcome.farm }

    const open: OpenStream = async (protocol, taskSignal) => {
      const { stream: s } = await dialFirst(host, [address], protocol, taskSignal !== undefined ? { signal: taskSignal } : {})
      return s
    }
    this.session = { channel, open }
    // Serving content to peers is a help, not a condition: a node that cannot listen still renders.
    await this.swarm?.attach(address, open).catch((err: unknown) => this.init.log(`not serving content to other nodes: ${errorMessage(err)}`))
    this.uploader.setConnection(open)
    const heartbeatMs = Math.min(welcome.heartbeatMs, HEARTBEAT_INTERVAL_MS)
    let heard = Date.now()
    const heartbeat = setInterval(() => {
      this.send({ type: 'heartbeat' })
      // The coordinator sends one as often: three missed, and it is gone (no TCP reset came).
      const silent = Date.now() - heard
      if (silent > SILENT_HEARTBEATS * welcome.heartbeatMs) stream.abort(new Error(`the coordinator has been silent for ${Math.round(silent / 1000)} s`))
    }, heartbeatMs)
    const onStop = (): void => stream.abort(new Error('node stopping'))
    signal.addEventListener('abort', onStop, { once: true })
    try {
      // The coordinator hears first whether this node sleeps: a sleeping node's requests would be void.
      const schedule = this.schedule?.report()
      if (schedule !== undefined) await channel.write(schedule)
      runner.connected()
      while (true) {
        const message = await channel.read(coordinatorToNode)
        heard = Date.now()
        switch (message.type) {
          case 'heartbeat':
            break
          case 'assign':
            runner.enqueue(message.task)
            break
          // Stopping Blender takes a moment: the session keeps reading meanwhile.
          case 'cancel-job':
            runner.cancelJob(message.jobId, message.reason).catch((err: unknown) => this.init.log(`could not stop job ${message.jobId}: ${String(err)}`))
            break
          case 'drop-frame':
            runner.dropFrame(message.jobId, message.frame).catch((err: unknown) => this.init.log(`could not drop frame ${message.frame}: ${String(err)}`))
            break
          case 'error':
            this.init.log(`coordinator says: ${message.message}`)
            break
          case 'welcome':
            throw new ProtocolError('welcome sent twice')
        }
      }
    } catch (err) {
      if (!signal.aborted) this.init.log(err instanceof StreamEndedError ? 'the coordinator closed the session' : `session ended: ${errorMessage(err)}`)
    } finally {
      clearInterval(heartbeat)
      signal.removeEventListener('abort', onStop)
      this.session = undefined
      this.uploader.setConnection(undefined)
    }
  }
}
