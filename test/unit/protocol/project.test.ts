import { createHash } from 'node:crypto'
import test from 'ava'
import { parseProjectManifest, projectManifest, treePathProblem } from '../../../src/protocol/project.js'
import { encodeMessage } from '../../../src/protocol/framing.js'

const sha = 'a'.repeat(64)
const manifest = (files: Array<{ path: string }>, main = files[0]?.path ?? 'a.blend'): unknown =>
  ({ version: 1, main, files: files.map(f => ({ ...f, size: 1, sha256: sha })), remap: [], missing: [] })

test('tree paths: relative, forward slashes, nothing that climbs out or names a device', (t) => {
  t.is(treePathProblem('shots/a.blend'), undefined)
  t.is(treePathProblem('_external/mnt/x.<UDIM>.png'), undefined)
  for (const bad of ['../../etc/passwd', 'a/../../b', '/etc/passwd', 'C:/x', 'C:x', 'a\\b', 'a\0b', '', 'a//b', './a', 'a/./b', 'NUL', 'tex/con.png', 'COM1.txt', 'a\nb']) {
    t.not(treePathProblem(bad), undefined, JSON.stringify(bad))
  }
})

test('a manifest that escapes the tree, repeats a path or lacks its .blend is rejected', (t) => {
  t.true(projectManifest.safeParse(manifest([{ path: 'a.blend' }, { path: 'tex/a.png' }])).success)
  t.false(projectManifest.safeParse(manifest([{ path: 'a.blend' }, { path: '../../etc/passwd' }])).success)
  t.false(projectManifest.safeParse(manifest([{ path: 'a.blend' }, { path: '/etc/passwd' }])).success)
  t.false(projectManifest.safeParse(manifest([{ path: 'a.blend' }, { path: 'x\0.png' }])).success)
  t.false(projectManifest.safeParse(manifest([{ path: 'a.blend' }, { path: 'a.blend' }])).success)
  t.false(projectManifest.safeParse(manifest([{ path: 'a.blend' }, { path: 'a.blend/x' }])).success, 'a file where a folder must be')
  t.false(projectManifest.safeParse(manifest([{ path: 'a.blend' }], 'b.blend')).success)
  const remap = { ...(manifest([{ path: 'a.blend' }]) as object), remap: [{ from: '/x', to: '../x' }] }
  t.false(projectManifest.safeParse(remap).success, 'remap targets are checked too')
})

test('parseProjectManifest checks the hash first, then the schema, naming what is wrong', (t) => {
  const bytes = encodeMessage(manifest([{ path: 'a.blend' }, { path: '../../etc/passwd' }]))
  const digest = createHash('sha256').update(bytes).digest('hex')
  t.throws(() => parseProjectManifest(bytes, 'b'.repeat(64)), { name: 'ProtocolError', message: /other content/ })
  t.throws(() => parseProjectManifest(bytes, digest), { name: 'ProtocolError', message: /"\.\." segment.*etc\/passwd/ })
})
