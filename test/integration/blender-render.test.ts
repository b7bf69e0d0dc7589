import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import test from 'ava'
import { BlenderError } from '../../src/blender/errors.js'
import { findBlender } from '../../src/blender/find-blender.js'
import { renderChunk } from '../../src/blender/render-chunk.js'
import { readSceneInfo } from '../../src/blender/scene-info.js'
import { blenderTest, makeScene } from '../helpers/blender.js'
import { readPngSize } from '../helpers/png.js'

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

/** Linux only: is a process whose command line mentions `marker` alive (not a zombie)? */
function processRunningWith (marker: string): boolean | undefined {
  if (process.platform !== 'linux') return undefined
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').charAt(0)
      if (cmdline.includes(marker) && state !== 'Z') return true
    } catch (error) {
      // Processes come and go while we look, and some are not ours to read: neither is Blender.
      if (!['ENOENT', 'ESRCH', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error
    }
  }
  return false
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
    resolutionPercentage: 100, fileFormat: 'PNG', engine: 'CYCLES', hasCamera: true,
  })
  t.false((await readSceneInfo(blender, await scene('no-camera'))).hasCamera)
})

blenderTest('renderChunk renders frames 1 and 3 in one Blender, announcing each while it runs', async (t, blender) => {
  const outputDir = path.join(await workDir(), 'render-1-3')
  const announced: Array<{ frame: number; file: string; existed: boolean; blenderRunning: boolean | undefined }> = []
  const progress: number[] = []
  const result = await renderChunk({
    blender, blendPath: await scene('three-frames'), outputDir, format: 'PNG', frames: [1, 3],
    onFrameSaved: (frame, file) => {
      announced.push({ frame, file, existed: existsSync(file), blenderRunning: processRunningWith(outputDir) })
    },
    onProgress: (frame) => { progress.push(frame) },
  })
  t.deepEqual(result, { saved: [1, 3], failed: [] })
  t.deepEqual(announced.map((a) => [a.frame, path.basename(a.file), a.existed]), [
    [1, 'frame_000001.png', true], [3, 'frame_000003.png', true],
  ])
  // The first frame must be announced while Blender still has frame 3 to render, not at the end.
  if (announced[0]?.blenderRunning === undefined) t.log('not Linux: cannot check that Blender was still running')
  else t.true(announced[0].blenderRunning, 'onFrameSaved(1) came after Blender had exited')
  t.deepEqual([...new Set(progress)], [1, 3])
  for (const frame of ['frame_000001.png', 'frame_000003.png']) {
    t.deepEqual(await readPngSize(path.join(outputDir, frame)), { width: 160, height: 90 })
  }
  t.false(existsSync(path.join(outputDir, 'frame_000002.png')))
  // The cube moves: frames that look the same would mean the frame number was ignored.
  t.notDeepEqual(await readFile(path.join(outputDir, 'frame_000001.png')), await readFile(path.join(outputDir, 'frame_000003.png')))
})

blenderTest('a scene without a camera fails every frame with Blender\'s "Cannot render, no camera"', async (t, blender) => {
  const saved: number[] = []
  const result = await renderChunk({
    blender, blendPath: await scene('no-camera'), outputDir: path.join(await workDir(), 'no-camera'), format: 'PNG', frames: [1, 2],
    onFrameSaved: (frame) => { saved.push(frame) },
  })
  t.deepEqual(saved, [])
  t.deepEqual(result.saved, [])
  t.deepEqual(result.failed.map((f) => f.frame), [1, 2])
  for (const failure of result.failed) t.true(failure.error.includes('Cannot render, no camera'), failure.error)
})

blenderTest('a file that is not a .blend: BlenderError from readSceneInfo, failed frames from renderChunk', async (t, blender) => {
  const fake = path.join(await workDir(), 'not-really.blend')
  await writeFile(fake, 'just some text\n')
  const error = await t.throwsAsync(readSceneInfo(blender, fake), { instanceOf: BlenderError })
  t.is(error?.name, 'BlenderError')
  t.regex(error?.message ?? '', /could not read the scene of .*not-really\.blend: .*(not supported|Cannot read|not a blend)/i)

  const result = await renderChunk({
    blender, blendPath: fake, outputDir: path.join(await workDir(), 'not-blend'), format: 'PNG', frames: [1], onFrameSaved: () => {},
  })
  t.deepEqual(result.saved, [])
  t.regex(result.failed[0]?.error ?? '', /not-really\.blend/)
})

blenderTest('a missing .blend: the frames fail with Blender\'s message naming the file', async (t, blender) => {
  const missing = path.join(await workDir(), 'missing.blend')
  const result = await renderChunk({
    blender, blendPath: missing, outputDir: path.join(await workDir(), 'missing'), format: 'PNG', frames: [1], onFrameSaved: () => {},
  })
  t.deepEqual(result.failed.map((f) => f.frame), [1])
  t.regex(result.failed[0]?.error ?? '', /Cannot read file .*missing\.blend/)
})
