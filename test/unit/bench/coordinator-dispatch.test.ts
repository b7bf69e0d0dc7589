import test from 'ava'
import { parseDispatchLine, summarizeCoordinatorDispatch } from '../../../bench/lib/coordinator-dispatch.js'
import type { DispatchFigures, DispatchStats } from '../../../src/coordinator/dispatch-timing.js'
import { formatEvent } from '../../../src/coordinator/event-log.js'

function figures (over: Partial<DispatchFigures>): DispatchFigures {
  return { periodMs: 10_000, answered: 100, p50Ms: 0.8, p99Ms: 9.5, maxMs: 30, waited: 2, loopDelayP99Ms: 40, loopDelayMaxMs: 90, ...over }
}

function line (stats: DispatchStats): string {
  return formatEvent({ type: 'dispatch-stats', stats }) ?? ''
}

test('the coordinator\'s line is read back as it printed it, the period and since start', (t) => {
  const stats: DispatchStats = {
    period: figures({ periodMs: 10_004, answered: 4980, p50Ms: 0.21, p99Ms: 20.4, maxMs: 230, waited: 20, loopDelayP99Ms: 14, loopDelayMaxMs: 1104 }),
    sinceStart: figures({ periodMs: 360_000, answered: 95_120, p50Ms: 0.83, p99Ms: 19.8, maxMs: 230, waited: 410, loopDelayP99Ms: 31.5, loopDelayMaxMs: 1104 }),
  }
  // As the soak's coordinator log has it: after the time stamp the headless log puts first.
  t.deepEqual(parseDispatchLine(`12:00:01.250 ${line(stats)}`), { ...stats, period: { ...stats.period, periodMs: 10_000 } })
})

test('other lines are not dispatch stats', (t) => {
  t.is(parseDispatchLine('job 3: frame 6 done by sim-p0-n1 (6/5000)'), undefined)
  t.is(parseDispatchLine('dispatch, last 10 s: 5 request(s) answered at once, p50 0.21 ms, p99 1.90 ms, max 12 ms (request read → assign written); 0 waited for work; event loop delay p99 14 ms'), undefined, 'the old line without since start')
})

test('the whole run is each coordinator process\'s last since-start report; the soak\'s p99 is the largest of them', (t) => {
  const report = (process: number, period: Partial<DispatchFigures>, sinceStart: Partial<DispatchFigures>): { process: number, stats: DispatchStats } =>
    ({ process, stats: { period: figures(period), sinceStart: figures(sinceStart) } })
  const summary = summarizeCoordinatorDispatch([
    report(1, { answered: 100, p50Ms: 0.5, p99Ms: 8 }, { answered: 100, p99Ms: 8, maxMs: 12 }),
    report(1, { answered: 300, p50Ms: 0.9, p99Ms: 24 }, { answered: 400, p99Ms: 18, maxMs: 40, loopDelayMaxMs: 1200 }),
    report(2, { answered: 50, p50Ms: 0.7, p99Ms: 5 }, { answered: 50, p99Ms: 5, maxMs: 7 }),
  ])
  t.deepEqual(summary.wholeRun.processes.map(p => [p.process, p.answered, p.p99Ms]), [[1, 400, 18], [2, 50, 5]])
  t.is(summary.wholeRun.answered, 450)
  t.is(summary.wholeRun.p99Ms, 18, 'not the worst period\'s 24')
  t.is(summary.wholeRun.maxMs, 40)
  t.is(summary.wholeRun.loopDelayMaxMs, 1200)
  t.is(summary.periods, 3)
  t.is(summary.answered, 450)
  t.is(summary.worstP99Ms, 24)
  t.is(summary.p50Ms, 0.9, 'the periods\' medians weighted by their requests')
})

test('a run without a report says NaN, not 0: nothing was measured', (t) => {
  const summary = summarizeCoordinatorDispatch([])
  t.true(Number.isNaN(summary.wholeRun.p99Ms))
  t.true(Number.isNaN(summary.worstP99Ms))
  t.deepEqual(summary.wholeRun.processes, [])
})
