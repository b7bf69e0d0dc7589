import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { removeStaleBlenderTemps } from '../../../src/blender/run-blender.js'
import { tempFolder } from '../../helpers/temp-folder.js'

test('temporary folders of Blenders whose node process is gone are removed; the living keep theirs', async (t) => {
  const root = await tempFolder(t)
  // A process that has exited: its pid is free (reuse within the test is vanishingly unlikely).
  const gone = spawnSync(process.execPath, ['-e', '']).pid
  const dead = path.join(root, `microfarm-blender-${gone}-abc123`)
  const alive = path.join(root, `microfarm-blender-${process.pid}-def456`)
  const other = path.join(root, 'microfarm-blender-notapid')
  for (const dir of [dead, alive, other]) await mkdir(path.join(dir, 'blender_x'), { recursive: true })
  t.is(await removeStaleBlenderTemps(root), 1)
  t.false(existsSync(dead))
  t.true(existsSync(alive))
  t.true(existsSync(other), 'names MicroFarm did not make are left alone')
})
