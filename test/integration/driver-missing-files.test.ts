import { copyFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { BlenderDriver } from '../../src/blender/blender-driver.js'
import { BlenderError } from '../../src/blender/errors.js'
import { blenderTest } from '../helpers/blender.js'
import { makeProject } from '../helpers/projects.js'
import { tempFolder } from '../helpers/temp-folder.js'

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
