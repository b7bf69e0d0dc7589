import { createHash } from 'node:crypto'
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import type { Stream } from '@libp2p/interface'
import { JobDownload } from '../../../src/client/job-download.js'
import type { DownloadProgress, DownloadSelection } from '../../../src/client/job-download.js'
import { UnsafeNameError } from '../../../src/client/result-names.js'
import { MessageChannel } from '../../../src/protocol/framing.js'
import { PayloadError } from '../../../src/net/payload.js'
import { resultsRequest } from '../../../src/protocol/results.js'
import type { ResultsReply, ResultsRequest } from '../../../src/protocol/results.js'
import { resultsFixture } from '../../helpers/results-fixture.js'
import type { ResultsFixture } from '../../helpers/results-fixture.js'

// A download over in-memory streams against the real handler: every file
// arrives checked, a second run moves nothing, a truncated or changed file is
// fetched again, an interrupted one leaves no half file under its name, and a
// coordinator that names a path or lies about a hash gets nothing written.

const ALL: DownloadSelection = { kinds: new Set(['frame', 'video']) }
const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

function download (f: ResultsFixture, selection = ALL, onProgress?: (p: DownloadProgress) => void): { download: JobDownload, dir: string } {
  const dir = path.join(f.dir, 'here')
  return { download: new JobDownload(f.client, '1', selection, () => dir, onProgress), dir }
}

test('every file arrives with its hash; run again nothing moves; a truncated or changed file is fetched again', async (t) => {
  const f = await resultsFixture(t)
  const { download: first, dir } = download(f)
  const got = await first.sync()
  t.is(got.fetched, 4)
  t.deepEqual((await readdir(dir)).sort(), ['frame_0001.png', 'frame_0002.png', 'frame_0003.png', 'job_1_render.mp4'])
  for (const file of got.files) t.is(sha(await readFile(path.join(dir, file.name))), file.sha256)
  t.deepEqual(await readFile(path.join(dir, 'frame_0002.png')), await readFile(f.framePath(2)))

  // A second run (a new process: nothing remembered) moves nothing.
  const again = await download(f).download.sync()
  t.is(again.fetched, 0)
  t.deepEqual(again.files.map(file => file.status), ['present', 'present', 'present', 'present'])

  await truncate(path.join(dir, 'frame_0002.png'), 10)
  const bytes = await readFile(path.join(dir, 'frame_0003.png'))
  bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1)
  await writeFile(path.join(dir, 'frame_0003.png'), bytes)
  const mended = await download(f).download.sync()
  t.deepEqual(mended.files.filter(file => file.status === 'fetched').map(file => file.name), ['frame_0002.png', 'frame_0003.png'])
  t.deepEqual(await readFile(path.join(dir, 'frame_0002.png')), await readFile(f.framePath(2)))
  t.deepEqual(await readFile(path.join(dir, 'frame_0003.png')), await readFile(f.framePath(3)))
})

test('--frames, --frames-only and --video-only bring what they name', async (t) => {
  const f = await resultsFixture(t)
  const some = await download(f, { kinds: new Set(['frame']), frames: new Set([2, 3, 9]) }).download.sync()
  t.deepEqual(some.files.map(file => file.name), ['frame_0002.png', 'frame_0003.png'])
  const video = await download(f, { kinds: new Set(['video']) }).download.sync()
  t.deepEqual(video.files.map(file => [file.name, file.status]), [['job_1_render.mp4', 'fetched']])
})

test('an interrupted download leaves no half file under a final name, nor its temporary file', async (t) => {
  const f = await resultsFixture(t, { videoBytes: 64 * 1024 * 1024 })
  const stop = new AbortController()
  const { download: interrupted, dir } = download(f, { kinds: new Set(['video']) }, (p) => { if (p.bytes > 1024 * 1024) stop.abort(new Error('interrupted')) })
  await t.throwsAsync(interrupted.sync(stop.signal))
  t.deepEqual(await readdir(dir), [])
})

test('a temporary file a killed download left is removed by the next', async (t) => {
  const f = await resultsFixture(t)
  const { download: next, dir } = download(f)
  await next.sync()
  await writeFile(path.join(dir, '.frame_0001.png.0a1b2c3d.part'), 'half')
  await writeFile(path.join(dir, 'mine.txt'), 'the user\'s')
  await download(f).download.sync()
  t.deepEqual((await readdir(dir)).filter(name => !name.startsWith('frame_') && !name.startsWith('job_')), ['mine.txt'])
})

/** A coordinator that answers every listing with `files` and every fetch with a header and `body`. */
function fakeCoordinator (files: unknown[], body = Buffer.from('not what was announced')) {
  return async (stream: Stream): Promise<void> => {
    const channel = new MessageChannel<ResultsRequest, ResultsReply>(stream)
    const request = await channel.read(resultsRequest)
    const write = async (message: unknown): Promise<void> => { await channel.write(message as ResultsReply) }
    if (request.type === 'list-files') {
      await write({ type: 'job', job: { id: '1', name: 'shot.blend', state: 'active', format: 'PNG', framePadding: 4, framesTotal: 5, framesDone: 1 } })
      await write({ type: 'files', files })
      await write({ type: 'end', files: files.length })
    } else {
      await write({ type: 'file', name: request.name, size: body.byteLength, sha256: 'a'.repeat(64) })
      stream.send(body)
    }
    await stream.close()
  }
}

const listed = (name: string, kind: 'frame' | 'video', frame?: number): unknown => ({ name, kind, ...(frame !== undefined ? { frame } : {}), size: 22, sha256: 'a'.repeat(64), mtime: '2026-12-01T00:00:00.000Z' })

test('a coordinator naming a path (../x, an absolute one) gets nothing written anywhere', async (t) => {
  for (const files of [[listed('../x', 'frame', 1)], [listed('/tmp/x.mp4', 'video')], [listed('../job_1_render.mp4', 'video')], [listed('frame_0001.png', 'frame', 1), listed('..\\..\\x.mp4', 'video')]]) {
    const f = await resultsFixture(t, { handler: fakeCoordinator(files) })
    const { download: hostile, dir } = download(f)
    const error = await t.throwsAsync(hostile.sync(), { instanceOf: UnsafeNameError })
    t.regex(error?.message ?? '', /refused/)
    t.deepEqual(await readdir(dir), [], 'nothing fetched, not even the good names')
    t.deepEqual((await readdir(f.dir)).sort(), ['here', 'out'])
  }
})

test('bytes that do not match the announced hash are not kept', async (t) => {
  const f = await resultsFixture(t, { handler: fakeCoordinator([listed('frame_0001.png', 'frame', 1)]) })
  const { download: lied, dir } = download(f)
  await t.throwsAsync(lied.sync(), { instanceOf: PayloadError, message: /hash mismatch/ })
  t.deepEqual(await readdir(dir), [])
})
