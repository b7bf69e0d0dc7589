import test from 'ava'
import { floodDashboard } from '../../helpers/ui-flood.js'

// Thousands of frame events a second for a few seconds into the real UI: the
// render scheduler keeps redraws to about ten a second however many events
// come, a key pressed meanwhile is handled, and the screen ends up right. How
// fast all this goes is measured by `npm run bench -- ui`, not asserted here.

test('a flood of frame events: redraws stay capped, a key is still handled, the screen is right', async (t) => {
  const result = await floodDashboard({ frames: 20_000, nodes: 50, eventsPerSecond: 5000, durationMs: 3000 })
  // However slow the machine, the scheduler never draws more than once per 100 ms (plus the first and last).
  t.true(result.renders <= Math.ceil((result.seconds + 0.25) * 10) + 2, `${result.renders} redraws in ${result.seconds.toFixed(1)} s`)
  t.true(result.renders >= 2, 'the screen kept being redrawn')
  t.true(result.keyShownDuringFlood, 'the key pressed half-way showed while events were still pouring in')
  t.true(result.screen.some(line => /^node-00\s+idle/.test(line)), 'nodes are listed')
  t.true(result.screen.some(line => line.includes(`${result.emitted}/20000`)), 'the job row shows the frames done')
})
