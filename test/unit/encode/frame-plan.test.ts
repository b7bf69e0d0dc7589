import path from 'node:path'
import test from 'ava'
import { planFrames } from '../../../src/encode/frame-plan.js'

const dir = path.join('/r', 'job_1')
const frame = (n: number, name = `frame_${String(n).padStart(4, '0')}.png`, d = dir): { frame: number; path: string } =>
  ({ frame: n, path: path.join(d, name) })

test('contiguous, consistently named frames are a sequence', (t) => {
  const plan = planFrames([frame(3), frame(1), frame(2)])
  t.deepEqual(plan.frames.map((f) => f.frame), [1, 2, 3])
  t.deepEqual(plan.missing, [])
  t.deepEqual(plan.sequence, { pattern: path.join(dir, 'frame_%04d.png'), startNumber: 1 })
})

test('gaps make a list and report what is missing', (t) => {
  const plan = planFrames([1, 2, 5, 6, 9].map((n) => frame(n)))
  t.is(plan.sequence, undefined)
  t.deepEqual(plan.missing, [3, 4, 7, 8])
  t.deepEqual(plan.frames.map((f) => f.frame), [1, 2, 5, 6, 9])
})

test('duplicates are dropped', (t) => {
  const plan = planFrames([frame(1), frame(1, 'other_0001.png'), frame(2)])
  t.deepEqual(plan.frames.map((f) => f.path), [frame(1).path, frame(2).path])
})

test('the frame number is the last digit run before the extension', (t) => {
  const plan = planFrames([frame(9, 'shot2_v3_0009.jp2'), frame(10, 'shot2_v3_0010.jp2')])
  t.deepEqual(plan.sequence, { pattern: path.join(dir, 'shot2_v3_%04d.jp2'), startNumber: 9 })
})

test('numbers growing past the padding still fit the pattern', (t) => {
  const plan = planFrames([frame(9999), frame(10000, 'frame_10000.png')])
  t.deepEqual(plan.sequence, { pattern: path.join(dir, 'frame_%04d.png'), startNumber: 9999 })
})

test('inconsistent names fall back to a list', (t) => {
  t.is(planFrames([frame(1), frame(2, 'frame_02.png')]).sequence, undefined)
  t.is(planFrames([frame(1), frame(2, 'other_0002.png')]).sequence, undefined)
  t.is(planFrames([frame(1), frame(2, undefined, '/elsewhere')]).sequence, undefined)
  t.is(planFrames([frame(1, 'frame_0007.png'), frame(2)]).sequence, undefined)
  t.is(planFrames([frame(1, 'frame.png')]).sequence, undefined)
  t.is(planFrames([frame(-1, 'frame_-001.png'), frame(0, 'frame_0000.png')]).sequence, undefined)
})

test('a literal % in the folder or name is escaped for image2', (t) => {
  const plan = planFrames([frame(1, '100%_0001.png', '/r/50%'), frame(2, '100%_0002.png', '/r/50%')])
  t.is(plan.sequence?.pattern, path.join('/r/50%%', '100%%_%04d.png'))
})

test('no frames, no plan', (t) => {
  t.deepEqual(planFrames([]), { frames: [], missing: [] })
})
