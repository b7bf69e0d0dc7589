import test from 'ava'
import { buildRenderArgs, frameFileName, frameFromOutputPath, frameListArg } from '../../../src/blender/render-args.js'

test('buildRenderArgs: the exact argument list, -Y always, -f last', (t) => {
  const args = buildRenderArgs({
    blendPath: '/work/jobs/1/scene.blend', outputPrefix: '/work/frames/job_1/frame_', format: 'PNG', frames: [1, 3, 5],
  })
  t.deepEqual(args, [
    '-b', '/work/jobs/1/scene.blend', '-Y', '-o', '/work/frames/job_1/frame_######', '-F', 'PNG', '-x', '1', '-f', '1,3,5',
  ])
  t.false(args.includes('--factory-startup'))
})

test('buildRenderArgs passes the format through', (t) => {
  const args = buildRenderArgs({ blendPath: 'a.blend', outputPrefix: 'out/f_', format: 'OPEN_EXR', frames: [7] })
  t.deepEqual(args.slice(-6), ['-F', 'OPEN_EXR', '-x', '1', '-f', '7'])
})

test('frameListArg compresses consecutive runs into Blender ranges', (t) => {
  t.is(frameListArg([1, 2, 3, 5]), '1..3,5')
  t.is(frameListArg([1, 2]), '1..2')
  t.is(frameListArg([0]), '0')
  t.is(frameListArg([10, 11, 12, 20, 30, 31]), '10..12,20,30..31')
})

test('frameListArg keeps the caller order and drops repeats', (t) => {
  t.is(frameListArg([5, 1, 2, 5]), '5,1..2')
})

test('frameListArg refuses frames Blender would misread', (t) => {
  t.throws(() => frameListArg([]), { instanceOf: RangeError, message: /no frames/ })
  t.throws(() => frameListArg([-1]), { instanceOf: RangeError, message: /frame -1/ })
  t.throws(() => frameListArg([1.5]), { instanceOf: RangeError })
  t.throws(() => frameListArg([Number.NaN]), { instanceOf: RangeError })
})

test('frameFromOutputPath reads the frame from names written with the prefix', (t) => {
  t.is(frameFromOutputPath('/work/frames/job_1/frame_000001.png'), 1)
  t.is(frameFromOutputPath('/tmp/job_12/frame_001234.jpg'), 1234)
  t.is(frameFromOutputPath('C:\\frames\\job_3\\frame_000042.exr'), 42)
  t.is(frameFromOutputPath('/x/frame_1234567.png'), 1234567)
  t.is(frameFromOutputPath('/x/frame_.png'), undefined)
  t.is(frameFromOutputPath('/x/frame_000001.txt'), undefined)
  t.is(frameFromOutputPath('/x/notes'), undefined)
})

test('frameFileName matches what Blender writes', (t) => {
  t.is(frameFileName('frame_', 7, 'PNG'), 'frame_000007.png')
  t.is(frameFileName('frame_', 12, 'JPEG'), 'frame_000012.jpg')
  t.is(frameFileName('frame_', 1234567, 'OPEN_EXR'), 'frame_1234567.exr')
  t.is(frameFromOutputPath(frameFileName('frame_', 99, 'PNG')), 99)
})
