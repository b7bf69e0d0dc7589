import { multiaddr } from '@multiformats/multiaddr'
import type { Stream } from '@libp2p/interface'
import * as varint from 'uint8-varint'
import type { Host } from '../../src/net/host.js'
import { incoming } from '../../src/net/incoming.js'
import { PROTOCOL_VERSION, SESSION_PROTOCOL } from '../../src/protocol/constants.js'
import { encodeMessage, MessageChannel } from '../../src/protocol/framing.js'
import { TimeoutError } from '../../src/protocol/errors.js'
import { coordinatorToNode } from '../../src/protocol/messages.js'
import type { CoordinatorToNode, Task } from '../../src/protocol/messages.js'

// The wire as a fuzzing peer uses it: raw bytes on any protocol, any JSON in
// a length-prefixed frame, and a node session that reads whatever the
// coordinator sends in the background (tasks it was handed are kept). Every
// read has a deadline; a stream is aborted when its deadline passes.

export const DIAL_TIMEOUT_MS = 5000
/** How long a request may wait for the coordinator's answer (it takes milliseconds; more is a hang). */
export const ANSWER_MS = 5000

/** A length-prefixed message around `body` (bytes, or any value as JSON). */
export function framed (body: Uint8Array | object): Uint8Array {
  const bytes = body instanceof Uint8Array ? body : encodeMessage(body)
  const out = new Uint8Array(varint.encodingLength(bytes.byteLength) + bytes.byteLength)
  varint.encode(bytes.byteLength, out)
  out.set(bytes, out.byteLength - bytes.byteLength)
  return out
}

export async function dial (host: Host, address: string, protocol: string): Promise<Stream | undefined> {
  try {
    return await host.dialProtocol(multiaddr(address), protocol, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
  } catch {
    return undefined // refused (too many streams, a closing connection): the fuzz goes on
  }
}

/** How a raw exchange ends this side: half-close, reset at once, or stay open until the read deadline and reset then. */
export type Ending = 'close' | 'abort' | 'hold'

/** What came back on a stream: its bytes, and whether it was still open when the deadline passed. */
export interface Reply { bytes: Uint8Array, timedOut: boolean }

/**
 * Sends `bytes` on a fresh stream and reads what comes back for at most
 * `readMs`. Undefined when the stream could not be opened.
 */
export async function rawExchange (host: Host, address: string, protocol: string, bytes: Uint8Array, ending: Ending, readMs: number): Promise<Reply | undefined> {
  const stream = await dial(host, address, protocol)
  if (stream === undefined) return undefined
  const signal = AbortSignal.timeout(readMs)
  try {
    if (bytes.byteLength > 0 && !stream.send(bytes)) await stream.onDrain({ signal })
    if (ending === 'abort') {
      stream.abort(new Error('fuzz: reset'))
      return { bytes: new Uint8Array(0), timedOut: false }
    }
    if (ending === 'close') await stream.close({ signal })
    return await readUntilEnd(stream, readMs)
  } catch {
    // The coordinator reset the stream before it was sent (a refusal), or it never took the bytes (a hang).
    stream.abort(new Error('fuzz: gave up'))
    return { bytes: new Uint8Array(0), timedOut: signal.aborted }
  }
}

/**
 * Everything the stream carries until it ends or `ms` pass (then it is reset).
 * Read through `incoming`, not the stream's own iterator: a reply that came
 * with its end before we listened (a refusal sent before the request was read
 * arrives while dialProtocol still negotiates) leaves a stream closed both
 * ways with the reply in its buffer, and there the stream's iterator
 * (@libp2p/utils 7.4.1) yields the reply, then waits for events that already
 * fired, and abort() cannot end it (a closed stream ignores it).
 */
export async function readUntilEnd (stream: Stream, ms: number): Promise<Reply> {
  const chunks: Uint8Array[] = []
  const deadline = AbortSignal.timeout(ms)
  let timedOut = false
  try {
    for await (const chunk of incoming(stream, ms, deadline)) chunks.push(chunk instanceof Uint8Array ? chunk : chunk.subarray())
  } catch (err) {
    // Reset by either side (what came before is the reply), or the deadline passed.
    timedOut = deadline.aborted || err instanceof TimeoutError
  }
  if (timedOut) stream.abort(new Error('fuzz: read deadline'))
  return { bytes: Buffer.concat(chunks), timedOut }
}

/** A node session that sends anything, valid or not, and keeps the tasks it is handed. */
export class FuzzSession {
  readonly tasks = new Map<string, Task>()
  private ended = false
  private reading: Promise<void> = Promise.resolve()

  private constructor (private readonly stream: Stream, private readonly channel: MessageChannel<CoordinatorToNode, unknown>) {}

  /** Says `hello` (as given) and waits for the welcome; undefined when the coordinator refused or said nothing. */
  static async join (host: Host, address: string, hello: object): Promise<FuzzSession | undefined> {
    const stream = await dial(host, address, SESSION_PROTOCOL)
    if (stream === undefined) return undefined
    const session = new FuzzSession(stream, new MessageChannel<CoordinatorToNode, unknown>(stream))
    try {
      await session.channel.write(hello)
      const welcome = await session.channel.read(coordinatorToNode, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
      if (welcome.type !== 'welcome') throw new Error(`got ${welcome.type} for hello`)
    } catch {
      session.close()
      return undefined
    }
    session.reading = session.readAll()
    return session
  }

  static hello (name: string): object {
    return { type: 'hello', protocolVersion: PROTOCOL_VERSION, name, cores: 4, blenderVersion: '4.2.0', platform: 'linux' }
  }

  get alive (): boolean { return !this.ended && this.stream.status === 'open' }

  /** Sends one message; false when the session is gone (the coordinator closed it over an invalid message). */
  async send (message: object): Promise<boolean> {
    if (!this.alive) return false
    try {
      await this.channel.write(message, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
      return true
    } catch {
      this.close()
      return false
    }
  }

  close (): void {
    this.ended = true
    this.stream.abort(new Error('fuzz: session closed'))
  }

  /**
   * Ends the session the way a node that stops does: says no more (half-close)
   * and waits for the coordinator to end its side. Returns whether it did
   * within `ms`; the stream is reset either way.
   */
  async end (ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    try {
      await this.stream.close({ signal: AbortSignal.timeout(ms) })
      const deadline = new Promise<false>(resolve => { timer = setTimeout(() => resolve(false), ms) })
      return await Promise.race([this.reading.then(() => true), deadline])
    } catch {
      return false
    } finally {
      clearTimeout(timer)
      this.close()
    }
  }

  /** Reads until the stream ends (the coordinator closes it, or close() resets it). */
  private async readAll (): Promise<void> {
    try {
      for (;;) this.received(await this.channel.read(coordinatorToNode))
    } catch {
      this.ended = true
    }
  }

  private received (message: CoordinatorToNode): void {
    if (message.type === 'assign') this.tasks.set(message.task.taskId, message.task)
    if (message.type === 'cancel-job') for (const [id, task] of this.tasks) if (task.jobId === message.jobId) this.tasks.delete(id)
  }
}
