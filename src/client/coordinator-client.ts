import { stat } from 'node:fs/promises'
import type { Stream } from '@libp2p/interface'
import { createHost } from '../net/host.js'
import type { Host } from '../net/host.js'
import { ephemeralIdentity } from '../net/identity.js'
import { dialFirst, parseCoordinatorAddress } from '../net/dial.js'
import { sendFile, sha256File } from '../net/payload.js'
import { locateCoordinators } from '../discovery/locate.js'
import { ADMIN_PROTOCOL, SUBMIT_PROTOCOL } from '../protocol/constants.js'
import { RemoteError, ProtocolError } from '../protocol/errors.js'
import { MessageChannel } from '../protocol/framing.js'
import { adminReply, submitReply } from '../protocol/messages.js'
import type { AdminReply, AdminRequest, JobSummary, SubmitRequest } from '../protocol/messages.js'

export interface ClientOptions {
  /** A full multiaddr with /p2p/; skips mDNS. */
  coordinator?: string
  farm?: string
  /** How long to look for a coordinator over mDNS. */
  discoveryTimeoutMs?: number
}

/** What `submit`, `jobs` and the job controls use to talk to a coordinator. */
export class CoordinatorClient {
  private constructor (private readonly host: Host, private addresses: string[]) {}

  static async connect (options: ClientOptions): Promise<CoordinatorClient> {
    const addresses = options.coordinator !== undefined
      ? [parseCoordinatorAddress(options.coordinator)]
      : (await locateCoordinators({
          ...(options.farm !== undefined ? { farm: options.farm } : {}),
          timeoutMs: options.discoveryTimeoutMs ?? 10_000,
          settleMs: 700,
        })).flatMap(found => found.multiaddrs)
    const host = await createHost({ privateKey: await ephemeralIdentity() })
    return new CoordinatorClient(host, addresses)
  }

  private async open (protocol: string): Promise<Stream> {
    const { stream, address } = await dialFirst(this.host, this.addresses, protocol)
    // Talk to the address that answered from now on.
    this.addresses = [address, ...this.addresses.filter(a => a !== address)]
    return stream
  }

  private async admin (request: AdminRequest): Promise<AdminReply> {
    const stream = await this.open(ADMIN_PROTOCOL)
    const channel = new MessageChannel(stream)
    await channel.write(request)
    const reply = await channel.read(adminReply, { signal: AbortSignal.timeout(30_000) })
    await stream.close()
    if (reply.type === 'error') throw new RemoteError(reply.message)
    return reply
  }

  async listJobs (): Promise<JobSummary[]> {
    const reply = await this.admin({ type: 'list-jobs' })
    if (reply.type !== 'jobs') throw new ProtocolError(`expected a job list, got ${reply.type}`)
    return reply.jobs
  }

  async jobAction (request: Extract<AdminRequest, { type: 'job-action' }>): Promise<{ message: string, job?: JobSummary }> {
    const reply = await this.admin(request)
    if (reply.type !== 'done') throw new ProtocolError(`expected an answer, got ${reply.type}`)
    return reply
  }

  async clearJobs (): Promise<string> {
    const reply = await this.admin({ type: 'clear-jobs' })
    if (reply.type !== 'done') throw new ProtocolError(`expected an answer, got ${reply.type}`)
    return reply.message
  }

  /** Streams the .blend (unless the coordinator has that content already) and creates the job. */
  async submit (blendPath: string, settings: Omit<SubmitRequest, 'type' | 'blendSha256' | 'blendSize'>): Promise<{ jobId: string, frames: number, uploaded: boolean }> {
    const blendSize = (await stat(blendPath)).size
    const blendSha256 = await sha256File(blendPath)
    const stream = await this.open(SUBMIT_PROTOCOL)
    const channel = new MessageChannel(stream)
    await channel.write({ type: 'submit', ...settings, blendSha256, blendSize })
    const first = await channel.read(submitReply, { signal: AbortSignal.timeout(30_000) })
    if (first.type === 'error') throw new RemoteError(first.message)
    const uploaded = first.type === 'send-blend'
    if (uploaded) await sendFile(stream, blendPath)
    else if (first.type !== 'have-blend') throw new ProtocolError(`unexpected reply ${first.type}`)
    const done = await channel.read(submitReply, { signal: AbortSignal.timeout(120_000) })
    await stream.close()
    if (done.type === 'error') throw new RemoteError(done.message)
    if (done.type !== 'submitted') throw new ProtocolError(`unexpected reply ${done.type}`)
    return { jobId: done.jobId, frames: done.frames, uploaded }
  }

  async close (): Promise<void> {
    await this.host.stop()
  }
}
