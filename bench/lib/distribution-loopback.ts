// One transfer coordinator → node on unlimited loopback, piece by piece, against
// a bare libp2p stream between the same two processes, in the same run.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rename, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { CoordinatorClient } from '../../src/client/coordinator-client.js'
import { createHost } from '../../src/net/host.js'
import { ephemeralIdentity } from '../../src/net/identity.js'
import { sha256File } from '../../src/net/payload.js'
import { PIECES_PROTOCOL } from '../../src/protocol/constants.js'
import { fetchPieces } from '../../src/pieces/piece-fetcher.js'
import { pieceLink } from '../../src/pieces/piece-link.js'
import { bareDownload } from '../transfer.js'
import { BARE_YAMUX } from './bare-config.js'
import { median } from './processes.js'
import { fakeBlend } from './sim-nodes.js'
import { submitBlend } from './submit-blend.js'

const MB = 1024 * 1024
const BYTES = 200 * MB
const RUNS = 5
const TARGET = 0.9
const PEER = fileURLToPath(new URL('./transfer-peer.ts', import.meta.url))
const POLYFILL = fileURLToPath(new URL('../../src/polyfill.ts', import.meta.url))

export async function loopbackPieces (): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-bench-pieces-'))
  // transfer-peer.ts serves this file on its bare stream; the same bytes are submitted to its coordinator.
  const source = await fakeBlend(dir, BYTES)
  await rename(source, path.join(dir, 'download-source.bin'))
  const peer = spawn(process.execPath, ['--import=tsx', `--import=${POLYFILL}`, PEER, dir], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    const [line] = await once(peer.stdout.setEncoding('utf8'), 'data') as [string]
    const addresses = JSON.parse(line) as { coordinator: string, bare: string }
    const file = path.join(dir, 'download-source.bin')
    const client = await CoordinatorClient.connect({ coordinator: addresses.coordinator })
    await submitBlend(client, file, { name: 'bench.blend', frames: '1', chunk: 1, format: 'PNG', priority: 0, encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' } })
    await client.close()
    const sha = await sha256File(file)
    const host = await createHost({ privateKey: await ephemeralIdentity() })
    const bare = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux(BARE_YAMUX)] })
    const open = async (signal: AbortSignal): Promise<ReturnType<typeof pieceLink>> => pieceLink(await host.dialProtocol(multiaddr(addresses.coordinator), PIECES_PROTOCOL, { signal }), sha)
    try {
      // The piece list is made on the first request: not part of any transfer timed below.
      const warm = await open(AbortSignal.timeout(120_000))
      const list = await warm.list(AbortSignal.timeout(120_000))
      await warm.close()
      const pieces: number[] = []
      const bareRuns: number[] = []
      for (let run = 0; run < RUNS; run++) {
        const target = path.join(dir, `pieces-${run}.part`)
        let started = performance.now()
        await fetchPieces({
          list,
          tempPath: target,
          statePath: `${target}.have`,
          signal: AbortSignal.timeout(600_000),
          sources: { coordinator: open, peer: async () => { throw new Error('no peers here') }, announce: async () => [], badPiece: async () => {} },
        })
        pieces.push((performance.now() - started) / 1000)
        await rm(target, { force: true })
        started = performance.now()
        await bareDownload(bare, addresses.bare, path.join(dir, `bare-${run}.bin`), BYTES)
        bareRuns.push((performance.now() - started) / 1000)
        await rm(path.join(dir, `bare-${run}.bin`), { force: true })
      }
      const rate = (runs: number[]): number => BYTES / MB / median(runs)
      const ratio = rate(pieces) / rate(bareRuns)
      return `distribution, one 200 MB transfer coordinator → node on loopback in ${list.pieceBytes / MB} MiB pieces (verify each, sparse write, fsync): ` +
        `${ratio.toFixed(3)} of a bare libp2p stream (pieces ${rate(pieces).toFixed(0)} MB/s, bare ${rate(bareRuns).toFixed(0)} MB/s; target ≥ ${TARGET}) ${ratio >= TARGET ? 'OK' : 'BELOW TARGET'}`
    } finally {
      await host.stop()
      await bare.stop()
    }
  } finally {
    peer.kill('SIGTERM')
    await once(peer, 'close')
    await rm(dir, { recursive: true, force: true })
  }
}
