import test from 'ava'
import { completeFrame } from '../../../src/jobs/frame-record.js'
import type { DecodedFrame } from '../../../src/tui/frame-decoder.js'
import { latestDoneFrame, PreviewService } from '../../../src/tui/preview-service.js'
import type { FileInfo } from '../../../src/tui/preview-service.js'
import { jobWith, NOW } from './fixtures.js'

// The preview service with a hand-driven clock and fake files: what it reads,
// when, and what a draw gets meanwhile.

const PICTURE: DecodedFrame = { kind: 'picture', picture: { width: 1, height: 1, data: Uint8Array.from([255, 0, 0, 255]) }, source: { width: 64, height: 48 } }

function harness () {
  let now = NOW
  const files = new Map<string, FileInfo>()
  const decoded: string[] = []
  let redraws = 0
  const service = new PreviewService({
    framePath: (job, frame) => `/out/job_${job.id}/frame_${String(frame).padStart(4, '0')}.png`,
    changed: () => { redraws++ },
    now: () => now,
    statFile: async (file) => files.get(file),
    decode: async (file) => {
      decoded.push(file)
      if (file.includes('broken')) throw new Error('zlib: invalid stored block lengths')
      return PICTURE
    },
  })
  return {
    service,
    files,
    decoded,
    redraws: () => redraws,
    advance: (ms: number) => { now += ms },
    settle: async () => { for (let i = 0; i < 10; i++) await Promise.resolve() },
  }
}

test('the latest done frame is the one finished last, whatever its number', (t) => {
  const job = jobWith('1', 'dddpp')
  t.is(latestDoneFrame(job), 3, 'equal times: the highest number')
  completeFrame(job, 5, 'a', new Date(NOW + 1000).toISOString())
  completeFrame(job, 4, 'a', new Date(NOW + 500).toISOString())
  t.is(latestDoneFrame(job), 5)
  t.is(latestDoneFrame(jobWith('2', 'pprr')), undefined)
})

test('a tiled still previews its stitched still, not a tile, and nothing until it is stitched', (t) => {
  const job = jobWith('1', 'dd')
  job.tiles = { frame: 12, columns: 2, rows: 1, overscan: 16, stitch: 'waiting' }
  t.is(latestDoneFrame(job), undefined)
  job.tiles.stitch = 'done'
  t.is(latestDoneFrame(job), 12)
})

test('a draw gets what is ready at once; the frame is read in the background, and the answer redraws', async (t) => {
  const h = harness()
  const job = jobWith('1', 'ddp')
  h.files.set('/out/job_1/frame_0002.png', { size: 100, mtimeMs: 1 })
  t.deepEqual(h.service.show(job), { frame: 2, state: 'loading' })
  await h.settle()
  t.is(h.redraws(), 1)
  t.like(h.service.show(job), { frame: 2, state: 'picture', source: { width: 64, height: 48 } })
  t.deepEqual(h.decoded, ['/out/job_1/frame_0002.png'])
  t.is(h.service.show(jobWith('2', 'ppp')), undefined, 'a job without a finished frame has no preview')
})

test('frames that arrive are shown at most once a second; the same file is decoded once, a rewritten one again', async (t) => {
  const h = harness()
  const job = jobWith('1', 'dpp')
  h.files.set('/out/job_1/frame_0001.png', { size: 100, mtimeMs: 1 })
  h.files.set('/out/job_1/frame_0002.png', { size: 100, mtimeMs: 1 })
  h.service.show(job)
  await h.settle()
  completeFrame(job, 2, 'a', new Date(NOW + 100).toISOString())
  h.advance(400)
  t.is(h.service.show(job)?.frame, 1, 'within the second: still frame 1')
  await h.settle()
  t.deepEqual(h.decoded, ['/out/job_1/frame_0001.png'])
  h.advance(600)
  t.is(h.service.show(job)?.frame, 1, 'while frame 2 is read, frame 1 stays on screen')
  await h.settle()
  t.is(h.service.show(job)?.frame, 2)
  t.is(h.service.show(job)?.state, 'picture')
  // Checked again a second later: the same size and time, nothing decoded.
  h.advance(1000)
  h.service.show(job)
  await h.settle()
  t.deepEqual(h.decoded, ['/out/job_1/frame_0001.png', '/out/job_1/frame_0002.png'])
  // Rendered again (a retry): read again.
  h.files.set('/out/job_1/frame_0002.png', { size: 120, mtimeMs: 2 })
  h.advance(1000)
  h.service.show(job)
  await h.settle()
  t.is(h.decoded.length, 3)
})

test('a picked frame is shown while its job is selected; a missing or broken file is a note', async (t) => {
  const h = harness()
  const job = jobWith('1', 'ddd')
  const picked = { jobId: '1', frame: 1, path: '/out/job_1/broken_0001.png' }
  h.files.set(picked.path, { size: 10, mtimeMs: 1 })
  h.service.show(job, picked)
  await h.settle()
  t.deepEqual(h.service.show(job, picked), { frame: 1, state: 'note', note: 'cannot show the frame: zlib: invalid stored block lengths' })
  t.deepEqual(h.service.show(jobWith('2', 'd')), { frame: 1, state: 'loading' }, 'another job: its own latest frame')
  await h.settle()
  t.deepEqual(h.service.show(jobWith('2', 'd')), { frame: 1, state: 'note', note: 'its file is not in the output folder' })
})
