/** The lowest bucket edge: below a microsecond, a dispatch time says nothing more. */
const LOWEST_MS = 0.001
/** Buckets an octave: each is 2^(1/32) ≈ 2.2 % wide, the most a quantile is overstated. */
const PER_OCTAVE = 32
/** 1 µs · 2^27 ≈ 134 s: anything slower is counted above and read as the maximum. */
const OCTAVES = 27
/** One bucket below the lowest edge, PER_OCTAVE × OCTAVES between, one above. */
const BUCKETS = PER_OCTAVE * OCTAVES + 2

export class LatencyRangeError extends RangeError {
  override name = 'LatencyRangeError'
}

/**
 * Durations in milliseconds counted in fixed, log-spaced buckets, so a
 * coordinator that runs for months keeps every dispatch time it measured in
 * a few kilobytes. A quantile is the upper edge of its bucket (never above
 * the largest duration seen): it may overstate by one bucket's width, never
 * understate, so a p99 read from it does not flatter the goal it is held to.
 */
export class LatencyHistogram {
  // Float64: exact counts up to 2^53, where 32-bit counters would wrap after months.
  private readonly counts = new Float64Array(BUCKETS)
  private total = 0
  private largest = 0

  record (ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new LatencyRangeError(`a duration to count must be a finite number of milliseconds ≥ 0, not ${ms}: measure it with performance.now() differences`)
    const bucket = bucketOf(ms)
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1
    this.total++
    if (ms > this.largest) this.largest = ms
  }

  get count (): number { return this.total }
  get max (): number { return this.largest }

  /** The q-quantile (0 ≤ q ≤ 1) of the durations counted, the sample of rank floor(q·n) as DispatchTiming's periods take it; 0 when none. */
  quantile (q: number): number {
    if (this.total === 0) return 0
    const rank = Math.min(this.total - 1, Math.floor(q * this.total))
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0
      if (seen > rank) return i === BUCKETS - 1 ? this.largest : Math.min(upperEdge(i), this.largest)
    }
    return this.largest
  }
}

function bucketOf (ms: number): number {
  if (ms < LOWEST_MS) return 0
  return Math.min(BUCKETS - 1, 1 + Math.floor(Math.log2(ms / LOWEST_MS) * PER_OCTAVE))
}

function upperEdge (bucket: number): number {
  return LOWEST_MS * 2 ** (bucket / PER_OCTAVE)
}
