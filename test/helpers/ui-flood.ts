import { completeFrame } from '../../src/jobs/frame-record.js'
import { Dashboard } from '../../src/tui/dashboard.js'
import type { Terminal } from '../../src/tui/terminal.js'
import { fakeFarm, fakeTerminal, screenText } from '../unit/tui/headless.js'
import { jobWith, session } from '../unit/tui/fixtures.js'

// Frame events poured into the real UI (a headless blessed screen) at a set
// rate, with one key pressed half-way. The load test checks what it shows;
// the UI benchmark reports how fast it went.

export interface FloodOptions {
  frames: number
  nodes: number
  eventsPerSecond: number
  durationMs: number
  columns?: number
  rows?: number
}

export interface FloodResult {
  emitted: number
  seconds: number
  renders: number
  /** Redraws while events were coming (the rest came after, to settle). */
  rendersDuringFlood: number
  /** Time each redraw took (ms): view model and blessed. */
  renderMs: number[]
  /** From the key press until a redraw showed its effect; undefined when it never did. */
  keyLatencyMs: number | undefined
  /** The key (pressed half-way) showed while events were still pouring in. */
  keyShownDuringFlood: boolean
  /** The screen at the end, as text rows. */
  screen: string[]
}

export async function floodDashboard (o: FloodOptions): Promise<FloodResult> {
  const job = jobWith('1', 'p'.repeat(o.frames))
  const nodes = Array.from({ length: o.nodes }, (_, i) => session(`node-${String(i).padStart(2, '0')}`))
  const farm = fakeFarm([job], nodes)
  const dashboard = new Dashboard(farm, { farmName: 'load' })
  for (const node of nodes) farm.events.emit({ type: 'node-joined', nodeId: node.id, name: node.name, blenderVersion: '4.2.0', cores: 8 })
  const streams = fakeTerminal(o.columns ?? 120, o.rows ?? 40)
  const terminal: Terminal = dashboard.open({ ...streams, terminal: 'xterm-256color', unicode: true })

  const renderMs: number[] = []
  let helpShownAt: number | undefined
  // The whole redraw (view model and blessed), timed from outside: the render scheduler calls draw().
  const drawing = dashboard as unknown as { draw: () => void }
  const draw = drawing.draw.bind(dashboard)
  drawing.draw = () => {
    const started = performance.now()
    draw()
    renderMs.push(performance.now() - started)
    if (helpShownAt === undefined && screenText(terminal).some(line => line.includes('─ Keys ─'))) helpShownAt = performance.now()
  }

  const started = performance.now()
  let emitted = 0
  let keyAt: number | undefined
  await new Promise<void>((resolve) => {
    const flood = (): void => {
      const elapsed = performance.now() - started
      if (elapsed >= o.durationMs || emitted >= o.frames) {
        resolve()
        return
      }
      if (keyAt === undefined && elapsed >= o.durationMs / 2) {
        keyAt = performance.now()
        streams.input.write('?')
      }
      for (const due = Math.floor(elapsed * o.eventsPerSecond / 1000); emitted < due && emitted < o.frames; emitted++) {
        const frame = emitted + 1
        const record = job.frames[frame]
        if (record !== undefined) completeFrame(job, frame, nodes[emitted % nodes.length]?.name ?? '', new Date().toISOString())
        farm.events.emit({ type: 'frame-done', jobId: '1', frame, nodeName: record?.node ?? '', done: frame, total: o.frames, seconds: 1.5 })
      }
      setImmediate(flood)
    }
    flood()
  })
  const seconds = (performance.now() - started) / 1000
  const rendersDuringFlood = renderMs.length
  const keyShownDuringFlood = helpShownAt !== undefined
  // Let the last requested redraw happen, and the key if it has not shown yet.
  await new Promise(resolve => setTimeout(resolve, 250))
  const screen = screenText(terminal)
  dashboard.close()
  await dashboard.closed
  return {
    emitted,
    seconds,
    renders: renderMs.length,
    rendersDuringFlood,
    renderMs,
    keyShownDuringFlood,
    keyLatencyMs: helpShownAt !== undefined && keyAt !== undefined ? helpShownAt - keyAt : undefined,
    screen,
  }
}
