import test from 'ava'
import { DispatchTiming, RequestClock } from '../../../src/coordinator/dispatch-timing.js'
import { formatEvent } from '../../../src/coordinator/event-log.js'

test('a request answered while it is handled is timed until its assign is written; one answered later counts as waiting for work', (t) => {
  const timing = new DispatchTiming()
  const clock = new RequestClock(timing)
  let written: (() => void) | undefined
  clock.requested(() => { written = clock.assigning() })
  t.not(written, undefined, 'answered at once: timed')
  written?.()
  clock.requested(() => undefined)
  t.is(clock.assigning(), undefined, 'answered when work came: not dispatch time')
  t.is(clock.assigning(), undefined, 'an assign with no request standing is not timed')
  const stats = timing.take()
  t.is(stats?.answered, 1)
  t.is(stats?.waited, 1)
  t.true((stats?.p99Ms ?? -1) >= 0)
  t.is(timing.take(), undefined, 'a report starts a new period')
})

test('percentiles are of the period\'s samples', (t) => {
  const timing = new DispatchTiming()
  for (let ms = 1; ms <= 100; ms++) timing.answered(ms)
  const stats = timing.take()
  t.is(stats?.p50Ms, 51)
  t.is(stats?.p99Ms, 100)
  t.is(stats?.maxMs, 100)
  t.is(stats?.answered, 100)
})

test('the log line says what was measured', (t) => {
  const line = formatEvent({ type: 'dispatch-stats', stats: { periodMs: 60_012, answered: 4980, p50Ms: 0.214, p99Ms: 1.9, maxMs: 12.4, waited: 20, loopDelayP99Ms: 14 } })
  t.is(line, 'dispatch, last 60 s: 4980 request(s) answered at once, p50 0.21 ms, p99 1.90 ms, max 12 ms (request read → assign written); 20 waited for work; event loop delay p99 14 ms')
})
