import { copyFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { BlenderDriver } from '../../src/blender/blender-driver.js'
import { BlenderError } from '../../src/blender/errors.js'
import { blenderTest } from '../helpers/blender.js'
import { makeProject } from '../helpers/projects.js'
import { tempFolder } from '../helpers/temp-folder.js'
import { readPngImage } from '../helpers/png.js'
import { runProcess } from '../../src/process/run-process.js'

// The node's last line of defence: Blender renders a missing texture magenta
// and a missing library as nothing, and says so nowhere. The driver checks the
// scene's files itself and fails the frame with what is missing.

/** The project's main .blend alone, in a folder where none of its files are. */
async function blendWithoutItsFiles (dir: string, kind: 'texture' | 'library'): Promise<string> {
  const project = await makeProject(path.join(dir, 'made'), kind)
  const alone = path.join(dir, 'alone', 'shots')
  await mkdir(alone, { recursive: true })
  const copy = path.join(alone, path.basename(project.blend))
  await copyFile(project.blend, copy)
  return copy
}

blenderTest('a texture missing on the node fails the frame with its name instead of rendering magenta', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-driver-missing-')
  const blend = await blendWithoutItsFiles(dir, 'texture')
  const driver = await BlenderDriver.start({ blender })
  t.teardown(async () => { await driver.stop(true) })
  await driver.open(blend)
  const error = await t.throwsAsync(driver.render(1, path.join(dir, 'out'), 'PNG'), { instanceOf: BlenderError })
  t.regex(error?.message ?? '', /1 file\(s\) the scene needs are not on this node: \/\/\.\.\/textures\/checker\.png \(looked for .*alone\/textures\/checker\.png\)/)
  t.true(driver.alive, 'the driver goes on')

  // Known missing when the job was submitted (--allow-missing): rendered as Blender renders it.
  await driver.open(blend, { remap: [], allowedMissing: ['//../textures/checker.png'] })
  const saved = await driver.render(1, path.join(dir, 'out'), 'PNG')
  t.is(path.basename(saved), 'frame_000001.png')
})

blenderTest('a library missing on the node: Blender\'s warning is reported with the scene, and the frame fails naming the library', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-driver-nolib-')
  const blend = await blendWithoutItsFiles(dir, 'library')
  const driver = await BlenderDriver.start({ blender })
  t.teardown(async () => { await driver.stop(true) })
  const warnings = await driver.open(blend)
  t.true(warnings.some(w => /Unable to open .*prop\.blend/.test(w)), `Blender's own warning is kept: ${warnings.join(' | ')}`)
  await t.throwsAsync(driver.render(1, path.join(dir, 'out'), 'PNG'), { instanceOf: BlenderError, message: /not on this node: .*\/\/\.\.\/libs\/prop\.blend/ })
})

blenderTest('a Windows artist\'s absolute path (C:\\Assets\\wood.png) is rewritten on a Linux node and renders as the artist\'s scene', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-driver-windows-')
  const project = await makeProject(path.join(dir, 'made'), 'absolute')
  const wood = project.files.find(f => f.endsWith('wood.png'))
  if (wood === undefined) throw new Error('the absolute project has no wood.png')
  const reference = path.join(dir, 'reference')
  const plain = await runProcess({ command: blender.path, args: ['-b', project.blend, '-Y', '-o', path.join(reference, 'frame_####'), '-F', 'PNG', '-x', '1', '-f', '1'], timeoutMs: 120_000 })
  t.is(plain.exitCode, 0)
  // The same scene as saved on Windows: the texture named by a drive-letter path.
  const windows = path.join(dir, 'win', 'shots', 'absolute.blend')
  await mkdir(path.dirname(windows), { recursive: true })
  const expr = `import bpy; [setattr(i, 'filepath', 'C:\\\\Assets\\\\wood.png') for i in bpy.data.images if i.filepath == ${JSON.stringify(wood)}]; bpy.ops.wm.save_as_mainfile(filepath=${JSON.stringify(windows)})`
  const saved = await runProcess({ command: blender.path, args: ['-b', project.blend, '-Y', '--python-exit-code', '1', '--python-expr', expr], timeoutMs: 120_000 })
  t.is(saved.exitCode, 0)
  const placed = path.join(dir, 'tree', '_external', 'C', 'Assets', 'wood.png')
  await mkdir(path.dirname(placed), { recursive: true })
  await copyFile(wood, placed)

  const driver = await BlenderDriver.start({ blender })
  t.teardown(async () => { await driver.stop(true) })
  await driver.open(windows)
  await t.throwsAsync(driver.render(1, path.join(dir, 'out'), 'PNG'), { message: /not on this node: C:[\\/]Assets[\\/]wood\.png/ })
  await driver.open(windows, { remap: [{ from: 'C:\\Assets\\wood.png', to: placed }], allowedMissing: [] })
  const frame = await driver.render(1, path.join(dir, 'out'), 'PNG')
  t.true((await readPngImage(frame)).equals(await readPngImage(path.join(reference, 'frame_0001.png'))), 'pixel for pixel the artist\'s render')
})
