import v8 from 'node:v8'

// How far V8 lets the heap grow past what is live before a full collection
// (`--heap-growing-percent`: the limit is live × (1 + percent / 100)). V8
// reads the flag each time it sets the limit, after a collection, so setting
// it at start-up is enough. Every Buffer that carried bytes (socket reads,
// noise frames, yamux chunks) counts towards that limit until collected: the
// two processes want opposite things.

/**
 * The coordinator collects garbage sooner than V8 would by default: on a
 * machine with plenty of memory V8 lets the heap grow several times past
 * what is live, and every Buffer a dead message held (noise frames, yamux
 * chunks, manifests being written) stays allocated until then. Measured
 * with 200 simulated nodes and 20 000 frames (bench soak, and 150 s of 4 jobs
 * of 5000 frames): peak RSS 310–320 MB by default, 200–220 MB with the heap
 * allowed to grow by 20–50 % between collections, at no CPU cost we could
 * tell from the noise.
 */
const COORDINATOR_HEAP_GROWING_PERCENT = 30

/**
 * A node moves content (pieces it fetches and serves, frames it sends) with
 * a small live heap (~22 MB), and V8 sets its limit so close above it that
 * the bytes streaming through start a full collection every ~50 ms: ~20 a
 * 200 MB fetch on loopback, which then took 0.9–1.4 s at 0.9–1.2 s of CPU.
 * Growing to 3× what is live: 2–3 collections a fetch, 0.6–0.8 s at 0.45–0.65
 * s of CPU, and the same peak RSS (~400 MB in the bench's fetching process
 * with either). bench/lib/distribution-loopback.ts measures it.
 */
const NODE_HEAP_GROWING_PERCENT = 200

function heapFlag (percent: number): string {
  return `--heap-growing-percent=${percent}`
}

/** The node's, as a command line flag (the bench gives it to processes that are not MicroFarm's). */
export const NODE_HEAP_FLAG = heapFlag(NODE_HEAP_GROWING_PERCENT)

function growHeapBy (percent: number): void {
  v8.setFlagsFromString(heapFlag(percent))
}

export function leaveHeapRoomForTransfers (): void {
  growHeapBy(NODE_HEAP_GROWING_PERCENT)
}

/**
 * The coordinator's heap: small while it schedules, with a node's room while
 * it sends pieces to nodes (one pieces stream lasts a node's whole fetch, so
 * this changes per fetch, not per piece). With its small heap the
 * coordinator's process needed 0.8–1.0 s of CPU to send 200 MB on loopback
 * (full collections again) and was what the fetching node waited for; with
 * the room, 0.4–0.6 s. `setPercent` is V8's flag, or a test's record.
 */
export class CoordinatorHeap {
  private sending = 0

  constructor (private readonly setPercent: (percent: number) => void = growHeapBy) {
    setPercent(COORDINATOR_HEAP_GROWING_PERCENT)
  }

  opened (): void {
    if (this.sending++ === 0) this.setPercent(NODE_HEAP_GROWING_PERCENT)
  }

  closed (): void {
    if (this.sending === 0) throw new Error('CoordinatorHeap: a pieces stream closed that never opened')
    if (--this.sending === 0) this.setPercent(COORDINATOR_HEAP_GROWING_PERCENT)
  }
}
