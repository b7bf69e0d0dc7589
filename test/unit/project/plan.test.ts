import path from 'node:path'
import test from 'ava'
import type { DependencyReference } from '../../../src/blender/dependencies.js'
import { commonFolder, planProject, treePathFor } from '../../../src/project/plan.js'

function ref (overrides: Partial<DependencyReference> & Pick<DependencyReference, 'stored' | 'resolved'>): DependencyReference {
  return { kind: 'image', owner: "image 'x'", library: null, files: [overrides.resolved], missing: [], ...overrides }
}

test('relative files keep their layout around the .blend; the root climbs as far as a relative path does', (t) => {
  const plan = planProject('/home/ann/film/shots/a.blend', [
    ref({ stored: '//textures/wood.png', resolved: '/home/ann/film/shots/textures/wood.png' }),
    ref({ kind: 'library', stored: '//../libs/prop.blend', resolved: '/home/ann/film/libs/prop.blend' }),
  ], path.posix)
  t.is(plan.root, '/home/ann/film')
  t.is(plan.main, 'shots/a.blend')
  t.deepEqual(plan.files.map(f => f.path), ['shots/a.blend', 'shots/textures/wood.png', 'libs/prop.blend'])
  t.deepEqual(plan.remap, [], 'relative paths need no rewriting')
})

test('absolute paths go under _external/, mirrored, and are rewritten on the node', (t) => {
  const plan = planProject('/home/ann/film/a.blend', [
    ref({ stored: '/mnt/assets/hdri/sky.exr', resolved: '/mnt/assets/hdri/sky.exr' }),
    ref({ kind: 'udim', stored: '/mnt/assets/skin.<UDIM>.png', resolved: '/mnt/assets/skin.<UDIM>.png', files: ['/mnt/assets/skin.1001.png', '/mnt/assets/skin.1002.png'] }),
  ], path.posix)
  t.is(plan.root, '/home/ann/film')
  t.deepEqual(plan.files.map(f => f.path), ['a.blend', '_external/mnt/assets/hdri/sky.exr', '_external/mnt/assets/skin.1001.png', '_external/mnt/assets/skin.1002.png'])
  t.deepEqual(plan.remap, [
    { from: '/mnt/assets/hdri/sky.exr', to: '_external/mnt/assets/hdri/sky.exr' },
    { from: '/mnt/assets/skin.<UDIM>.png', to: '_external/mnt/assets/skin.<UDIM>.png' },
  ])
})

test('a relative path inside an absolutely placed library lands beside it, without pulling the root up', (t) => {
  const plan = planProject('/home/ann/film/a.blend', [
    ref({ kind: 'library', stored: '/srv/lib/chars.blend', resolved: '/srv/lib/chars.blend' }),
    ref({ stored: '//tex/skin.png', resolved: '/srv/lib/tex/skin.png', library: '/srv/lib/chars.blend' }),
  ], path.posix)
  t.is(plan.root, '/home/ann/film')
  t.deepEqual(plan.files.map(f => f.path), ['a.blend', '_external/srv/lib/chars.blend', '_external/srv/lib/tex/skin.png'])
  t.deepEqual(plan.remap, [{ from: '/srv/lib/chars.blend', to: '_external/srv/lib/chars.blend' }])
})

test('Windows paths: drives and UNC shares are mirrored too', (t) => {
  t.is(treePathFor('D:\\Assets\\wood.png', 'C:\\film', path.win32), '_external/D/Assets/wood.png')
  t.is(treePathFor('\\\\nas\\share\\tex\\a.png', 'C:\\film', path.win32), '_external/UNC/nas/share/tex/a.png')
  t.is(treePathFor('C:\\film\\tex\\a.png', 'C:\\film', path.win32), 'tex/a.png')
  const plan = planProject('C:\\film\\shot.blend', [ref({ stored: 'C:\\Assets\\wood.png', resolved: 'C:\\Assets\\wood.png' })], path.win32)
  t.deepEqual(plan.remap, [{ from: 'C:\\Assets\\wood.png', to: '_external/C/Assets/wood.png' }])
})

test('missing files are listed with how the .blend names them; a point cache without a stored path is not rewritten', (t) => {
  const plan = planProject('/p/a.blend', [
    ref({ stored: '//gone.png', resolved: '/p/gone.png', files: [], missing: ['/p/gone.png'] }),
    ref({ kind: 'point-cache', stored: '', resolved: '/p/blendcache_a', files: ['/p/blendcache_a/cloth_000001_00.bphys'] }),
  ], path.posix)
  t.deepEqual(plan.missing, [{ kind: 'image', owner: "image 'x'", stored: '//gone.png', resolved: '/p/gone.png' }])
  t.deepEqual(plan.remap, [])
  t.deepEqual(plan.files.map(f => f.path), ['a.blend', 'blendcache_a/cloth_000001_00.bphys'])
})

test('the same file named twice travels once', (t) => {
  const plan = planProject('/p/a.blend', [
    ref({ stored: '//t.png', resolved: '/p/t.png' }),
    ref({ stored: '/p/t.png', resolved: '/p/t.png' }),
  ], path.posix)
  t.deepEqual(plan.files.map(f => f.path), ['a.blend', 't.png'])
})

test('commonFolder', (t) => {
  t.is(commonFolder(['/a/b/c', '/a/b/d/e', '/a/b'], path.posix), '/a/b')
  t.is(commonFolder(['/a/b', '/x'], path.posix), '/')
  t.is(commonFolder(['C:\\a\\b', 'D:\\c'], path.win32), 'C:\\a\\b', 'no common folder across drives: the first one')
})
