import test from 'ava'
import { Dashboard } from '../../../src/tui/dashboard.js'
import { fakeFarm, fakeTerminal, screenText } from './headless.js'
import { jobWith, session } from './fixtures.js'

const nextDraw = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 150)) }

test('names are shown as typed, never as terminal markup', async (t) => {
  const job = jobWith('1', 'dp', { request: { name: '{red-fg}shot{/}.blend' } })
  const dashboard = new Dashboard(fakeFarm([job], [session('{bold}a')]), { farmName: 'f' })
  const terminal = dashboard.open({ ...fakeTerminal(100, 30), terminal: 'xterm-256color' })
  await nextDraw()
  const text = screenText(terminal)
  t.true(text.some(line => line.includes('{red-fg}shot{/}.blend')))
  t.true(text.some(line => line.startsWith('{bold}a ')))
  dashboard.close()
})

test('follows a resize, and fits 80x24', async (t) => {
  const streams = fakeTerminal(120, 40)
  const dashboard = new Dashboard(fakeFarm([jobWith('1', 'ddrpp')], [session('a')]), { farmName: 'f' })
  const terminal = dashboard.open({ ...streams, terminal: 'xterm-256color' })
  await nextDraw()
  t.is(screenText(terminal).length, 40)
  for (const stream of [streams.input, streams.output]) Object.assign(stream, { columns: 80, rows: 24 })
  streams.output.emit('resize')
  await nextDraw()
  const text = screenText(terminal)
  t.is(text.length, 24)
  t.true(text.every(line => line.length === 80))
  t.regex(text[23] ?? '', /^ \? {2}help {2}q {2}quit/)
  dashboard.close()
})

test('q quits: the terminal gets its normal screen, cursor and cooked mode back', async (t) => {
  const streams = fakeTerminal(80, 24)
  const dashboard = new Dashboard(fakeFarm([jobWith('1', 'dd', { state: 'completed' })]), { farmName: 'f' })
  dashboard.open({ ...streams, terminal: 'xterm-256color' })
  await nextDraw()
  t.true(streams.input.isRaw)
  streams.input.write('q')
  await dashboard.closed
  await nextDraw()
  t.false(streams.input.isRaw)
  t.true(streams.written().includes('\x1b[?1049l'), 'left the alternate screen')
  t.true(streams.written().includes('\x1b[?25h'), 'cursor shown again')
})

test('actions go through the API and their answer shows in the status line and the log', async (t) => {
  const calls: string[] = []
  const farm = fakeFarm([jobWith('1', 'dp')], [], { jobAction: async (jobId, action) => { calls.push(`${action} ${jobId}`); return `job ${jobId} paused (0 frame(s) stopped mid-render)` } })
  const dashboard = new Dashboard(farm, { farmName: 'f' })
  const streams = fakeTerminal(100, 30)
  const terminal = dashboard.open({ ...streams, terminal: 'xterm-256color' })
  streams.input.write('p')
  await nextDraw()
  t.deepEqual(calls, ['pause 1'])
  const text = screenText(terminal)
  t.is(text.filter(line => line.includes('job 1 paused (0 frame(s) stopped mid-render)')).length, 2, 'status line and log')
  dashboard.close()
})
