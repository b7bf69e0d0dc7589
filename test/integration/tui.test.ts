import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { blenderTest, makeScene } from '../helpers/blender.js'
import { jobsJson, MICROFARM, startCli, waitFor, waitForJob } from '../helpers/cli.js'
import type { JobJson } from '../helpers/cli.js'
import { tempFolder } from '../helpers/temp-folder.js'
import { makeProject } from '../helpers/projects.js'

// The terminal UI as a user runs it: `microfarm coordinator` in a real
// terminal (a tmux pane), keys sent with send-keys, the screen read back with
// capture-pane. Every check polls with a deadline; nothing sleeps blind.

const exec = promisify(execFile)
const LOOPBACK_ADDRESS = /\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW[1-9A-HJ-NP-Za-km-z]{44}/

interface Pane {
  screen: () => Promise<string>
  /** The screen with its colours, as escape sequences. */
  colouredScreen: () => Promise<string>
  /** tmux key names (`Enter`, `Escape`, `C-c`) or single characters. */
  keys: (...keys: string[]) => Promise<void>
  type: (text: string) => Promise<void>
  waitForScreen: <T>(what: string, check: (screen: string) => T | undefined | false, timeoutMs?: number) => Promise<T>
  format: (expression: string) => Promise<string>
  /** The coordinator's exit code, once it has exited. */
  exited: () => Promise<number>
  /** The coordinator's pid (the pane's shell runs it as its child). */
  pid: () => Promise<number>
}

const quote = (arg: string): string => `'${arg.replace(/'/g, "'\\''")}'`

/**
 * A 120x40 tmux pane of its own (private socket, unique session) running
 * `microfarm coordinator`; killed in teardown. The pane's shell writes the
 * coordinator's exit code to a file: tmux's own pane_dead_status is not always
 * filled in.
 */
async function coordinatorPane (t: ExecutionContext, dir: string): Promise<Pane> {
  const socket = `mf-tui-${process.pid}-${randomBytes(4).toString('hex')}`
  const session = 'ui'
  const exitFile = path.join(dir, 'exit-code')
  const tmux = async (...args: string[]): Promise<string> => (await exec('tmux', ['-L', socket, ...args])).stdout
  const coordinator = ['env', 'TERM=xterm-256color', 'NCURSES_NO_UTF8_ACS=1', 'LANG=C.UTF-8',
    process.execPath, MICROFARM, 'coordinator', '--port', '0', '--no-advertise', '--output-dir', path.join(dir, 'out')].map(quote).join(' ')
  await tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', `${coordinator}; echo $? > ${quote(exitFile)}`,
    ';', 'set-option', '-t', session, 'remain-on-exit', 'on')
  let last = ''
  t.teardown(async () => {
    if (!t.passed) t.log(`--- last screen ---\n${last}`)
    await tmux('kill-server').catch(() => {})
  })
  const screen = async (): Promise<string> => {
    last = await tmux('capture-pane', '-p', '-t', session)
    return last
  }
  return {
    screen,
    colouredScreen: async () => tmux('capture-pane', '-p', '-e', '-t', session),
    keys: async (...keys) => { for (const key of keys) await tmux('send-keys', '-t', session, key) },
    type: async (text) => { await tmux('send-keys', '-t', session, '-l', text) },
    waitForScreen: async (what, check, timeoutMs = 30_000) => waitFor(`the screen to show ${what}`, async () => check(await screen()), timeoutMs, 100),
    format: async (expression) => (await tmux('display-message', '-p', '-t', session, expression)).trim(),
    exited: async () => waitFor('the coordinator to exit', async () => {
      const code = await readFile(exitFile, 'utf8').catch(() => '')
      return code.trim() !== '' ? Number(code) : undefined
    }, 30_000, 100),
    pid: async () => {
      const shell = (await tmux('display-message', '-p', '-t', session, '#{pane_pid}')).trim()
      return Number((await exec('pgrep', ['-P', shell])).stdout.trim())
    },
  }
}

/** The state and frames of job `id` in the jobs list on screen. */
function jobOnScreen (screen: string, id: string): { state: string, done: number, total: number, percent: string } | undefined {
  const match = new RegExp(`^[ >]${id}\\s+\\S+\\s+(\\w+)\\s+\\S*\\s+(\\d+%)\\s+(\\d+)/(\\d+)`, 'm').exec(screen)
  return match === null ? undefined : { state: match[1] ?? '', percent: match[2] ?? '', done: Number(match[3]), total: Number(match[4]) }
}

async function job (address: string, id: string): Promise<JobJson | undefined> {
  return (await jobsJson(address)).find(j => j.id === id)
}

blenderTest('the dashboard shows the farm, and c, p, a, f and e drive a job from the keyboard', async (t) => {
  const dir = await tempFolder(t, 'mf-tui-')
  // The second scene renders slowly enough (about half a second a frame) to act mid-job.
  const [short, long] = [await makeScene(dir, { frames: 12 }), await makeScene(dir, { frames: 40, width: 320, height: 180, samples: 32 })]
  const pane = await coordinatorPane(t, dir)
  const address = await pane.waitForScreen('the coordinator\'s address', screen => LOOPBACK_ADDRESS.exec(screen)?.[0])
  t.regex(await pane.screen(), /^MicroFarm {2}farm \S+ open {2}peer 12D3Ko…\w{6} {2}on \/ip4\/127\.0\.0\.1\/tcp\/\d+/m)

  startCli(t, ['node', '--name', 'worker', '--coordinator', address, '--work-dir', path.join(dir, 'work')])
  await pane.waitForScreen('the node', screen => /^worker\s+idle\s+\d+\.\d+/m.test(screen))
  t.regex(await pane.screen(), /^nodes 1\/1 online/m)

  // A job from start to end: progress reaches 100 %.
  t.is((await startCli(t, ['submit', short, '--coordinator', address]).exited), 0)
  const finished = await pane.waitForScreen('job 1 at 100 %', screen => { const row = jobOnScreen(screen, '1'); return row?.percent === '100%' ? row : undefined }, 60_000)
  t.deepEqual(finished, { state: 'completed', percent: '100%', done: 12, total: 12 })
  t.is((await job(address, '1'))?.state, 'completed')

  // A longer job, controlled from the keyboard mid-render.
  t.is((await startCli(t, ['submit', long, '--coordinator', address]).exited), 0)
  await pane.waitForScreen('job 2 rendering', screen => (jobOnScreen(screen, '2')?.done ?? 0) >= 1, 60_000)
  await pane.keys('G')
  await pane.waitForScreen('job 2 selected', screen => /^>2 /m.test(screen) && screen.includes('JOB 2  scene-40f'))

  await pane.keys('p')
  await pane.waitForScreen('job 2 paused', screen => jobOnScreen(screen, '2')?.state === 'paused')
  t.is((await job(address, '2'))?.state, 'paused')

  await pane.keys('p')
  await pane.waitForScreen('job 2 resumed', screen => screen.includes('job 2 resumed'))
  t.true(['queued', 'active'].includes((await job(address, '2'))?.state ?? ''))

  await pane.keys('c')
  await pane.waitForScreen('the cancel question', screen => screen.includes('Cancel job 2?'))
  t.not((await job(address, '2'))?.state, 'cancelled', 'nothing happens before the answer')
  await pane.keys('y')
  await pane.waitForScreen('job 2 cancelled', screen => jobOnScreen(screen, '2')?.state === 'cancelled')
  t.is((await job(address, '2'))?.state, 'cancelled')

  await pane.keys('a')
  await pane.waitForScreen('job 2 active', screen => /job 2 active: \d+ frame\(s\) to render/.test(screen) && jobOnScreen(screen, '2')?.state === 'active')
  t.is((await job(address, '2'))?.state, 'active')

  await pane.keys('f')
  await pane.waitForScreen('the force-complete question', screen => screen.includes('Force-complete job 2?'))
  await pane.keys('y')
  await pane.waitForScreen('job 2 completed', screen => /job 2 marked complete with \d+ frame\(s\) missing/.test(screen) && jobOnScreen(screen, '2')?.state === 'completed')
  const completed = await waitForJob(address, '2', 'its video', j => j.encode?.state === 'done' || j.encode?.state === 'failed')
  t.is(completed.state, 'completed')
  t.true((completed.missingFrames ?? []).length > 0)
  t.is(completed.encode?.state, 'done', completed.encode?.error)
  const video = completed.encode?.outputPath ?? ''
  await pane.waitForScreen('the video on screen', screen => screen.includes(`video: done → ${video}`))

  const before = (await stat(video)).mtimeMs
  await pane.keys('e')
  await pane.waitForScreen('the encode answer', screen => screen.includes(`job 2: encoding to ${video}`))
  await waitFor('the video made again', async () => (await stat(video)).mtimeMs > before && (await job(address, '2'))?.encode?.state === 'done', 60_000)
  await pane.waitForScreen('the video done again', screen => screen.includes(`video: done → ${video}`))
})

blenderTest('n submits a .blend from the coordinator\'s machine with the files it needs; q asks while a job waits, then quits with code 0', async (t) => {
  const dir = await tempFolder(t, 'mf-tui-quit-')
  const { blend } = await makeProject(path.join(dir, 'made'), 'texture')
  const pane = await coordinatorPane(t, dir)
  const address = await pane.waitForScreen('the coordinator\'s address', screen => LOOPBACK_ADDRESS.exec(screen)?.[0])
  t.is(await pane.format('#{alternate_on}'), '1')

  await pane.keys('n')
  await pane.waitForScreen('the new-job form', screen => screen.includes('New job'))
  await pane.type(blend)
  await pane.keys('Enter')
  await pane.type('1-3')
  await pane.keys('Enter', 'Enter')
  await pane.waitForScreen('job 1 queued', screen => jobOnScreen(screen, '1')?.state === 'queued' && screen.includes('job 1 submitted: texture.blend, frames 1-3'))
  t.like(await job(address, '1'), { name: 'texture.blend', state: 'queued', framesTotal: 3 })
  t.is((await job(address, '1') as { projectFiles?: number } | undefined)?.projectFiles, 2, 'the .blend and its texture')

  await pane.keys('q')
  await pane.waitForScreen('the quit question', screen => screen.includes('Quit?') && screen.includes('1 job(s) queued or active: 1.'))
  await pane.keys('n')
  await pane.waitForScreen('the question gone', screen => !screen.includes('Quit?'))
  await pane.pid()
  t.is(await pane.format('#{alternate_on}'), '1', 'still running after "no"')

  await pane.keys('q', 'y')
  t.is(await pane.exited(), 0)
  t.is(await pane.format('#{alternate_on}'), '0', 'the terminal is back on its normal screen')
})

/** Lines of the screen holding preview cells, and the column where they start. */
function previewRows (screen: string): Array<[number, number]> {
  return screen.split('\n').flatMap((line, row): Array<[number, number]> => line.includes('▀') ? [[row, [...line].indexOf('▀')]] : [])
}

blenderTest('the selected job\'s latest frame is drawn beside its detail; v hides it; o lists the files, and Enter shows the one picked', async (t) => {
  const dir = await tempFolder(t, 'mf-tui-preview-')
  const scene = await makeScene(dir, { frames: 3 })
  const pane = await coordinatorPane(t, dir)
  const address = await pane.waitForScreen('the coordinator\'s address', screen => LOOPBACK_ADDRESS.exec(screen)?.[0])
  t.deepEqual(previewRows(await pane.screen()), [], 'no job, no preview')
  startCli(t, ['node', '--name', 'worker', '--coordinator', address, '--work-dir', path.join(dir, 'work')])
  t.is((await startCli(t, ['submit', scene, '--coordinator', address]).exited), 0)
  const done = await waitForJob(address, '1', 'its video', j => j.encode?.state === 'done' || j.encode?.state === 'failed')
  t.is(done.encode?.state, 'done', done.encode?.error)

  // 120 columns: the preview sits right of 79 columns of detail and log, under the job's title.
  const latest = Number(await pane.waitForScreen('the preview', screen => previewRows(screen).length > 0 && /frame (\d) {2}160×90 {2}v hides/.exec(screen)?.[1]))
  const screen = await pane.screen()
  const rows = previewRows(screen)
  const detailTitle = screen.split('\n').findIndex(line => line.startsWith('JOB 1 '))
  t.true(rows.length >= 5, `${rows.length} rows of picture`)
  t.true(rows.every(([row, column]) => row > detailTitle && column === 80), JSON.stringify(rows))
  // tmux writes the foreground and the background as two sequences before the cell.
  t.regex(await pane.colouredScreen(), /\[38;5;\d+m.\[48;5;\d+m▀/, 'cells in 256 colours, both halves')

  await pane.keys('v')
  await pane.waitForScreen('the preview hidden', screen => previewRows(screen).length === 0 && screen.includes('preview hidden (v shows it again)'))
  await pane.keys('v')
  await pane.waitForScreen('the preview back', screen => previewRows(screen).length > 0)

  // The files: the video first, then frames 1-3 with their sizes; Enter on another frame than the latest shows it.
  await pane.keys('o')
  const listed = await pane.waitForScreen('the files list', screen => screen.includes('Job 1: files') && /frame_0003\.png/.test(screen) ? screen : undefined)
  for (const frame of [1, 2, 3]) t.regex(listed, new RegExp(`\\d+(\\.\\d)? (B|KiB|MiB) +frame +${frame} +frame_000${frame}\\.png`))
  t.regex(listed, /> +\d+(\.\d)? (B|KiB|MiB) +video +\S+\.mp4/)
  const pick = latest === 1 ? 2 : 1
  for (let i = 0; i < pick; i++) await pane.keys('Down')
  await pane.keys('Enter')
  await pane.waitForScreen(`frame ${pick} in the preview`, screen => !screen.includes('Job 1: files') && screen.includes(`frame ${pick} (picked)  160×90`) && previewRows(screen).length > 0)
})

test('SIGTERM shuts the coordinator down cleanly with the UI open', async (t) => {
  const dir = await tempFolder(t, 'mf-tui-term-')
  const pane = await coordinatorPane(t, dir)
  await pane.waitForScreen('the coordinator\'s address', screen => LOOPBACK_ADDRESS.exec(screen)?.[0])
  process.kill(await pane.pid(), 'SIGTERM')
  t.is(await pane.exited(), 0)
  t.is(await pane.format('#{alternate_on}'), '0')
})
