import { createHash } from 'node:crypto'
import { ADMIN_PROTOCOL, CONTENT_PROTOCOL, SUBMIT_PROTOCOL } from '../../src/protocol/constants.js'
import { encodeMessage, MessageChannel } from '../../src/protocol/framing.js'
import { submitReply } from '../../src/protocol/messages.js'
import type { SubmitReply } from '../../src/protocol/messages.js'
import type { FuzzOp, FuzzPeer } from './fuzz-peer.js'
import { ANSWER_MS, dial, DIAL_TIMEOUT_MS, framed, rawExchange, readUntilEnd } from './fuzz-wire.js'

// A peer posing as a user's machine: job controls on jobs real and unknown,
// job lists and content it asks for and never reads, and submits that lie
// (frames the farm cannot render, a manifest or file that is not what its
// hash says, one cut short, one whose paths climb out of the job's folder).

const sha = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex')

/** list-jobs, a job control, or clear-jobs; read, or left unread for as long as the peer lives. */
export const admin: FuzzOp = async (peer) => {
  const r = peer.rng
  if (r.chance(0.15)) return encodeNow(peer)
  const request = r.pick<() => object>([
    () => ({ type: 'list-jobs' }),
    () => ({ type: 'list-jobs' }),
    () => ({ type: 'job-action', action: r.pick(['cancel', 'pause', 'resume', 'activate', 'complete', 'retry', 'delete', 'encode']), jobId: peer.jobId(), ...(r.chance(0.5) ? { encode: encodeSettings(peer) } : {}) }),
    () => ({ type: 'clear-jobs' }),
  ])()
  peer.sent()
  if (r.chance(0.25)) return unread(peer, ADMIN_PROTOCOL, request)
  peer.answered(`admin ${JSON.stringify(request)}`, await rawExchange(peer.host, peer.farm.address, ADMIN_PROTOCOL, framed(request), 'close', ANSWER_MS))
}

function encodeSettings (peer: FuzzPeer): object {
  const r = peer.rng
  return { codec: r.pick(['h264', 'h265', 'prores']), quality: r.pick(['high', 'low']), location: r.pick(['parent', 'frames', 'root']), ...(r.chance(0.3) ? { fps: r.pick([1, 999.5]) } : {}) }
}

/** Force-completes a job and asks for its video at once (ffmpeg runs on what frames it has). */
async function encodeNow (peer: FuzzPeer): Promise<void> {
  const jobId = peer.jobId()
  for (const action of ['complete', 'encode', 'encode']) {
    const request = { type: 'job-action', action, jobId, encode: encodeSettings(peer) }
    peer.sent()
    peer.answered(`admin ${JSON.stringify(request)}`, await rawExchange(peer.host, peer.farm.address, ADMIN_PROTOCOL, framed(request), 'close', ANSWER_MS))
  }
}

/** Content by hash: one the coordinator lacks, or its .blend read in full, in part, or not at all. */
export const content: FuzzOp = async (peer) => {
  const r = peer.rng
  const known = r.chance(0.6)
  const request = { type: 'get-content', sha256: known ? peer.farm.blendSha256 : sha(r.bytes(8)) }
  peer.sent()
  const how = r.pick(['read', 'unread', 'partial'])
  if (known && how === 'unread') return unread(peer, CONTENT_PROTOCOL, request)
  const readMs = known && how === 'partial' ? r.int(0, 20) : ANSWER_MS
  const reply = await rawExchange(peer.host, peer.farm.address, CONTENT_PROTOCOL, framed(request), 'close', readMs)
  if (readMs === ANSWER_MS) peer.answered(`content ${request.sha256.slice(0, 12)}`, reply)
}

/** Sends a request and half-closes; the reply is never read, the stream held until the peer stops. */
async function unread (peer: FuzzPeer, protocol: string, request: object): Promise<void> {
  const stream = await dial(peer.host, peer.farm.address, protocol)
  if (stream === undefined) return
  stream.send(framed(request))
  await stream.close({ signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) }).catch(() => undefined)
  peer.heldOpen.push(stream)
}

/** A real job now and then, so there is work to hold and lie about. */
export const realSubmit: FuzzOp = async (peer) => {
  peer.sent()
  await peer.farm.submitJob(peer.rng)
}

type Lie = 'bad-frames' | 'bad-scene' | 'wrong-manifest' | 'short-manifest' | 'escaping-manifest' | 'lying-file' | 'short-file' | 'huge-file'

const settings = { type: 'submit', name: 'fuzz.blend', chunk: 1, format: 'PNG', priority: 0, encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' } }

/** The manifest a lying submit sends (true to its hash unless the lie is about that). */
function manifestFor (peer: FuzzPeer, lie: Lie): Uint8Array {
  const r = peer.rng
  const main = r.pick(['scene.blend', 'sub/scene.blend'])
  const size = lie === 'huge-file' ? r.pick([60 * 2 ** 30, 10 * 2 ** 40]) : r.int(1, 3000)
  const files = [{ path: main, size, sha256: sha(r.bytes(8)) }]
  if (lie === 'escaping-manifest') {
    files.push({ path: r.pick([`../../${peer.farm.marker}.blend`, `/tmp/${peer.farm.marker}`, `a/../../${peer.farm.marker}`, `C:\\${peer.farm.marker}`, `sub/./${peer.farm.marker}`]), size: 1, sha256: sha('x') })
  }
  return encodeMessage({ version: 1, main, files, remap: [], missing: [] })
}

/** A submit request, valid in shape, whose frames or scene the farm must refuse. */
function refusedSettings (peer: FuzzPeer, lie: Lie): object {
  const r = peer.rng
  if (lie === 'bad-frames') return { frames: r.pick(['1-99999999', '5-1', '0-1048580', '1-200000', 'abc', '1,,2', '1-10x0']) }
  return { sceneInfo: { frameStart: r.pick([-5, 10]), frameEnd: r.pick([4, 2_000_000_000]), frameStep: 1, fps: 24, resolutionX: 64, resolutionY: 48, resolutionPercentage: 100, fileFormat: 'PNG', engine: 'CYCLES', hasCamera: true } }
}

/** A submit that lies; every step the coordinator takes must end in an answer, never a hang. */
export const submitLie: FuzzOp = async (peer) => {
  const r = peer.rng
  const lie = r.pick<Lie>(['bad-frames', 'bad-scene', 'wrong-manifest', 'short-manifest', 'escaping-manifest', 'lying-file', 'short-file', 'huge-file'])
  const manifest = manifestFor(peer, lie)
  const refused = lie === 'bad-frames' || lie === 'bad-scene'
  const project = { sha256: lie === 'wrong-manifest' ? sha(r.bytes(8)) : sha(manifest), size: lie === 'short-manifest' ? manifest.byteLength + 100 : manifest.byteLength }
  const stream = await dial(peer.host, peer.farm.address, SUBMIT_PROTOCOL)
  if (stream === undefined) return
  const channel = new MessageChannel<SubmitReply, object>(stream)
  const cutShort = r.chance(0.5) ? 'close' : 'abort'
  try {
    peer.sent()
    await channel.write({ ...settings, project, ...(refused ? refusedSettings(peer, lie) : { frames: '1-4' }) })
    for (let step = 0; step < 4; step++) {
      const signal = AbortSignal.timeout(ANSWER_MS)
      const reply = await channel.read(submitReply, { signal }).catch(() => signal.aborted ? 'silent' as const : undefined)
      if (reply === 'silent') peer.silent.push(`submit (${lie}), step ${step}`)
      if (reply === undefined || reply === 'silent' || reply.type === 'error' || reply.type === 'submitted') return
      if (reply.type === 'need') continue
      const bytes = reply.type === 'send-manifest' ? manifest : r.bytes(lie === 'short-file' ? r.int(0, 10) : 3000)
      stream.send(lie === 'short-manifest' || lie === 'short-file' ? bytes.subarray(0, r.int(0, bytes.byteLength - 1)) : bytes)
      if (lie === 'short-manifest' || lie === 'short-file' || lie === 'huge-file') {
        if (cutShort === 'abort') return
        await stream.close({ signal: AbortSignal.timeout(ANSWER_MS) })
        peer.answered(`submit (${lie}) cut short`, await readUntilEnd(stream, ANSWER_MS))
        return
      }
    }
  } catch {
    // The coordinator reset the stream: one of its answers.
  } finally {
    stream.abort(new Error('fuzz: submit over'))
  }
}
