import { mkdir, readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { CoordinatorClient } from '../../src/client/coordinator-client.js'
import { blenderTest, makeScene } from '../helpers/blender.js'
import { coordinatorAddress, runCli, startCli, waitFor, waitForJob } from '../helpers/cli.js'
import { probeVideo } from '../helpers/ffprobe.js'
import { tempFolder } from '../helpers/temp-folder.js'

// Videos made by the coordinator itself: settings given at submit, an encode
// on demand with other settings, and a coordinator without ffmpeg.

/** A coordinator with one node, and a scene of `frames` frames, in a new folder. */
async function farmOfOne (t: ExecutionContext, prefix: string, frames: number): Promise<{ out: string, scene: string, address: string }> {
  const dir = await tempFolder(t, prefix)
  const out = path.join(dir, 'out')
  const scene = await makeScene(dir, { frames })
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  startCli(t, ['node', '--name', 'enc', '--coordinator', address, '--work-dir', path.join(dir, 'work')])
  return { out, scene, address }
}

blenderTest('submit settings shape the video; encode on demand with other settings writes a new file', async (t) => {
  const { out, scene, address } = await farmOfOne(t, 'mf-encfarm-', 4)

  const submit = await runCli(['submit', scene, '--codec', 'h265', '--quality', 'medium', '--mp4-location', 'frames', '--fps', '12', '--chunk', '4', '--wait', '--coordinator', address], { timeoutMs: 150_000 })
  t.is(submit.code, 0, submit.stdout + submit.stderr)
  const first = path.join(out, 'job_1', 'job_1_render.mp4')
  const firstProbe = await probeVideo(first)
  t.like(firstProbe, { codec_name: 'hevc', codec_tag_string: 'hvc1', width: 160, height: 90, r_frame_rate: '12/1', nb_read_frames: '4' })
  const before = await stat(first)

  const encode = await runCli(['encode', '1', '--codec', 'prores', '--quality', 'low', '--coordinator', address])
  t.is(encode.code, 0, encode.stderr)
  const second = path.join(out, 'job_1', 'job_1_render_prores_low.mov')
  t.regex(encode.stdout, /encoding to .*job_1_render_prores_low\.mov \(prores, low\)/)
  await waitForJob(address, '1', 'the second video', j => j.encode?.state === 'done' && j.encode.outputPath === second)
  t.like(await probeVideo(second), { codec_name: 'prores', width: 160, height: 90, r_frame_rate: '12/1', nb_read_frames: '4' })
  const after = await stat(first)
  t.is(after.mtimeMs, before.mtimeMs, 'the first video is untouched')
  t.is(after.size, before.size)
})

blenderTest('twelve re-encodes asked at once: one is made, the rest are refused plainly, the first video is untouched', async (t) => {
  const { out, scene, address } = await farmOfOne(t, 'mf-encflood-', 2)
  const submit = await runCli(['submit', scene, '--chunk', '2', '--wait', '--coordinator', address], { timeoutMs: 150_000 })
  t.is(submit.code, 0, submit.stdout + submit.stderr)
  const first = path.join(out, 'job_1_render.mp4')
  const before = await stat(first)

  // Through the admin protocol itself, as any peer may: all twelve at once.
  const client = await CoordinatorClient.connect({ coordinator: address })
  t.teardown(async () => { await client.close() })
  const answers = await Promise.allSettled(Array.from({ length: 12 }, async (_, i) => client.jobAction({ type: 'job-action', action: 'encode', jobId: '1', encode: { fps: i + 1 } })))
  const refused = answers.flatMap(a => a.status === 'rejected' ? [a.reason instanceof Error ? a.reason.message : String(a.reason)] : [])
  t.true(refused.length >= 1, 'a job has one encode at a time')
  for (const message of refused) t.regex(message, /job 1's video is already being made \(.*\): wait for it to finish, then ask again/)
  await waitForJob(address, '1', 'the re-encode', j => j.encode?.state === 'done' && j.encode.outputPath !== first)
  const videos = (await readdir(out)).filter(name => name.endsWith('.mp4'))
  t.is(videos.length, 1 + answers.length - refused.length, videos.join(', '))
  const after = await stat(first)
  t.is(after.mtimeMs, before.mtimeMs, 'the first video is untouched')
})

blenderTest('without ffmpeg the job stays completed with its frames, and the user is told how to install it', async (t) => {
  const dir = await tempFolder(t, 'mf-noffmpeg-')
  const out = path.join(dir, 'out')
  const scene = await makeScene(dir, { frames: 1 })
  // The coordinator's PATH is an empty folder: no ffmpeg anywhere it looks.
  const emptyBin = path.join(dir, 'empty-bin')
  await mkdir(emptyBin)
  const env = { PATH: emptyBin, FFMPEG: '' }
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui'], { env })
  const address = await coordinatorAddress(coordinator)
  startCli(t, ['node', '--name', 'nf', '--coordinator', address, '--work-dir', path.join(dir, 'work')])

  const submit = await runCli(['submit', scene, '--wait', '--coordinator', address], { timeoutMs: 150_000 })
  t.is(submit.code, 1, 'the video --wait waited for failed: not a success')
  t.regex(submit.stderr, /video failed: .*ffmpeg.*apt-get install ffmpeg/s)
  const job = await waitForJob(address, '1', 'video failed', j => j.encode?.state === 'failed')
  t.is(job.state, 'completed')
  t.is(job.framesDone, 1)
  t.true((await stat(path.join(out, 'job_1', 'frame_0001.png'))).size > 0)
  await waitFor('the coordinator to log it', () => /video failed: .*ffmpeg/.test(coordinator.output()))
})
