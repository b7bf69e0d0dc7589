import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { BlenderDriver, DriverStoppedError } from '../../src/blender/blender-driver.js'
import { BlenderError } from '../../src/blender/errors.js'
import { blenderTest, makeScene } from '../helpers/blender.js'
import { readPngSize } from '../helpers/png.js'
import { inspectExrHeader } from '../../src/encode/exr-header.js'
import { pidsMatching } from '../helpers/processes.js'
import { tempFolder } from '../helpers/temp-folder.js'

// The persistent Blender driver with real Blender: one process, the scene
// loaded once, frames in any order.

blenderTest('the driver renders frames out of order and repeated, and reports progress', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-driver-')
  const scene = await makeScene(dir, { frames: 5 })
  const progress: Array<[number, number, number]> = []
  const driver = await BlenderDriver.start({ blender, blendPath: scene, onProgress: (frame, done, total) => progress.push([frame, done, total]) })
  t.teardown(async () => { await driver.stop(true) })
  const out = path.join(dir, 'frames')
  const paths: string[] = []
  for (const frame of [4, 2, 4, 1]) paths.push(await driver.render(frame, out, 'PNG'))
  t.deepEqual(paths.map(p => path.basename(p)), ['frame_000004.png', 'frame_000002.png', 'frame_000004.png', 'frame_000001.png'])
  for (const p of paths) t.deepEqual(await readPngSize(p), { width: 160, height: 90 })
  t.true(driver.alive)
  // Cycles prints "Sample n/m" per frame: the last sample of each rendered frame was seen.
  for (const frame of [4, 2, 1]) t.true(progress.some(([f, done, total]) => f === frame && done === total), `progress for frame ${frame}`)
  await driver.stop()
  t.false(driver.alive)
})

blenderTest('a frame that fails in Blender fails alone; the driver goes on with the next', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-driver-fail-')
  const scene = await makeScene(dir, { frames: 3 })
  const driver = await BlenderDriver.start({ blender, blendPath: scene })
  t.teardown(async () => { await driver.stop(true) })
  // A file where the output folder should be: Blender cannot save the frame.
  const blocked = path.join(dir, 'blocked')
  await writeFile(blocked, 'not a folder')
  await t.throwsAsync(driver.render(1, path.join(blocked, 'sub'), 'PNG'), { instanceOf: Error })
  const saved = await driver.render(2, path.join(dir, 'ok'), 'PNG')
  t.is(path.basename(saved), 'frame_000002.png')
  t.true(driver.alive)
})

blenderTest('a scene without a camera: every frame fails with Blender\'s message, the driver stays up', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-driver-nocam-')
  const scene = await makeScene(dir, { frames: 2, camera: false })
  const driver = await BlenderDriver.start({ blender, blendPath: scene })
  t.teardown(async () => { await driver.stop(true) })
  for (const frame of [1, 2]) {
    await t.throwsAsync(driver.render(frame, path.join(dir, 'out'), 'PNG'), { instanceOf: BlenderError, message: /Cannot render, no camera/ })
  }
  t.true(driver.alive)
})

blenderTest('stopping the driver mid-frame (cancel) ends Blender within 2 s and fails that frame', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-driver-stop-')
  const scene = await makeScene(dir, { frames: 2, width: 1280, height: 720 })
  const driver = await BlenderDriver.start({ blender, blendPath: scene })
  const out = path.join(dir, 'frames')
  const rendering = driver.render(1, out, 'PNG')
  // Blender's own temporary folder lives in one MicroFarm made for it.
  const [pid] = await pidsMatching(scene)
  const temp = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0').find(entry => entry.startsWith('TMPDIR='))?.slice('TMPDIR='.length) ?? ''
  t.true(path.basename(temp).startsWith('microfarm-blender-'), temp)
  const started = Date.now()
  await driver.stop(true)
  await t.throwsAsync(rendering, { instanceOf: DriverStoppedError, message: /cancelled/ })
  t.true(Date.now() - started < 2000, `stopped after ${Date.now() - started} ms`)
  t.deepEqual(await pidsMatching(scene), [])
  t.false(driver.alive)
  t.false(existsSync(temp), 'a killed Blender leaves no temporary folder behind')
})

blenderTest('a broken .blend: the driver does not start, with Blender\'s reason', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-driver-broken-')
  const broken = path.join(dir, 'broken.blend')
  await writeFile(broken, 'this is not a blend file')
  await t.throwsAsync(BlenderDriver.start({ blender, blendPath: broken }), { instanceOf: BlenderError, message: /File format is not supported/ })
})

blenderTest('a Blender started empty opens the scene later and renders it (the warm start)', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-driver-warm-')
  const scene = await makeScene(dir, { frames: 2 })
  const driver = await BlenderDriver.start({ blender })
  t.teardown(async () => { await driver.stop(true) })
  t.is(driver.loaded, undefined)
  await driver.open(scene)
  t.is(driver.loaded, scene)
  const saved = await driver.render(2, path.join(dir, 'out'), 'PNG')
  t.deepEqual(await readPngSize(saved), { width: 160, height: 90 })
  const broken = path.join(dir, 'broken.blend')
  await writeFile(broken, 'not a blend')
  await t.throwsAsync(driver.open(broken), { instanceOf: BlenderError })
})

blenderTest('formats do not leak between renders: PNG, JPEG, PNG, EXR, PNG keep the alpha each format can hold', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-driver-formats-')
  const scene = await makeScene(dir, { frames: 1, width: 32, height: 18 })
  const driver = await BlenderDriver.start({ blender, blendPath: scene })
  t.teardown(async () => { await driver.stop(true) })
  const pngColourType = async (file: string): Promise<number> => (await readFile(file))[25] ?? -1
  const channels = async (file: string): Promise<string[]> => {
    const verdict = inspectExrHeader(await readFile(file))
    return verdict.kind === 'readable' ? verdict.channels : []
  }
  const RGBA = 6
  t.is(await pngColourType(await driver.render(1, path.join(dir, 'png-1'), 'PNG')), RGBA)
  await driver.render(1, path.join(dir, 'jpeg'), 'JPEG')
  t.is(await pngColourType(await driver.render(1, path.join(dir, 'png-2'), 'PNG')), RGBA, 'a PNG after a JPEG keeps its alpha')
  t.true((await channels(await driver.render(1, path.join(dir, 'exr'), 'OPEN_EXR'))).includes('A'), 'the EXR has its alpha')
  t.is(await pngColourType(await driver.render(1, path.join(dir, 'png-3'), 'PNG')), RGBA)
})

blenderTest('a Blender that hangs mid-frame (prints nothing) is stopped after the frame timeout, and the frame fails saying so', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-driver-hang-')
  const scene = await makeScene(dir, { frames: 1, width: 1280, height: 720, samples: 64 })
  const driver = await BlenderDriver.start({ blender, blendPath: scene, stallTimeoutMs: 1500 })
  t.teardown(async () => { await driver.stop(true) })
  const rendering = driver.render(1, path.join(dir, 'out'), 'PNG')
  const [pid] = await pidsMatching(scene)
  // A stopped process prints nothing: as a Blender stuck in a driver or a GPU call would.
  process.kill(pid ?? 0, 'SIGSTOP')
  const started = Date.now()
  await t.throwsAsync(rendering, { instanceOf: DriverStoppedError, message: /Blender showed no progress for 2 s on frame 1 \(hung\?\): it was stopped, and the frame goes to another node/ })
  t.true(Date.now() - started < 10_000)
  t.false(driver.alive)
  t.deepEqual(await pidsMatching(scene), [], 'the hung Blender is gone')
})
