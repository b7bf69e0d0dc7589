import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import test from 'ava'
import { BlenderError } from '../../src/blender/errors.js'
import { findBlender } from '../../src/blender/find-blender.js'
import { readSceneInfo } from '../../src/blender/scene-info.js'
import { blenderTest, makeScene } from '../helpers/blender.js'

// Made on first use, so a run without Blender leaves nothing behind.
let work: Promise<string> | undefined
async function workDir (): Promise<string> {
  work ??= mkdtemp(path.join(os.tmpdir(), 'mf-blender-'))
  return await work
}
test.after.always(async () => {
  if (work != null) await rm(await work, { recursive: true, force: true })
})

// Each scene is built once per file, on first use (about a second of Blender each).
const scenes = new Map<string, Promise<string>>()
async function scene (name: 'three-frames' | 'no-camera'): Promise<string> {
  let made = scenes.get(name)
  if (made == null) {
    made = workDir().then(async (dir) => await makeScene(dir, name === 'three-frames' ? { frames: 3 } : { frames: 3, camera: false }))
    scenes.set(name, made)
  }
  return await made
}

blenderTest('findBlender finds the installed Blender and reads its version', async (t, blender) => {
  const found = await findBlender({ explicitPath: blender.path })
  t.is(found.path, blender.path)
  t.regex(found.version, /^\d+\.\d+(\.\d+)?$/)
})

blenderTest('readSceneInfo reads the fixture scene', async (t, blender) => {
  const info = await readSceneInfo(blender, await scene('three-frames'))
  t.deepEqual(info, {
    frameStart: 1, frameEnd: 3, frameStep: 1, fps: 24, resolutionX: 160, resolutionY: 90,
    resolutionPercentage: 100, fileFormat: 'PNG', engine: 'CYCLES', hasCamera: true, cropToBorder: false,
  })
  t.false((await readSceneInfo(blender, await scene('no-camera'))).hasCamera)
})

blenderTest('a file that is not a .blend: BlenderError from readSceneInfo, with Blender\'s reason', async (t, blender) => {
  const fake = path.join(await workDir(), 'not-really.blend')
  await writeFile(fake, 'just some text\n')
  const error = await t.throwsAsync(readSceneInfo(blender, fake), { instanceOf: BlenderError })
  t.is(error?.name, 'BlenderError')
  t.regex(error?.message ?? '', /could not read the scene of .*not-really\.blend: .*(not supported|Cannot read|not a blend)/i)
})
