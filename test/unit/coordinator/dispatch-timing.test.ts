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
  t.is(stats?.period.answered, 1)
  t.is(stats?.period.waited, 1)
  t.true((stats?.period.p99Ms ?? -1) >= 0)
  t.is(timing.take(), undefined, 'a report starts a new period')
})

test('percentiles are of the period\'s samples', (t) => {
  const timing = new DispatchTiming()
  for (let ms = 1; ms <= 100; ms++) timing.answered(ms)
  const stats = timing.take()
  t.is(stats?.period.p50Ms, 51)
  t.is(stats?.period.p99Ms, 100)
  t.is(stats?.period.maxMs, 100)
  t.is(stats?.period.answered, 100)
})

test('since start covers every period, not only the last: a slow period is not forgotten', (t) => {
  const timing = new DispatchTiming()
  for (let i = 0; i < 10; i++) timing.answered(40)
  timing.waitedForWork()
  const first = timing.take()
  t.is(first?.sinceStart.answered, 10)
  for (let i = 0; i < 90; i++) timing.answered(1)
  const second = timing.take()
  t.is(second?.period.answered, 90)
  t.is(second?.period.p99Ms, 1, 'the period saw only its own')
  t.is(second?.period.waited, 0)
  t.is(second?.sinceStart.answered, 100)
  t.is(second?.sinceStart.waited, 1)
  t.is(second?.sinceStart.maxMs, 40)
  t.is(second?.sinceStart.p99Ms, 40, 'the whole run\'s p99 holds the first period\'s slow requests')
  t.true((second?.sinceStart.p50Ms ?? 0) >= 1 && (second?.sinceStart.p50Ms ?? 0) < 1.03, 'a bucket edge, at most 2.2 % above')
  t.true((second?.sinceStart.periodMs ?? -1) >= (second?.period.periodMs ?? 0))
})

test('the log line says what was measured, in the period and since start', (t) => {
  const line = formatEvent({
    type: 'dispatch-stats',
    stats: {
      period: { periodMs: 60_012, answered: 4980, p50Ms: 0.214, p99Ms: 1.9, maxMs: 12.4, waited: 20, loopDelayP99Ms: 14, loopDelayMaxMs: 40.2 },
      sinceStart: { periodMs: 360_400, answered: 95_120, p50Ms: 0.83, p99Ms: 20.46, maxMs: 230.4, waited: 410, loopDelayP99Ms: 31.5, loopDelayMaxMs: 1104 },
    },
  })
  t.is(line, 'dispatch, last 60 s: 4980 request(s) answered at once, p50 0.21 ms, p99 1.90 ms, max 12.4 ms (request read → assign written); 20 waited for work; event loop delay p99 14.0 ms, max 40.2 ms; ' +
    'since start (360 s): 95120 answered at once, p50 0.83 ms, p99 20.5 ms, max 230 ms; 410 waited for work; event loop delay p99 31.5 ms, max 1104 ms')
})
