import test from 'ava'
import { Dashboard } from '../../../src/tui/dashboard.js'
import { fakeFarm, fakeTerminal, screenText } from './headless.js'
import { jobWith, session } from './fixtures.js'

// Thousands of frame events a second for a few seconds into the real UI (a
// headless blessed screen): the redraws stay at about ten a second and a key
// still shows at once.

const FLOOD_MS = 3000
const EVENTS_PER_SECOND = 5000

test('a flood of frame events: at most ~12 redraws a second, keys handled within 200 ms', async (t) => {
  const frames = 20_000
  const job = jobWith('1', 'p'.repeat(frames))
  const nodes = Array.from({ length: 50 }, (_, i) => session(`node-${String(i).padStart(2, '0')}`))
  const farm = fakeFarm([job], nodes)
  const dashboard = new Dashboard(farm, { farmName: 'load' })
  for (const node of nodes) farm.events.emit({ type: 'node-joined', nodeId: node.id, name: node.name, blenderVersion: '4.2.0', cores: 8 })
  const streams = fakeTerminal(120, 40)
  const terminal = dashboard.open({ ...streams, terminal: 'xterm-256color', unicode: true })

  let renders = 0
  let helpShownAt: number | undefined
  const render = terminal.screen.render.bind(terminal.screen)
  terminal.screen.render = () => {
    renders++
    render()
    if (helpShownAt === undefined && screenText(terminal).some(line => line.includes('─ Keys ─'))) helpShownAt = Date.now()
  }

  const started = Date.now()
  let emitted = 0
  let keyAt: number | undefined
  await new Promise<void>((resolve) => {
    const flood = (): void => {
      const elapsed = Date.now() - started
      if (elapsed >= FLOOD_MS) {
        resolve()
        return
      }
      if (keyAt === undefined && elapsed >= FLOOD_MS / 2) {
        keyAt = Date.now()
        streams.input.write('?')
      }
      for (const due = Math.floor(elapsed * EVENTS_PER_SECOND / 1000); emitted < due && emitted < frames; emitted++) {
        const frame = emitted + 1
        const record = job.frames[frame]
        if (record !== undefined) {
          record.state = 'done'
          record.node = nodes[emitted % nodes.length]?.name ?? ''
        }
        farm.events.emit({ type: 'frame-done', jobId: '1', frame, nodeName: record?.node ?? '', done: frame, total: frames, seconds: 1.5 })
      }
      setImmediate(flood)
    }
    flood()
  })
  const seconds = (Date.now() - started) / 1000
  await new Promise(resolve => setTimeout(resolve, 250))

  const rate = renders / seconds
  t.log(`${emitted} events in ${seconds.toFixed(1)} s (${Math.round(emitted / seconds)}/s): ${renders} renders, ${rate.toFixed(1)}/s; key shown after ${helpShownAt !== undefined && keyAt !== undefined ? helpShownAt - keyAt : '?'} ms`)
  t.true(emitted / seconds >= 2000, 'thousands of events a second')
  t.true(rate <= 12, `${rate.toFixed(1)} redraws a second`)
  t.true(rate >= 5, 'the screen keeps being redrawn under load')
  t.not(helpShownAt, undefined, 'the key was handled')
  t.true((helpShownAt ?? Infinity) - (keyAt ?? 0) <= 200, 'the key showed within 200 ms')

  const text = screenText(terminal)
  t.true(text.some(line => /^node-00\s+idle/.test(line)), 'nodes are listed')
  t.true(text.some(line => line.includes(`${emitted}/${frames}`)), 'the job row shows the frames done')
  dashboard.close()
  await dashboard.closed
})
