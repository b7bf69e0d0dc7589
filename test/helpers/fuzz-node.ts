import { createHash } from 'node:crypto'
import { FRAME_PROTOCOL, MAX_FRAME_NUMBER } from '../../src/protocol/constants.js'
import { MessageChannel } from '../../src/protocol/framing.js'
import { frameAck } from '../../src/protocol/messages.js'
import type { FrameAck } from '../../src/protocol/messages.js'
import { broken } from './fuzz-garbage.js'
import type { FuzzOp, FuzzPeer } from './fuzz-peer.js'
import { ANSWER_MS, dial, FuzzSession } from './fuzz-wire.js'
import { tinyPng } from './tiny-png.js'

// A peer posing as a render node: valid messages that lie (frames it was
// never handed, jobs that do not exist, results for tasks that are not its
// own), floods of work requests, and frame uploads that are short, long,
// falsely hashed or not an image of the job. The lies about its own tasks
// are the ones that reach deepest, so they are told most often once it holds some.

function sceneInfo (peer: FuzzPeer): Record<string, unknown> {
  const r = peer.rng
  const frameStart = r.pick([0, 1, r.int(0, 100), -5])
  const frameEnd = r.pick([frameStart + r.int(0, 5), frameStart - 1, 2_000_000_000, MAX_FRAME_NUMBER])
  return {
    frameStart, frameEnd, frameStep: r.pick([1, 1, 2, 1_000_000]), fps: r.pick([24, 0.001, 1e9]),
    resolutionX: r.pick([64, 1, 2 ** 31]), resolutionY: r.pick([48, 1, 2 ** 31]), resolutionPercentage: r.pick([100, 1, 10_000]),
    fileFormat: 'PNG', engine: r.pick(['CYCLES', 'BLENDER_EEVEE']), hasCamera: r.chance(0.9), cropToBorder: r.chance(0.2),
  }
}

/** A valid session message whose content may be a lie: about its own tasks when it holds some, else about anything. */
function lie (peer: FuzzPeer): Record<string, unknown> {
  const r = peer.rng
  const held = r.chance(0.6) ? peer.heldFrame() : undefined
  const probe = r.chance(0.6) ? peer.heldProbe() : undefined
  const jobId = held?.jobId ?? probe?.jobId ?? peer.jobId()
  const frame = held?.frame ?? peer.frame()
  const taskId = held?.taskId ?? probe?.taskId ?? peer.taskId()
  return r.pick<() => Record<string, unknown>>([
    () => ({ type: 'frame-failed', taskId, jobId, frame, error: peer.text() }),
    () => ({ type: 'task-finished', taskId }),
    () => ({ type: 'frame-progress', jobId, frame, done: r.int(0, 1e6), total: r.int(1, 1e6) }),
    () => ({ type: 'scene-info', taskId, jobId, info: sceneInfo(peer) }),
    () => ({ type: 'probe-failed', taskId, jobId, error: peer.text() }),
    () => ({ type: 'frame-started', jobId, frame }),
    () => ({ type: 'frame-rendered', jobId, frame }),
    () => ({ type: 'scene-warnings', jobId, warnings: Array.from({ length: r.int(0, 50) }, (_, i) => `${peer.text().slice(0, 200)} ${i}`) }),
    () => ({ type: 'heartbeat' }),
  ])()
}

/** A burst of lies on the session; now and then one message broken (the coordinator closes the session) or a second hello. */
export const sessionLies: FuzzOp = async (peer) => {
  const session = await peer.ensureSession()
  if (session === undefined) return
  const r = peer.rng
  for (let i = r.int(1, 30); i > 0; i--) {
    const message = r.chance(0.03) ? broken(peer, lie(peer)) : r.chance(0.01) ? FuzzSession.hello(peer.name) : lie(peer)
    peer.sent()
    if (!await session.send(message)) return
  }
}

/** Asks for work again and again (one request stands per node; the rest are noise). */
export const requestWorkFlood: FuzzOp = async (peer) => {
  const session = await peer.ensureSession()
  if (session === undefined) return
  const count = peer.rng.pick([1, 2, peer.rng.int(3, 100)])
  peer.sent(count)
  await Promise.all(Array.from({ length: count }, async () => session.send({ type: 'request-work' })))
  // Give the assignments a moment to arrive, so the lies that follow can be about them.
  await new Promise(resolve => setTimeout(resolve, peer.rng.int(0, 30)))
}

/** Half-closes whose end a peer waits for, at most (each costs up to ANSWER_MS while the coordinator never ends its side). */
const CHECKED_ENDS = 1

/** The session goes: reset, or ended as a stopping node ends it (the coordinator must end its side too). Its frames go back in line. */
export const dropSession: FuzzOp = async (peer) => {
  const session = peer.session
  peer.session = undefined
  if (session === undefined || !session.alive) return
  if (peer.rng.chance(0.5) || peer.endsChecked >= CHECKED_ENDS) {
    session.close()
    return
  }
  peer.endsChecked++
  if (!await session.end(ANSWER_MS)) peer.silent.push('a session the peer half-closed: the coordinator never ended its side')
}

type Body = 'png' | 'text' | 'wrong-size' | 'jpeg' | 'huge-header' | 'wrong-hash' | 'short-close' | 'short-abort' | 'short-held' | 'too-long' | 'huge-size'

function uploadBody (peer: FuzzPeer, kind: Body): Uint8Array {
  const r = peer.rng
  switch (kind) {
    case 'png': case 'wrong-hash': case 'short-close': case 'short-abort': case 'short-held': case 'too-long': case 'huge-size':
      return tinyPng(`fuzz ${peer.name}`, 64, 48, r.int(0, 255))
    case 'text': return Buffer.from(r.pick(['this is not a PNG', '\u0089PNG but not really', 'x'.repeat(r.int(1, 100_000))]))
    case 'wrong-size': return tinyPng('wrong size', r.int(1, 100), r.int(1, 100))
    case 'jpeg': return Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x30, 0x00, 0x40, ...peer.rng.bytes(r.int(0, 64))])
    case 'huge-header': {
      const png = tinyPng('huge', 64, 48)
      png.writeUInt32BE(r.pick([0, 2 ** 31, 2 ** 32 - 1]), 16)
      return png
    }
  }
}

/** What the header announces for a body: the truth, or a lie about its hash or size. */
function announced (peer: FuzzPeer, kind: Body, body: Uint8Array): { size: number, sha256: string } {
  const truth = createHash('sha256').update(body).digest('hex')
  switch (kind) {
    case 'wrong-hash': return { size: body.byteLength, sha256: createHash('sha256').update('lie').digest('hex') }
    case 'short-close': case 'short-abort': case 'short-held': return { size: body.byteLength + peer.rng.int(1, 10_000), sha256: truth }
    case 'too-long': return { size: Math.max(1, body.byteLength - peer.rng.int(1, 50)), sha256: truth }
    case 'huge-size': return { size: peer.rng.pick([5 * 2 ** 30, 200 * 2 ** 30, 9 * 2 ** 30]), sha256: truth }
    default: return { size: body.byteLength, sha256: truth }
  }
}

/** Uploads a frame: one it holds (most often) or any other, with a body and header from the list of lies. */
export const uploadFrame: FuzzOp = async (peer) => {
  const r = peer.rng
  const held = r.chance(0.7) ? peer.heldFrame() : undefined
  const target = held ?? { jobId: peer.jobId(), frame: peer.frame() }
  const kind = r.pick<Body>(['png', 'png', 'text', 'wrong-size', 'jpeg', 'huge-header', 'wrong-hash', 'short-close', 'short-abort', 'short-held', 'too-long', 'huge-size'])
  const body = uploadBody(peer, kind)
  const stream = await dial(peer.host, peer.farm.address, FRAME_PROTOCOL)
  if (stream === undefined) return
  const channel = new MessageChannel<FrameAck, unknown>(stream)
  const what = `upload (${kind}) of frame ${target.frame} of job ${target.jobId}`
  // Every step is answered: an ack, an error, or (for what the coordinator will not take) a reset.
  const read = async (step: string): Promise<FrameAck | undefined> => {
    const signal = AbortSignal.timeout(ANSWER_MS)
    try {
      return await channel.read(frameAck, { signal })
    } catch {
      if (signal.aborted) peer.silent.push(`${what}: ${step}`)
      return undefined
    }
  }
  try {
    peer.sent()
    await channel.write({ type: 'frame', ...target, ...announced(peer, kind, body) })
    if ((await read('the header'))?.type !== 'send-frame') return
    const cut = kind === 'short-close' || kind === 'short-abort' || kind === 'short-held' || kind === 'huge-size'
    const sent = cut ? body.subarray(0, r.int(0, body.byteLength - 1)) : body
    if (sent.byteLength > 0 && !stream.send(sent)) await stream.onDrain({ signal: AbortSignal.timeout(ANSWER_MS) })
    if (kind === 'short-abort' || kind === 'huge-size') return
    // The rest never comes, and the stream stays open until the peer goes: the coordinator's file must be let go then.
    if (kind === 'short-held') {
      peer.heldOpen.push(stream)
      return
    }
    if (kind === 'short-close') await stream.close({ signal: AbortSignal.timeout(ANSWER_MS) })
    await read('the bytes')
  } catch {
    // A reset from the coordinator mid-upload is one of its answers.
  } finally {
    if (!peer.heldOpen.includes(stream)) stream.abort(new Error('fuzz: upload over'))
  }
}
