import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { DependenciesUntraceableError, prepareProject } from '../../../src/project/prepare.js'
import { tempFolder } from '../../helpers/temp-folder.js'

// Without Blender the scene's files cannot be listed: that is said, and only
// --no-deps sends the .blend alone.

test('without Blender: refused with what to do; with --no-deps the .blend alone, under its own name', async (t) => {
  const dir = await tempFolder(t, 'mf-prepare-')
  const blend = path.join(dir, 'shot.blend')
  await writeFile(blend, 'BLENDER-v304 bytes')
  await t.throwsAsync(prepareProject(blend, {}), { instanceOf: DependenciesUntraceableError, message: /no Blender on this machine, so the files this scene needs .* cannot be listed: install Blender here .* or send the \.blend alone with --no-deps/ })
  const prepared = await prepareProject(blend, { noDeps: true })
  t.deepEqual(prepared.project.manifest.files.map(f => [f.path, f.size]), [['shot.blend', 18]])
  t.is(prepared.project.manifest.main, 'shot.blend')
  t.is(prepared.sceneInfo, undefined)
})
