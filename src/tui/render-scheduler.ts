export interface Timers {
  now: () => number
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

const REAL_TIMERS: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/**
 * Coalesces redraw requests: however many arrive, `draw` runs at most once per
 * `intervalMs`, and as soon as that allows (a key press after a quiet moment
 * shows at once). Events only mark the view dirty; this timer draws.
 */
export class RenderScheduler {
  private timer: unknown
  private last = -Infinity
  private stopped = false

  constructor (private readonly draw: () => void, private readonly intervalMs = 100, private readonly timers: Timers = REAL_TIMERS) {}

  request (): void {
    if (this.timer !== undefined || this.stopped) return
    const delay = Math.max(0, this.last + this.intervalMs - this.timers.now())
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined
      this.last = this.timers.now()
      this.draw()
    }, delay)
  }

  stop (): void {
    this.stopped = true
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer)
    this.timer = undefined
  }
}
