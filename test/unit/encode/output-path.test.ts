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
