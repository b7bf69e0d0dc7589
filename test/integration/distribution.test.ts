import test from 'ava'
import type { ExecutionContext } from 'ava'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { CoordinatorClient } from '../../src/client/coordinator-client.js'
import { submitBlend } from '../../bench/lib/submit-blend.js'
import { fakeBlend } from '../../bench/lib/sim-nodes.js'
import { createBridge } from '../helpers/bridge-netns.js'
import { canCreateNetns } from '../helpers/netns.js'
import { startCli, waitFor } from '../helpers/cli.js'
import type { CliProcess } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'

// Peer-to-peer distribution on "machines on one switch": a coordinator and
// four simulated nodes (the real node code, a sleeping renderer), each in a
// network namespace of its own on a bridge, every link limited to 100 Mbit/s
// with tc. One node serves corrupted pieces (a test double); one is killed
// mid-fetch and started again. The others must get the 200 MB content,
// verified, with part of it from each other.

const MB = 1024 * 1024
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const NODE_ARGS = [process.execPath, '--import=tsx', `--import=${path.join(ROOT, 'src/polyfill.ts')}`]

function simNode (t: ExecutionContext, netns: string, fixture: string, coordinator: string, name: string, workDir: string): CliProcess {
  return startCli(t, [coordinator, name, '300', workDir], { netns, command: [...NODE_ARGS, path.join(ROOT, 'test/fixtures', fixture)], timeoutMs: 600_000 })
}

async function sha256File (file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

const netnsTest = canCreateNetns() ? test : test.skip

netnsTest('nodes get a 200 MB project from each other, verified; a node killed mid-fetch and a peer sending bad pieces do not stop the others', async (t) => {
  t.timeout(600_000)
  const bridge = await createBridge(5, 100)
  t.teardown(bridge.remove)
  const [coordinatorNs, ...nodeNs] = bridge.spaces
  if (coordinatorNs === undefined) throw new Error('no namespace')
  const work = await tempFolder(t, 'mf-distribution-')
  const coordinator = startCli(t, ['coordinator', '--no-tui', '--no-advertise', '--port', '0', '--output-dir', path.join(work, 'out')], { netns: coordinatorNs.name, timeoutMs: 600_000 })
  const address = await waitFor('the coordinator to listen', () => {
    const match = /listening as \S+ on (.*)$/m.exec(coordinator.output())
    return match?.[1]?.split(' ').find(addr => addr.startsWith(`/ip4/${coordinatorNs.ip}/`))
  }, 30_000)

  const names = ['n1', 'n2', 'liar', 'killed']
  const dirs = names.map(name => path.join(work, name))
  const nodes = names.map((name, i) => simNode(t, nodeNs[i]?.name ?? '', name === 'liar' ? 'corrupt-sim-node.ts' : 'sim-node.ts', address, name, dirs[i] ?? ''))
  for (const [i, node] of nodes.entries()) await waitFor(`${names[i]} to connect`, () => node.output().includes('serving pieces of content'), 60_000)

  const blend = await fakeBlend(path.join(work, 'src'), 200 * MB)
  const expected = await sha256File(blend)
  const client = await CoordinatorClient.connect({ coordinator: address })
  t.teardown(async () => { await client.close() })
  await submitBlend(client, blend, { name: 'big.blend', frames: '1-16', chunk: 1, format: 'PNG', priority: 0, encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' } })

  // What jobs --json shows while nodes fetch: bytes, rate, peers.
  const shown = await waitFor('a node\'s fetch in the job list', async () => (await client.listJobs()).flatMap(j => j.fetching ?? []).find(f => f.bytes > 0 && f.size === 200 * MB), 300_000, 250)
  t.true(shown.bytesPerSecond >= 0 && shown.peers >= 0)

  // Killed once it holds a quarter: its peers lose a source mid-piece.
  const killed = nodes[3] as CliProcess
  await waitFor('the last node to hold a quarter of the content', () => /: 25% \(/.test(killed.output()), 300_000)
  killed.child.kill('SIGKILL')
  await killed.exited

  const has = (name: string): RegExp => new RegExp(`^.*${name} has content ${expected.slice(0, 12)}.*$`, 'm')
  for (const name of ['n1', 'n2', 'liar']) await waitFor(`${name} to have the content`, () => has(name).test(coordinator.output()), 400_000, 500)

  // Started again on its folder, and given work of the same content: it goes on from the pieces it verified.
  const again = simNode(t, nodeNs[3]?.name ?? '', 'sim-node.ts', address, 'killed', dirs[3] ?? '')
  await waitFor('the node to come back', () => again.output().includes('serving pieces of content'), 60_000)
  await submitBlend(client, blend, { name: 'again.blend', frames: '1-12', chunk: 1, format: 'PNG', priority: 0, encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' } })
  await waitFor('the restarted node to have the content', () => has('killed').test(coordinator.output()), 300_000, 500)
  const resumed = /(\d+) piece\(s\) were here from an earlier run/.exec(again.output())
  t.truthy(resumed, again.output())
  t.true(Number(resumed?.[1]) > 0)

  for (const [i, dir] of dirs.entries()) {
    t.is(await sha256File(path.join(dir, 'content', expected)), expected, `${names[i]}'s copy`)
  }
  const log = coordinator.output()
  const fromPeers = [...log.matchAll(/MB from the coordinator, (\d+(?:\.\d+)?) MB from peers/g)].map(m => Number(m[1]))
  t.true(fromPeers.reduce((a, b) => a + b, 0) > 0, 'nodes served each other')
  // Whoever asked the liar for a piece dropped it and said so; nobody took a piece from it.
  t.regex(log, /got a bad piece \(\d+\) of content [0-9a-f]{12}… from liar; liar is no longer a source of it/)
  t.notRegex(log, /has content .*\(.*liar \d/)
  t.log(log.split('\n').filter(l => / has content |bad piece/.test(l)).join('\n'))
})
