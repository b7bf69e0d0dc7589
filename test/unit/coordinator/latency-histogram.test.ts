import test from 'ava'
import { LatencyHistogram, LatencyRangeError } from '../../../src/coordinator/latency-histogram.js'
import { SeededRandom } from '../../helpers/seeded-random.js'

/** One bucket's width: the most a quantile may be above the exact one. */
const WIDTH = 2 ** (1 / 32)

/** The exact quantile as the histogram defines it: the sample of rank floor(q·n). */
function exact (sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
}

test('an empty histogram says 0', (t) => {
  const h = new LatencyHistogram()
  t.is(h.count, 0)
  t.is(h.max, 0)
  t.is(h.quantile(0.99), 0)
})

test('a quantile is never below the exact one and at most one bucket above it', (t) => {
  const random = new SeededRandom(3)
  // Log-uniform from 10 µs to 10 s, plus a cluster at one value: both the spread and the ties of real dispatch times.
  const samples = Array.from({ length: 20_000 }, () => 0.01 * 10 ** (6 * random.next()))
  for (let i = 0; i < 5000; i++) samples.push(0.8)
  const h = new LatencyHistogram()
  for (const ms of samples) h.record(ms)
  const sorted = [...samples].sort((a, b) => a - b)
  for (const q of [0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1]) {
    const want = exact(sorted, q)
    const got = h.quantile(q)
    t.true(got >= want * (1 - 1e-12) && got <= want * WIDTH, `q ${q}: ${got} for ${want}`)
  }
  t.is(h.count, samples.length)
  t.is(h.max, sorted[sorted.length - 1] ?? NaN)
})

test('a quantile is not above the largest duration seen', (t) => {
  const h = new LatencyHistogram()
  for (let ms = 1; ms <= 100; ms++) h.record(ms)
  t.is(h.quantile(0.99), 100)
  t.is(h.quantile(1), 100)
  t.true(h.quantile(0.5) >= 51 && h.quantile(0.5) <= 51 * WIDTH)
})

test('durations past either end are counted: below a microsecond as one, beyond the top as the maximum', (t) => {
  const h = new LatencyHistogram()
  h.record(0)
  h.record(0.0001)
  h.record(500_000)
  h.record(900_000)
  t.is(h.count, 4)
  t.is(h.quantile(0), 0.001, 'below the lowest edge: read as that edge')
  t.is(h.quantile(0.75), 900_000, 'above the highest edge: read as the maximum')
})

test('memory does not grow with the samples: a million take the same buckets as one', (t) => {
  const h = new LatencyHistogram()
  for (let i = 0; i < 1_000_000; i++) h.record(5)
  t.is(h.count, 1_000_000)
  t.is(h.quantile(0.99), 5)
  const fields = Object.values(h).filter((v): v is Float64Array => v instanceof Float64Array)
  t.is(fields.length, 1)
  t.is(fields[0]?.length, 32 * 27 + 2)
})

test('a duration that is not a number of milliseconds ≥ 0 is refused, not counted', (t) => {
  const h = new LatencyHistogram()
  for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
    const err = t.throws(() => h.record(bad), { instanceOf: LatencyRangeError })
    t.is(err?.name, 'LatencyRangeError')
  }
  t.is(h.count, 0)
})
