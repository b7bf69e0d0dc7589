import { execFile } from 'node:child_process'
import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { CoordinatorClient } from '../../src/client/coordinator-client.js'
import { coordinatorAddress, startCli, waitFor, waitForJob } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'
import { fakeBlend } from '../../bench/lib/sim-nodes.js'
import { submitBlend } from '../../bench/lib/submit-blend.js'

// The coordinator's disk fills up in the middle of a job: it says so, the node
// keeps its frames and sends them again, a new .blend is refused with the
// reason, and once there is room every frame arrives, once. The output folder
// is a small tmpfs mounted for this test (root only, like the mDNS test).

const exec = promisify(execFile)
const SIM_NODE = fileURLToPath(new URL('../fixtures/sim-node.ts', import.meta.url))
const POLYFILL = fileURLToPath(new URL('../../src/polyfill.ts', import.meta.url))
const FRAMES = 30

async function smallDisk (t: ExecutionContext, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  await exec('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', dir])
  // Registered before the processes start, so it runs after they are stopped.
  t.teardown(async () => { await exec('umount', ['-l', dir]) })
}

/** Writes `file` until the disk has no room left. */
async function fillDisk (file: string): Promise<void> {
  const handle = await open(file, 'w')
  const block = Buffer.alloc(1024 * 1024, 1)
  try {
    for (;;) await handle.write(block)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  } finally {
    await handle.close()
  }
}

const root = typeof process.getuid === 'function' && process.getuid() === 0
const rootTest = root || process.env.CI === 'true' ? test : test.skip
if (!root && process.env.CI !== 'true') test('disk-full test skipped: mounting a small tmpfs needs root', (t) => { t.pass() })

rootTest('a full disk on the coordinator: nodes keep their frames, submit says why, nothing is lost once there is room', async (t) => {
  const dir = await tempFolder(t, 'mf-diskfull-')
  const out = path.join(dir, 'out')
  await smallDisk(t, out)
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  const node = startCli(t, [], { command: [process.execPath, '--import=tsx', `--import=${POLYFILL}`, SIM_NODE, address, 'sim', '150', path.join(dir, 'work')] })
  await waitFor('the node to join', () => coordinator.output().includes('node joined: sim'))
  const client = await CoordinatorClient.connect({ coordinator: address })
  t.teardown(async () => { await client.close() })
  const { jobId } = await submitBlend(client, await fakeBlend(dir), {
    name: 'full.blend', frames: `1-${FRAMES}`, chunk: 1, format: 'PNG', priority: 0,
    encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' },
  })
  await waitFor('a few frames', () => (coordinator.output().match(/done by sim/g) ?? []).length >= 3)

  const filler = path.join(out, 'filler.bin')
  await fillDisk(filler)
  await waitFor('the coordinator to say its disk is full', () => /no room on the coordinator's disk for frame \d+ of job/.test(coordinator.output()), 30_000)
  await waitFor('the node to keep a frame', () => /kept on disk, to be sent again shortly \(no room on the coordinator's disk/.test(node.output()), 30_000)
  t.regex(coordinator.output(), /nodes keep their frames and send them again when there is room/)

  const refused = await t.throwsAsync(submitBlend(client, await fakeBlend(path.join(dir, 'other')), {
    name: 'other.blend', frames: '1-2', chunk: 1, format: 'PNG', priority: 0,
    encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' },
  }))
  t.regex(refused?.message ?? '', /no room on the coordinator's disk for the list of this job's files: \d+ B needed \(and 16 MiB kept free\), .* free under .*content \(free some space there\)/)
  const during = (await client.listJobs()).find(job => job.id === jobId)
  t.not(during?.state, 'failed', 'a full disk does not fail the job')

  await rm(filler)
  await waitForJob(address, jobId, 'completed', job => job.state === 'completed', 90_000)
  const log = coordinator.output()
  t.is(log.match(/warning: no room on the coordinator's disk for frame/g)?.length, 1, 'said once, not for every upload turned away')
  t.regex(log, /the coordinator's disk has room again: frames kept on the nodes are coming in/)
  for (let frame = 1; frame <= FRAMES; frame++) t.is(log.match(new RegExp(`frame ${frame} done by`, 'g'))?.length, 1, `frame ${frame}`)
  const files = (await readdir(path.join(out, `job_${jobId}`))).filter(name => /^frame_\d+\.png$/.test(name))
  t.is(files.length, FRAMES)
  t.notRegex(node.output(), /not needed any more/, 'no frame was thrown away')
  // The manifests that could not be written while the disk was full are written again.
  await waitFor('the manifest to say completed', async () => {
    const manifest = JSON.parse(await readFile(path.join(out, `job_${jobId}_info.json`), 'utf8')) as { job: { state: string } }
    return manifest.job.state === 'completed'
  }, 10_000)
  t.pass()
})
