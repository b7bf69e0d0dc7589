// What the soak reads of the coordinator's own dispatch timing: its
// dispatch-stats log line (coordinator/event-log.ts describeDispatch) parsed
// back, and the lines of every coordinator process of a run summed up. Pure.
import type { DispatchFigures, DispatchStats } from '../../src/coordinator/dispatch-timing.js'

const LATENCIES = String.raw`p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms`
const WAITS_AND_LOOP = String.raw`(\d+) waited for work; event loop delay p99 ([\d.]+) ms, max ([\d.]+) ms`
const DISPATCH_LINE = new RegExp(
  String.raw`dispatch, last (\d+) s: (\d+) request\(s\) answered at once, ${LATENCIES} [^;]*; ${WAITS_AND_LOOP}; ` +
  String.raw`since start \((\d+) s\): (\d+) answered at once, ${LATENCIES}; ${WAITS_AND_LOOP}`,
)
const FIELDS_PER_FIGURES = 8

/** The coordinator's dispatch-stats line, as it printed it (seconds whole, milliseconds to three digits); undefined for any other line. */
export function parseDispatchLine (line: string): DispatchStats | undefined {
  const m = DISPATCH_LINE.exec(line)
  if (m === null) return undefined
  const numbers = m.slice(1).map(Number)
  return { period: figures(numbers.slice(0, FIELDS_PER_FIGURES)), sinceStart: figures(numbers.slice(FIELDS_PER_FIGURES)) }
}

function figures (n: number[]): DispatchFigures {
  const [seconds, answered, p50Ms, p99Ms, maxMs, waited, loopDelayP99Ms, loopDelayMaxMs] = n as [number, number, number, number, number, number, number, number]
  return { periodMs: seconds * 1000, answered, p50Ms, p99Ms, maxMs, waited, loopDelayP99Ms, loopDelayMaxMs }
}

/** One coordinator process's last report of the whole time it ran (a kill -9 loses at most the stats interval after it). */
export type WholeRunOfProcess = DispatchFigures & { process: number }

export interface CoordinatorDispatchSummary {
  periods: number
  answered: number
  /** The median of the periods' medians, weighted by their requests. */
  p50Ms: number
  worstP99Ms: number
  maxMs: number
  waited: number
  worstLoopDelayP99Ms: number
  wholeRun: {
    /** The coordinator processes' own whole-run figures, in the order they ran. */
    processes: WholeRunOfProcess[]
    answered: number
    /**
     * The largest of the processes' whole-run p99s: an upper bound of the soak's
     * (no process has more than 1 % of its requests above it, so neither has
     * their sum), and the soak's own when one process did nearly all the work.
     */
    p99Ms: number
    maxMs: number
    loopDelayP99Ms: number
    loopDelayMaxMs: number
  }
}

/** A dispatch-stats line as it came, with the coordinator process (1, 2, … in a run) that printed it. */
export interface DispatchReport { process: number, stats: DispatchStats }

export function summarizeCoordinatorDispatch (reports: readonly DispatchReport[]): CoordinatorDispatchSummary {
  const periods = reports.map(r => r.stats.period)
  const byMedian = [...periods].sort((a, b) => a.p50Ms - b.p50Ms)
  const answered = sum(periods.map(p => p.answered))
  let seen = 0
  const median = byMedian.find(p => (seen += p.answered) >= answered / 2)?.p50Ms ?? NaN
  const processes = lastOfEachProcess(reports)
  return {
    periods: periods.length,
    answered,
    p50Ms: median,
    worstP99Ms: largest(periods.map(p => p.p99Ms)),
    maxMs: largest(periods.map(p => p.maxMs)),
    waited: sum(periods.map(p => p.waited)),
    worstLoopDelayP99Ms: largest(periods.map(p => p.loopDelayP99Ms)),
    wholeRun: {
      processes,
      answered: sum(processes.map(p => p.answered)),
      p99Ms: largest(processes.map(p => p.p99Ms)),
      maxMs: largest(processes.map(p => p.maxMs)),
      loopDelayP99Ms: largest(processes.map(p => p.loopDelayP99Ms)),
      loopDelayMaxMs: largest(processes.map(p => p.loopDelayMaxMs)),
    },
  }
}

/** Each process's since-start figures grow with every report: its last one covers it all. */
function lastOfEachProcess (reports: readonly DispatchReport[]): WholeRunOfProcess[] {
  const last = new Map<number, DispatchFigures>()
  for (const r of reports) last.set(r.process, r.stats.sinceStart)
  return [...last].sort(([a], [b]) => a - b).map(([process, f]) => ({ ...f, process }))
}

function sum (values: readonly number[]): number { return values.reduce((total, v) => total + v, 0) }
function largest (values: readonly number[]): number { return values.length > 0 ? Math.max(...values) : NaN }
