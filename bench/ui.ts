// The terminal UI under a flood of frame events (a headless blessed screen, the
// real dashboard): how many events a second it takes, how long a redraw takes,
// and how soon a key pressed meanwhile shows, against the budgets a user feels.
import { floodDashboard } from '../test/helpers/ui-flood.js'
import { median } from './lib/processes.js'

const OFFERED_PER_SECOND = 10_000
const KEY_BUDGET_MS = 200
const REDRAW_BUDGET_MS = 100

export async function ui (): Promise<string[]> {
  const result = await floodDashboard({ frames: 50_000, nodes: 50, eventsPerSecond: OFFERED_PER_SECOND, durationMs: 4000, columns: 200, rows: 60 })
  const key = result.keyLatencyMs ?? Infinity
  const redraw = median(result.renderMs)
  const worst = Math.max(...result.renderMs)
  const handled = result.emitted / result.seconds
  return [
    `UI, key pressed during a flood of frame events: shown after ${key.toFixed(0)} ms, ${(key / KEY_BUDGET_MS).toFixed(3)} of a ${KEY_BUDGET_MS} ms budget ${key <= KEY_BUDGET_MS ? 'OK' : 'OVER BUDGET'}`,
    `UI, redraw of a 50 000-frame job and 50 nodes at 200x60: median ${redraw.toFixed(1)} ms, worst ${worst.toFixed(1)} ms, ${(worst / REDRAW_BUDGET_MS).toFixed(3)} of the ${REDRAW_BUDGET_MS} ms between redraws ${worst <= REDRAW_BUDGET_MS ? 'OK' : 'OVER BUDGET'}`,
    `  events handled ${Math.round(handled)}/s of ${OFFERED_PER_SECOND}/s offered (${(handled / OFFERED_PER_SECOND).toFixed(3)}); ${(result.rendersDuringFlood / result.seconds).toFixed(1)} redraws a second (one per 100 ms at most, after the first)`,
  ]
}
