import { createHash } from 'node:crypto'
import { readFile, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { framesAdded } from '../../../src/jobs/frame-index.js'
import { RemoteError } from '../../../src/protocol/errors.js'
import { resultsFixture } from '../../helpers/results-fixture.js'
import { tinyPng } from '../../helpers/tiny-png.js'

// The results protocol's handler over in-memory streams: a job's files as
// listed (names, sizes, hashes, frames), hashes kept between listings, and a
// file served only by a name of the listing, never by a path a peer makes up.

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

test('a listing names the job\'s frames and its video with sizes, SHA-256 and mtime; nothing else in the folders', async (t) => {
  const f = await resultsFixture(t)
  // What else may sit there: an upload in flight, ffmpeg's list, a stray file, another job's video.
  await writeFile(path.join(f.layout.jobDir('1'), '.frame_0004.png.1a2b3c4d.part'), 'half')
  await writeFile(path.join(f.layout.jobDir('1'), 'job_1_render.mp4.0a0b.partial.ffconcat'), 'list')
  await writeFile(path.join(f.layout.jobDir('1'), 'notes.txt'), 'x')
  await writeFile(path.join(f.layout.root, 'job_12_render.mp4'), 'other')
  const { job, files } = await f.client.listResults('1')
  t.like(job, { id: '1', name: 'shot.blend', format: 'PNG', framePadding: 4, framesTotal: 5 })
  t.deepEqual(files.map(file => [file.name, file.kind, file.frame]), [['frame_0001.png', 'frame', 1], ['frame_0002.png', 'frame', 2], ['frame_0003.png', 'frame', 3], ['job_1_render.mp4', 'video', undefined]])
  for (const file of files) {
    const bytes = await readFile(file.kind === 'frame' ? f.framePath(file.frame ?? 0) : f.videoPath)
    t.is(file.size, bytes.byteLength)
    t.is(file.sha256, sha(bytes))
    t.regex(file.mtime, /^\d{4}-\d\d-\d\dT/)
  }
})

test('hashes are kept by path, size and mtime: listing again reads no file, a file written again is hashed anew', async (t) => {
  const f = await resultsFixture(t)
  await f.client.listResults('1')
  t.is(f.hashes.hashed, 4)
  await f.client.listResults('1')
  t.is(f.hashes.hashed, 4, 'nothing hashed again')
  const again = tinyPng('frame 2 again', 8, 8, 99)
  await writeFile(f.framePath(2), again)
  await utimes(f.framePath(2), new Date(), new Date(Date.now() + 5000))
  const { files } = await f.client.listResults('1')
  t.is(f.hashes.hashed, 5)
  t.is(files.find(file => file.frame === 2)?.sha256, sha(again))
})

test('a listing of many frames comes in pages', async (t) => {
  const f = await resultsFixture(t)
  // 2500 frames on disk: three pages of at most 1000 (a page past the schema's limit would fail the listing).
  const record = f.job.frames['1']
  if (record === undefined) throw new Error('the job has no frame 1')
  for (let frame = 4; frame <= 2500; frame++) f.job.frames[String(frame)] = { ...record }
  framesAdded(f.job)
  await Promise.all(Array.from({ length: 2497 }, async (_, i) => writeFile(f.framePath(i + 4), 'x')))
  const { files } = await f.client.listResults('1')
  t.is(files.filter(file => file.kind === 'frame').length, 2500)
  t.deepEqual(files.slice(0, 3).map(file => file.frame), [1, 2, 3])
})

test('a file is served by its name in the listing, with the size and hash announced', async (t) => {
  const f = await resultsFixture(t)
  const tempPath = path.join(f.dir, 'got')
  const got = await f.client.fetchResult('1', 'frame_0002.png', { tempPath })
  const bytes = await readFile(f.framePath(2))
  t.deepEqual(got, { size: bytes.byteLength, sha256: sha(bytes) })
  t.deepEqual(await readFile(tempPath), bytes)
  await f.client.fetchResult('1', 'job_1_render.mp4', { tempPath })
  t.deepEqual(await readFile(tempPath), await readFile(f.videoPath))
})

test('a name that is not in the listing is refused, whatever path it spells', async (t) => {
  const f = await resultsFixture(t)
  await writeFile(path.join(f.layout.root, 'secret.txt'), 'secret')
  for (const name of ['../secret.txt', '../out/secret.txt', 'secret.txt', 'job_1_info.json', '../job_1_info.json', '/etc/passwd', 'frame_0004.png', 'frame_1.png', 'frame_0001.jpg', '../job_1/frame_0001.png', 'job_1/frame_0001.png']) {
    const error = await t.throwsAsync(f.client.fetchResult('1', name, { tempPath: path.join(f.dir, 'got') }), { instanceOf: RemoteError }, name)
    t.regex(error?.message ?? '', /job 1 has no file/, name)
  }
  await t.throwsAsync(f.client.listResults('7'), { instanceOf: RemoteError, message: /no job 7/ })
})
