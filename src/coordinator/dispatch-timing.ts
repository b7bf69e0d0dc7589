import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { IntervalHistogram } from 'node:perf_hooks'
import { LatencyHistogram } from './latency-histogram.js'

/** What the coordinator's dispatch timing says of a stretch of time (see DispatchTiming). */
export interface DispatchFigures {
  /** How long the figures cover. */
  periodMs: number
  /** Requests answered as they were read: there was work for the node. */
  answered: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Requests answered later, when work came (a frame freed, a job submitted): waiting for work is not dispatch time. */
  waited: number
  /** How late the coordinator's event loop ran its timers: what a message waits before it is read at all. */
  loopDelayP99Ms: number
  loopDelayMaxMs: number
}

/** One report: the period since the last, and everything since the coordinator started. */
export interface DispatchStats {
  period: DispatchFigures
  /** From a histogram (latency-histogram.ts): its quantiles are bucket edges, up to 2.2 % above the true ones. */
  sinceStart: DispatchFigures
}

/** Samples kept per report: a minute of 1000 requests a second; beyond that the report says so by its count. */
const MAX_SAMPLES = 60_000

const NS_PER_MS = 1e6

/**
 * The coordinator's own dispatch latency: from a node's request-work being
 * read to the assign that answers it being written to the connection. The
 * nodes see more than this (the network, their own event loops, the time a
 * message waits in the coordinator's buffers, which the event-loop delay
 * stands for), so both are reported: an operator reads where time goes.
 * A period's figures are exact (its samples sorted); since start they come
 * from a fixed-bucket histogram, so memory stays bounded however long the
 * coordinator runs, and the worst period no longer stands in for the whole.
 */
export class DispatchTiming {
  private samples: number[] = []
  private answeredCount = 0
  private waited = 0
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 })
  private since = performance.now()
  private readonly whole = new LatencyHistogram()
  private wholeWaited = 0
  // A second monitor, never reset: the periods' loop delays cannot be merged into a whole-run p99.
  private readonly wholeLoop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 })
  private startedAt = performance.now()

  start (): void {
    this.startedAt = performance.now()
    this.loop.enable()
    this.wholeLoop.enable()
  }

  stop (): void {
    this.loop.disable()
    this.wholeLoop.disable()
  }

  answered (ms: number): void {
    this.answeredCount++
    if (this.samples.length < MAX_SAMPLES) this.samples.push(ms)
    this.whole.record(ms)
  }

  waitedForWork (): void {
    this.waited++
    this.wholeWaited++
  }

  /** The stats since the last report, and a new period; undefined when no request came. */
  take (): DispatchStats | undefined {
    const periodMs = performance.now() - this.since
    this.since = performance.now()
    if (this.answeredCount === 0 && this.waited === 0) {
      this.loop.reset()
      return undefined
    }
    const sorted = this.samples.sort((a, b) => a - b)
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
    const period: DispatchFigures = {
      periodMs,
      answered: this.answeredCount,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: sorted[sorted.length - 1] ?? 0,
      waited: this.waited,
      ...loopDelay(this.loop),
    }
    this.samples = []
    this.answeredCount = 0
    this.waited = 0
    this.loop.reset()
    return { period, sinceStart: this.sinceStart() }
  }

  private sinceStart (): DispatchFigures {
    return {
      periodMs: performance.now() - this.startedAt,
      answered: this.whole.count,
      p50Ms: this.whole.quantile(0.5),
      p99Ms: this.whole.quantile(0.99),
      maxMs: this.whole.max,
      waited: this.wholeWaited,
      ...loopDelay(this.wholeLoop),
    }
  }
}

/** A monitor with no sample yet (not one resolution run) says 0, not the few hundred ns Node gives an empty histogram's percentiles. */
function loopDelay (h: IntervalHistogram): Pick<DispatchFigures, 'loopDelayP99Ms' | 'loopDelayMaxMs'> {
  if (h.count === 0) return { loopDelayP99Ms: 0, loopDelayMaxMs: 0 }
  return { loopDelayP99Ms: h.percentile(99) / NS_PER_MS, loopDelayMaxMs: h.max / NS_PER_MS }
}

/**
 * One node session's standing request, timed: read, then answered at once
 * (while it is handled) or later, when work came. A request read while one
 * stands replaces it, as the farm does (one request stands per node).
 */
export class RequestClock {
  private requestedAt?: number
  private handling = false

  constructor (private readonly timing: DispatchTiming) {}

  /** Runs `handle` for a request-work just read. */
  requested (handle: () => void): void {
    this.requestedAt = performance.now()
    this.handling = true
    try {
      handle()
    } finally {
      this.handling = false
    }
  }

  /** An assign goes out; returns what to call once it is written (undefined: nothing to time). */
  assigning (): (() => void) | undefined {
    const at = this.requestedAt
    if (at === undefined) return undefined
    this.requestedAt = undefined
    if (!this.handling) {
      this.timing.waitedForWork()
      return undefined
    }
    return () => { this.timing.answered(performance.now() - at) }
  }
}
