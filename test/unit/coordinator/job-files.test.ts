import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { listJobFiles } from '../../../src/coordinator/job-files.js'
import { OutputLayout } from '../../../src/store/layout.js'
import { makeJob } from '../../helpers/job-fixtures.js'
import { tempFolder } from '../../helpers/temp-folder.js'

// Issue 11, finding 3: a job's files list its own videos, wherever its
// settings put them, and never a video of a job named to look like it.

test('a job\'s files are its own videos only, found by the same rule that deletes them', async (t) => {
  const layout = new OutputLayout(await tempFolder(t, 'mf-job-files-'))
  const job = makeJob('1', { name: 'shot.blend' })
  await mkdir(layout.jobDir('1'), { recursive: true })
  const own = ['job_1_render.mp4', 'job_1_render_h265_medium.mp4', 'shot_job1_prores_low.mov'].map(name => path.join(layout.root, name))
  // Job 2 (`job_1_render.blend`), job 3 (`shot_job1.blend`) and job 12.
  const others = ['job_1_render_job2.mp4', 'shot_job1_job3.mp4', 'job_12_render.mp4'].map(name => path.join(layout.root, name))
  for (const file of [...own, ...others]) await writeFile(file, 'video')
  const listed = (await listJobFiles(job, layout)).map(file => file.path)
  t.deepEqual(listed, [...own].sort((a, b) => a.localeCompare(b)))
})
