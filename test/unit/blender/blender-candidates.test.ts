import test from 'ava'
import { blenderCandidates, expandGlob, searchPath } from '../../../src/blender/blender-candidates.js'
import type { Candidate } from '../../../src/blender/blender-candidates.js'

function describe (candidates: Candidate[]): string[] {
  return candidates.map((c) => c.kind === 'file' ? c.path : `${c.dir}/${c.prefix}*/${c.file}`)
}

test('linux: PATH entries first, in order, then the usual install places', (t) => {
  const candidates = blenderCandidates({ env: { PATH: '/home/u/bin:/usr/bin' }, platform: 'linux', homeDir: '/home/u' })
  t.deepEqual(describe(candidates), [
    '/home/u/bin/blender',
    '/usr/bin/blender',
    '/usr/bin/blender',
    '/usr/local/bin/blender',
    '/snap/bin/blender',
    '/opt/blender*/blender',
    '/home/u/blender*/blender',
  ])
  t.is(candidates[0]?.source, 'PATH')
  t.is(candidates[2]?.source, 'install location')
})

test('linux: empty PATH entries are ignored, not read as the current directory', (t) => {
  const candidates = blenderCandidates({ env: { PATH: ':/a::' }, platform: 'linux', homeDir: '/h' })
  t.deepEqual(describe(candidates.filter((c) => c.source === 'PATH')), ['/a/blender'])
})

test('macOS: the app bundle executable, system then user Applications', (t) => {
  const candidates = blenderCandidates({ env: { PATH: '/opt/homebrew/bin' }, platform: 'darwin', homeDir: '/Users/u' })
  t.deepEqual(describe(candidates), [
    '/opt/homebrew/bin/blender',
    '/Applications/Blender.app/Contents/MacOS/Blender',
    '/Users/u/Applications/Blender.app/Contents/MacOS/Blender',
  ])
})

test('windows: blender.exe on Path (any case, ; separated, quotes removed), then Program Files', (t) => {
  const env = { Path: 'C:\\Tools;"C:\\My Apps\\Blender"', ProgramFiles: 'D:\\Programs' }
  const candidates = blenderCandidates({ env, platform: 'win32', homeDir: 'C:\\Users\\u' })
  t.deepEqual(describe(candidates), [
    'C:\\Tools\\blender.exe',
    'C:\\My Apps\\Blender\\blender.exe',
    'D:\\Programs\\Blender Foundation/Blender */blender.exe',
  ])
})

test('windows: Program Files defaults to C:\\Program Files; the x86 one is looked at too', (t) => {
  const candidates = blenderCandidates({ env: {}, platform: 'win32', homeDir: 'C:\\Users\\u' })
  t.deepEqual(describe(candidates), ['C:\\Program Files\\Blender Foundation/Blender */blender.exe'])
  const both = blenderCandidates({ env: { 'ProgramFiles(x86)': 'C:\\Program Files (x86)' }, platform: 'win32', homeDir: 'C:\\Users\\u' })
  t.deepEqual(describe(both), [
    'C:\\Program Files\\Blender Foundation/Blender */blender.exe',
    'C:\\Program Files (x86)\\Blender Foundation/Blender */blender.exe',
  ])
})

test('searchPath reads PATH only on POSIX, where names are case-sensitive', (t) => {
  t.deepEqual(searchPath({ Path: '/x' }, 'linux'), [])
  t.deepEqual(searchPath({ PATH: '/x:/y' }, 'linux'), ['/x', '/y'])
})

test('expandGlob: matching entries only, highest version first (numeric order)', (t) => {
  const glob = { kind: 'glob', dir: '/opt', prefix: 'blender', file: 'blender', source: 'install location' } as const
  const entries = ['blender-4.9.0-linux-x64', 'other', 'blender-4.10.1-linux-x64', 'blender-3.6.5-linux-x64']
  t.deepEqual(expandGlob(glob, entries, 'linux'), [
    '/opt/blender-4.10.1-linux-x64/blender',
    '/opt/blender-4.9.0-linux-x64/blender',
    '/opt/blender-3.6.5-linux-x64/blender',
  ])
})

test('expandGlob on windows ignores case, as its file system does', (t) => {
  const glob = { kind: 'glob', dir: 'C:\\Program Files\\Blender Foundation', prefix: 'Blender ', file: 'blender.exe', source: 'install location' } as const
  t.deepEqual(expandGlob(glob, ['Blender 4.2', 'blender 4.5', 'Other'], 'win32'), [
    'C:\\Program Files\\Blender Foundation\\blender 4.5\\blender.exe',
    'C:\\Program Files\\Blender Foundation\\Blender 4.2\\blender.exe',
  ])
})
