import path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import { CoordinatorClient } from '../../src/client/coordinator-client.js'
import { farmEvent } from '../../src/protocol/farm-events.js'
import type { FarmEvent } from '../../src/protocol/farm-events.js'
import { fakeBlend } from '../../bench/lib/sim-nodes.js'
import { submitBlend } from '../../bench/lib/submit-blend.js'
import { coordinatorAddress, startCli, waitFor, waitForJob } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'

// `microfarm events --json` as a script runs it (issue 14 item 5): a real
// coordinator and a simulated node render a job; the watcher prints each of
// the job's documented events once, in order, as JSON lines, and a watcher of
// another job sees none of them.

const SIM_NODE = fileURLToPath(new URL('../fixtures/sim-node.ts', import.meta.url))
const POLYFILL = fileURLToPath(new URL('../../src/polyfill.ts', import.meta.url))

function eventsIn (output: string): FarmEvent[] {
  return output.split('\n').filter(line => line.startsWith('{')).map(line => farmEvent.parse(JSON.parse(line)))
}

test('a job\'s run: created, each frame done once, completed, in that order, one JSON line each; a watch of another job sees none of it', async (t) => {
  const dir = await tempFolder(t, 'mf-events-')
  const coordinator = startCli(t, ['coordinator', '--output-dir', path.join(dir, 'out'), '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  const all = startCli(t, ['events', '--json', '--coordinator', address])
  const other = startCli(t, ['events', '--json', '--job', '2', '--coordinator', address])
  await waitFor('both watches to start', () => eventsIn(all.output()).length > 0 && eventsIn(other.output()).length > 0, 30_000)
  t.like(eventsIn(other.output())[0], { event: 'watching', jobId: '2' })

  startCli(t, [], { command: [process.execPath, '--import=tsx', `--import=${POLYFILL}`, SIM_NODE, address, 'sim', '200', path.join(dir, 'sim')] })
  const client = await CoordinatorClient.connect({ coordinator: address })
  t.teardown(async () => { await client.close() })
  await submitBlend(client, await fakeBlend(dir), { name: 'shot.blend', frames: '1-5', chunk: 1, format: 'PNG', priority: 0, encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' } })
  await waitForJob(address, '1', 'completed', j => j.state === 'completed', 60_000)
  await waitFor('the watcher to print the completion', () => eventsIn(all.output()).some(e => e.event === 'job-state' && e.state === 'completed'))

  t.is(await all.stop(), 0, 'Ctrl-C (SIGTERM) ends a watch cleanly')
  const seen = eventsIn(all.output()).filter(e => e.event !== 'watching')
  t.deepEqual(seen.map(e => e.event), ['job-created', 'frame-done', 'frame-done', 'frame-done', 'frame-done', 'frame-done', 'job-state'], JSON.stringify(seen))
  t.like(seen[0], { event: 'job-created', jobId: '1', name: 'shot.blend', frames: 5 })
  const frames = seen.flatMap(e => e.event === 'frame-done' ? [e.frame] : [])
  t.deepEqual([...frames].sort(), [1, 2, 3, 4, 5], 'each frame once')
  t.deepEqual(seen.flatMap(e => e.event === 'frame-done' ? [e.done] : []), [1, 2, 3, 4, 5], 'counted as they came')
  t.true(seen.every(e => e.event === 'frame-done' ? e.node === 'sim' : true))
  t.like(seen[6], { event: 'job-state', jobId: '1', state: 'completed' })
  t.true(seen.every((e, i) => i === 0 || e.at >= (seen[i - 1]?.at ?? '')), 'times in order')
  t.deepEqual(eventsIn(other.output()).map(e => e.event), ['watching'], 'a watch of job 2 sees nothing of job 1')
})

test('jobs --watch draws the list again and again until interrupted', async (t) => {
  const dir = await tempFolder(t, 'mf-watch-')
  const coordinator = startCli(t, ['coordinator', '--output-dir', path.join(dir, 'out'), '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  const watch = startCli(t, ['jobs', '--watch', '--coordinator', address])
  await waitFor('two lists', () => (watch.output().match(/^no jobs$/gm) ?? []).length >= 2, 30_000)
  t.is(await watch.stop(), 0)
})
