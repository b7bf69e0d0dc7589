import { readFileSync } from 'node:fs'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { JobStore } from '../../../src/store/job-store.js'
import { OutputLayout } from '../../../src/store/layout.js'
import { ManifestError, parseManifest, serializeManifest } from '../../../src/store/manifest.js'
import { frameDone, pickTask } from '../../../src/jobs/scheduler.js'
import { at, makeJob, projectManifest, sceneInfo, submitRequest } from '../../helpers/job-fixtures.js'
import { createJob } from '../../../src/jobs/create-job.js'
import { tiledStillFor } from '../../../src/jobs/tiled-still.js'
import { tempFolder } from '../../helpers/temp-folder.js'

async function newStore (t: Parameters<typeof tempFolder>[0]): Promise<JobStore> {
  const store = new JobStore(await tempFolder(t, 'mf-store-'))
  await store.init()
  return store
}

test('a saved job loads back equal, with every field', async (t) => {
  const store = await newStore(t)
  const job = makeJob('1', { frames: undefined, sceneInfo: sceneInfo({ frameEnd: 3 }), priority: 4 })
  const node = { id: 'peer-a', name: 'a' }
  pickTask([job], node, [node], 't1', at(1))
  frameDone(job, 1, 'a', at(2))
  job.blocklist.b = '3 frames failed on it'
  await store.save(job)
  const loaded = await store.loadJobs()
  t.deepEqual(loaded.problems, [])
  t.deepEqual(loaded.jobs, [job])
})

test('many rapid saves share writes and each resolves once its state is on disk', async (t) => {
  const store = await newStore(t)
  const job = makeJob('1')
  const manifest = store.layout.manifestPath('1')
  const saves: Array<Promise<void>> = []
  const onDisk: number[] = []
  for (let i = 0; i < 50; i++) {
    job.priority = i
    const saved = store.save(job)
    // Read synchronously at the moment the promise resolves: nothing can write in between.
    saves.push(saved.then(() => { onDisk[i] = parseManifest(readFileSync(manifest, 'utf8'), manifest).priority }))
  }
  await Promise.all(saves)
  onDisk.forEach((priority, i) => t.true(priority >= i, `save ${i} resolved with priority ${priority} on disk`))
  t.is(parseManifest(await readFile(manifest, 'utf8'), manifest).priority, 49)
})

test('while a write runs, further saves share one queued write', async (t) => {
  const store = await newStore(t)
  const job = makeJob('1')
  const promises = Array.from({ length: 20 }, () => store.save(job))
  // The first save starts a write; the 19 others share the one queued behind it.
  t.not(promises[0], promises[1])
  t.is(new Set(promises.slice(1)).size, 1)
  await Promise.all(promises)
  const later = store.save(job)
  t.false(promises.includes(later))
  await later
})

test('saves of different jobs do not wait for each other', async (t) => {
  const store = await newStore(t)
  const first = makeJob('1')
  const second = makeJob('2')
  await Promise.all([store.save(first), store.save(second), store.save(first)])
  const { jobs } = await store.loadJobs()
  t.deepEqual(jobs.map(job => job.id).sort(), ['1', '2'])
})

test('damaged manifests are reported, not loaded, and left as they were', async (t) => {
  const store = await newStore(t)
  await store.save(makeJob('1'))
  const broken = '{"manifestVersion": 1, "job": '
  await writeFile(store.layout.manifestPath('2'), broken)
  const wrongSchema = JSON.stringify({ manifestVersion: 1, job: { ...makeJob('3'), state: 'exploded' } })
  await writeFile(store.layout.manifestPath('3'), wrongSchema)
  await writeFile(store.layout.manifestPath('4'), serializeManifest(makeJob('5')))
  await writeFile(store.layout.manifestPath('6'), JSON.stringify({ manifestVersion: 3, job: makeJob('6') }))
  const { jobs, problems } = await store.loadJobs()
  t.deepEqual(jobs.map(job => job.id), ['1'])
  const byPath = new Map(problems.map(problem => [path.basename(problem.path), problem.error]))
  t.deepEqual([...byPath.keys()].sort(), ['job_2_info.json', 'job_3_info.json', 'job_4_info.json', 'job_6_info.json'])
  t.true(byPath.get('job_2_info.json') instanceof ManifestError)
  t.regex(byPath.get('job_2_info.json')?.message ?? '', /is not valid JSON/)
  t.regex(byPath.get('job_3_info.json')?.message ?? '', /not a MicroFarm job manifest \(job\.state/)
  t.regex(byPath.get('job_4_info.json')?.message ?? '', /holds job 5/)
  t.regex(byPath.get('job_6_info.json')?.message ?? '', /manifestVersion/)
  t.is(await readFile(store.layout.manifestPath('2'), 'utf8'), broken)
})

test('a manifest stores untouched frames as one frame list and a line per other frame; version 1 manifests still load', async (t) => {
  const store = await newStore(t)
  const job = makeJob('7', { frames: '1-100000', chunk: 2 })
  pickTask([job], { id: 'peer-a', name: 'a' }, [], 't1', new Date())
  await store.save(job)
  const text = await readFile(store.layout.manifestPath('7'), 'utf8')
  t.true(text.length < 4000, `${text.length} bytes for a job of 100 000 frames, 2 handed out`)
  t.regex(text, /"untouchedFrames": "3-100000"/)
  const loaded = (await store.loadJobs()).jobs[0]
  t.deepEqual(loaded?.frames, job.frames)
  const v1 = JSON.stringify({ manifestVersion: 1, job: makeJob('8', { frames: '1-3' }) })
  await writeFile(store.layout.manifestPath('8'), v1)
  const old = (await store.loadJobs()).jobs.find(j => j.id === '8')
  t.deepEqual(Object.keys(old?.frames ?? {}), ['1', '2', '3'])
})

test('files that are not manifests are ignored when loading', async (t) => {
  const store = await newStore(t)
  await writeFile(path.join(store.layout.root, 'notes.json'), '{}')
  await writeFile(path.join(store.layout.root, 'job_1_info.json.cleared'), 'old')
  t.deepEqual(await store.loadJobs(), { jobs: [], problems: [] })
})

test('job ids: one past the highest id any job file of an older folder carries, never given twice, not after a restart', async (t) => {
  const root = await tempFolder(t, 'mf-store-')
  await writeFile(path.join(root, 'job_3_info.json'), '{}')
  await mkdir(path.join(root, 'job_9'))
  // A deleted job's video still on disk: its id must not come back and overwrite it.
  await writeFile(path.join(root, 'job_12_render.mp4'), '')
  await mkdir(path.join(root, 'job_abc'))
  await writeFile(path.join(root, 'job_50.txt'), '')
  const store = new JobStore(root)
  await store.init()
  t.is(await store.allocateJobId(), '13')
  t.is(await store.allocateJobId(), '14')
  await rm(path.join(root, 'job_12_render.mp4'))
  const restarted = new JobStore(root)
  await restarted.init()
  t.is(await restarted.allocateJobId(), '15', 'the last id given is kept on disk')
})

test('concurrent allocations get distinct ids, and the highest is what lands on disk', async (t) => {
  const root = await tempFolder(t, 'mf-store-')
  const store = new JobStore(root)
  await store.init()
  const ids = await Promise.all(Array.from({ length: 20 }, async () => store.allocateJobId()))
  t.deepEqual([...ids].sort((a, b) => Number(a) - Number(b)), Array.from({ length: 20 }, (_, i) => String(i + 1)))
  t.is((await readFile(store.layout.lastJobIdPath, 'utf8')).trim(), '20')
})

test('framesOnDisk lists frames whose file exists and is not empty', async (t) => {
  const store = await newStore(t)
  const job = makeJob('1', { frames: '1-4' })
  await store.prepareJobDir(job)
  await writeFile(store.layout.framePath(job, 1), 'png')
  await writeFile(store.layout.framePath(job, 3), '')
  await writeFile(store.layout.framePath(job, 4), 'png')
  await writeFile(path.join(store.layout.jobDir('1'), 'frame_0099.png'), 'not a frame of this job')
  t.deepEqual([...await store.framesOnDisk(job)].sort((a, b) => a - b), [1, 4])
})

test('a tiled still\'s tiles live in its tiles folder: loaded back, found on disk after a restart, temporaries there removed', async (t) => {
  const store = await newStore(t)
  const request = submitRequest({ frames: '12', sceneInfo: sceneInfo({ resolutionX: 40, resolutionY: 20 }), tiles: { grid: { columns: 2, rows: 2 }, overscan: 4 } })
  const job = createJob('1', request, projectManifest(), at(), undefined, tiledStillFor(request, 1))
  await store.save(job)
  t.deepEqual((await store.loadJobs()).jobs, [job])
  await store.prepareJobDir(job)
  t.regex(store.layout.unitPath(job, 3), /job_1\/tiles\/frame_0012_tile_003\.png$/)
  await writeFile(store.layout.unitPath(job, 0), 'png')
  await writeFile(store.layout.unitPath(job, 3), 'png')
  // A frame file of the same number beside the tiles is the stitched still, not a tile.
  await writeFile(store.layout.framePath(job, 12), 'png')
  t.deepEqual([...await store.framesOnDisk(job)].sort((a, b) => a - b), [0, 3])
  await writeFile(store.layout.unitTempPath(job, 1), 'half')
  await store.removeStaleTemporaries(job)
  t.deepEqual((await readdir(store.layout.tilesDir(job))).sort(), ['frame_0012_tile_000.png', 'frame_0012_tile_003.png'])
})

test('framesOnDisk of a job without a folder is empty', async (t) => {
  const store = await newStore(t)
  t.deepEqual([...await store.framesOnDisk(makeJob('1'))], [])
})

test('removeStaleTemporaries removes only half-received uploads', async (t) => {
  const store = await newStore(t)
  const job = makeJob('1', { frames: '1-2' })
  await store.prepareJobDir(job)
  await writeFile(store.layout.unitTempPath(job, 1), 'half')
  await writeFile(store.layout.framePath(job, 2), 'whole')
  await writeFile(path.join(store.layout.jobDir('1'), '.hidden'), 'keep')
  await writeFile(path.join(store.layout.jobDir('1'), 'visible.part'), 'keep')
  await store.removeStaleTemporaries(job)
  t.deepEqual((await readdir(store.layout.jobDir('1'))).sort(), ['.hidden', 'frame_0002.png', 'visible.part'])
  await t.notThrowsAsync(store.removeStaleTemporaries(makeJob('2')))
})

test('deleteJob removes frames, videos and manifest; forgetJob keeps them out of the next load', async (t) => {
  const store = await newStore(t)
  const deleted = makeJob('1')
  const forgotten = makeJob('2')
  for (const job of [deleted, forgotten]) {
    await store.prepareJobDir(job)
    await writeFile(store.layout.framePath(job, 1), 'png')
    await store.save(job)
  }
  // Job 1's videos wherever its settings put them (scene.blend: the root location's name), one of job 2's.
  for (const video of ['job_1_render.mp4', 'job_1_render_h265_medium.mp4', 'scene_job1.mov']) await writeFile(path.join(store.layout.root, video), '')
  await writeFile(path.join(store.layout.root, 'job_2_render.mp4'), '')
  await store.deleteJob(deleted)
  await rm(path.join(store.layout.root, 'job_2_render.mp4'))
  await store.forgetJob(forgotten)
  t.deepEqual((await readdir(store.layout.root)).sort(), ['.microfarm', 'job_2', 'job_2_info.json.cleared'])
  t.deepEqual((await store.loadJobs()).jobs, [])
  const restarted = new JobStore(store.layout.root)
  await restarted.init()
  t.is(await restarted.allocateJobId(), '3', 'the ids of a deleted and a cleared job are not given again')
})

test('layout paths come from the job id and frame number, never the job name', (t) => {
  const layout = new OutputLayout('/out')
  const job = makeJob('12', { name: '../../etc/passwd', frames: '1-10' })
  const framePath = layout.framePath(job, 7)
  t.is(framePath, path.join('/out', 'job_12', 'frame_0007.png'))
  t.is(path.dirname(framePath), layout.jobDir('12'))
  t.false(framePath.includes('passwd'))
  const temp = layout.unitTempPath(job, 7)
  t.is(path.dirname(temp), layout.jobDir('12'))
  t.regex(path.basename(temp), /^\.frame_0007\.png\.[0-9a-f]{8}\.part$/)
  t.is(layout.manifestPath('12'), path.join('/out', 'job_12_info.json'))
})

test('frame names follow the format and grow past 4 digits when needed', (t) => {
  const layout = new OutputLayout('/out')
  t.is(layout.frameFileName(makeJob('1', { frames: '1-3', format: 'OPEN_EXR' }), 2), 'frame_0002.exr')
  t.is(layout.frameFileName(makeJob('1', { frames: '1-3', format: 'JPEG' }), 2), 'frame_0002.jpg')
  t.is(layout.frameFileName(makeJob('1', { frames: '99990-100000' }), 99990), 'frame_099990.png')
})

test('job content lives under the state folder, named by content hash', (t) => {
  const layout = new OutputLayout('/out')
  t.is(layout.contentPath('ab'.repeat(32)), path.join('/out', '.microfarm', 'content', 'ab'.repeat(32)))
  t.regex(path.basename(layout.contentTempPath()), /^\.upload-[0-9a-f]{12}\.part$/)
  t.is(path.dirname(layout.contentTempPath()), layout.contentDir)
})

test('videos ffmpeg was writing when a coordinator was killed are removed on start; finished ones stay', async (t) => {
  const root = await tempFolder(t, 'mf-store-')
  for (const name of ['job_1_render.mp4.0a1b2c3d.partial', 'job_1_render.mp4.0a1b2c3d.partial.ffconcat', 'job_2_render.mp4']) await writeFile(path.join(root, name), '')
  await new JobStore(root).init()
  t.deepEqual((await readdir(root)).filter(name => !name.startsWith('.')), ['job_2_render.mp4'])
})
