import { access, mkdir, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { reencodeSuffix, videoPath } from '../../../src/encode/output-path.js'
import type { Mp4Location } from '../../../src/encode/settings.js'
import { JobStore } from '../../../src/store/job-store.js'
import { makeJob } from '../../helpers/job-fixtures.js'
import { tempFolder } from '../../helpers/temp-folder.js'

// Issue 11, finding 3: deleting a job removes its videos, found by name in the
// output root, and never another job's, however that job's .blend is named.

test('deleting a job never removes a video of another job named to collide with it', async (t) => {
  const store = new JobStore(await tempFolder(t, 'mf-delete-videos-'))
  await store.init()
  t.teardown(async () => { await store.drain() })
  const jobs = [
    makeJob('1', { name: 'shot.blend' }),
    makeJob('2', { name: 'job_1_render.blend' }),
    makeJob('3', { name: 'shot_job1.blend' }),
    makeJob('4', { name: 'job_1.blend' }),
    makeJob('5', { name: 'shot_job1_h265_medium.blend' }),
  ]
  const suffix = reencodeSuffix({ codec: 'h265', quality: 'medium' })
  const videos = new Map<string, string[]>()
  for (const job of jobs) {
    await store.save(job)
    await mkdir(store.layout.jobDir(job.id), { recursive: true })
    const made: string[] = []
    for (const location of ['parent', 'frames', 'root'] satisfies Mp4Location[]) {
      for (const extra of [{}, { suffix }]) {
        const file = videoPath({ outputRoot: store.layout.root, jobId: job.id, jobName: job.name, codec: 'h264', location, ...extra })
        await writeFile(file, `video of job ${job.id}`)
        made.push(file)
      }
    }
    videos.set(job.id, made)
  }
  const [first] = jobs
  if (first === undefined) throw new Error('no job')
  await store.deleteJob(first)

  for (const file of videos.get('1') ?? []) await t.throwsAsync(access(file), { code: 'ENOENT' }, `job 1's ${path.basename(file)} is removed`)
  for (const job of jobs.slice(1)) {
    for (const file of videos.get(job.id) ?? []) await t.notThrowsAsync(access(file), `job ${job.id}'s ${path.basename(file)} is kept`)
  }
  t.false((await readdir(store.layout.root)).includes('job_1_info.json'))
})
