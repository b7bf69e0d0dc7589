import test from 'ava'
import { RenderScheduler } from '../../../src/tui/render-scheduler.js'
import type { Timers } from '../../../src/tui/render-scheduler.js'

/** A clock and timers that only move when told. */
function fakeTimers (): Timers & { advance: (ms: number) => void } {
  let now = 0
  let timers: Array<{ at: number, fn: () => void }> = []
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const timer = { at: now + ms, fn }
      timers.push(timer)
      return timer
    },
    clearTimeout: (handle) => { timers = timers.filter(timer => timer !== handle) },
    advance: (ms) => {
      const end = now + ms
      for (let next = timers.sort((a, b) => a.at - b.at)[0]; next !== undefined && next.at <= end; next = timers.sort((a, b) => a.at - b.at)[0]) {
        timers = timers.filter(timer => timer !== next)
        now = next.at
        next.fn()
      }
      now = end
    },
  }
}

test('a burst of requests draws once; requests during the interval draw once after it', (t) => {
  const timers = fakeTimers()
  let draws = 0
  const scheduler = new RenderScheduler(() => { draws++ }, 100, timers)
  for (let i = 0; i < 5000; i++) scheduler.request()
  timers.advance(0)
  t.is(draws, 1, 'the first draw comes at once')
  for (let ms = 0; ms < 1000; ms++) {
    scheduler.request()
    timers.advance(1)
  }
  t.true(draws >= 10 && draws <= 11, `${draws} draws in 1 s of continuous requests`)
})

test('nothing is drawn without a request, nor after stop', (t) => {
  const timers = fakeTimers()
  let draws = 0
  const scheduler = new RenderScheduler(() => { draws++ }, 100, timers)
  timers.advance(1000)
  t.is(draws, 0)
  scheduler.request()
  scheduler.stop()
  timers.advance(1000)
  scheduler.request()
  timers.advance(1000)
  t.is(draws, 0)
})
