import test from 'ava'
import { isPlainFileName, localName, UnsafeNameError } from '../../../src/client/result-names.js'
import type { ResultFile, ResultsJob } from '../../../src/protocol/results.js'

// A path from the network is never used as a local path: a download writes
// only names it builds itself, and refuses a listing that names anything else.

const job: ResultsJob = { id: '3', name: 'shot.blend', state: 'completed', format: 'PNG', framePadding: 4, framesTotal: 10, framesDone: 10 }
const file = (overrides: Partial<ResultFile>): ResultFile => ({ name: 'frame_0001.png', kind: 'frame', frame: 1, size: 10, sha256: 'a'.repeat(64), mtime: '2026-12-01T00:00:00.000Z', ...overrides })

test('a frame is named from its number, the job\'s padding and format', (t) => {
  t.is(localName(job, file({ name: 'frame_0012.png', frame: 12 })), 'frame_0012.png')
  t.is(localName({ ...job, format: 'OPEN_EXR', framePadding: 6 }, file({ name: 'frame_000012.exr', frame: 12 })), 'frame_000012.exr')
})

test('a frame the coordinator names otherwise is refused, whatever the name holds', (t) => {
  for (const name of ['../x', '/etc/passwd', '../../frame_0001.png', 'frame_0001.png/../../x', 'frame_1.png', 'frame_0002.png', 'C:\\Windows\\x', 'frame_0001.jpg']) {
    const error = t.throws(() => localName(job, file({ name, frame: 1 })), { instanceOf: UnsafeNameError })
    t.regex(error?.message ?? '', /refused/, name)
  }
  t.throws(() => localName(job, file({ name: 'frame_0001.png', frame: undefined })), { instanceOf: UnsafeNameError })
})

test('a video is written only under one of the job\'s own video names', (t) => {
  for (const name of ['job_3_render.mp4', 'job_3_render_h265_medium.mp4', 'shot_job3.mp4', 'shot_job3_prores_low.mov']) {
    t.is(localName(job, file({ name, kind: 'video', frame: undefined })), name)
  }
  for (const name of ['../x', '../job_3_render.mp4', '/tmp/job_3_render.mp4', '.job_3_render.mp4', 'job_4_render.mp4', 'job_3_render.mp4.exe', 'evil.mp4', 'job_3_render\u0000.mp4', '..']) {
    t.throws(() => localName(job, file({ name, kind: 'video', frame: undefined })), { instanceOf: UnsafeNameError }, name)
  }
  // A hostile job name cannot make a path either: it is made a plain name before it is compared.
  const hostile = { ...job, name: '../../etc/cron.d/x.blend' }
  t.throws(() => localName(hostile, file({ name: '../../etc/cron.d/x_job3.mp4', kind: 'video', frame: undefined })), { instanceOf: UnsafeNameError })
})

test('plain file names: no separators, not hidden, nothing Windows refuses', (t) => {
  t.true(isPlainFileName('shot_job3.mp4'))
  for (const name of ['', '.', '..', 'a/b', 'a\\b', '.hidden', 'a:b', 'trailing.', 'x\n.mp4']) t.false(isPlainFileName(name), JSON.stringify(name))
})
