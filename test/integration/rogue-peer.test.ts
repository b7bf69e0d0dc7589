import { createHash } from 'node:crypto'
import path from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import * as varint from 'uint8-varint'
import type { ExecutionContext } from 'ava'
import { createHost } from '../../src/net/host.js'
import type { Host } from '../../src/net/host.js'
import { ephemeralIdentity } from '../../src/net/identity.js'
import { FRAME_PROTOCOL, SESSION_PROTOCOL, SUBMIT_PROTOCOL, ADMIN_PROTOCOL } from '../../src/protocol/constants.js'
import { blenderTest, makeScene } from '../helpers/blender.js'
import { coordinatorAddress, runCli, startCli, waitFor } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'

// A peer that speaks garbage, cuts messages short, sends oversized ones, sends
// the wrong message, or lies about a hash: each stream is answered with an
// error and closed, the coordinator logs it, and a normal job still completes.

const encoder = new TextEncoder()
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value))
const framed = (body: Uint8Array): Uint8Array => concat(varint.encode(body.byteLength), body)

function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const part of parts) { out.set(part, offset); offset += part.byteLength }
  return out
}

/** Sends raw bytes on a fresh stream, half-closes, and returns what came back (as text). */
async function exchange (host: Host, address: string, protocol: string, bytes: Uint8Array, closeWrite = true): Promise<string> {
  const stream = await host.dialProtocol(multiaddr(address), protocol, { signal: AbortSignal.timeout(5000) })
  stream.send(bytes)
  if (closeWrite) await stream.close()
  let reply = ''
  const decoder = new TextDecoder()
  const deadline = AbortSignal.timeout(15_000)
  try {
    for await (const chunk of stream) {
      reply += decoder.decode(chunk instanceof Uint8Array ? chunk : chunk.subarray())
      if (deadline.aborted) break
    }
  } catch (err) {
    // A reset after the error reply is fine: the reply is what we check.
    reply += `\n[stream ended: ${err instanceof Error ? err.message : String(err)}]`
  }
  return reply
}

async function rogueHost (t: ExecutionContext): Promise<Host> {
  const host = await createHost({ privateKey: await ephemeralIdentity() })
  t.teardown(async () => { await host.stop() })
  return host
}

blenderTest('a rogue peer gets clear errors, its streams are closed, and a normal job still completes', async (t) => {
  const dir = await tempFolder(t, 'mf-rogue-')
  const out = path.join(dir, 'out')
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui', '--farm', 'rogue'])
  const address = await coordinatorAddress(coordinator)
  const rogue = await rogueHost(t)
  const sha = 'a'.repeat(64)

  const garbage = await exchange(rogue, address, SESSION_PROTOCOL, framed(encoder.encode('this is not json {')))
  t.regex(garbage, /malformed message: not UTF-8 JSON/)

  const truncated = await exchange(rogue, address, SESSION_PROTOCOL, concat(varint.encode(100), encoder.encode('{"type":"he')))
  t.regex(truncated, /could not read a message/)

  const oversized = await exchange(rogue, address, SUBMIT_PROTOCOL, concat(varint.encode(50 * 1024 * 1024), new Uint8Array(1000)), false)
  t.regex(oversized, /too long/i)

  const unexpected = await exchange(rogue, address, FRAME_PROTOCOL, framed(json({ type: 'hello', protocolVersion: 1, name: 'x', cores: 1, blenderVersion: '4', platform: 'linux' })))
  t.regex(unexpected, /invalid message/)

  const pathInJobId = await exchange(rogue, address, FRAME_PROTOCOL, framed(json({ type: 'frame', jobId: '../../etc', frame: 1, size: 10, sha256: sha })))
  t.regex(pathInJobId, /invalid message at jobId/)

  const unknownJob = await exchange(rogue, address, FRAME_PROTOCOL, framed(json({ type: 'frame', jobId: '77', frame: 1, size: 10, sha256: sha })))
  t.regex(unknownJob, /refused: no job 77/)

  const badAdmin = await exchange(rogue, address, ADMIN_PROTOCOL, framed(json({ type: 'job-action', action: 'format-disk', jobId: '1' })))
  t.regex(badAdmin, /invalid message at action/)

  // A submit whose bytes do not match the announced hash: refused, nothing kept.
  const settings = { type: 'submit', name: 'liar.blend', chunk: 1, format: 'PNG', priority: 0, frames: '1', encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' } }
  const lying = await exchange(rogue, address, SUBMIT_PROTOCOL, concat(framed(json({ ...settings, project: { sha256: sha, size: 5 } })), encoder.encode('12345')))
  t.regex(lying, /content hash mismatch/)

  // A project manifest, true to its hash, whose files would land outside the job's tree.
  const escaping = json({ version: 1, main: 'a.blend', files: [{ path: 'a.blend', size: 1, sha256: sha }, { path: '../../etc/passwd', size: 1, sha256: sha }], remap: [], missing: [] })
  const escapingRef = { sha256: createHash('sha256').update(escaping).digest('hex'), size: escaping.byteLength }
  const climbing = await exchange(rogue, address, SUBMIT_PROTOCOL, concat(framed(json({ ...settings, project: escapingRef })), escaping))
  t.regex(climbing, /rejected the job.s project manifest: .*not a safe relative path.*etc\/passwd/)

  await waitFor('the coordinator to log every rejection', () => (coordinator.output().match(/rejected \/microfarm/g) ?? []).length >= 9)
  t.is(coordinator.child.exitCode, null, 'the coordinator is still running')

  // Everyone else is still served: a real node renders a real job.
  const scene = await makeScene(dir, { frames: 2 })
  startCli(t, ['node', '--name', 'honest', '--coordinator', address, '--work-dir', path.join(dir, 'work')])
  const submit = await runCli(['submit', scene, '--coordinator', address, '--wait', '--no-encode'], { timeoutMs: 120_000 })
  t.is(submit.code, 0, submit.stdout + submit.stderr)
  t.regex(submit.stdout, /completed: 2\/2 frames/)
  const jobs = JSON.parse((await runCli(['jobs', '--json', '--coordinator', address])).stdout) as Array<{ id: string, name: string }>
  t.deepEqual(jobs.map(j => j.name), ['scene-2f-160x90.blend'], 'the liar\'s job was never created')
})
