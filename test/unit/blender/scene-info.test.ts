import test from 'ava'
import { BlenderError, BlenderNotFoundError } from '../../../src/blender/errors.js'
import { readSceneInfo, sceneInfoArgs } from '../../../src/blender/scene-info.js'
import { ProgramNotFoundError } from '../../../src/process/run-process.js'
import type { ProcessRunner } from '../../../src/process/run-process.js'
import { fakeBlenderRunner } from '../../helpers/fake-blender-runner.js'

const blender = { path: '/usr/bin/blender', version: '3.4.1' }

// Captured from Blender 3.4.1 for a scene made by test/fixtures/make-scene.py.
const SCENE_LINE = 'MF:{"filepath": "/tmp/s.blend", "frameStart": 1, "frameEnd": 3, "frameStep": 1, "fps": 24.0, ' +
  '"resolutionX": 160, "resolutionY": 90, "resolutionPercentage": 100, "fileFormat": "PNG", "engine": "CYCLES", "hasCamera": true}'

test('the arguments: -Y, a failing expression fails, one line of Python', (t) => {
  const args = sceneInfoArgs('/x/s.blend')
  t.deepEqual(args.slice(0, 6), ['-b', '/x/s.blend', '-Y', '--python-exit-code', '1', '--python-expr'])
  t.is(args.length, 7)
  t.false(args[6]?.includes('\n'))
  t.regex(args[6] ?? '', /print\("MF:" \+ json\.dumps/)
})

test('the printed JSON becomes a SceneInfo (Blender\'s own keys left out)', async (t) => {
  const fake = fakeBlenderRunner({ steps: [{ out: 'Blender 3.4.1' }, { out: 'Read blend: /tmp/s.blend' }, { out: SCENE_LINE }, { out: 'Blender quit' }] })
  const info = await readSceneInfo(blender, '/tmp/s.blend', { run: fake.run })
  t.deepEqual(info, {
    frameStart: 1, frameEnd: 3, frameStep: 1, fps: 24, resolutionX: 160, resolutionY: 90,
    resolutionPercentage: 100, fileFormat: 'PNG', engine: 'CYCLES', hasCamera: true,
  })
  t.is(fake.calls[0]?.command, '/usr/bin/blender')
  t.true((fake.calls[0]?.timeoutMs ?? 0) > 0)
})

test('a file Blender cannot read: BlenderError with Blender\'s message', async (t) => {
  const fake = fakeBlenderRunner({
    steps: [{ out: 'Blender 3.4.1' }, { out: "Error: File format is not supported in file '/tmp/bad.blend'" }, { out: 'Blender quit' }],
    exitCode: 1,
  })
  const error = await t.throwsAsync(readSceneInfo(blender, '/tmp/bad.blend', { run: fake.run }), { instanceOf: BlenderError })
  t.is(error?.name, 'BlenderError')
  t.is(error?.message, "Blender 3.4.1 could not read the scene of /tmp/bad.blend: File format is not supported in file '/tmp/bad.blend'")
})

test('a Python failure reports the exception, not Blender\'s "script failed" line', async (t) => {
  const fake = fakeBlenderRunner({
    steps: [
      { out: 'Error: Python: Traceback (most recent call last):' },
      { out: '  File "<string>", line 1, in <module>' },
      { out: "AttributeError: 'SceneEEVEE' object has no attribute 'x'" },
      { out: "Error: script failed, expr: 'import bpy, json; …', exiting." },
    ],
    exitCode: 1,
  })
  const error = await t.throwsAsync(readSceneInfo(blender, '/tmp/s.blend', { run: fake.run }), { instanceOf: BlenderError })
  t.regex(error?.message ?? '', /: AttributeError: 'SceneEEVEE' object has no attribute 'x'$/)
})

test('JSON that does not fit is a BlenderError naming the field', async (t) => {
  const bad = SCENE_LINE.replace('"resolutionX": 160', '"resolutionX": "160"')
  const fake = fakeBlenderRunner({ steps: [{ out: bad }] })
  const error = await t.throwsAsync(readSceneInfo(blender, '/tmp/s.blend', { run: fake.run }), { instanceOf: BlenderError })
  t.regex(error?.message ?? '', /resolutionX/)
  t.truthy(error?.cause)
})

test('an empty filepath means Blender answered for its startup scene: refused', async (t) => {
  const fake = fakeBlenderRunner({ steps: [{ out: SCENE_LINE.replace('"/tmp/s.blend"', '""') }] })
  await t.throwsAsync(readSceneInfo(blender, '/tmp/s.blend', { run: fake.run }), { instanceOf: BlenderError, message: /filepath/ })
})

test('broken JSON and no JSON at all', async (t) => {
  const broken = fakeBlenderRunner({ steps: [{ out: 'MF:{"frameStart": 1,' }] })
  await t.throwsAsync(readSceneInfo(blender, '/s.blend', { run: broken.run }), { instanceOf: BlenderError, message: /not JSON/ })
  const silent = fakeBlenderRunner({ steps: [{ out: 'Blender quit' }] })
  await t.throwsAsync(readSceneInfo(blender, '/s.blend', { run: silent.run }), { instanceOf: BlenderError, message: /printed no scene info/ })
})

test('cancelled and missing-binary cases', async (t) => {
  const fake = fakeBlenderRunner({ steps: [{ waitFor: new Promise(() => {}) }] })
  // Not AbortSignal.timeout: its timer is unref'd, and ava would see a test with nothing left to wait for.
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 20)
  await t.throwsAsync(readSceneInfo(blender, '/s.blend', { run: fake.run, signal: controller.signal }),
    { instanceOf: BlenderError, message: /cancelled/ })
  const gone: ProcessRunner = async () => { throw new ProgramNotFoundError('cannot run /usr/bin/blender: not found') }
  await t.throwsAsync(readSceneInfo(blender, '/s.blend', { run: gone }), { instanceOf: BlenderNotFoundError })
})
