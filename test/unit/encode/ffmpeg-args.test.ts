import test from 'ava'
import { buildConcatList, buildEncodeArgs, frameRateArg } from '../../../src/encode/ffmpeg-args.js'
import { DEFAULT_ENCODE_SETTINGS } from '../../../src/encode/settings.js'
import type { EncodeSettings } from '../../../src/encode/settings.js'

const HEAD = ['-nostdin', '-y', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1']
const SEQUENCE_IN = ['-f', 'image2', '-pattern_type', 'sequence', '-framerate', '24', '-start_number', '7', '-i', '/f/frame_%04d.png', '-frames:v', '12']
const PAD = 'pad=ceil(iw/2)*2:ceil(ih/2)*2'
const settings = (s: Partial<EncodeSettings>): EncodeSettings => ({ ...DEFAULT_ENCODE_SETTINGS, ...s })
const sequenceArgs = (s: Partial<EncodeSettings>, outputPath = '/o/v.part'): string[] => buildEncodeArgs({
  input: { kind: 'sequence', pattern: '/f/frame_%04d.png', startNumber: 7, frameCount: 12 },
  settings: settings(s),
  fps: 24,
  outputPath,
})

const x264 = (crf: string): string[] => ['-c:v', 'libx264', '-crf', crf, '-pix_fmt', 'yuv420p']
const x265 = (crf: string): string[] => ['-c:v', 'libx265', '-crf', crf, '-pix_fmt', 'yuv420p', '-x265-params', 'log-level=error', '-tag:v', 'hvc1']
const prores = (profile: string): string[] => ['-c:v', 'prores_ks', '-profile:v', profile, '-pix_fmt', 'yuv422p10le']
const tail = (format: string): string[] => ['-r', '24', '-an', '-movflags', '+faststart', '-f', format, '/o/v.part']

const cases: Array<[Partial<EncodeSettings>, string[], string]> = [
  [{ codec: 'h264', quality: 'high' }, x264('18'), 'mp4'],
  [{ codec: 'h264', quality: 'medium' }, x264('23'), 'mp4'],
  [{ codec: 'h264', quality: 'low' }, x264('28'), 'mp4'],
  [{ codec: 'h265', quality: 'high' }, x265('20'), 'mp4'],
  [{ codec: 'h265', quality: 'medium' }, x265('26'), 'mp4'],
  [{ codec: 'h265', quality: 'low' }, x265('30'), 'mp4'],
  [{ codec: 'prores', quality: 'high' }, prores('3'), 'mov'],
  [{ codec: 'prores', quality: 'medium' }, prores('2'), 'mov'],
  [{ codec: 'prores', quality: 'low' }, prores('1'), 'mov'],
]

for (const [s, codec, format] of cases) {
  test(`sequence args for ${s.codec ?? ''} ${s.quality ?? ''}`, (t) => {
    t.deepEqual(sequenceArgs(s), [...HEAD, ...SEQUENCE_IN, '-vf', PAD, ...codec, ...tail(format)])
  })
}

test('a sequence without a frame count lets image2 find the end', (t) => {
  const args = buildEncodeArgs({
    input: { kind: 'sequence', pattern: '/f/frame_%04d.png', startNumber: 1 },
    settings: DEFAULT_ENCODE_SETTINGS,
    fps: 24,
    outputPath: '/o/v.part',
  })
  t.false(args.includes('-frames:v'))
  t.deepEqual(args.slice(args.indexOf('-start_number'), args.indexOf('-vf')), ['-start_number', '1', '-i', '/f/frame_%04d.png'])
})

test('a frame list goes through the concat demuxer, renumbered at the job rate', (t) => {
  const args = buildEncodeArgs({
    input: { kind: 'list', listFile: '/o/v.part.ffconcat' },
    settings: DEFAULT_ENCODE_SETTINGS,
    fps: 30 / 1.001,
    outputPath: '/o/v.part',
  })
  t.deepEqual(args, [
    ...HEAD,
    '-f', 'concat', '-safe', '0', '-i', '/o/v.part.ffconcat',
    '-vf', `setpts=N/(30000/1001)/TB,${PAD}`,
    ...x264('18'),
    '-r', '30000/1001', '-an', '-movflags', '+faststart', '-f', 'mp4', '/o/v.part',
  ])
})

test('frame rates become exact fractions', (t) => {
  t.is(frameRateArg(24), '24')
  t.is(frameRateArg(24 / 1.001), '24000/1001')
  t.is(frameRateArg(60000 / 1001), '60000/1001')
  t.is(frameRateArg(12.5), '25/2')
  t.is(frameRateArg(29.97), '2997/100')
  t.throws(() => frameRateArg(0), { instanceOf: RangeError })
  t.throws(() => frameRateArg(Number.NaN), { instanceOf: RangeError })
})

test('the concat list quotes every path and escapes quotes', (t) => {
  t.is(buildConcatList(['/r/frame_0001.png', "/r/it's here/frame_0003.png"]),
    "ffconcat version 1.0\nfile '/r/frame_0001.png'\nfile '/r/it'\\''s here/frame_0003.png'\n")
  t.throws(() => buildConcatList(['/r/a\nb.png']), { instanceOf: RangeError })
})
