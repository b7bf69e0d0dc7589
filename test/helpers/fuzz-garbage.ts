import * as varint from 'uint8-varint'
import { ADMIN_PROTOCOL, CONTENT_PROTOCOL, FRAME_PROTOCOL, MAX_FRAME_NUMBER, MAX_MESSAGE_BYTES, SESSION_PROTOCOL, SUBMIT_PROTOCOL } from '../../src/protocol/constants.js'
import type { FuzzOp, FuzzPeer } from './fuzz-peer.js'
import { ANSWER_MS, dial, framed, rawExchange } from './fuzz-wire.js'
import type { Ending } from './fuzz-wire.js'

// Bytes that are not what the protocol expects: noise, length prefixes that
// promise more or far more than follows, JSON of the wrong shape, a message
// of another protocol, a valid message with one field broken. Sent on every
// protocol; a stream this side closes must be answered (with an error).

export const PROTOCOLS = [SESSION_PROTOCOL, FRAME_PROTOCOL, SUBMIT_PROTOCOL, ADMIN_PROTOCOL, CONTENT_PROTOCOL] as const

const sha = (peer: FuzzPeer): string => Buffer.from(peer.rng.bytes(32)).toString('hex')

/** A valid message of some protocol (lies about jobs and frames included). */
export function anyMessage (peer: FuzzPeer): Record<string, unknown> {
  const r = peer.rng
  const jobId = peer.jobId()
  const frame = peer.frame()
  return r.pick<() => Record<string, unknown>>([
    () => ({ type: 'hello', protocolVersion: 2, name: peer.name, cores: 4, blenderVersion: '4.2.0', platform: 'linux' }),
    () => ({ type: 'request-work' }),
    () => ({ type: 'frame-failed', taskId: peer.taskId(), jobId, frame, error: peer.text() }),
    () => ({ type: 'frame', jobId, frame, size: r.int(1, 5000), sha256: sha(peer) }),
    () => ({ type: 'get-content', sha256: r.chance(0.5) ? peer.farm.blendSha256 : sha(peer) }),
    () => ({ type: 'list-jobs' }),
    () => ({ type: 'job-action', action: r.pick(['cancel', 'pause', 'resume', 'retry', 'delete']), jobId }),
    () => ({ type: 'submit', name: 'fuzz.blend', project: { sha256: sha(peer), size: r.int(1, 4000) }, frames: '1-4', chunk: 1, format: 'PNG', priority: 0, encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' } }),
  ])()
}

/** The message with one field broken (wrong type, out of range, too long, missing) or an unknown type. */
export function broken (peer: FuzzPeer, message: Record<string, unknown>): Record<string, unknown> {
  const r = peer.rng
  const keys = Object.keys(message)
  const key = r.pick(keys)
  if (r.chance(0.15)) return { ...message, type: r.pick(['helo', 'frame-done', '__proto__', 'x'.repeat(300)]) }
  if (r.chance(0.15)) return Object.fromEntries(Object.entries(message).filter(([k]) => k !== key))
  const value = r.pick<unknown>([-1, 1.5, MAX_FRAME_NUMBER + 1, 2 ** 53, '../../etc', 'x'.repeat(5000), null, [], {}, true, '1'])
  return { ...message, [key]: value }
}

function garbageBytes (peer: FuzzPeer): Uint8Array {
  const r = peer.rng
  const prefixed = (length: number, body: Uint8Array): Uint8Array => Buffer.concat([varint.encode(length), body])
  return r.pick<() => Uint8Array>([
    () => r.bytes(r.int(0, 2000)),
    () => framed(r.bytes(r.int(0, 300))),
    () => framed(Buffer.from(r.pick(['this is not json {', '{"type":', 'null', '[]', '"hello"', '{}', '\ufeff{}']))),
    // Truncated: the prefix promises more than follows.
    () => prefixed(r.int(50, MAX_MESSAGE_BYTES), Buffer.from('{"type":"he')),
    // Oversized: the prefix says more than any message may be.
    () => prefixed(r.int(MAX_MESSAGE_BYTES + 1, 2 ** 40), r.bytes(r.int(0, 1000))),
    // A prefix that never ends (continuation bits on every byte).
    () => new Uint8Array(r.int(1, 12)).fill(0xff),
    () => framed(anyMessage(peer)),
    () => framed(broken(peer, anyMessage(peer))),
    // Two messages at once, the second broken.
    () => Buffer.concat([framed(anyMessage(peer)), framed(broken(peer, anyMessage(peer)))]),
  ])()
}

/** Garbage on any protocol, ended by closing, resetting, holding the stream a moment, or never. */
export const garbage: FuzzOp = async (peer) => {
  const r = peer.rng
  const protocol = r.pick(PROTOCOLS)
  const bytes = garbageBytes(peer)
  const ending = r.pick<Ending | 'never'>(['close', 'close', 'abort', 'hold', 'never'])
  peer.sent()
  if (ending === 'never') {
    const stream = await dial(peer.host, peer.farm.address, protocol)
    stream?.send(bytes)
    if (stream !== undefined) peer.heldOpen.push(stream)
    return
  }
  const reply = await rawExchange(peer.host, peer.farm.address, protocol, bytes, ending, ending === 'hold' ? r.int(20, 300) : ANSWER_MS)
  // Closed by us, the coordinator had all it would get: it must have said why it refused (or answered).
  if (ending === 'close') peer.answered(`${protocol} garbage (${bytes.byteLength} bytes, first ${Buffer.from(bytes.subarray(0, 16)).toString('hex')})`, reply)
}
