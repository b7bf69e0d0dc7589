// Distribution: a job's content to many nodes, peer to peer (src/pieces).
// 1) 1 GB to 8 simulated nodes, each in a network namespace on one bridge with
//    every link limited to the same rate (tc), against one 1 GB transfer over
//    one such link, in the same run. A star (every node from the coordinator)
//    costs about 8; the goal is ≤ 1.5.
// 2) One transfer coordinator → node on unlimited loopback, piece by piece
//    (verify, sparse write, fsync), against a bare libp2p
//    stream in the same run; the goal is ≥ 0.9.
// BENCH_DISTRIBUTION_MB (default 1024) and BENCH_DISTRIBUTION_MBIT (default 100) change the first.
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CoordinatorClient } from '../src/client/coordinator-client.js'
import { createHost } from '../src/net/host.js'
import { ephemeralIdentity } from '../src/net/identity.js'
import { PIECES_PROTOCOL } from '../src/protocol/constants.js'
import { pieceLink } from '../src/pieces/piece-link.js'
import { multiaddr } from '@multiformats/multiaddr'
import { createBridge } from '../test/helpers/bridge-netns.js'
import { canCreateNetns } from '../test/helpers/netns.js'
import { sha256File } from '../src/net/payload.js'
import { microfarm, start, stopAll, waitFor } from './lib/processes.js'
import type { Running } from './lib/processes.js'
import { fakeBlend } from './lib/sim-nodes.js'
import { submitBlend } from './lib/submit-blend.js'
import { loopbackPieces } from './lib/distribution-loopback.js'

const MB = 1024 * 1024
const SIZE_MB = Number(process.env.BENCH_DISTRIBUTION_MB ?? 1024)
const RATE_MBIT = Number(process.env.BENCH_DISTRIBUTION_MBIT ?? 100)
const NODES = 8
const TARGET = 1.5
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SIM_NODE = path.join(ROOT, 'test/fixtures/sim-node.ts')
const ENCODE = { enabled: false, codec: 'h264', quality: 'high', location: 'parent' } as const

export async function distribution (): Promise<string[]> {
  const lines = [await loopbackPieces()]
  if (!canCreateNetns()) return [...lines, 'distribution, spread: skipped (network namespaces need root)']
  return [...lines, ...await spread()]
}

function simNode (netns: string, coordinator: string, name: string, workDir: string): Running {
  return start(process.execPath, ['--import=tsx', `--import=${path.join(ROOT, 'src/polyfill.ts')}`, SIM_NODE, coordinator, name, '1000', workDir], { netns })
}

async function spread (): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-bench-distribution-'))
  const bridge = await createBridge(NODES + 2)
  try {
    const [coordinatorNs, ...nodeNs] = bridge.spaces
    if (coordinatorNs === undefined) throw new Error('no namespace')
    const coordinator = microfarm(['coordinator', '--no-tui', '--no-advertise', '--port', '0', '--output-dir', path.join(dir, 'out')], { netns: coordinatorNs.name })
    const address = await waitFor('the coordinator to listen', () => {
      const match = /listening as \S+ on (.*)$/m.exec(coordinator.output())
      return match?.[1]?.split(' ').find(addr => addr.startsWith(`/ip4/${coordinatorNs.ip}/`))
    }, 30_000, 20)
    const blend = await fakeBlend(path.join(dir, 'src'), SIZE_MB * MB)
    const sha = await sha256File(blend)
    const client = await CoordinatorClient.connect({ coordinator: address })
    try {
      // Stored while the links are still unlimited, and its piece list made, before any clock starts.
      const submit = async (frames: string): Promise<void> => { await submitBlend(client, blend, { name: 'big.blend', frames, chunk: 1, format: 'PNG', priority: 0, encode: ENCODE }) }
      await submit('1')
      await warmPieceList(address, sha, SIZE_MB * MB)
      await bridge.limit(RATE_MBIT)
      const had = (name: string): boolean => new RegExp(`${name} has content ${sha.slice(0, 12)}`).test(coordinator.output())

      // One transfer over one link: a single node takes the job queued above.
      const lone = simNode(nodeNs[0]?.name ?? '', address, 'lone', path.join(dir, 'lone'))
      let started = performance.now()
      await waitFor('the lone node to have the content', () => had('lone'), 1_800_000, 50)
      const one = (performance.now() - started) / 1000
      await lone.stop()
      await waitFor('the lone node to leave', () => /node left: lone/.test(coordinator.output()), 30_000, 50)

      const names = Array.from({ length: NODES }, (_, i) => `n${i + 1}`)
      const nodes = names.map((name, i) => simNode(nodeNs[i + 1]?.name ?? '', address, name, path.join(dir, name)))
      for (const [i, node] of nodes.entries()) await waitFor(`${names[i]} to connect`, () => node.output().includes('serving pieces of content'), 120_000, 50)
      started = performance.now()
      await submit(`1-${2 * NODES}`)
      await waitFor('every node to have the content', () => names.every(had), 3_600_000, 50)
      const all = (performance.now() - started) / 1000
      const log = coordinator.output()
      const bytes = (re: RegExp): number => [...log.matchAll(re)].reduce((sum, m) => sum + Number(m[1]), 0)
      const fromCoordinator = bytes(/n\d+ has content .*?: (\d+(?:\.\d+)?) MB from the coordinator/g)
      const fromPeers = bytes(/n\d+ has content .*? MB from the coordinator, (\d+(?:\.\d+)?) MB from peers/g)
      const ratio = all / one
      return [
        `distribution, ${SIZE_MB} MiB to ${NODES} nodes at ${RATE_MBIT} Mbit/s each: ${all.toFixed(1)} s until every node has it, one transfer over one such link ${one.toFixed(1)} s: ` +
          `${ratio.toFixed(2)} of one transfer (star ≈ ${NODES}; target ≤ ${TARGET}) ${ratio <= TARGET ? 'OK' : 'ABOVE TARGET'}`,
        `  the ${NODES} nodes got ${fromCoordinator.toFixed(0)} MB from the coordinator and ${fromPeers.toFixed(0)} MB from each other`,
      ]
    } finally {
      await client.close()
    }
  } finally {
    await stopAll()
    await bridge.remove()
    await rm(dir, { recursive: true, force: true })
  }
}

/** Asks the coordinator for the content's piece list once: it is computed on the first request and kept. */
async function warmPieceList (address: string, sha256: string, size: number): Promise<void> {
  const host = await createHost({ privateKey: await ephemeralIdentity() })
  try {
    const link = pieceLink(await host.dialProtocol(multiaddr(address), PIECES_PROTOCOL), sha256)
    const list = await link.list(AbortSignal.timeout(600_000))
    await link.close()
    if (list.size !== size) throw new Error(`the piece list is of ${list.size} bytes, not ${size}`)
  } finally {
    await host.stop()
  }
}
