import test from 'ava'
import type { ExecutionContext } from 'ava'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { CoordinatorClient } from '../../src/client/coordinator-client.js'
import { submitBlend } from '../../bench/lib/submit-blend.js'
import { fakeBlend } from '../../bench/lib/sim-nodes.js'
import { coordinatorAddress, startCli, waitFor } from '../helpers/cli.js'
import type { CliProcess } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'

// A node restarted with content in its cache is a source of it again: it tells
// the coordinator what it holds when it reconnects, so a node fetching that
// content later gets it from the restarted one (on loopback, real processes:
// the coordinator from dist/, simulated nodes with the real node code).

const MB = 1024 * 1024
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const NODE_ARGS = [process.execPath, '--import=tsx', `--import=${path.join(ROOT, 'src/polyfill.ts')}`]
const SETTINGS = { frames: '1-2', chunk: 1, format: 'PNG', priority: 0, encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' } } as const

function simNode (t: ExecutionContext, coordinator: string, name: string, workDir: string): CliProcess {
  return startCli(t, [coordinator, name, '200', workDir], { command: [...NODE_ARGS, path.join(ROOT, 'test/fixtures/sim-node.ts')], timeoutMs: 240_000 })
}

test('a node restarted with content cached announces it and serves it to a node that fetches it later', async (t) => {
  t.timeout(240_000)
  const work = await tempFolder(t, 'mf-dist-restart-')
  const coordinator = startCli(t, ['coordinator', '--no-tui', '--no-advertise', '--port', '0', '--output-dir', path.join(work, 'out')], { timeoutMs: 240_000 })
  const address = await coordinatorAddress(coordinator)
  const client = await CoordinatorClient.connect({ coordinator: address })
  t.teardown(async () => { await client.close() })
  const blend = await fakeBlend(path.join(work, 'src'), 40 * MB)
  const sha = createHash('sha256').update(await readFile(blend)).digest('hex')
  const has = (name: string): RegExp => new RegExp(`^.*${name} has content ${sha.slice(0, 12)}.*$`, 'm')

  const first = simNode(t, address, 'holder', path.join(work, 'holder'))
  await submitBlend(client, blend, { ...SETTINGS, name: 'first.blend' })
  await waitFor('the holder to have the content', () => has('holder').test(coordinator.output()), 120_000, 250)
  await first.stop()

  const again = simNode(t, address, 'holder', path.join(work, 'holder'))
  await waitFor('the restarted holder to announce what it holds', () => again.output().includes('told the coordinator it holds 1 content(s)'), 60_000, 250)
  const late = simNode(t, address, 'late', path.join(work, 'late'))
  await waitFor('the late node to connect', () => late.output().includes('serving pieces of content'), 60_000, 250)
  await submitBlend(client, blend, { ...SETTINGS, frames: '1-8', name: 'second.blend' })
  const line = await waitFor('the late node to have the content', () => has('late').exec(coordinator.output())?.[0], 120_000, 250)
  t.log(line)
  const fromPeers = Number(/([\d.]+) MB from peers/.exec(line)?.[1] ?? 0)
  t.true(fromPeers > 0, `the late node got nothing from the restarted holder: ${line}`)
})
