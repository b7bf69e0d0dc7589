import path from 'node:path'
import test from 'ava'
import { isJobVideo, reencodeSuffix, sanitiseJobName, videoPath } from '../../../src/encode/output-path.js'

const root = path.join('/srv', 'out')
const base = { outputRoot: root, jobId: '1', jobName: 'shot.blend', codec: 'h264' as const }

test('parent, frames and root locations', (t) => {
  t.is(videoPath({ ...base, location: 'parent' }), path.join(root, 'job_1_render.mp4'))
  t.is(videoPath({ ...base, location: 'frames' }), path.join(root, 'job_1', 'job_1_render.mp4'))
  t.is(videoPath({ ...base, location: 'root' }), path.join(root, 'shot_job1.mp4'), 'the job id keeps two jobs of one scene apart')
})

test('prores is written as .mov', (t) => {
  t.is(videoPath({ ...base, codec: 'prores', location: 'parent' }), path.join(root, 'job_1_render.mov'))
  t.is(videoPath({ ...base, codec: 'prores', location: 'root' }), path.join(root, 'shot_job1.mov'))
})

test('a re-encode suffix makes a new name beside the first', (t) => {
  const suffix = reencodeSuffix({ codec: 'h265', quality: 'medium' })
  t.is(suffix, 'h265_medium')
  t.is(videoPath({ ...base, codec: 'h265', location: 'parent', suffix }), path.join(root, 'job_1_render_h265_medium.mp4'))
  t.is(videoPath({ ...base, codec: 'h265', location: 'frames', suffix }), path.join(root, 'job_1', 'job_1_render_h265_medium.mp4'))
  t.is(videoPath({ ...base, codec: 'h265', location: 'root', suffix }), path.join(root, 'shot_job1_h265_medium.mp4'))
  t.is(reencodeSuffix({ codec: 'prores', quality: 'low', fps: 23.976 }), 'prores_low_23p976fps')
})

const hostile = ['../../etc/passwd', 'a/b\\c', '..', '.', '', '/', 'C:\\Windows\\evil', '..\\..\\x', 'con', 'nul.blend',
  ' .hidden. ', 'tab\there\nnew', 'x'.repeat(500), 'a:b*c?"<>|', '%2e%2e%2f', '\u0000nul']

for (const name of hostile) {
  test(`hostile job name ${JSON.stringify(name).slice(0, 40)} stays a plain file in the output root`, (t) => {
    const p = videoPath({ ...base, jobName: name, location: 'root' })
    t.is(path.dirname(p), root)
    const file = path.basename(p)
    t.regex(file, /^[^/\\:*?"<>|\p{Cc}]+\.mp4$/u)
    t.false(file.startsWith('.'))
    t.not(file.slice(0, -4).split('.')[0]?.toLowerCase(), 'con')
    t.true(file.length <= 130)
  })
}

test('sanitising keeps readable names readable', (t) => {
  t.is(sanitiseJobName('My Shot 010.blend'), 'My Shot 010')
  t.is(sanitiseJobName('../../etc/passwd'), '_.._etc_passwd')
  t.is(sanitiseJobName('a/b\\c'), 'a_b_c')
  t.is(sanitiseJobName('con'), '_con')
  t.is(sanitiseJobName('..'), '')
})

test('an empty job name falls back to the job id', (t) => {
  t.is(videoPath({ ...base, jobName: '..', location: 'root' }), path.join(root, 'job_1_render.mp4'))
})

test('a hostile job id or suffix cannot escape either', (t) => {
  const p = videoPath({ ...base, jobId: '../x', location: 'frames', suffix: '../../y' })
  t.is(path.dirname(path.dirname(p)), root)
})

test('a job\'s videos are told apart from other jobs\' whatever their settings', (t) => {
  for (const name of ['job_1_render.mp4', 'job_1_render_h265_medium.mp4', 'shot_job1.mov', 'shot_job1_prores_low.mov']) t.true(isJobVideo(name, '1', 'shot.blend'), name)
  for (const name of ['job_12_render.mp4', 'shot_job12.mp4', 'shot.mp4', 'job_1_info.json', 'other_job1.mp4']) t.false(isJobVideo(name, '1', 'shot.blend'), name)
})

// Issue 11, finding 3: names chosen to collide. Job 2's .blend is named after
// job 1's video, job 3's after job 1's root video, job 4's after job 1's frames
// folder, and so on: no two jobs may share a video path, and a job's videos are
// told apart from every other job's, whatever the settings and place.
const collidingJobs = [
  { id: '1', name: 'shot.blend' },
  { id: '2', name: 'job_1_render.blend' },
  { id: '3', name: 'shot_job1.blend' },
  { id: '4', name: 'job_1.blend' },
  { id: '5', name: '..' },
  { id: '6', name: 'job_1_render_h264_high.blend' },
  { id: '7', name: 'shot_job1_h265_medium.blend' },
  { id: '8', name: 'job_1_render_job2.blend' },
  { id: '9', name: 'Shot_job1_h264_high_12fps.blend' },
  { id: '12', name: 'shot.blend' },
  { id: '21', name: 'shot_job2.blend' },
]
const codecs = ['h264', 'h265', 'prores'] as const
const suffixes = [undefined, reencodeSuffix({ codec: 'h264', quality: 'high' }), reencodeSuffix({ codec: 'h265', quality: 'medium', fps: 12 }), reencodeSuffix({ codec: 'prores', quality: 'low', fps: 23.976 })]

function everyVideoOf (job: { id: string, name: string }): string[] {
  return codecs.flatMap(codec => (['parent', 'frames', 'root'] as const).flatMap(location =>
    suffixes.map(suffix => videoPath({ outputRoot: root, jobId: job.id, jobName: job.name, codec, location, ...(suffix !== undefined ? { suffix } : {}) }))))
}

test('no job\'s video path is another job\'s, nor its frames folder or manifest, even ignoring case', (t) => {
  const owner = new Map<string, string>()
  for (const job of collidingJobs) {
    for (const file of [path.join(root, `job_${job.id}`), path.join(root, `job_${job.id}_info.json`), ...everyVideoOf(job)]) {
      const key = file.toLowerCase()
      const other = owner.get(key)
      if (other !== undefined && other !== job.id) t.fail(`${file} of job ${job.id} is also job ${other}'s`)
      owner.set(key, job.id)
    }
  }
  t.pass()
})

test('a video in the output root belongs to its own job only, whatever the other jobs are named', (t) => {
  for (const job of collidingJobs) {
    for (const file of everyVideoOf(job).filter(file => path.dirname(file) === root)) {
      const name = path.basename(file)
      for (const other of collidingJobs) t.is(isJobVideo(name, other.id, other.name), other.id === job.id, `${name} (job ${job.id}) as job ${other.id}'s`)
    }
  }
})
