import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { encodeFrames } from '../../../src/encode/encode-frames.js'
import { EncodeError, FfmpegNotFoundError, UnsupportedFramesError } from '../../../src/encode/errors.js'
import { EXR_MAGIC } from '../../../src/encode/exr-header.js'
import { DEFAULT_ENCODE_SETTINGS } from '../../../src/encode/settings.js'
import { ProgramNotFoundError } from '../../../src/process/run-process.js'
import type { ProcessResult, ProcessRunner, RunProcessOptions } from '../../../src/process/run-process.js'

// These tests fake ffmpeg to pin down the runner's own behaviour; the real
// thing is exercised in test/integration/encode.test.ts.

async function tempDir (t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-encode-'))
  t.teardown(async () => rm(dir, { recursive: true, force: true }))
  return dir
}

async function pngFrames (dir: string, numbers: number[]): Promise<Array<{ frame: number; path: string }>> {
  return Promise.all(numbers.map(async (n) => {
    const p = path.join(dir, `frame_${String(n).padStart(4, '0')}.png`)
    await writeFile(p, 'png')
    return { frame: n, path: p }
  }))
}

/** Behaves like ffmpeg: writes its output file and reports progress. */
function fakeFfmpeg (calls: RunProcessOptions[], o: { during?: (options: RunProcessOptions) => Promise<void>; result?: ProcessResult; stderr?: string[] } = {}): ProcessRunner {
  return async (options) => {
    calls.push(options)
    await o.during?.(options)
    const out = options.args[options.args.length - 1] ?? ''
    await writeFile(out, 'video')
    for (const line of ['frame=2', 'progress=continue', 'frame=3', 'progress=end']) options.onStdoutLine?.(line)
    for (const line of o.stderr ?? []) options.onStderrLine?.(line)
    return o.result ?? { exitCode: 0, signal: null }
  }
}

test('a contiguous sequence is encoded by pattern and renamed into place', async (t) => {
  const dir = await tempDir(t)
  const frames = await pngFrames(dir, [1, 2, 3])
  const calls: RunProcessOptions[] = []
  const progress: Array<[number, number]> = []
  const outputPath = path.join(dir, 'out', 'job_1_render.mp4')
  const result = await encodeFrames({
    ffmpeg: { path: '/usr/bin/ffmpeg' }, frames, settings: DEFAULT_ENCODE_SETTINGS, fps: 24, outputPath,
    run: fakeFfmpeg(calls), onProgress: (done, total) => progress.push([done, total]),
  })
  t.deepEqual(result, { outputPath, framesEncoded: 3, missing: [] })
  t.is(await readFile(outputPath, 'utf8'), 'video')
  t.deepEqual(await readdir(path.dirname(outputPath)), ['job_1_render.mp4'])
  const args = calls[0]?.args ?? []
  t.is(calls[0]?.command, '/usr/bin/ffmpeg')
  t.true(args.includes(path.join(dir, 'frame_%04d.png')))
  t.regex(args[args.length - 1] ?? '', /job_1_render\.mp4\.[0-9a-f]{8}\.partial$/)
  t.deepEqual(progress, [[2, 3], [3, 3]])
})

test('gaps go through a list of the frames present, removed afterwards', async (t) => {
  const dir = await tempDir(t)
  const frames = await pngFrames(dir, [5, 1, 2, 6])
  const calls: RunProcessOptions[] = []
  let list = ''
  const outputPath = path.join(dir, 'v.mp4')
  const result = await encodeFrames({
    ffmpeg: { path: 'ffmpeg' }, frames, settings: DEFAULT_ENCODE_SETTINGS, fps: 24, outputPath,
    run: fakeFfmpeg(calls, { during: async (o) => { list = await readFile(o.args[o.args.indexOf('concat') + 4] ?? '', 'utf8') } }),
  })
  t.deepEqual(result.missing, [3, 4])
  t.deepEqual(list.split('\n').filter((l) => l.startsWith('file')), [1, 2, 5, 6].map((n) => `file '${path.join(dir, `frame_000${n}.png`)}'`))
  t.deepEqual((await readdir(dir)).filter((f) => !f.startsWith('frame_')), ['v.mp4'])
})

test('settings.fps overrides the scene rate', async (t) => {
  const dir = await tempDir(t)
  const calls: RunProcessOptions[] = []
  await encodeFrames({
    ffmpeg: { path: 'ffmpeg' }, frames: await pngFrames(dir, [1]), settings: { ...DEFAULT_ENCODE_SETTINGS, fps: 30 }, fps: 24,
    outputPath: path.join(dir, 'v.mp4'), run: fakeFfmpeg(calls),
  })
  const args = calls[0]?.args ?? []
  t.is(args[args.indexOf('-framerate') + 1], '30')
})

test('ffmpeg failing gives its own last stderr lines, and leaves no file behind', async (t) => {
  const dir = await tempDir(t)
  const frames = await pngFrames(dir, [1, 2])
  const stderr = Array.from({ length: 30 }, (_, i) => `line ${i}`).concat(['', 'frame_0002.png: Invalid data found when processing input'])
  const error = await t.throwsAsync(encodeFrames({
    ffmpeg: { path: 'ffmpeg' }, frames, settings: DEFAULT_ENCODE_SETTINGS, fps: 24, outputPath: path.join(dir, 'v.mp4'),
    run: fakeFfmpeg([], { result: { exitCode: 1, signal: null }, stderr }),
  }), { instanceOf: EncodeError })
  t.is(error?.name, 'EncodeError')
  t.is(error?.exitCode, 1)
  t.is(error?.stderrTail.length, 20)
  t.is(error?.stderrTail.at(-1), 'frame_0002.png: Invalid data found when processing input')
  t.regex(error?.message ?? '', /exit code 1[\s\S]*Invalid data found/)
  t.deepEqual((await readdir(dir)).sort(), ['frame_0001.png', 'frame_0002.png'])
})

test('ffmpeg missing at run time is FfmpegNotFoundError with the cause; frames are untouched', async (t) => {
  const dir = await tempDir(t)
  const frames = await pngFrames(dir, [1, 2])
  const cause = new ProgramNotFoundError('cannot run /gone/ffmpeg: not found')
  const error = await t.throwsAsync(encodeFrames({
    ffmpeg: { path: '/gone/ffmpeg' }, frames, settings: DEFAULT_ENCODE_SETTINGS, fps: 24, outputPath: path.join(dir, 'v.mp4'),
    run: async () => { throw cause },
  }), { instanceOf: FfmpegNotFoundError })
  t.is(error?.cause, cause)
  t.regex(error?.message ?? '', /apt-get install ffmpeg/)
  t.deepEqual((await readdir(dir)).sort(), ['frame_0001.png', 'frame_0002.png'])
})

test('an abort rejects with the signal reason and removes the partial file', async (t) => {
  const dir = await tempDir(t)
  const controller = new AbortController()
  const reason = new Error('job cancelled')
  const run: ProcessRunner = async (options) => {
    await writeFile(options.args[options.args.length - 1] ?? '', 'half')
    controller.abort(reason)
    return { exitCode: null, signal: 'SIGTERM', stoppedBecause: 'aborted' }
  }
  const error = await t.throwsAsync(encodeFrames({
    ffmpeg: { path: 'ffmpeg' }, frames: await pngFrames(dir, [1]), settings: DEFAULT_ENCODE_SETTINGS, fps: 24,
    outputPath: path.join(dir, 'v.mp4'), signal: controller.signal, run,
  }))
  t.is(error, reason)
  t.deepEqual(await readdir(dir), ['frame_0001.png'])
})

test('multilayer EXR frames are refused before ffmpeg runs', async (t) => {
  const dir = await tempDir(t)
  const chlist = Buffer.concat([Buffer.from('ViewLayer.Combined.R\0'), Buffer.alloc(16), Buffer.from([0])])
  const header = Buffer.concat([
    Buffer.from(new Int32Array([EXR_MAGIC, 2]).buffer),
    Buffer.from('channels\0chlist\0'), Buffer.from(new Int32Array([chlist.length]).buffer), chlist,
    Buffer.from([0]),
  ])
  const frames = [1, 2].map((n) => ({ frame: n, path: path.join(dir, `f_000${n}.exr`) }))
  for (const f of frames) await writeFile(f.path, header)
  const calls: RunProcessOptions[] = []
  const error = await t.throwsAsync(encodeFrames({
    ffmpeg: { path: 'ffmpeg' }, frames, settings: DEFAULT_ENCODE_SETTINGS, fps: 24, outputPath: path.join(dir, 'v.mp4'), run: fakeFfmpeg(calls),
  }), { instanceOf: UnsupportedFramesError })
  t.regex(error?.message ?? '', /2 of 2 frames are multilayer OpenEXR/)
  t.deepEqual(error?.paths, frames.map((f) => f.path))
  t.is(calls.length, 0)
})

test('no frames is an EncodeError, not a crash', async (t) => {
  await t.throwsAsync(encodeFrames({
    ffmpeg: { path: 'ffmpeg' }, frames: [], settings: DEFAULT_ENCODE_SETTINGS, fps: 24, outputPath: '/nowhere/v.mp4', run: fakeFfmpeg([]),
  }), { instanceOf: EncodeError, message: /no frames/ })
})
