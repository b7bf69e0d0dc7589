import { readdir } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { CoordinatorEvents } from '../../src/coordinator/events.js'
import { EncodeService } from '../../src/coordinator/encode-service.js'
import { Farm } from '../../src/coordinator/farm.js'
import { frameDone } from '../../src/jobs/scheduler.js'
import { runProcess } from '../../src/process/run-process.js'
import { JobStore } from '../../src/store/job-store.js'
import { projectManifest, submitRequest } from '../helpers/job-fixtures.js'
import { waitFor } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'

// Quitting the coordinator while a video is being made: ffmpeg is stopped,
// nothing half-written stays, and the video is made again on the next start
// (it used to be marked failed for good).

test('a video cut short by a shutdown is made on the next start; no partial file stays', async (t) => {
  const dir = await tempFolder(t, 'mf-encode-stop-')
  const out = path.join(dir, 'out')
  const store = new JobStore(out)
  await store.init()
  t.teardown(async () => { await store.drain() })
  const farm = new Farm({ policy: { maxAttempts: 3, blocklistAfter: 3 } }, { store, events: new CoordinatorEvents() })
  const job = await farm.submit(submitRequest({ frames: '1-240', chunk: 1, encode: { enabled: false, codec: 'h265', quality: 'high', location: 'parent' } }), projectManifest())
  // Frames big enough that encoding takes seconds: ffmpeg's own test pattern, 1080p.
  const made = await runProcess({ command: 'ffmpeg', args: ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=24', '-frames:v', '240', path.join(store.layout.jobDir(job.id), 'frame_%04d.png')], timeoutMs: 120_000 })
  if (made.exitCode !== 0) throw new Error('ffmpeg could not make the test frames')
  for (let frame = 1; frame <= 240; frame++) frameDone(job, frame, 'n', new Date())
  t.is(job.state, 'completed')

  const encoder = new EncodeService(farm, store, new CoordinatorEvents())
  await encoder.encode(job)
  await waitFor('ffmpeg to be writing', async () => (await readdir(out)).some(name => name.endsWith('.partial')), 30_000)
  const said = await encoder.stop()
  t.regex(said ?? '', /the video of job 1 was being made: it is made again when the coordinator starts next/)
  t.is(job.encode.state, 'waiting', 'not failed: waiting for the next start')
  t.false((await readdir(out)).some(name => name.includes('.partial')), 'no half-written video left')

  const next = new EncodeService(farm, store, new CoordinatorEvents())
  next.resumePending()
  await waitFor('the video made on the next start', () => job.encode.state === 'done', 120_000)
  t.true((await readdir(out)).includes('job_1_render.mp4'))
})
