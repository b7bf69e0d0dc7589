import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import { CoordinatorClient } from '../../src/client/coordinator-client.js'
import { coordinatorAddress, startCli, waitFor, waitForJob } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'
import { fakeBlend } from '../../bench/lib/sim-nodes.js'

// The tail of a job with one slow and one fast node (real node code, a renderer
// that sleeps instead of Blender): the fast node renders a copy of the frame the
// slow one holds, the first complete copy wins, the other is dropped, and no
// frame is written or counted twice.

const SIM_NODE = fileURLToPath(new URL('../fixtures/sim-node.ts', import.meta.url))
const POLYFILL = fileURLToPath(new URL('../../src/polyfill.ts', import.meta.url))

test('backup renders: the last frames do not wait on the slow node, and nothing is written twice', async (t) => {
  const dir = await tempFolder(t, 'mf-backup-')
  const out = path.join(dir, 'out')
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  const sim = (name: string, ms: number): ReturnType<typeof startCli> => startCli(t, [], {
    command: [process.execPath, '--import=tsx', `--import=${POLYFILL}`, SIM_NODE, address, name, String(ms), path.join(dir, name)],
  })
  const slow = sim('slow', 3000)
  await waitFor('slow to join', () => coordinator.output().includes('node joined: slow'))
  const client = await CoordinatorClient.connect({ coordinator: address })
  t.teardown(async () => { await client.close() })
  const { jobId } = await client.submit(await fakeBlend(dir), {
    name: 'tail.blend', frames: '1-12', chunk: 1, format: 'PNG', priority: 0,
    encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' },
  })
  // Slow takes frame 1 and, as its prefetch, frame 2; then the fast node arrives.
  await waitFor('slow to hold two frames', () => /frames 2 → slow/.test(coordinator.output()))
  sim('fast', 50)
  await waitForJob(address, jobId, 'completed', j => j.state === 'completed', 60_000)

  const log = coordinator.output()
  // The frame slow had queued behind its first one was copied to fast, which delivered it.
  t.regex(log, /frames 2 → fast/, 'a backup copy of frame 2 went to the fast node')
  const manifest = JSON.parse(await readFile(path.join(out, `job_${jobId}_info.json`), 'utf8')) as { job: { frames: Record<string, { state: string, node: string }> } }
  t.is(manifest.job.frames['2']?.node, 'fast')
  t.true(Object.values(manifest.job.frames).every(f => f.state === 'done'))
  // Counted once each, written once each (no stray temporaries), and slow was told to drop its copy.
  for (let frame = 1; frame <= 12; frame++) t.is(log.match(new RegExp(`frame ${frame} done by`, 'g'))?.length, 1, `frame ${frame}`)
  const files = await readdir(path.join(out, `job_${jobId}`))
  t.is(files.length, 12, files.join(' '))
  await waitFor('slow to drop its copy of frame 2', () => /frame 2 dropped/.test(slow.output()), 10_000)
  t.notRegex(slow.output(), /frame 2 delivered/, 'the slow copy of frame 2 was never delivered')
})
