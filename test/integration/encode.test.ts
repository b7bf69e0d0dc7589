import { createHash } from 'node:crypto'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { encodeFrames } from '../../src/encode/encode-frames.js'
import { FfmpegNotFoundError, UnsupportedFramesError } from '../../src/encode/errors.js'
import { findFfmpeg } from '../../src/encode/find-ffmpeg.js'
import { reencodeSuffix, videoPath } from '../../src/encode/output-path.js'
import { DEFAULT_ENCODE_SETTINGS } from '../../src/encode/settings.js'
import type { Codec, EncodeSettings, Mp4Location } from '../../src/encode/settings.js'
import { runProcess } from '../../src/process/run-process.js'
import { findBlenderForTests, makeScene } from '../helpers/blender.js'
import { probeVideo } from '../helpers/ffprobe.js'

// Real Blender renders the frames, real ffmpeg encodes them, ffprobe checks.
// Same rule as the Blender helper: without Blender or ffmpeg the tests are
// skipped, unless CI=true, where that is a failure.
const FRAMES = 12
// Odd on purpose: H.264/H.265/ProRes need even sizes, so the video is padded to 162×92.
const WIDTH = 161
const HEIGHT = 91
const FPS = 24

async function run (command: string, args: string[]): Promise<string> {
  const out: string[] = []
  const result = await runProcess({ command, args, timeoutMs: 120_000, onStdoutLine: (l) => out.push(l), onStderrLine: (l) => out.push(l) })
  if (result.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.exitCode ?? result.signal}):\n${out.slice(-20).join('\n')}`)
  return out.join('\n')
}

async function ffprobeWorks (): Promise<boolean> {
  try {
    return (await runProcess({ command: 'ffprobe', args: ['-version'], timeoutMs: 30_000 })).exitCode === 0
  } catch {
    return false
  }
}

const blenderInstall = await findBlenderForTests()
const blender = blenderInstall?.path ?? 'blender'
const ffmpeg = await findFfmpeg().catch(() => undefined)
const missing = [
  ...(blenderInstall != null ? [] : ['Blender (install it or set BLENDER)']),
  ...(ffmpeg != null && await ffprobeWorks() ? [] : ['ffmpeg/ffprobe (apt-get install ffmpeg)']),
]

/** Serial: the tests share one render. Without the tools they show as skipped, with the reason. */
function realTest (title: string, body: (t: ExecutionContext) => Promise<void>): void {
  if (missing.length === 0) test.serial(title, body)
  else test.skip(`${title} (needs ${missing.join(', ')})`, body)
}

let root = ''
let framesDir = ''
const frames: Array<{ frame: number; path: string }> = []

test.before(async () => {
  if (missing.length > 0) return
  root = await mkdtemp(path.join(os.tmpdir(), 'mf-encode-int-'))
  framesDir = path.join(root, 'OUTPUT', 'job_1')
  await blenderRender(path.join(root, 'scene'), path.join(framesDir, 'frame_####'), 'PNG', FRAMES)
  for (const name of (await readdir(framesDir)).sort()) {
    frames.push({ frame: Number(/(\d+)\.png$/.exec(name)?.[1]), path: path.join(framesDir, name) })
  }
})

test.after.always(async () => {
  if (root !== '') await rm(root, { recursive: true, force: true })
})

async function blenderRender (sceneDir: string, outPattern: string, format: string, frameCount: number): Promise<void> {
  await mkdir(sceneDir, { recursive: true })
  const blend = await makeScene(sceneDir, { frames: frameCount, width: WIDTH, height: HEIGHT })
  await run(blender, ['-b', blend, '-Y', '-o', outPattern, '-F', format, '-x', '1', '-a'])
}

async function fingerprint (file: string): Promise<{ size: number; mtimeMs: number; sha256: string }> {
  const s = await stat(file)
  return { size: s.size, mtimeMs: s.mtimeMs, sha256: createHash('sha256').update(await readFile(file)).digest('hex') }
}

function encode (settings: EncodeSettings, outputPath: string, input = frames): ReturnType<typeof encodeFrames> {
  if (ffmpeg == null) throw new Error('ffmpeg missing')
  return encodeFrames({ ffmpeg, frames: input, settings, fps: FPS, outputPath })
}

const codecs: Array<[Codec, Mp4Location, string, string, string]> = [
  ['h264', 'parent', 'job_1_render.mp4', 'h264', 'avc1'],
  ['h265', 'frames', path.join('job_1', 'job_1_render.mp4'), 'hevc', 'hvc1'],
  ['prores', 'root', 'My Shot_job1.mov', 'prores', 'apch'],
]

for (const [codec, location, where, codecName, tag] of codecs) {
  realTest(`${codec} from real Blender frames lands at ${location} and probes right`, async (t) => {
    t.is(frames.length, FRAMES)
    const outputRoot = path.join(root, 'OUTPUT')
    const outputPath = videoPath({ outputRoot, jobId: '1', jobName: 'My Shot.blend', codec, location })
    t.is(outputPath, path.join(outputRoot, where))
    const progress: number[] = []
    const result = await encodeFrames({
      ffmpeg: ffmpeg ?? { path: 'ffmpeg' }, frames, settings: { ...DEFAULT_ENCODE_SETTINGS, codec, location }, fps: FPS, outputPath,
      onProgress: (done, total) => { t.is(total, FRAMES); progress.push(done) },
    })
    t.deepEqual(result, { outputPath, framesEncoded: FRAMES, missing: [] })
    t.is(progress.at(-1), FRAMES)
    const p = await probeVideo(outputPath)
    t.like(p, { codec_name: codecName, codec_tag_string: tag, width: WIDTH + 1, height: HEIGHT + 1, r_frame_rate: `${FPS}/1`, nb_read_frames: String(FRAMES) })
    t.false((await readdir(path.dirname(outputPath))).some((f) => f.includes('.partial')))
  })
}

realTest('gaps: a force-completed job encodes the frames it has and reports the missing', async (t) => {
  const gappy = path.join(root, 'gappy', 'job_2')
  await cp(framesDir, gappy, { recursive: true })
  await rm(path.join(gappy, 'frame_0005.png'))
  await rm(path.join(gappy, 'frame_0006.png'))
  const present = frames.filter((f) => f.frame !== 5 && f.frame !== 6).map((f) => ({ frame: f.frame, path: path.join(gappy, path.basename(f.path)) }))
  const outputPath = path.join(root, 'gappy', 'job_2_render.mp4')
  const result = await encode(DEFAULT_ENCODE_SETTINGS, outputPath, present)
  t.deepEqual(result.missing, [5, 6])
  t.is(result.framesEncoded, FRAMES - 2)
  t.like(await probeVideo(outputPath), { codec_name: 'h264', r_frame_rate: `${FPS}/1`, nb_read_frames: String(FRAMES - 2) })
  // The copy may hold job_1's video too (location 'frames'); what matters is no frame lost, no list left.
  const left = await readdir(gappy)
  t.is(left.filter((f) => f.endsWith('.png')).length, FRAMES - 2)
  t.false(left.some((f) => f.includes('.partial')))
})

realTest('ffmpeg missing: FfmpegNotFoundError with the install hint; frames untouched', async (t) => {
  const emptyBin = path.join(root, 'empty-bin')
  await mkdir(emptyBin, { recursive: true })
  const error = await t.throwsAsync(findFfmpeg({ env: { PATH: emptyBin } }), { instanceOf: FfmpegNotFoundError })
  t.regex(error?.message ?? '', /apt-get install ffmpeg.*brew install ffmpeg.*--ffmpeg.*FFMPEG/s)
  const gone = path.join(emptyBin, 'ffmpeg')
  await t.throwsAsync(findFfmpeg({ explicitPath: gone }), { instanceOf: FfmpegNotFoundError, message: /from --ffmpeg/ })
  const outputPath = path.join(root, 'missing', 'v.mp4')
  await t.throwsAsync(encodeFrames({ ffmpeg: { path: gone }, frames, settings: DEFAULT_ENCODE_SETTINGS, fps: FPS, outputPath }), { instanceOf: FfmpegNotFoundError })
  t.is((await readdir(framesDir)).filter((f) => f.endsWith('.png')).length, FRAMES)
  await t.throwsAsync(stat(outputPath))
})

realTest('a re-encode with other settings writes a new file and leaves the first alone', async (t) => {
  const outputRoot = path.join(root, 'reencode')
  const base = { outputRoot, jobId: '3', jobName: 'shot.blend' }
  const first = videoPath({ ...base, codec: 'h264', location: 'parent' })
  await encode(DEFAULT_ENCODE_SETTINGS, first)
  const before = await fingerprint(first)
  const settings: EncodeSettings = { ...DEFAULT_ENCODE_SETTINGS, codec: 'h265', quality: 'medium' }
  const second = videoPath({ ...base, codec: 'h265', location: 'parent', suffix: reencodeSuffix(settings) })
  t.is(path.basename(second), 'job_3_render_h265_medium.mp4')
  await encode(settings, second)
  t.deepEqual(await fingerprint(first), before)
  t.like(await probeVideo(second), { codec_name: 'hevc', nb_read_frames: String(FRAMES) })
})

realTest('real multilayer EXR is refused; single-layer EXR encodes', async (t) => {
  const exrFrames = async (format: string, dir: string): Promise<Array<{ frame: number; path: string }>> => {
    await blenderRender(path.join(root, `scene-${format}`), path.join(dir, 'frame_####'), format, 2)
    return (await readdir(dir)).sort().map((name, i) => ({ frame: i + 1, path: path.join(dir, name) }))
  }
  const multi = await exrFrames('OPEN_EXR_MULTILAYER', path.join(root, 'exr-multi'))
  const error = await t.throwsAsync(encode(DEFAULT_ENCODE_SETTINGS, path.join(root, 'exr-multi.mp4'), multi), { instanceOf: UnsupportedFramesError })
  t.regex(error?.message ?? '', /multilayer OpenEXR \(channel "ViewLayer\.Combined\.[RGBA]"\)/)
  const single = await exrFrames('OPEN_EXR', path.join(root, 'exr-single'))
  const out = path.join(root, 'exr-single.mp4')
  await encode(DEFAULT_ENCODE_SETTINGS, out, single)
  t.like(await probeVideo(out), { codec_name: 'h264', nb_read_frames: '2' })
})

if (missing.length > 0 && process.env['CI'] === 'true') {
  test('Blender and ffmpeg are required when CI=true', (t) => t.fail(`missing: ${missing.join(', ')}`))
}
