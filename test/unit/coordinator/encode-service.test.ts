import { readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { EncodeService, MAX_WAITING_ENCODES } from '../../../src/coordinator/encode-service.js'
import type { Farm } from '../../../src/coordinator/farm.js'
import type { EncodeFramesOptions, EncodeResult } from '../../../src/encode/encode-frames.js'
import type { Job } from '../../../src/jobs/job.js'
import { frameDone } from '../../../src/jobs/scheduler.js'
import { projectManifest, submitRequest } from '../../helpers/job-fixtures.js'
import { waitFor } from '../../helpers/cli.js'
import { tempFarm } from '../../helpers/temp-farm.js'
import type { TempFarm } from '../../helpers/temp-farm.js'

// The encode queue's rules (issue 11, finding 12): one request per job at a
// time, a bounded queue, a file per job and settings, and a listed video that
// only a finished encode replaces. ffmpeg is a fake the test finishes by hand.

interface Run { options: EncodeFramesOptions, finish: (error?: Error) => void }

/** An encodeFrames that writes its output (named after the call) only when the test says so. */
function fakeEncoder (): { runs: Run[], encodeFrames: (o: EncodeFramesOptions) => Promise<EncodeResult> } {
  const runs: Run[] = []
  const encodeFrames = async (options: EncodeFramesOptions): Promise<EncodeResult> => {
    await new Promise<void>((resolve, reject) => {
      const abort = (): void => { reject(options.signal?.reason) }
      options.signal?.addEventListener('abort', abort, { once: true })
      runs.push({
        options,
        finish: (error) => {
          options.signal?.removeEventListener('abort', abort)
          if (error === undefined) resolve()
          else reject(error)
        },
      })
    })
    await writeFile(options.outputPath, `video ${runs.length}`)
    return { outputPath: options.outputPath, framesEncoded: options.frames.length, missing: [] }
  }
  return { runs, encodeFrames }
}

interface Setup extends TempFarm { encoder: EncodeService, runs: Run[] }

async function setup (t: ExecutionContext): Promise<Setup> {
  const farm = await tempFarm(t, 'mf-encode-service-')
  const { runs, encodeFrames } = fakeEncoder()
  const encoder = new EncodeService(farm.farm, farm.store, farm.bus, undefined, { findFfmpeg: async () => ({ path: 'ffmpeg' }), encodeFrames })
  t.teardown(async () => { await encoder.stop() })
  return { ...farm, encoder, runs }
}

async function completedJob (farm: Farm, name = 'shot.blend'): Promise<Job> {
  const job = await farm.submit(submitRequest({ name, frames: '1-2', chunk: 2 }), projectManifest())
  for (const frame of [1, 2]) frameDone(job, frame, 'n', new Date())
  return job
}

/** The nth run starts, then the test finishes it; resolves once the service recorded the outcome. */
async function finishRun (s: Setup, index: number, error?: Error): Promise<void> {
  const run = await waitFor(`encode ${index + 1} to start`, () => s.runs[index], 5_000, 5)
  const job = s.farm.jobs.get(path.basename(path.dirname(run.options.frames[0]?.path ?? '')).replace('job_', ''))
  run.finish(error)
  await waitFor(`encode ${index + 1} to be recorded`, () => job !== undefined && job.encode.state !== 'encoding', 5_000, 5)
}

test('a second request for a job whose video is waiting or being made is refused, plainly', async (t) => {
  const s = await setup(t)
  const job = await completedJob(s.farm)
  t.regex(await s.encoder.encode(job), /job 1: encoding to .*job_1_render\.mp4/)
  await t.throwsAsync(s.encoder.encode(job, { fps: 12 }), { name: 'EncodeBusyError', message: /job 1's video is already being made .*job_1_render\.mp4.*: wait for it to finish, then ask again/ })
  await waitFor('the encode to start', () => s.runs[0], 5_000, 5)
  await t.throwsAsync(s.encoder.encode(job, { fps: 12 }), { name: 'EncodeBusyError' })
  await finishRun(s, 0)
  t.is(s.runs.length, 1, 'the refused requests never reached ffmpeg')
  t.regex(await s.encoder.encode(job, { fps: 12 }), /encoding to .*job_1_render_h264_high_12fps\.mp4/, 'once done, the job may be encoded again')
})

test(`at most ${MAX_WAITING_ENCODES} encodes wait: more are refused until the queue drains`, async (t) => {
  const s = await setup(t)
  const jobs: Job[] = []
  for (let i = 0; i < MAX_WAITING_ENCODES + 2; i++) jobs.push(await completedJob(s.farm, `shot${i}.blend`))
  const [running, ...rest] = jobs
  if (running === undefined) throw new Error('no job')
  await s.encoder.encode(running)
  await waitFor('the first encode to start', () => s.runs[0], 5_000, 5)
  for (const job of rest.slice(0, MAX_WAITING_ENCODES)) await s.encoder.encode(job)
  const last = rest[MAX_WAITING_ENCODES]
  if (last === undefined) throw new Error('no job')
  await t.throwsAsync(s.encoder.encode(last), { name: 'EncodeQueueFullError', message: new RegExp(`${MAX_WAITING_ENCODES} videos are waiting to be made: ask again once one is done`) })
  t.is(last.encode.state, 'none', 'a refused request leaves the job as it was')
  await finishRun(s, 0)
  t.regex(await s.encoder.encode(last), /job \d+: encoding to/)
})

test('re-encodes with other settings each get a file of their own; another job\'s listed video is never touched', async (t) => {
  const s = await setup(t)
  const first = await completedJob(s.farm, 'job_2_render.blend')
  const second = await completedJob(s.farm)
  for (const job of [first, second]) {
    const index = s.runs.length
    await s.encoder.encode(job, { location: 'root' })
    await finishRun(s, index)
  }
  const firstVideo = first.encode.outputPath ?? ''
  const firstBytes = await readFile(firstVideo, 'utf8')
  const files = new Set<string>()
  for (let fps = 1; fps <= 12; fps++) {
    const index = s.runs.length
    await s.encoder.encode(second, { fps, location: 'parent' })
    await finishRun(s, index)
    files.add(second.encode.outputPath ?? '')
  }
  t.is(files.size, 12, 'twelve settings, twelve files')
  for (const file of files) t.true(path.basename(file).startsWith('job_2_render_h264_high_'), file)
  t.is(first.encode.outputPath, firstVideo, 'job 1 still lists its own video')
  t.is(await readFile(firstVideo, 'utf8'), firstBytes)
  t.not(firstVideo, path.join(s.store.layout.root, 'job_2_render.mp4'))
})

test('a re-encode that fails keeps the video the job already had listed, and says what failed', async (t) => {
  const s = await setup(t)
  const job = await completedJob(s.farm)
  await s.encoder.encode(job)
  await finishRun(s, 0)
  const video = path.join(s.store.layout.root, 'job_1_render.mp4')
  t.is(job.encode.outputPath, video)
  t.regex(await s.encoder.encode(job, { codec: 'h265' }), /encoding to .*job_1_render_h265_high\.mp4 \(h265, high\); the current video .*job_1_render\.mp4 is kept/)
  await finishRun(s, 1, new Error('ffmpeg exited with code 1'))
  t.like(job.encode, { state: 'done', outputPath: video })
  t.regex(job.encode.error ?? '', /the re-encode to .*job_1_render_h265_high\.mp4 failed: ffmpeg exited with code 1/)
  t.true((await stat(video)).size > 0)
  t.true(s.events.some(event => event.type === 'encode' && event.state === 'failed'))
})

test('a re-encode with the job\'s own settings says it replaces the video once made, and lists the same file', async (t) => {
  const s = await setup(t)
  const job = await completedJob(s.farm)
  await s.encoder.encode(job)
  await finishRun(s, 0)
  t.regex(await s.encoder.encode(job), /encoding to .*job_1_render\.mp4 \(h264, high\); it replaces the current one once made/)
  await finishRun(s, 1)
  t.like(job.encode, { state: 'done', outputPath: path.join(s.store.layout.root, 'job_1_render.mp4') })
  t.is(await readFile(job.encode.outputPath ?? '', 'utf8'), 'video 2')
})

test('a job\'s own video is queued once, however often the job completes while it waits', async (t) => {
  const s = await setup(t)
  const busy = await completedJob(s.farm)
  await s.encoder.encode(busy)
  const job = await completedJob(s.farm, 'other.blend')
  job.encode.settings = { ...job.encode.settings, enabled: true }
  for (let i = 0; i < 3; i++) s.bus.emit({ type: 'job-completed', jobId: job.id, name: job.name, missing: 0 })
  await new Promise(resolve => setImmediate(resolve))
  t.is(job.encode.state, 'waiting')
  await finishRun(s, 0)
  await finishRun(s, 1)
  await new Promise(resolve => setImmediate(resolve))
  t.is(s.runs.length, 2)
  t.is(job.encode.state, 'done')
})

test('a re-encode cut short by a shutdown is dropped, said so, and the listed video stays', async (t) => {
  const s = await setup(t)
  const job = await completedJob(s.farm)
  await s.encoder.encode(job)
  await finishRun(s, 0)
  const video = job.encode.outputPath
  await s.encoder.encode(job, { quality: 'low' })
  await waitFor('the re-encode to start', () => s.runs[1], 5_000, 5)
  t.regex(await s.encoder.stop() ?? '', /job 1's re-encode to .*job_1_render_h264_low\.mp4 was cut short: ask for it again/)
  t.like(job.encode, { state: 'done', outputPath: video })
})
