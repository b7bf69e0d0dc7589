// Transfer: a 200 MB .blend and a 50 MB frame moved disk to disk by MicroFarm,
// against a bare libp2p stream (tcp + noise + yamux, no MicroFarm code) and a
// plain TCP socket between the same two processes, in the same run.
import { spawn } from 'node:child_process'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises'
import { once } from 'node:events'
import { connect } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { BARE_YAMUX } from './lib/bare-config.js'
import { multiaddr } from '@multiformats/multiaddr'
import { CoordinatorClient } from '../src/client/coordinator-client.js'
import { createHost } from '../src/net/host.js'
import { ephemeralIdentity } from '../src/net/identity.js'
import { dialFirst } from '../src/net/dial.js'
import { sha256File } from '../src/net/payload.js'
import { ContentCache } from '../src/node/content-cache.js'
import { FrameUploader } from '../src/node/frame-uploader.js'
import { median } from './lib/processes.js'
import { submitBlend } from './lib/submit-blend.js'
import { MessageChannel } from '../src/protocol/framing.js'
import { coordinatorToNode } from '../src/protocol/messages.js'
import type { CoordinatorToNode, NodeToCoordinator } from '../src/protocol/messages.js'
import { PROTOCOL_VERSION, SESSION_PROTOCOL } from '../src/protocol/constants.js'
import { tinyPng } from '../test/helpers/tiny-png.js'

const MB = 1024 * 1024
const BLEND_BYTES = 200 * MB
const FRAME_BYTES = 50 * MB
const RUNS = 3
const TARGET = 0.9
const PEER = fileURLToPath(new URL('./lib/transfer-peer.ts', import.meta.url))
const POLYFILL = fileURLToPath(new URL('../src/polyfill.ts', import.meta.url))

export async function transfer (): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-bench-transfer-'))
  const peer = spawn(process.execPath, ['--import=tsx', `--import=${POLYFILL}`, PEER, dir], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    const blend = path.join(dir, 'download-source.bin')
    const frame = path.join(dir, 'frame.png')
    await randomFile(blend, BLEND_BYTES)
    await randomFile(frame, FRAME_BYTES)
    // A frame the coordinator takes: a PNG header (it checks format and size), then the bytes.
    const pngHead = tinyPng('bench')
    const frameHandle = await open(frame, 'r+')
    await frameHandle.write(pngHead.subarray(0, 33), 0, 33, 0)
    await frameHandle.close()
    const [line] = await once(peer.stdout.setEncoding('utf8'), 'data') as [string]
    const addresses = JSON.parse(line) as { coordinator: string, bare: string, tcpUpload: number, tcpDownload: number }

    const client = await CoordinatorClient.connect({ coordinator: addresses.coordinator })
    const host = await createHost({ privateKey: await ephemeralIdentity() })
    const openStream = async (protocol: string): Promise<Awaited<ReturnType<typeof host.dialProtocol>>> => (await dialFirst(host, [addresses.coordinator], protocol)).stream
    const bare = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux(BARE_YAMUX)] })

    const results: Record<string, number[]> = {}
    const time = async (name: string, work: () => Promise<void>): Promise<void> => {
      const started = performance.now()
      if (process.env.BENCH_VERBOSE !== undefined) process.stderr.write(`${name}…\n`)
      try {
        await work()
      } catch (err) {
        throw new Error(`${name}: ${err instanceof Error ? err.message : String((err as { type?: string })?.type ?? err)}`, { cause: err })
      }
      ;(results[name] ??= []).push((performance.now() - started) / 1000)
    }
    for (let run = 0; run < RUNS; run++) {
      // New content each run, so the coordinator cannot skip the upload.
      const handle = await open(blend, 'r+')
      await handle.write(randomBytes(16), 0, 16, 0)
      await handle.close()
      let jobId = ''
      await time('mf-blend-up', async () => {
        jobId = (await submitBlend(client, blend, { name: 'bench.blend', frames: '1', chunk: 1, format: 'PNG', priority: 0, encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' } })).jobId
      })
      const sha = await sha256File(blend)
      const cache = new ContentCache(path.join(dir, `cache-${run}`), Number.MAX_SAFE_INTEGER)
      await time('mf-blend-down', async () => { await cache.ensure({ sha256: sha, size: BLEND_BYTES }, openStream) })
      // Only the node a frame was handed to may deliver it: this host asks for frame 1 as a node.
      await takeFrameOne(openStream)
      // The uploader deletes a frame once delivered: give it a copy, made before the clock starts.
      const copy = path.join(dir, `frame-copy-${run}.png`)
      await copyFile(frame, copy)
      await time('mf-frame-up', async () => {
        await new Promise<void>((resolve, reject) => {
          const uploader = new FrameUploader({
            onUploaded: (_f, outcome, detail) => outcome === 'stored' ? resolve() : reject(new Error(`${outcome} ${detail}`)),
            onRetryLater: (_f, err) => reject(err),
            onFileKept: (_f, err) => reject(err),
          })
          uploader.setConnection(openStream)
          uploader.add({ jobId, frame: 1, path: copy, taskId: 'bench' })
        })
      })
      await time('bare-blend-up', async () => { await bareUpload(bare, addresses.bare, blend) })
      await time('bare-frame-up', async () => { await bareUpload(bare, addresses.bare, frame) })
      await time('bare-blend-down', async () => { await bareDownload(bare, addresses.bare, path.join(dir, `bare-down-${run}.bin`)) })
      await time('tcp-blend-up', async () => { await tcpUpload(addresses.tcpUpload, blend) })
      await time('tcp-frame-up', async () => { await tcpUpload(addresses.tcpUpload, frame) })
      await time('tcp-blend-down', async () => { await tcpDownload(addresses.tcpDownload, path.join(dir, `tcp-down-${run}.bin`)) })
    }
    await client.close()
    await host.stop()
    await bare.stop()

    const rate = (name: string, bytes: number): number => bytes / MB / median(results[name] ?? [Infinity])
    const line2 = (what: string, mf: string, bareName: string, tcpName: string, bytes: number): string => {
      const ratio = rate(mf, bytes) / rate(bareName, bytes)
      return `transfer, ${what}: ${ratio.toFixed(3)} of a bare libp2p stream (MicroFarm ${rate(mf, bytes).toFixed(0)} MB/s, bare libp2p ${rate(bareName, bytes).toFixed(0)} MB/s, plain TCP ${rate(tcpName, bytes).toFixed(0)} MB/s; MicroFarm = ${(rate(mf, bytes) / rate(tcpName, bytes)).toFixed(3)} of plain TCP; target ≥ ${TARGET}) ${ratio >= TARGET ? 'OK' : 'BELOW TARGET'}`
    }
    const costs = await extraCosts(dir, frame)
    const seconds = (name: string): string => `${median(results[name] ?? [Infinity]).toFixed(2)} s`
    return [
      line2('200 MB .blend submitted (hash, upload, verify, fsync)', 'mf-blend-up', 'bare-blend-up', 'tcp-blend-up', BLEND_BYTES),
      line2('200 MB .blend fetched by a node (verify, fsync)', 'mf-blend-down', 'bare-blend-down', 'tcp-blend-down', BLEND_BYTES),
      line2('50 MB frame uploaded by a node (hash, upload, verify, fsync, rename)', 'mf-frame-up', 'bare-frame-up', 'tcp-frame-up', FRAME_BYTES),
      `  where the time goes, 50 MB frame: MicroFarm ${seconds('mf-frame-up')} vs bare ${seconds('bare-frame-up')}; the sender's SHA-256 pass over the file ${costs.hashSeconds.toFixed(2)} s, ` +
        `the receiver's SHA-256 of what arrives (on the same thread as noise) about as much, fsync of a freshly written 50 MB file ${costs.fsyncSeconds.toFixed(2)} s; the bare stream does none of these`,
    ]
  } finally {
    peer.kill('SIGTERM')
    await once(peer, 'close')
    await rm(dir, { recursive: true, force: true })
  }
}

/** Says hello as a node and asks for work until the coordinator hands over frame 1 of the newest job. */
async function takeFrameOne (openStream: (protocol: string) => Promise<Awaited<ReturnType<Awaited<ReturnType<typeof createHost>>['dialProtocol']>>>): Promise<void> {
  const channel = new MessageChannel<CoordinatorToNode, NodeToCoordinator>(await openStream(SESSION_PROTOCOL))
  await channel.write({ type: 'hello', protocolVersion: PROTOCOL_VERSION, name: 'bench', cores: 1, blenderVersion: 'bench', platform: 'linux' })
  await channel.write({ type: 'request-work' })
  for (;;) {
    const message = await channel.read(coordinatorToNode, { signal: AbortSignal.timeout(30_000) })
    if (message.type === 'assign') return
  }
}

/** What MicroFarm does on top of moving bytes, timed alone on this machine: hashing a file, and fsync after writing one. */
async function extraCosts (dir: string, file: string): Promise<{ hashSeconds: number, fsyncSeconds: number }> {
  const hashes: number[] = []
  const syncs: number[] = []
  const body = randomBytes(FRAME_BYTES)
  for (let run = 0; run < RUNS; run++) {
    let started = performance.now()
    await sha256File(file)
    hashes.push((performance.now() - started) / 1000)
    const handle = await open(path.join(dir, `fsync-${run}.bin`), 'w')
    await handle.writeFile(body)
    started = performance.now()
    await handle.sync()
    syncs.push((performance.now() - started) / 1000)
    await handle.close()
  }
  return { hashSeconds: median(hashes), fsyncSeconds: median(syncs) }
}

async function randomFile (file: string, bytes: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  const out = createWriteStream(file)
  for (let written = 0; written < bytes; written += MB) {
    if (!out.write(randomBytes(MB))) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

async function copyFile (from: string, to: string): Promise<void> {
  await writeFile(to, '')
  const out = createWriteStream(to)
  createReadStream(from).pipe(out)
  await once(out, 'finish')
}

export type Bare = Awaited<ReturnType<typeof createLibp2p>>

async function bareUpload (node: Bare, address: string, file: string): Promise<void> {
  const stream = await node.dialProtocol(multiaddr(address), '/bench/upload/1.0.0')
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    if (!stream.send(chunk)) await stream.onDrain()
  }
  await stream.close()
  for await (const ack of stream) { void ack; break }
}

export async function bareDownload (node: Bare, address: string, target: string, bytes = BLEND_BYTES): Promise<void> {
  const stream = await node.dialProtocol(multiaddr(address), '/bench/download/1.0.0')
  await stream.close()
  const out = createWriteStream(target)
  for await (const chunk of stream) {
    // The simplest correct receiver: no pausing (the stream's own iterator drops
    // bytes held back by a pause when the sender closes), the file stream buffers.
    out.write(chunk instanceof Uint8Array ? chunk : chunk.subarray())
  }
  out.end()
  await once(out, 'finish')
  if ((await stat(target)).size !== bytes) throw new Error('bare download incomplete')
}

async function tcpUpload (port: number, file: string): Promise<void> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  const done = once(socket, 'data')
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    if (!socket.write(chunk)) await once(socket, 'drain')
  }
  socket.end()
  await done
  socket.destroy()
}

async function tcpDownload (port: number, target: string): Promise<void> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  const out = createWriteStream(target)
  socket.pipe(out)
  await once(out, 'finish')
}
