import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import test from 'ava'
import { BlenderNotFoundError } from '../../../src/blender/errors.js'
import { renderChunk } from '../../../src/blender/render-chunk.js'
import type { RenderChunkOptions } from '../../../src/blender/render-chunk.js'
import { ProgramNotFoundError } from '../../../src/process/run-process.js'
import type { ProcessRunner } from '../../../src/process/run-process.js'
import { fakeBlenderRunner } from '../../helpers/fake-blender-runner.js'
import type { FakeStep } from '../../helpers/fake-blender-runner.js'

const blender = { path: '/usr/bin/blender', version: '3.4.1' }

async function tempDir (t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-chunk-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

/** What Blender prints for one frame, writing the file the way Blender does before saying Saved:. */
function frameSteps (dir: string, frame: number, content = 'png bytes'): FakeStep[] {
  const file = path.join(dir, `frame_${String(frame).padStart(6, '0')}.png`)
  return [
    { out: `Fra:${frame} Mem:9.87M (Peak 10.83M) | Time:00:00.06 | Mem:0.76M, Peak:0.76M | Scene, ViewLayer | Sample 0/2` },
    { out: `Fra:${frame} Mem:10.60M (Peak 11.04M) | Time:00:00.07 | Mem:1.25M, Peak:1.25M | Scene, ViewLayer | Sample 2/2` },
    { act: async () => { await writeFile(file, content) } },
    { out: `Saved: '${file}'` },
    { out: ' Time: 00:00.24 (Saving: 00:00.17)' },
  ]
}

function options (dir: string, run: ProcessRunner, extra: Partial<RenderChunkOptions> = {}): RenderChunkOptions {
  return { blender, blendPath: '/jobs/1/scene.blend', outputDir: dir, format: 'PNG', frames: [1, 2, 3], run, onFrameSaved: () => {}, ...extra }
}

test('one Blender process for the chunk, with the render arguments', async (t) => {
  const dir = await tempDir(t)
  const fake = fakeBlenderRunner({ steps: [1, 2, 3].flatMap((f) => frameSteps(dir, f)) })
  await renderChunk(options(dir, fake.run))
  t.is(fake.calls.length, 1)
  t.is(fake.calls[0]?.command, '/usr/bin/blender')
  t.deepEqual(fake.calls[0]?.args, [
    '-b', '/jobs/1/scene.blend', '-Y', '-o', path.join(dir, 'frame_######'), '-F', 'PNG', '-x', '1', '-f', '1..3',
  ])
})

/** Opened by the code under test; gives up after a while so a missing call fails instead of hanging. */
function gate (): { opened: Promise<void>; open: () => void } {
  let open = (): void => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
    setTimeout(resolve, 2000)
  })
  return { opened, open }
}

test('onFrameSaved fires per frame, in order, while Blender is still running; progress is forwarded', async (t) => {
  const dir = await tempDir(t)
  // The fake Blender goes on only once the frame it just saved has been announced.
  const first = gate()
  const last = gate()
  const gates = new Map([[1, first], [3, last]])
  const fake = fakeBlenderRunner({
    steps: [
      ...frameSteps(dir, 1), { waitFor: first.opened },
      ...frameSteps(dir, 3), { waitFor: last.opened },
      { out: 'Blender quit' },
    ],
  })
  const events: string[] = []
  const result = await renderChunk(options(dir, fake.run, {
    frames: [1, 3],
    onFrameSaved: (frame, file) => {
      events.push(`saved ${frame} ${path.basename(file)} running=${String(!fake.exited())}`)
      gates.get(frame)?.open()
    },
    onProgress: (frame, done, total) => { events.push(`progress ${frame} ${done}/${total}`) },
  }))
  t.deepEqual(events, [
    'progress 1 0/2', 'progress 1 2/2', 'saved 1 frame_000001.png running=true',
    'progress 3 0/2', 'progress 3 2/2', 'saved 3 frame_000003.png running=true',
  ])
  t.deepEqual(result, { saved: [1, 3], failed: [] })
})

test('frames Blender never saved get its last error message', async (t) => {
  const dir = await tempDir(t)
  const fake = fakeBlenderRunner({
    steps: [{ out: 'Read blend: /jobs/1/scene.blend' }, { out: 'Error: Cannot render, no camera' }, { out: 'Error: Cannot render, no camera' }],
    exitCode: 1,
  })
  const saved: number[] = []
  const result = await renderChunk(options(dir, fake.run, { onFrameSaved: (frame) => { saved.push(frame) } }))
  t.deepEqual(saved, [])
  t.deepEqual(result, {
    saved: [],
    failed: [1, 2, 3].map((frame) => ({ frame, error: 'Cannot render, no camera' })),
  })
})

test('a failure after some frames: saved ones stay saved, the rest get the error', async (t) => {
  const dir = await tempDir(t)
  const fake = fakeBlenderRunner({
    steps: [...frameSteps(dir, 1), { err: 'EGL Error (0x3001): EGL_NOT_INITIALIZED' }, { out: "Error: Render error (No space left on device) cannot save: '/x'" }],
    exitCode: 1,
  })
  const result = await renderChunk(options(dir, fake.run))
  t.deepEqual(result.saved, [1])
  t.deepEqual(result.failed, [
    { frame: 2, error: "Render error (No space left on device) cannot save: '/x'" },
    { frame: 3, error: "Render error (No space left on device) cannot save: '/x'" },
  ])
})

test('no error message: the exit code, the signal, or "exited without writing"', async (t) => {
  const dir = await tempDir(t)
  const code = await renderChunk(options(dir, fakeBlenderRunner({ steps: [], exitCode: 3 }).run, { frames: [4] }))
  t.deepEqual(code.failed, [{ frame: 4, error: 'Blender exited with code 3 without writing frame 4' }])
  const crash = await renderChunk(options(dir, fakeBlenderRunner({ steps: [], exitCode: null, signal: 'SIGSEGV' }).run, { frames: [4] }))
  t.deepEqual(crash.failed, [{ frame: 4, error: 'Blender was killed by SIGSEGV before writing frame 4' }])
  const quiet = await renderChunk(options(dir, fakeBlenderRunner({ steps: [...frameSteps(dir, 1)] }).run, { frames: [1, 2] }))
  t.deepEqual(quiet, { saved: [1], failed: [{ frame: 2, error: 'Blender exited without writing frame 2' }] })
})

test('Saved: for a missing or empty file is a failure, not a saved frame', async (t) => {
  const dir = await tempDir(t)
  const missing = path.join(dir, 'frame_000002.png')
  const fake = fakeBlenderRunner({
    steps: [...frameSteps(dir, 1, ''), { out: `Saved: '${missing}'` }, ...frameSteps(dir, 3)],
  })
  const saved: number[] = []
  const result = await renderChunk(options(dir, fake.run, { onFrameSaved: (frame) => { saved.push(frame) } }))
  t.deepEqual(saved, [3])
  t.deepEqual(result.saved, [3])
  t.deepEqual(result.failed.map((f) => f.frame), [1, 2])
  t.regex(result.failed[1]?.error ?? '', /reported saving frame 2 to .*frame_000002\.png, but the file is missing or empty/)
})

test('Saved: lines for files that are not this chunk\'s frames are ignored', async (t) => {
  const dir = await tempDir(t)
  const other = path.join(dir, 'compositor_000002.png')
  await writeFile(other, 'x')
  const fake = fakeBlenderRunner({
    steps: [{ out: `Saved: '${other}'` }, ...frameSteps(dir, 9), ...frameSteps(dir, 1)],
  })
  const saved: number[] = []
  const result = await renderChunk(options(dir, fake.run, { frames: [1, 2], onFrameSaved: (frame) => { saved.push(frame) } }))
  t.deepEqual(saved, [1])
  t.deepEqual(result.failed.map((f) => f.frame), [2])
})

test('aborting kills the render: frames not saved yet are reported cancelled', async (t) => {
  const dir = await tempDir(t)
  const controller = new AbortController()
  const never = new Promise<void>(() => {})
  const fake = fakeBlenderRunner({ steps: [...frameSteps(dir, 1), { waitFor: never }, ...frameSteps(dir, 2)] })
  const result = await renderChunk(options(dir, fake.run, {
    signal: controller.signal,
    onFrameSaved: () => { controller.abort() },
  }))
  t.is(fake.calls[0]?.signal, controller.signal)
  t.deepEqual(result.saved, [1])
  t.deepEqual(result.failed.map((f) => f.frame), [2, 3])
  for (const failure of result.failed) t.regex(failure.error, /^cancelled: Blender was stopped before frame \d was saved$/)
})

test('an already aborted signal starts no Blender at all', async (t) => {
  const dir = await tempDir(t)
  const fake = fakeBlenderRunner({ steps: [] })
  const result = await renderChunk(options(dir, fake.run, { signal: AbortSignal.abort(), frames: [5, 6] }))
  t.is(fake.calls.length, 0)
  t.deepEqual(result.saved, [])
  t.deepEqual(result.failed.map((f) => f.error), ['cancelled before frame 5 was started', 'cancelled before frame 6 was started'])
})

test('a Blender binary that has gone away is a BlenderNotFoundError saying so', async (t) => {
  const dir = await tempDir(t)
  const run: ProcessRunner = async (o) => { throw new ProgramNotFoundError(`cannot run ${o.command}: not found`) }
  const error = await t.throwsAsync(renderChunk(options(dir, run)), { instanceOf: BlenderNotFoundError })
  t.regex(error?.message ?? '', /Blender 3\.4\.1 is no longer at \/usr\/bin\/blender: reinstall it or pass --blender PATH/)
  t.true(error?.cause instanceof ProgramNotFoundError)
})

test('a throwing onFrameSaved does not crash the process: renderChunk rejects with it afterwards', async (t) => {
  const dir = await tempDir(t)
  const fake = fakeBlenderRunner({ steps: [...frameSteps(dir, 1), ...frameSteps(dir, 2)] })
  await t.throwsAsync(renderChunk(options(dir, fake.run, {
    frames: [1, 2], onFrameSaved: () => { throw new Error('upload queue full') },
  })), { message: 'upload queue full' })
  t.true(fake.exited())
  t.is(await readFile(path.join(dir, 'frame_000002.png'), 'utf8'), 'png bytes')
})

test('the output directory is created', async (t) => {
  const dir = await tempDir(t)
  const nested = path.join(dir, 'job_7', 'chunk_1')
  const fake = fakeBlenderRunner({ steps: frameSteps(nested, 1) })
  const result = await renderChunk(options(nested, fake.run, { frames: [1] }))
  t.deepEqual(result.saved, [1])
})
