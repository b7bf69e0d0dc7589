import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { CoordinatorApi } from '../../../src/coordinator/api.js'
import { CoordinatorEvents } from '../../../src/coordinator/events.js'
import { Farm } from '../../../src/coordinator/farm.js'
import { JobStore } from '../../../src/store/job-store.js'
import { tempFolder } from '../../helpers/temp-folder.js'
import { projectManifest, submitRequest } from '../../helpers/job-fixtures.js'

// The API methods the terminal UI added: a new job from a file on the
// coordinator's machine, and a job's files.

interface Setup { api: CoordinatorApi, farm: Farm, store: JobStore, dir: string }

async function setup (t: ExecutionContext): Promise<Setup> {
  const dir = await tempFolder(t, 'mf-tui-api-')
  const store = new JobStore(path.join(dir, 'out'))
  await mkdir(store.layout.root, { recursive: true })
  await store.init()
  t.teardown(async () => { await store.drain() })
  const farm = new Farm({ policy: { maxAttempts: 3, blocklistAfter: 3 } }, { store, events: new CoordinatorEvents() })
  return { api: new CoordinatorApi(farm, store), farm, store, dir }
}

async function blendFile (dir: string, name = 'shot.blend'): Promise<{ file: string }> {
  const file = path.join(dir, name)
  await writeFile(file, Buffer.concat([Buffer.from('BLENDER-v300'), Buffer.from('scene bytes')]))
  return { file }
}

test('submitFile on a coordinator without Blender refuses plainly: the scene\'s files cannot be listed', async (t) => {
  const { api, farm, dir } = await setup(t)
  const { file } = await blendFile(dir)
  await t.throwsAsync(api.submitFile(file, { frames: '1-4', chunk: 2 }), { name: 'ApiError', message: /has no Blender, so the files the scene needs .* cannot be listed: submit it with `microfarm submit`/ })
  t.is(farm.jobs.size, 0)
})

test('submitFile refuses what is not a .blend, a missing file and a bad frame list', async (t) => {
  const { api, farm, dir } = await setup(t)
  await writeFile(path.join(dir, 'notes.txt'), 'hello')
  await t.throwsAsync(api.submitFile(path.join(dir, 'notes.txt'), { chunk: 1 }), { message: /not a Blender file/ })
  await t.throwsAsync(api.submitFile(path.join(dir, 'missing.blend'), { chunk: 1 }), { message: /no such file/ })
  const { file } = await blendFile(dir)
  await t.throwsAsync(api.submitFile(file, { frames: '9-1', chunk: 1 }))
  t.is(farm.jobs.size, 0)
})

test('jobFiles lists frames and videos with their sizes, not uploads in flight', async (t) => {
  const { api, farm, store } = await setup(t)
  const job = await farm.submit(submitRequest({ frames: '1-2', chunk: 1 }), projectManifest())
  await writeFile(store.layout.framePath(job, 1), Buffer.alloc(100))
  await writeFile(path.join(store.layout.jobDir(job.id), '.frame_0002.png.abcd.part'), Buffer.alloc(5))
  await writeFile(path.join(store.layout.root, 'job_1_render.mp4'), Buffer.alloc(300))
  await writeFile(path.join(store.layout.root, 'job_10_render.mp4'), Buffer.alloc(1))
  t.deepEqual(await api.jobFiles('1'), [
    { path: store.layout.framePath(job, 1), bytes: 100, kind: 'frame' },
    { path: path.join(store.layout.root, 'job_1_render.mp4'), bytes: 300, kind: 'video' },
  ])
  await t.throwsAsync(api.jobFiles('7'), { message: /no job 7/ })
})
