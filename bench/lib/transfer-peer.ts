// The far side of the transfer benchmark, as its own process: a MicroFarm
// coordinator, a bare libp2p host (tcp + noise + yamux, no MicroFarm code) and
// a plain TCP server. Prints their addresses as one JSON line.
// Usage: node --import tsx --import ./src/polyfill.ts bench/lib/transfer-peer.ts DIR [--coordinator-heap]
// --coordinator-heap: the process's heap is kept as `microfarm coordinator`
// keeps it (src/cli/heap-policy.ts); without it, V8's defaults.
import { createReadStream, createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { createServer } from 'node:net'
import path from 'node:path'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { BARE_YAMUX } from './bare-config.js'
import type { Stream } from '@libp2p/interface'
import { Coordinator } from '../../src/coordinator/coordinator.js'
import { CoordinatorHeap } from '../../src/cli/heap-policy.js'

const [dir, heap] = process.argv.slice(2)
if (dir === undefined) throw new Error('usage: transfer-peer.ts DIR [--coordinator-heap]')
const source = path.join(dir, 'download-source.bin')

const coordinator = new Coordinator({ farmName: 'bench', outputDir: path.join(dir, 'coordinator'), port: 0, advertise: false, ...(heap === '--coordinator-heap' ? { pieceStreams: new CoordinatorHeap() } : {}) })
coordinator.events.on((event) => {
  if (event.type === 'peer-error' || event.type === 'warning') process.stderr.write(`transfer peer: ${JSON.stringify(event)}\n`)
})
await coordinator.start()

const bare = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux(BARE_YAMUX)] })
// Upload: write what arrives to disk at disk speed, then answer one byte.
await bare.handle('/bench/upload/1.0.0', async (stream: Stream) => {
  const out = createWriteStream(path.join(dir, 'bare-upload.bin'))
  for await (const chunk of stream) {
    const buf = chunk instanceof Uint8Array ? chunk : chunk.subarray()
    // The simplest correct receiver: no pausing, the file stream buffers.
    out.write(buf)
  }
  out.end()
  await once(out, 'finish')
  stream.send(new Uint8Array([1]))
  await stream.close()
})
// Download: send a file from disk.
await bare.handle('/bench/download/1.0.0', async (stream: Stream) => {
  for await (const chunk of createReadStream(source, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    if (!stream.send(chunk)) await stream.onDrain()
  }
  await stream.close()
})

// Plain TCP: one port takes a file to disk (answering one byte when written), one sends a file.
const tcpUpload = createServer({ allowHalfOpen: true }, (socket) => {
  const out = createWriteStream(path.join(dir, 'tcp-upload.bin'))
  socket.pipe(out)
  out.on('finish', () => socket.end(Buffer.from([1])))
})
const tcpDownload = createServer((socket) => { createReadStream(source).pipe(socket) })
for (const server of [tcpUpload, tcpDownload]) {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
}

process.stdout.write(JSON.stringify({
  coordinator: coordinator.multiaddrs().find(a => a.startsWith('/ip4/127.0.0.1/')),
  bare: bare.getMultiaddrs()[0]?.toString(),
  tcpUpload: (tcpUpload.address() as { port: number }).port,
  tcpDownload: (tcpDownload.address() as { port: number }).port,
}) + '\n')
process.on('SIGTERM', () => { void Promise.all([coordinator.stop(), bare.stop()]).then(() => process.exit(0)) })
