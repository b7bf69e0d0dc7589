import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { BlenderError } from '../../../src/blender/errors.js'
import { DEPS_SCRIPT, traceArgs, traceScene } from '../../../src/blender/scene-trace.js'
import type { RunProcessOptions } from '../../../src/process/run-process.js'
import { fakeBlenderRunner } from '../../helpers/fake-blender-runner.js'

const blender = { path: '/usr/bin/blender', version: '3.4.1' }

const TRACE = {
  blender: '3.4.1',
  filepath: '/p/shots/a.blend',
  scene: {
    frameStart: 1, frameEnd: 8, frameStep: 1, fps: 24, resolutionX: 64, resolutionY: 48,
    resolutionPercentage: 100, fileFormat: 'PNG', engine: 'CYCLES', hasCamera: true,
  },
  references: [{
    kind: 'image', owner: "image 'checker'", stored: '//../textures/checker.png', library: null,
    resolved: '/p/textures/checker.png', files: ['/p/textures/checker.png'], missing: [],
  }],
  pythonDrivers: 0,
}

/** The trace file the arguments name: where the fake Blender writes. */
function outPathOf (calls: RunProcessOptions[]): string {
  const args = calls[0]?.args ?? []
  return args[args.indexOf('trace') + 1] ?? ''
}

function writingFake (content: string, exitCode = 0): ReturnType<typeof fakeBlenderRunner> {
  const fake = fakeBlenderRunner({
    steps: [{ out: 'Blender 3.4.1' }, { act: async () => { await writeFile(outPathOf(fake.calls), content) } }, { out: 'Blender quit' }],
    exitCode,
  })
  return fake
}

test('the arguments: -Y, a failing script fails, the walker script, the range last', (t) => {
  t.deepEqual(traceArgs('/x/s.blend', '/t/trace.json', { start: 3, end: 5 }),
    ['-b', '/x/s.blend', '-Y', '--python-exit-code', '1', '--python', DEPS_SCRIPT, '--', 'trace', '/t/trace.json', '3', '5'])
  t.deepEqual(traceArgs('/x/s.blend', '/t/trace.json'),
    ['-b', '/x/s.blend', '-Y', '--python-exit-code', '1', '--python', DEPS_SCRIPT, '--', 'trace', '/t/trace.json'])
  t.true(path.isAbsolute(DEPS_SCRIPT))
  t.true(existsSync(DEPS_SCRIPT))
})

test('the written JSON is the result; the temporary folder is gone afterwards', async (t) => {
  const fake = writingFake(JSON.stringify(TRACE))
  const trace = await traceScene(blender, '/p/shots/a.blend', { run: fake.run, frames: { start: 2, end: 4 } })
  t.deepEqual(trace, TRACE)
  t.deepEqual(fake.calls[0]?.args.slice(-2), ['2', '4'])
  t.false(existsSync(path.dirname(outPathOf(fake.calls))))
})

test('a file Blender cannot read: BlenderError with Blender\'s message', async (t) => {
  const fake = fakeBlenderRunner({
    steps: [{ out: "Error: File format is not supported in file '/tmp/bad.blend'" }, { out: 'Blender quit' }], exitCode: 1,
  })
  const error = await t.throwsAsync(traceScene(blender, '/tmp/bad.blend', { run: fake.run }), { instanceOf: BlenderError })
  t.is(error?.message, "Blender 3.4.1 could not list the files /tmp/bad.blend needs: File format is not supported in file '/tmp/bad.blend'")
  t.false(existsSync(path.dirname(outPathOf(fake.calls))))
})

test('a Python failure reports the exception', async (t) => {
  const fake = fakeBlenderRunner({
    steps: [
      { out: 'Traceback (most recent call last):' },
      { out: '  File "/src/blender/microfarm_deps.py", line 9, in walk' },
      { out: "AttributeError: 'Image' object has no attribute 'x'" },
    ],
    exitCode: 1,
  })
  await t.throwsAsync(traceScene(blender, '/s.blend', { run: fake.run }),
    { instanceOf: BlenderError, message: /: AttributeError: 'Image' object has no attribute 'x'$/ })
})

test('an empty filepath: Blender listed its startup scene, refused', async (t) => {
  const fake = writingFake(JSON.stringify({ ...TRACE, filepath: '' }))
  await t.throwsAsync(traceScene(blender, '/s.blend', { run: fake.run }), { instanceOf: BlenderError, message: /could not load it/ })
})

test('JSON that does not fit names the field; broken JSON; no file at all', async (t) => {
  const wrong = writingFake(JSON.stringify({ ...TRACE, pythonDrivers: -1 }))
  await t.throwsAsync(traceScene(blender, '/s.blend', { run: wrong.run }), { instanceOf: BlenderError, message: /pythonDrivers/ })
  const broken = writingFake('{"blender": ')
  await t.throwsAsync(traceScene(blender, '/s.blend', { run: broken.run }), { instanceOf: BlenderError, message: /not JSON/ })
  const silent = fakeBlenderRunner({ steps: [{ out: 'Blender quit' }] })
  await t.throwsAsync(traceScene(blender, '/s.blend', { run: silent.run }), { instanceOf: BlenderError, message: /no list written/ })
})

test('cancelled and timed out', async (t) => {
  const fake = fakeBlenderRunner({ steps: [{ waitFor: new Promise(() => {}) }] })
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 20)
  await t.throwsAsync(traceScene(blender, '/s.blend', { run: fake.run, signal: controller.signal }),
    { instanceOf: BlenderError, message: /cancelled$/ })
  const slow = async (): Promise<{ exitCode: null, signal: 'SIGTERM', stoppedBecause: 'timeout' }> =>
    ({ exitCode: null, signal: 'SIGTERM', stoppedBecause: 'timeout' })
  await t.throwsAsync(traceScene(blender, '/s.blend', { run: slow, timeoutMs: 5000 }),
    { instanceOf: BlenderError, message: /longer than 5 s$/ })
})
