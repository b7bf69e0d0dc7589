import { createHash } from 'node:crypto'
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { CoordinatorClient } from '../../src/client/coordinator-client.js'
import { fakeBlend } from '../../bench/lib/sim-nodes.js'
import { submitBlend } from '../../bench/lib/submit-blend.js'
import { blenderTest, makeScene } from '../helpers/blender.js'
import { coordinatorAddress, jobsJson, runCli, startCli, waitFor, waitForJob } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'

// `microfarm download`, `files` and `submit --download` as a user runs them,
// against a real coordinator and a node: every file arrives with the
// coordinator's hash, a second run moves nothing, a truncated file is fetched
// again, a download killed mid-file leaves no file under its final name, and
// a submit's folder fills while the farm renders.

const SIM_NODE = fileURLToPath(new URL('../fixtures/sim-node.ts', import.meta.url))
const POLYFILL = fileURLToPath(new URL('../../src/polyfill.ts', import.meta.url))

interface DownloadJson { dir: string, fetched: number, bytesFetched: number, job: { state: string }, files: Array<{ name: string, sha256: string, status: string, kind: string }> }

const sha = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex')

/** `microfarm download …` to its end, its JSON. */
async function download (address: string, args: string[], cwd?: string): Promise<DownloadJson> {
  const result = await runCli(['download', ...args, '--json', '--coordinator', address], { ...(cwd !== undefined ? { cwd } : {}) })
  if (result.code !== 0) throw new Error(`microfarm download ${args.join(' ')} failed (${result.code}): ${result.stderr}`)
  return JSON.parse(result.stdout) as DownloadJson
}

/** Each downloaded file is the coordinator's, byte for byte (by hash). */
async function sameAsCoordinator (t: ExecutionContext, out: string, dir: string, names: string[]): Promise<void> {
  for (const name of names) {
    const source = name.endsWith('.mp4') ? path.join(out, name) : path.join(out, 'job_1', name)
    t.is(await sha(path.join(dir, name)), await sha(source), name)
  }
}

test('download of an active job, then of the finished job: every file once, checked; again nothing moves; a truncated frame comes again', async (t) => {
  const dir = await tempFolder(t, 'mf-download-')
  const out = path.join(dir, 'out')
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  startCli(t, [], { command: [process.execPath, '--import=tsx', `--import=${POLYFILL}`, SIM_NODE, address, 'sim', '1000', path.join(dir, 'sim')] })
  await waitFor('the node to join', () => coordinator.output().includes('node joined: sim'))
  const client = await CoordinatorClient.connect({ coordinator: address })
  t.teardown(async () => { await client.close() })
  await submitBlend(client, await fakeBlend(dir), { name: 'shot.blend', frames: '1-16', chunk: 1, format: 'PNG', priority: 0, encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' } })

  // A second a frame: the job is still rendering while the first download runs, even on a busy machine.
  await waitForJob(address, '1', 'three frames done', j => j.framesDone >= 3)
  // The default folder is named after the job, in the folder the command runs in.
  const started = Date.now()
  const early = await download(address, ['1'], dir)
  t.log(`download of the active job: ${Date.now() - started} ms`)
  t.is(early.dir, path.join(dir, 'shot_1'))
  t.is(early.job.state, 'active')
  t.true(early.fetched >= 3 && early.fetched < 16, `fetched ${early.fetched} of an active job`)
  await sameAsCoordinator(t, out, early.dir, early.files.map(f => f.name))

  await waitForJob(address, '1', 'completed', j => j.state === 'completed', 60_000)
  const rest = await download(address, ['1', early.dir])
  t.is(rest.fetched, 16 - early.fetched, 'only what was not there')
  t.deepEqual((await readdir(rest.dir)).sort(), Array.from({ length: 16 }, (_, i) => `frame_${String(i + 1).padStart(4, '0')}.png`))
  await sameAsCoordinator(t, out, rest.dir, rest.files.map(f => f.name))

  const again = await download(address, ['1', rest.dir])
  t.is(again.fetched, 0)
  t.is(again.bytesFetched, 0)

  await truncate(path.join(rest.dir, 'frame_0005.png'), 7)
  const mended = await download(address, ['1', rest.dir])
  t.deepEqual(mended.files.filter(f => f.status === 'fetched').map(f => f.name), ['frame_0005.png'])
  await sameAsCoordinator(t, out, rest.dir, ['frame_0005.png'])

  const some = await download(address, ['1', path.join(dir, 'some'), '--frames', '2-3,11'])
  t.deepEqual(some.files.map(f => f.name), ['frame_0002.png', 'frame_0003.png', 'frame_0011.png'])

  const listing = await runCli(['files', '1', '--coordinator', address])
  t.is(listing.code, 0, listing.stderr)
  t.regex(listing.stdout, /^job 1 \(shot\.blend\), completed: 16\/16 frames done$/m)
  t.regex(listing.stdout, /^frame_0016\.png\s+frame\s+16\s+\S+ B\s+\d{4}-/m)
  t.regex(listing.stdout, /^16 frame\(s\), 0 video\(s\)/m)
})

test('a download killed in the middle of a file leaves no file under its name; the next run brings it whole', async (t) => {
  const dir = await tempFolder(t, 'mf-download-kill-')
  const out = path.join(dir, 'out')
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  const client = await CoordinatorClient.connect({ coordinator: address })
  t.teardown(async () => { await client.close() })
  await submitBlend(client, await fakeBlend(dir), { name: 'shot.blend', frames: '1-2', chunk: 1, format: 'PNG', priority: 0, encode: { enabled: false, codec: 'h264', quality: 'high', location: 'parent' } })
  // A video as big as a real one, where the coordinator keeps the job's videos.
  await writeFile(path.join(out, 'job_1_render.mp4'), Buffer.alloc(300 * 1024 * 1024, 1))
  const here = path.join(dir, 'here')
  const running = startCli(t, ['download', '1', here, '--video-only', '--coordinator', address])
  const part = await waitFor('the video to be on its way', async () => (await readdir(here).catch(() => [])).find(name => /^\.job_1_render\.mp4\.[0-9a-f]{8}\.part$/.test(name) ? name : undefined), 30_000, 20)
  await waitFor('some of it to arrive', async () => (await stat(path.join(here, part))).size > 1024 * 1024, 30_000, 20)
  running.child.kill('SIGKILL')
  await running.exited
  t.false((await readdir(here)).includes('job_1_render.mp4'), 'no half video under its name')

  const whole = await download(address, ['1', here, '--video-only'])
  t.is(whole.fetched, 1)
  t.deepEqual(await readdir(here), ['job_1_render.mp4'], 'the temporary file the killed run left is gone')
  await sameAsCoordinator(t, out, here, ['job_1_render.mp4'])
})

blenderTest('submit --wait --download: frames are in the folder before the job completes, the video once it is made', async (t) => {
  const dir = await tempFolder(t, 'mf-live-')
  const out = path.join(dir, 'out')
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  startCli(t, ['node', '--name', 'worker', '--coordinator', address, '--work-dir', path.join(dir, 'work')])
  await waitFor('the node to join', () => coordinator.output().includes('node joined: worker'))
  // About a second a frame.
  const scene = await makeScene(dir, { frames: 6, width: 320, height: 180, samples: 64 })
  const here = path.join(dir, 'here')
  const submit = await runCli(['submit', scene, '--download', here, '--coordinator', address], { timeoutMs: 150_000 })
  t.is(submit.code, 0, submit.stderr)
  t.regex(submit.stdout, /file\(s\) downloaded/)
  const [job] = await jobsJson(address)
  const finishedAt = Date.parse((job as unknown as { finishedAt: string }).finishedAt)
  const names = (await readdir(here)).sort()
  t.deepEqual(names, ['frame_0001.png', 'frame_0002.png', 'frame_0003.png', 'frame_0004.png', 'frame_0005.png', 'frame_0006.png', 'job_1_render.mp4'])
  await sameAsCoordinator(t, out, here, names)
  // The first frames came while the others rendered: well before the job completed.
  const arrived = await Promise.all(names.map(async name => (await stat(path.join(here, name))).mtimeMs))
  t.true((arrived[0] ?? Infinity) < finishedAt - 1500, `frame 1 arrived ${Math.round(finishedAt - (arrived[0] ?? 0))} ms before the job completed`)
  t.true((arrived[2] ?? Infinity) < finishedAt, 'frame 3 too')
})
