import { createHash } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import type { ExecutionContext } from 'ava'
import { createHost } from '../../src/net/host.js'
import type { Host } from '../../src/net/host.js'
import { ephemeralIdentity } from '../../src/net/identity.js'
import { ADMIN_PROTOCOL, FRAME_PROTOCOL, PROTOCOL_VERSION, SESSION_PROTOCOL } from '../../src/protocol/constants.js'
import { MessageChannel } from '../../src/protocol/framing.js'
import { adminReplyAsRead, coordinatorToNode, frameAck } from '../../src/protocol/messages.js'
import type { AdminReplyAsRead, AdminRequest, CoordinatorToNode, FrameAck, FrameHeader, NodeToCoordinator, Task } from '../../src/protocol/messages.js'

// A peer that speaks MicroFarm's protocols correctly and lies: it says hello
// under any name, asks for work as often as it likes, and uploads whatever
// bytes it wants under any job and frame. One peer id per HostilePeer (the
// coordinator tells nodes apart by it). Every wait has a deadline.

export interface FakeSession {
  send: (message: NodeToCoordinator) => Promise<void>
  /** The next message of this type from the coordinator (others seen meanwhile are kept in `received`). */
  next: <T extends CoordinatorToNode['type']>(type: T, timeoutMs?: number) => Promise<Extract<CoordinatorToNode, { type: T }>>
  /** Every message the coordinator sent on this session, in order. */
  received: CoordinatorToNode[]
  /** The tasks assigned so far. */
  tasks: () => Task[]
  /** Asks for work once and waits for the task. */
  askForTask: () => Promise<Task>
  close: () => Promise<void>
}

export class HostilePeer {
  private constructor (readonly host: Host, private readonly address: string) {}

  static async start (t: ExecutionContext, address: string): Promise<HostilePeer> {
    const host = await createHost({ privateKey: await ephemeralIdentity() })
    t.teardown(async () => { await host.stop() })
    return new HostilePeer(host, address)
  }

  get peerId (): string { return this.host.peerId.toString() }

  /** A node session: hello (any name), then the coordinator's welcome. */
  async session (name: string): Promise<FakeSession> {
    const stream = await this.host.dialProtocol(multiaddr(this.address), SESSION_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    const channel = new MessageChannel<CoordinatorToNode, NodeToCoordinator>(stream)
    const received: CoordinatorToNode[] = []
    let reading: Promise<void> | undefined
    const readOne = async (signal: AbortSignal): Promise<void> => {
      reading ??= channel.read(coordinatorToNode, { signal }).then(message => { received.push(message) }).finally(() => { reading = undefined })
      await reading
    }
    let seen = 0
    const next = async <T extends CoordinatorToNode['type']>(type: T, timeoutMs = 10_000): Promise<Extract<CoordinatorToNode, { type: T }>> => {
      const signal = AbortSignal.timeout(timeoutMs)
      for (;;) {
        for (; seen < received.length; seen++) {
          const message = received[seen] as CoordinatorToNode
          if (message.type === type) { seen++; return message as Extract<CoordinatorToNode, { type: T }> }
        }
        await readOne(signal)
      }
    }
    await channel.write({ type: 'hello', protocolVersion: PROTOCOL_VERSION, name, cores: 4, blenderVersion: '4.2.0', platform: 'linux' })
    await next('welcome')
    return {
      send: async (message) => { await channel.write(message) },
      next,
      received,
      tasks: () => received.flatMap(m => m.type === 'assign' ? [m.task] : []),
      askForTask: async () => {
        await channel.write({ type: 'request-work' })
        return (await next('assign')).task
      },
      close: async () => { await stream.close().catch(() => { stream.abort(new Error('test peer closing')) }) },
    }
  }

  /** Reads what the coordinator sent within `ms` (for counting what a flood got), however many messages. */
  static async drain (session: FakeSession, type: CoordinatorToNode['type'], ms: number): Promise<number> {
    const until = Date.now() + ms
    for (;;) {
      const left = until - Date.now()
      if (left <= 0) break
      try {
        await session.next(type, left)
      } catch {
        break // the deadline: nothing more came
      }
    }
    return session.received.filter(m => m.type === type).length
  }

  /** Sends one admin request and returns what came back (the reply's message, or an error's). */
  async admin (request: AdminRequest): Promise<string> {
    const stream = await this.host.dialProtocol(multiaddr(this.address), ADMIN_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    const channel = new MessageChannel<AdminReplyAsRead, AdminRequest>(stream)
    try {
      await channel.write(request)
      const reply = await channel.read(adminReplyAsRead, { signal: AbortSignal.timeout(10_000) })
      return reply.type === 'jobs' ? JSON.stringify(reply.jobs) : 'message' in reply ? reply.message : JSON.stringify(reply)
    } finally {
      await stream.close().catch(() => { stream.abort(new Error('test peer closing')) })
    }
  }

  /**
   * Starts an upload of frame `frame` and then sends nothing: returns the
   * coordinator's first answer (`send-frame` when it took the upload) and the
   * stream, held open until `close`.
   */
  async stalledUpload (jobId: string, frame: number, size: number): Promise<{ answer: FrameAck, close: () => void }> {
    const stream = await this.host.dialProtocol(multiaddr(this.address), FRAME_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    const channel = new MessageChannel<FrameAck, FrameHeader>(stream)
    await channel.write({ type: 'frame', jobId, frame, size, sha256: 'a'.repeat(64) })
    const answer = await channel.read(frameAck, { signal: AbortSignal.timeout(10_000) })
    return { answer, close: () => { stream.abort(new Error('test peer done')) } }
  }

  /**
   * Uploads `bytes` as frame `frame` of job `jobId` with a true size and hash;
   * returns the coordinator's last answer (an error reply as `{ type: 'error' }`).
   */
  async uploadFrame (jobId: string, frame: number, bytes: Uint8Array): Promise<FrameAck> {
    const stream = await this.host.dialProtocol(multiaddr(this.address), FRAME_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    const channel = new MessageChannel<FrameAck, FrameHeader>(stream)
    try {
      await channel.write({ type: 'frame', jobId, frame, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') })
      const go = await channel.read(frameAck, { signal: AbortSignal.timeout(10_000) })
      if (go.type !== 'send-frame') return go
      stream.send(bytes)
      return await channel.read(frameAck, { signal: AbortSignal.timeout(10_000) })
    } finally {
      await stream.close().catch(() => { stream.abort(new Error('test peer closing')) })
    }
  }
}
