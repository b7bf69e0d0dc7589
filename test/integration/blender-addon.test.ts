import { mkdir, readdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import type { BlenderInstall } from '../../src/blender/find-blender.js'
import { runProcess } from '../../src/process/run-process.js'
import { blenderTest, makeScene } from '../helpers/blender.js'
import { coordinatorAddress, jobsJson, MICROFARM, runCli, startCli } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'

// The Blender add-on as an artist uses it (issue 15 item 1): real Blender in
// background mode installs it from the zip `microfarm addon --zip` writes,
// into a temporary user folder, and drives its operators
// (test/fixtures/addon-session.py) against a real coordinator and node.

const SESSION = fileURLToPath(new URL('../fixtures/addon-session.py', import.meta.url))
const UNIT = fileURLToPath(new URL('../unit/addon/test_farm_cli.py', import.meta.url))

type Finding = Record<string, unknown> & { kind: string }

/** Runs the session script in Blender with its user folders in `dir`; its MFTEST lines by kind. */
async function blenderSession (t: ExecutionContext, blender: BlenderInstall, dir: string, blend: string, args: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<Map<string, Finding>> {
  const lines: string[] = []
  const keep = (line: string): void => { lines.push(line) }
  const result = await runProcess({
    command: blender.path,
    args: ['-b', blend, '-noaudio', '--python-exit-code', '1', '--python', SESSION, '--', JSON.stringify(args)],
    env: { ...process.env, BLENDER_USER_SCRIPTS: path.join(dir, 'user-scripts'), BLENDER_USER_CONFIG: path.join(dir, 'user-config'), ...env },
    timeoutMs: 300_000,
    onStdoutLine: keep,
    onStderrLine: keep,
  })
  t.log(lines.filter(l => l.startsWith('MicroFarm:')).join('\n'))
  if (result.exitCode !== 0) throw new Error(`Blender's session failed (${result.exitCode ?? result.signal}):\n${lines.join('\n')}`)
  const findings = new Map<string, Finding>()
  for (const line of lines) {
    if (!line.startsWith('MFTEST:')) continue
    const finding = JSON.parse(line.slice('MFTEST:'.length)) as Finding
    findings.set(finding.kind, finding)
  }
  return findings
}

async function addonZip (t: ExecutionContext, dir: string): Promise<string> {
  const zip = path.join(dir, 'microfarm-addon.zip')
  const made = await runCli(['addon', '--zip', zip])
  t.is(made.code, 0, made.stderr)
  return zip
}

blenderTest('the add-on from its zip submits the open scene, its list reads the job to completion, and open output finds the coordinator\'s folder', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-addon-')
  const zip = await addonZip(t, dir)
  const blend = await makeScene(dir, { frames: 4 })
  const out = path.join(dir, 'out')
  // A HOME of its own: the coordinator leaves its address there, and `microfarm farms` in Blender reads it.
  const home = { HOME: path.join(dir, 'home') }
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--farm', 'addon-farm', '--port', '0', '--no-advertise', '--no-tui'], { env: home })
  const address = await coordinatorAddress(coordinator)
  startCli(t, ['node', '--coordinator', address, '--name', 'addon-node', '--work-dir', path.join(dir, 'node')])

  const seen = await blenderSession(t, blender, dir, blend, { zip, mode: 'farm', cli: MICROFARM, coordinator: address, frames: '1-3', farm: 'addon-farm' }, home)
  t.like(seen.get('farms'), { started: true, error: '', picked: 'addon-farm', any: '', typed: ['farm:typed-by-hand', 'typed-by-hand (typed; not found)'] }, 'farms --json ran in the background; the menu sets the farm, and keeps a typed one')
  const items = seen.get('farms')?.['items'] as string[][] | undefined
  t.deepEqual(items?.[0], ['ANY', '(any: the CLI\'s own search)'])
  t.deepEqual(items?.filter(i => i[1] === 'addon-farm'), [['farm:addon-farm', 'addon-farm']], 'the test farm, once')
  t.deepEqual(seen.get('panel'), {
    kind: 'panel',
    menu: ['prop:farm_choice', 'prop:farm_by_hand', 'operator:microfarm.refresh_farms'],
    typed: ['prop:farm', 'prop:farm_by_hand', 'operator:microfarm.refresh_farms'],
    address: ['label:Farm: the coordinator set in the add-on\'s preferences'],
  }, 'the panel draws the menu, the text box when typing by hand, and neither when the preferences name a coordinator')
  t.regex(String(seen.get('enabled')?.['file']), /user-scripts\/addons\/microfarm\/__init__\.py$/, 'installed into the temporary user folder')
  t.regex(String(seen.get('check')?.['text']), /^1 file\(s\), [\d.]+ KB: nothing missing$/, 'the dry run\'s file list, read')
  t.deepEqual(seen.get('check')?.['missing'], [])
  // Background Blender keeps is_dirty set after saving; the file's time says it was written.
  t.like(seen.get('submitting'), { dirty_before: true, saved: true, busy: true }, 'saved first, then submitted in the background')
  t.like(seen.get('submit'), { job_id: '1', error: '', text: 'job 1 submitted: 3 frame(s), 1 file(s) sent' })
  t.like(seen.get('jobs'), { own: true, error: '', job: { id: '1', state: 'completed', framesDone: 3, framesTotal: 3, frameRange: '1-3', chunk: 2, byNode: { 'addon-node': 3 } } })
  t.like(seen.get('open'), { text: `opened ${path.join(out, 'job_1')}` })
  t.like(seen.get('cancel'), { text: 'cannot cancel job 1: it is completed' }, 'the CLI\'s answer is shown')

  const [job] = await jobsJson(address)
  t.like(job, { id: '1', state: 'completed', encode: { state: 'none' } }, 'video off, as the panel said')
  t.deepEqual((await readdir(path.join(out, 'job_1'))).filter(f => f.endsWith('.png')).sort(), ['frame_0001.png', 'frame_0002.png', 'frame_0003.png'])
})

blenderTest('without the CLI, the add-on says what to install, for its preferences\' path and for PATH', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-addon-nocli-')
  const zip = await addonZip(t, dir)
  const blend = await makeScene(dir, { frames: 2 })
  // A PATH of one empty folder: `npm link` may have put a microfarm in /usr/bin on this machine.
  const emptyBin = path.join(dir, 'empty-bin')
  await mkdir(emptyBin)
  const seen = await blenderSession(t, blender, dir, blend, { zip, mode: 'missing-cli', cli: path.join(dir, 'no', 'microfarm') }, { PATH: emptyBin })
  const hint = /Install Node\.js 20\.19 or newer and MicroFarm \(in its checkout: `npm install`, then `npm link`, which puts `microfarm` on PATH\), or set the path to its bin\/microfarm in Edit > Preferences > Add-ons > MicroFarm\.$/
  t.regex(String(seen.get('submit')?.['error']), new RegExp(`was not found at ${path.join(dir, 'no', 'microfarm').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(the path in the add-on's preferences\\)\\. ` + hint.source.slice(0)))
  t.is((seen.get('submit')?.['result'] as string[] | undefined)?.[0], 'CANCELLED')
  t.regex(String(seen.get('jobs')?.['error']), new RegExp('was not found on PATH\\. ' + hint.source))
})

blenderTest('addon --install puts it where this Blender looks for a user\'s add-ons, and Blender enables it from there', async (t, blender) => {
  const home = await tempFolder(t, 'mf-addon-home-')
  // Blender takes an empty variable for a set one: these are left out, not emptied.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, BLENDER: blender.path }
  delete env['BLENDER_USER_SCRIPTS']
  delete env['XDG_CONFIG_HOME']
  let said = ''
  const installed = await runProcess({ command: process.execPath, args: [MICROFARM, 'addon', '--install'], env, timeoutMs: 60_000, onStdoutLine: l => { said += `${l}\n` }, onStderrLine: l => { said += `${l}\n` } })
  t.is(installed.exitCode, 0, said)
  const folder = /installed the add-on into (\S+);/.exec(said)?.[1]
  const lines: string[] = []
  const asked = await runProcess({
    command: blender.path,
    args: ['-b', '-noaudio', '--addons', 'microfarm', '--python-exit-code', '1', '--python-expr',
      'import bpy, os, sys; print("MFTEST:" + os.path.join(bpy.utils.user_resource("SCRIPTS", path="addons"), "microfarm") + " " + sys.modules["microfarm"].__file__)'],
    env,
    timeoutMs: 120_000,
    onStdoutLine: l => lines.push(l),
    onStderrLine: l => lines.push(l),
  })
  t.is(asked.exitCode, 0, lines.join('\n'))
  const [where, loaded] = lines.find(l => l.startsWith('MFTEST:'))?.slice('MFTEST:'.length).split(' ') ?? []
  t.is(folder, where, 'the folder Blender itself names')
  t.is(loaded, path.join(where ?? '', '__init__.py'), '--addons microfarm loaded the installed copy')
  t.regex(said, /enable it in Blender: Edit > Preferences > Add-ons, search "MicroFarm", tick it/)
})

test('the add-on\'s pure Python parts (unit tests, any Python 3)', async (t) => {
  const lines: string[] = []
  const result = await runProcess({ command: 'python3', args: [UNIT], timeoutMs: 60_000, onStdoutLine: l => lines.push(l), onStderrLine: l => lines.push(l) })
  t.is(result.exitCode, 0, lines.join('\n'))
  t.regex(lines.join('\n'), /^OK$/m)
})
