import test from 'ava'
import { formatJobs } from '../../../../src/cli/commands/jobs.js'
import { summarizeJob } from '../../../../src/coordinator/job-summary.js'
import { OutputLayout } from '../../../../src/store/layout.js'
import { makeJob } from '../../../helpers/job-fixtures.js'

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
