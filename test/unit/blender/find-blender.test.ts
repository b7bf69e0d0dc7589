import test from 'ava'
import { BlenderNotFoundError } from '../../../src/blender/errors.js'
import { findBlender } from '../../../src/blender/find-blender.js'
import { ProgramNotFoundError } from '../../../src/process/run-process.js'
import type { ProcessRunner, RunProcessOptions } from '../../../src/process/run-process.js'

/** A fake machine: which files exist and what each prints for --version. */
function machine (programs: Record<string, string[] | 'hang' | 'spawn-fails'>, dirs: Record<string, string[]> = {}) {
  const calls: RunProcessOptions[] = []
  const run: ProcessRunner = async (options) => {
    calls.push(options)
    const behaviour = programs[options.command]
    if (behaviour == null) throw new ProgramNotFoundError(`cannot run ${options.command}: not found`)
    if (behaviour === 'hang') return { exitCode: null, signal: 'SIGTERM', stoppedBecause: 'timeout' }
    if (behaviour === 'spawn-fails') throw new Error(`spawn ${options.command} EACCES`)
    for (const line of behaviour) options.onStdoutLine?.(line)
    return { exitCode: 0, signal: null }
  }
  const exists = async (p: string): Promise<boolean> => p in programs
  const listDir = async (dir: string): Promise<string[]> => dirs[dir] ?? []
  return { run, exists, listDir, calls, homeDir: '/home/u', platform: 'linux' as const }
}

test('--blender wins over everything and is run with --version and a timeout', async (t) => {
  const m = machine({ '/x/blender': ['Blender 4.2.3 LTS', '\tbuild date: 2024-10-14'], '/usr/bin/blender': ['Blender 3.4.1'] })
  const found = await findBlender({ ...m, explicitPath: '/x/blender', env: { BLENDER: '/usr/bin/blender', PATH: '/usr/bin' } })
  t.deepEqual(found, { path: '/x/blender', version: '4.2.3' })
  t.deepEqual(m.calls[0]?.args, ['--version'])
  t.true((m.calls[0]?.timeoutMs ?? 0) > 0)
})

test('a missing --blender path is an error naming it, with no fallback to another Blender', async (t) => {
  const m = machine({ '/usr/bin/blender': ['Blender 3.4.1'] })
  const error = await t.throwsAsync(findBlender({ ...m, explicitPath: '/nope/blender', env: { PATH: '/usr/bin' } }), {
    instanceOf: BlenderNotFoundError,
  })
  t.regex(error?.message ?? '', /--blender \/nope\/blender: no such file/)
  t.is(m.calls.length, 0)
})

test('a --blender file that is not Blender says what it printed', async (t) => {
  const m = machine({ '/bin/ls': ['ls (GNU coreutils) 9.1'], '/usr/bin/blender': ['Blender 3.4.1'] })
  const error = await t.throwsAsync(findBlender({ ...m, explicitPath: '/bin/ls', env: { PATH: '/usr/bin' } }))
  t.is(error?.name, 'BlenderNotFoundError')
  t.regex(error?.message ?? '', /--blender \/bin\/ls is not Blender: "--version" printed "ls \(GNU coreutils\) 9\.1"/)
})

test('BLENDER is used when there is no --blender, and a broken one is reported as BLENDER=', async (t) => {
  const ok = machine({ '/opt/b/blender': ['Blender 4.5.0'] })
  t.deepEqual(await findBlender({ ...ok, env: { BLENDER: '/opt/b/blender' } }), { path: '/opt/b/blender', version: '4.5.0' })

  const hangs = machine({ '/opt/b/blender': 'hang', '/usr/bin/blender': ['Blender 3.4.1'] })
  const error = await t.throwsAsync(findBlender({ ...hangs, env: { BLENDER: '/opt/b/blender', PATH: '/usr/bin' } }))
  t.regex(error?.message ?? '', /^BLENDER=\/opt\/b\/blender did not answer --version within 30 s\. Set BLENDER/)
})

test('an empty BLENDER is treated as unset', async (t) => {
  const m = machine({ '/usr/bin/blender': ['Blender 3.4.1'] })
  t.deepEqual(await findBlender({ ...m, env: { BLENDER: '', PATH: '/usr/bin' } }), { path: '/usr/bin/blender', version: '3.4.1' })
})

test('a bare --blender name is looked up on PATH', async (t) => {
  const m = machine({ '/home/u/bin/blender-4.2': ['Blender 4.2.0'] })
  const found = await findBlender({ ...m, explicitPath: 'blender-4.2', env: { PATH: '/usr/bin:/home/u/bin' } })
  t.is(found.path, '/home/u/bin/blender-4.2')
})

test('a macOS .app bundle given to --blender means the executable inside it', async (t) => {
  const m = machine({ '/Apps/Blender 4.app/Contents/MacOS/Blender': ['Blender 4.1.1'] })
  const found = await findBlender({ ...m, platform: 'darwin', explicitPath: '/Apps/Blender 4.app', env: {} })
  t.is(found.path, '/Apps/Blender 4.app/Contents/MacOS/Blender')
})

test('PATH comes before install locations, using the PATH of the given env', async (t) => {
  const m = machine({ '/mine/blender': ['Blender 4.4.0'], '/usr/bin/blender': ['Blender 3.4.1'] })
  t.is((await findBlender({ ...m, env: { PATH: '/mine' } })).path, '/mine/blender')
  t.is((await findBlender({ ...m, env: { PATH: '/elsewhere' } })).path, '/usr/bin/blender')
})

test('the version line may come after other output', async (t) => {
  const m = machine({ '/usr/bin/blender': ['Read prefs: "/home/u/.config/blender/4.2/config/userpref.blend"', 'Blender 4.2.0'] })
  t.is((await findBlender({ ...m, env: {} })).version, '4.2.0')
})

test('install locations: /opt/blender-* newest first, after the fixed paths', async (t) => {
  const m = machine(
    { '/opt/blender-4.2.0-linux-x64/blender': ['Blender 4.2.0'], '/opt/blender-4.10.0-linux-x64/blender': ['Blender 4.10.0'] },
    { '/opt': ['blender-4.2.0-linux-x64', 'blender-4.10.0-linux-x64', 'google'] },
  )
  t.deepEqual(await findBlender({ ...m, env: {} }), { path: '/opt/blender-4.10.0-linux-x64/blender', version: '4.10.0' })
})

test('an unusable candidate is skipped; the next one is used', async (t) => {
  const m = machine({ '/usr/bin/blender': 'spawn-fails', '/usr/local/bin/blender': ['Blender 4.0.2'] })
  t.is((await findBlender({ ...m, env: {} })).path, '/usr/local/bin/blender')
})

test('nothing found: BlenderNotFoundError saying how to install or point at Blender', async (t) => {
  const m = machine({})
  const error = await t.throwsAsync(findBlender({ ...m, env: { PATH: '/usr/bin' } }), { instanceOf: BlenderNotFoundError })
  t.is(error?.name, 'BlenderNotFoundError')
  t.regex(error?.message ?? '', /apt-get install blender/)
  t.regex(error?.message ?? '', /--blender PATH/)
  t.regex(error?.message ?? '', /BLENDER=PATH/)
})

test('nothing usable: the message lists what was found and why it did not work', async (t) => {
  const m = machine({ '/usr/bin/blender': ['not blender at all'] })
  const error = await t.throwsAsync(findBlender({ ...m, env: {} }), { instanceOf: BlenderNotFoundError })
  t.regex(error?.message ?? '', /\/usr\/bin\/blender is not Blender: "--version" printed "not blender at all"/)
})

test('windows: blender.exe under Program Files', async (t) => {
  const exe = 'C:\\Program Files\\Blender Foundation\\Blender 4.2\\blender.exe'
  const m = machine({ [exe]: ['Blender 4.2.1 LTS'] }, { 'C:\\Program Files\\Blender Foundation': ['Blender 4.2'] })
  t.deepEqual(await findBlender({ ...m, platform: 'win32', env: {} }), { path: exe, version: '4.2.1' })
})
