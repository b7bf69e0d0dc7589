import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { CoordinatorClient } from '../../src/client/coordinator-client.js'
import { coordinatorAddress, runCli, startCli, waitFor, waitForJob } from '../helpers/cli.js'
import type { CliProcess } from '../helpers/cli.js'
import { freePort } from '../helpers/free-port.js'
import { tempFolder } from '../helpers/temp-folder.js'
import { fakeBlend } from '../../bench/lib/sim-nodes.js'
import { submitBlend } from '../../bench/lib/submit-blend.js'
import type { NodeSummary } from '../../src/protocol/messages.js'

// drain, disable, enable and unblock as a user types them, against a real
// coordinator and two real nodes (a renderer that sleeps instead of Blender),
// across a restart of the coordinator.

const SIM_NODE = fileURLToPath(new URL('../fixtures/sim-node.ts', import.meta.url))
const POLYFILL = fileURLToPath(new URL('../../src/polyfill.ts', import.meta.url))

async function cli (address: string, ...args: string[]): Promise<string> {
  const result = await runCli([...args, '--coordinator', address])
  if (result.code !== 0) throw new Error(`microfarm ${args.join(' ')} failed: ${result.stderr}`)
  return result.stdout
}

async function nodes (address: string): Promise<NodeSummary[]> {
  return JSON.parse(await cli(address, 'nodes', '--json')) as NodeSummary[]
}

async function submit (t: ExecutionContext, address: string, dir: string, frames: string): Promise<string> {
  const client = await CoordinatorClient.connect({ coordinator: address })
  t.teardown(async () => { await client.close() })
  const { jobId } = await submitBlend(client, await fakeBlend(dir), {
    name: 'shot.blend', frames, chunk: 1, format: 'PNG', priority: 0,
    encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' },
  })
  return jobId
}

test('drain, disable, enable and unblock change who renders, and hold across a coordinator restart', async (t) => {
  const dir = await tempFolder(t, 'mf-nodes-')
  const out = path.join(dir, 'out')
  const port = await freePort()
  const start = (): CliProcess => startCli(t, ['coordinator', '--output-dir', out, '--port', String(port), '--no-advertise', '--no-tui'])
  let coordinator = start()
  const address = await coordinatorAddress(coordinator)
  for (const name of ['a', 'b']) {
    startCli(t, [], { command: [process.execPath, '--import=tsx', `--import=${POLYFILL}`, SIM_NODE, address, name, '200', path.join(dir, name)] })
  }
  await waitFor('both nodes to join', () => /node joined: a/.test(coordinator.output()) && /node joined: b/.test(coordinator.output()))

  t.regex(await cli(address, 'disable', 'a'), /^a disabled/)
  t.like((await nodes(address)).find(n => n.name === 'a'), { state: 'disabled', admin: 'disabled', online: true })
  const first = await submit(t, address, dir, '1-6')
  const job1 = await waitForJob(address, first, 'completed', j => j.state === 'completed', 60_000)
  t.deepEqual(job1.byNode, { b: 6 }, 'the disabled node renders nothing')

  // A restart: the node states come back from disk, and the nodes reconnect.
  await coordinator.stop()
  coordinator = start()
  await coordinatorAddress(coordinator)
  await waitFor('both nodes to rejoin', () => /node joined: a/.test(coordinator.output()) && /node joined: b/.test(coordinator.output()), 60_000)
  t.like((await nodes(address)).find(n => n.name === 'a'), { state: 'disabled', online: true })
  t.regex(await cli(address, 'enable', 'a'), /^a enabled/)
  t.regex(await cli(address, 'drain', 'b'), /^b drained/)
  const second = await submit(t, address, dir, '1-6')
  const job2 = await waitForJob(address, second, 'completed', j => j.state === 'completed', 60_000)
  t.deepEqual(job2.byNode, { a: 6 }, 'the drained node takes nothing new')
  const table = await cli(address, 'nodes')
  t.regex(table, /^NODE\s+STATE\s+JOB: FRAMES\s+DEVICE\s+BLENDER\s+DONE\s+AVG\s+SEEN/)
  t.regex(table, /\nb\s+drained\s/)

  // A blocklist entry (as three failed frames leave it), cleared by unblock; the cleared list is on disk.
  await coordinator.stop()
  const manifestPath = path.join(out, `job_${second}_info.json`)
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { job: { blocklist: Record<string, string> } }
  manifest.job.blocklist = { b: '3 frames failed on it' }
  await writeFile(manifestPath, JSON.stringify(manifest))
  coordinator = start()
  await coordinatorAddress(coordinator)
  await waitFor('b to rejoin', () => /node joined: b/.test(coordinator.output()), 60_000)
  t.like((await nodes(address)).find(n => n.name === 'b'), { state: 'drained', blocklisted: { [second]: '3 frames failed on it' } })
  t.regex(await cli(address, 'unblock', second, 'b'), new RegExp(`^job ${second}: b may render it again`))
  t.regex(await cli(address, 'enable', 'b'), /^b enabled/)
  await coordinator.stop()
  coordinator = start()
  await coordinatorAddress(coordinator)
  await waitFor('b to rejoin', () => /node joined: b/.test(coordinator.output()), 60_000)
  t.like((await nodes(address)).find(n => n.name === 'b'), { state: 'idle', admin: 'enabled', blocklisted: {} })
})
