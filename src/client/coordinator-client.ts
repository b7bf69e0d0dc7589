import type { Stream } from '@libp2p/interface'
import { createHost } from '../net/host.js'
import { loadOrCreateIdentity, USER_IDENTITY_PATH } from '../net/identity.js'
import { hostname, userInfo } from 'node:os'
import { readFarmKey } from '../net/farm-key.js'
import { dialFirst, parseCoordinatorAddress } from '../net/dial.js'
import { sendBytes, sendFile, sha256File } from '../net/payload.js'
import type { LocalProject } from '../project/local-project.js'
import { findCoordinator } from '../discovery/find-coordinator.js'
import type { CoordinatorTarget } from '../discovery/find-coordinator.js'
import { rememberReached } from '../discovery/known-farms-files.js'
import { multiaddr } from '@multiformats/multiaddr'
import type { Host } from '../net/host.js'
import { errorMessage } from '../util/error-message.js'
import { ADMIN_PROTOCOL, SUBMIT_PROTOCOL } from '../protocol/constants.js'
import { RemoteError, ProtocolError } from '../protocol/errors.js'
import { MessageChannel } from '../protocol/framing.js'
import { adminReplyAsRead, submitReply } from '../protocol/messages.js'
import type { AdminReplyAsRead, AdminRequest, JobSummary, NodeSummary, SubmitReply, SubmitRequest } from '../protocol/messages.js'
import { parseJobList } from './job-list.js'
import { fetchResult, listResults } from './results-client.js'
import { watchEvents } from './event-watch.js'
import type { FarmEvent } from '../protocol/farm-events.js'
import type { JobResultsListing } from './results-client.js'
import type { JobList } from './job-list.js'

export class FileChangedError extends Error {
  override name = 'FileChangedError'
}

export interface SubmitProgress { files: number, filesTotal: number, bytes: number, bytesTotal: number }
export interface SubmitResult { jobId: string, frames: number, filesSent: number, bytesSent: number }

/** How long the coordinator may take to store a file and ask for the next. */
const REPLY_TIMEOUT_MS = 300_000

export interface ClientOptions {
  /** A full multiaddr with /p2p/; skips mDNS. */
  coordinator?: string
  farm?: string
  /** How long to look for a coordinator over mDNS. */
  discoveryTimeoutMs?: number
  /** The farm key file of a private farm (--key, MICROFARM_KEY). */
  key?: string
  /** This user's identity key (default USER_IDENTITY_PATH): the coordinator knows who submits and who controls by it. */
  identityPath?: string
  /** The user's MicroFarm folder, where the farm used last and this machine's coordinators are found (default ~/.microfarm). */
  home?: string
  /** What the user should know about which coordinator was chosen (default: stderr). */
  onNote?: (line: string) => void
  /** Stops looking for the coordinator. */
  signal?: AbortSignal
}


/** How a user is named to others when they say nothing else (`submit --as NAME`). */
export function defaultOwnerName (): string {
  return `${userInfo().username}@${hostname()}`
}

/** What `submit`, `jobs` and the job controls use to talk to a coordinator. */
export class CoordinatorClient {
  private constructor (private readonly openStream: (protocol: string) => Promise<Stream>, private readonly stop: () => Promise<void>) {}

  static async connect (options: ClientOptions): Promise<CoordinatorClient> {
    const farmKey = options.key !== undefined ? await readFarmKey(options.key) : undefined
    const host = await createHost({ privateKey: await loadOrCreateIdentity(options.identityPath ?? USER_IDENTITY_PATH), ...(farmKey !== undefined ? { farmKey } : {}) })
    let target: CoordinatorTarget
    try {
      target = await targetOf(options, host, farmKey !== undefined)
    } catch (err) {
      await host.stop()
      throw err
    }
    let addresses = target.coordinators.flatMap(c => c.addresses)
    let reached = false
    return new CoordinatorClient(async (protocol) => {
      const { stream, address } = await dialFirst(host, addresses, protocol, { keyed: farmKey !== undefined })
      // Talk to the address that answered from now on.
      addresses = [address, ...addresses.filter(a => a !== address)]
      if (!reached) {
        reached = true
        await remember(target, address, options)
      }
      return stream
    }, async () => { await host.stop() })
  }

  /** A client over streams from elsewhere (tests: in-memory stream pairs). */
  static over (openStream: (protocol: string) => Promise<Stream>): CoordinatorClient {
    return new CoordinatorClient(openStream, async () => {})
  }

  private async admin (request: AdminRequest): Promise<AdminReplyAsRead> {
    const stream = await this.openStream(ADMIN_PROTOCOL)
    const channel = new MessageChannel<AdminReplyAsRead, AdminRequest>(stream)
    await channel.write(request)
    const reply = await channel.read(adminReplyAsRead, { signal: AbortSignal.timeout(30_000) })
    await stream.close()
    if (reply.type === 'error') throw new RemoteError(reply.message)
    return reply
  }

  /** The coordinator's jobs; one this client cannot read is left out with a note (see parseJobList). */
  async jobList (): Promise<JobList> {
    const reply = await this.admin({ type: 'list-jobs' })
    if (reply.type !== 'jobs') throw new ProtocolError(`expected a job list, got ${reply.type}`)
    return parseJobList(reply.jobs)
  }

  /** The jobs alone, for callers that look for a job of their own (tests, benchmarks); what users see shows the notes. */
  async listJobs (): Promise<JobSummary[]> {
    return (await this.jobList()).jobs
  }

  /** What the control did, and the job as it is now when the coordinator sent it and it can be read. */
  async jobAction (request: Extract<AdminRequest, { type: 'job-action' }>): Promise<{ message: string, job?: JobSummary, notes: string[] }> {
    const reply = await this.admin(request)
    if (reply.type !== 'done') throw new ProtocolError(`expected an answer, got ${reply.type}`)
    const { jobs: [job], notes } = parseJobList(reply.job === undefined ? [] : [reply.job])
    return { message: reply.message, ...(job !== undefined ? { job } : {}), notes }
  }

  async clearJobs (): Promise<string> {
    const reply = await this.admin({ type: 'clear-jobs' })
    if (reply.type !== 'done') throw new ProtocolError(`expected an answer, got ${reply.type}`)
    return reply.message
  }
  /** Every node the coordinator knows (connected ones, then those remembered offline). */
  async listNodes (): Promise<NodeSummary[]> {
    const reply = await this.admin({ type: 'list-nodes' })
    if (reply.type !== 'nodes') throw new ProtocolError(`expected a node list, got ${reply.type}`)
    return reply.nodes
  }

  /** drain, disable or enable a node (an admin's); what changed. */
  async nodeState (node: string, state: 'drained' | 'disabled' | 'enabled'): Promise<string> {
    return this.done({ type: 'node-state', node, state })
  }

  /** Clears a job's blocklist entry for a node, or for every node (`node` undefined). */
  async unblock (jobId: string, node: string | undefined): Promise<string> {
    return this.done({ type: 'unblock', jobId, ...(node !== undefined ? { node } : { all: true }) })
  }

  private async done (request: AdminRequest): Promise<string> {
    const reply = await this.admin(request)
    if (reply.type !== 'done') throw new ProtocolError(`expected an answer, got ${reply.type}`)
    return reply.message
  }

  /** Blender's output of a frame's last attempt (or, `all`, the attempts kept); without a frame, the frames that have one. */
  async frameLog (jobId: string, frame: number | undefined, all: boolean): Promise<Extract<AdminReplyAsRead, { type: 'frame-log' | 'frame-log-index' }>> {
    const reply = await this.admin({ type: 'frame-log', jobId, all, ...(frame !== undefined ? { frame } : {}) })
    if (reply.type !== 'frame-log' && reply.type !== 'frame-log-index') throw new ProtocolError(`expected a frame log, got ${reply.type}`)
    return reply
  }

  /** The farm's admins: list them, or (as an admin) add or remove one. */
  async admins (action: 'list' | 'add' | 'remove', who?: string): Promise<string> {
    const reply = await this.admin({ type: 'admins', action, ...(who !== undefined ? { who } : {}) })
    if (reply.type !== 'done') throw new ProtocolError(`expected an answer, got ${reply.type}`)
    return reply.message
  }


  /**
   * Creates the job, sending what the coordinator lacks of the project: the
   * manifest, then each file it asks for (content it has from earlier jobs is
   * not sent again).
   */
  async submit (project: LocalProject, settings: Omit<SubmitRequest, 'type' | 'project'>, onProgress?: (progress: SubmitProgress) => void): Promise<SubmitResult> {
    const stream = await this.openStream(SUBMIT_PROTOCOL)
    const channel = new MessageChannel<SubmitReply, SubmitRequest>(stream)
    const progress: SubmitProgress = { files: 0, filesTotal: 0, bytes: 0, bytesTotal: 0 }
    let sending: string | undefined
    try {
      await channel.write({ type: 'submit', ...settings, project: project.ref })
      // Waiting for the coordinator includes its fsync of the file before: a large one on a slow disk takes a while.
      for (let reply = await channel.read(submitReply, { signal: AbortSignal.timeout(30_000) }); ; reply = await channel.read(submitReply, { signal: AbortSignal.timeout(REPLY_TIMEOUT_MS) })) {
        switch (reply.type) {
          case 'error': throw new RemoteError(reply.message)
          case 'send-manifest':
            await sendBytes(stream, project.manifestBytes)
            break
          case 'need':
            Object.assign(progress, { filesTotal: reply.files, bytesTotal: reply.bytes })
            onProgress?.({ ...progress })
            break
          case 'send-file': {
            const source = project.sources[reply.index]
            const file = project.manifest.files[reply.index]
            if (source === undefined || file === undefined) throw new ProtocolError(`the coordinator asked for file ${reply.index} of ${project.sources.length}`)
            sending = source
            const sent = await sendFile(stream, source, { onSent: (n) => { progress.bytes += n; onProgress?.({ ...progress }) } })
            // Fewer bytes than hashed would leave the coordinator waiting for the rest.
            if (sent !== file.size) throw new FileChangedError(`${source} changed while it was sent (${sent} bytes now, ${file.size} when it was hashed); submit again once it is saved`)
            progress.files++
            onProgress?.({ ...progress })
            break
          }
          case 'submitted':
            await stream.close()
            return { jobId: reply.jobId, frames: reply.frames, filesSent: progress.files, bytesSent: progress.bytes }
        }
      }
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      // The coordinator refuses a file whose bytes do not match its hash, however that reaches us.
      if (!(err instanceof FileChangedError) && sending !== undefined && await changedSinceHashed(project, sending)) {
        throw new FileChangedError(`${sending} changed while it was sent (its content no longer matches what was hashed); submit again once it is saved`, { cause: err })
      }
      throw err
    }
  }

  /** A job's frames and videos on the coordinator: names, sizes, SHA-256, when written (any farm member may read them). */
  async listResults (jobId: string): Promise<JobResultsListing> {
    return listResults(this.openStream, jobId)
  }

  /** One file of `listResults` by its name there, into `tempPath`, checked against its SHA-256 as it arrives. */
  async fetchResult (jobId: string, name: string, options: { tempPath: string, signal?: AbortSignal, onReceived?: (bytes: number) => void }): Promise<{ size: number, sha256: string }> {
    return fetchResult(this.openStream, jobId, name, options)
  }

  /** The farm's events (one job's, or all), each to `onEvent`, until `signal` aborts (see client/event-watch.ts). */
  async watchEvents (jobId: string | undefined, onEvent: (event: FarmEvent) => void, signal: AbortSignal): Promise<void> {
    await watchEvents(this.openStream, jobId, onEvent, signal)
  }

  async close (): Promise<void> {
    await this.stop()
  }
}

/** Whether a project file's content is no longer what its manifest says (it was saved again meanwhile). */
async function changedSinceHashed (project: LocalProject, source: string): Promise<boolean> {
  const file = project.manifest.files[project.sources.indexOf(source)]
  if (file === undefined) return false
  try {
    return await sha256File(source) !== file.sha256
  } catch {
    // Gone or unreadable now: changed, as far as this submit goes.
    return true
  }
}

/** Where the coordinator is: --coordinator as given, else the farm used last, this machine's coordinators, then mDNS. */
async function targetOf (options: ClientOptions, host: Host, hasKey: boolean): Promise<CoordinatorTarget> {
  if (options.coordinator !== undefined) {
    const address = parseCoordinatorAddress(options.coordinator)
    return { coordinators: [{ peerId: address.slice(address.lastIndexOf('/p2p/') + 5), addresses: [address], private: hasKey }] }
  }
  return findCoordinator({
    ...(options.farm !== undefined ? { farm: options.farm } : {}),
    ...(options.home !== undefined ? { home: options.home } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    hasKey,
    timeoutMs: options.discoveryTimeoutMs ?? 10_000,
    onNote: noteFor(options),
    probe: async (addresses, signal) => {
      const stop = options.signal !== undefined ? AbortSignal.any([signal, options.signal]) : signal
      // The first address alone (loopback, or the one that answered last time): given several, libp2p
      // sorts them by its own rules (and may dial the LAN address of a coordinator on this machine first).
      for (const some of [addresses.slice(0, 1), addresses.slice(1)]) {
        if (some.length === 0) continue
        try {
          await host.dial(some.map(a => multiaddr(a)), { signal: some.length < addresses.length ? AbortSignal.any([stop, AbortSignal.timeout(FIRST_ADDRESS_MS)]) : stop })
          return true
        } catch {
          // Not there (stopped, another network, another peer on that port): the other addresses, then the next candidate.
          if (stop.aborted) return false
        }
      }
      return false
    },
  })
}

/** How long the first address of a known coordinator gets before the others are dialed too. */
const FIRST_ADDRESS_MS = 700

function noteFor (options: ClientOptions): (line: string) => void {
  return options.onNote ?? ((line) => { console.error(`microfarm: ${line}`) })
}

/** The coordinator that answered becomes the farm used last; failing to write that costs the next run its shortcut, no more. */
async function remember (target: CoordinatorTarget, address: string, options: ClientOptions): Promise<void> {
  const reached = target.coordinators.find(c => c.addresses.includes(address))
  if (reached === undefined) return
  try {
    await rememberReached({ ...reached, addresses: [address, ...reached.addresses] }, options.home)
  } catch (err) {
    noteFor(options)(`could not remember this farm for next time: ${errorMessage(err)}`)
  }
}
