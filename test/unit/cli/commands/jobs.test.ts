import test from 'ava'
import { formatJobs } from '../../../../src/cli/commands/jobs.js'
import { summarizeJob } from '../../../../src/coordinator/job-summary.js'
import { OutputLayout } from '../../../../src/store/layout.js'
import { at, makeJob, projectManifest, sceneInfo, submitRequest } from '../../../helpers/job-fixtures.js'
import { createJob } from '../../../../src/jobs/create-job.js'
import { completeFrame } from '../../../../src/jobs/frame-record.js'
import { applyControl } from '../../../../src/jobs/job-state.js'
import { tiledStillFor } from '../../../../src/jobs/tiled-still.js'

const layout = new OutputLayout('/srv/farm')

test('a job whose frames rendered while Blender warned says how many, and where to read them', (t) => {
  const job = makeJob('3')
  job.framesWarned = 2
  const lines = formatJobs([summarizeJob(job, layout)]).split('\n')
  t.true(lines.includes('job 3: 2 frame(s) rendered with Blender warnings (microfarm log 3 lists them)'))
})

test('a job without such frames has no note about them', (t) => {
  const quiet = makeJob('4')
  const counted = makeJob('5')
  counted.framesWarned = 0
  const text = formatJobs([summarizeJob(quiet, layout), summarizeJob(counted, layout)])
  t.notRegex(text, /Blender warnings/)
})

test('a tiled still counts tiles, says its grid and where the still is, and names missing tiles as tiles', (t) => {
  const request = submitRequest({ frames: '12', sceneInfo: sceneInfo(), tiles: { grid: { columns: 3, rows: 2 }, overscan: 16 } })
  const job = createJob('6', request, projectManifest(), at(), undefined, tiledStillFor(request, 1))
  for (const tile of [0, 1, 2, 3]) completeFrame(job, tile, 'a', at(1).toISOString())
  applyControl(job, 'complete', at(2))
  const text = formatJobs([summarizeJob(job, layout)])
  t.regex(text, /4\/6 tiles/)
  t.regex(text, /job 6: frame 12 in 3x2 tiles, stitching/)
  t.regex(text, /job 6: missing tiles 4,5/)
})
