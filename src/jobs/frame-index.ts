import type { FrameRecordView, FrameState, Job, JobView } from './job.js'

// What dispatch asks of a job on every work request, kept up to date as its
// frames change instead of counted anew: a request that walked every frame of
// every job cost 200 ms with 300 000 frames queued, and a burst of them froze
// the coordinator (issue 11). Every change of a frame record goes through
// frame-record.ts, which takes the record's share out of the index before it
// changes and puts it back after (see `change` there); the index is built
// from the records once, when a job is first asked about.

export class FrameIndex {
  /** The job's frame numbers in ascending order. */
  readonly order: readonly number[]
  readonly counts: Record<FrameState, number> = { pending: 0, rendering: 0, done: 0, failed: 0 }
  /** Pending frames that failed somewhere before: not for every node (see chunkFor). */
  pendingRetried = 0
  /** Frames in state rendering. */
  readonly rendering = new Set<number>()
  /** Node id → the frames it renders (as the original or as a backup copy). */
  readonly held = new Map<string, Set<number>>()
  /** Node name → how many frames failed on it (for the blocklist). */
  readonly failedOn = new Map<string, number>()
  /** Node name → frames done by it. */
  readonly doneBy = new Map<string, number>()
  /**
   * Positions (in `order`) of pending frames, smallest first: a binary heap
   * with lazy deletion. A position is in it at most once (`queued`); one that
   * is no longer pending when it comes to the top is dropped then.
   */
  private readonly heap: number[] = []
  private readonly queued: Uint8Array

  constructor (job: JobView) {
    this.order = Object.keys(job.frames).map(Number).sort((a, b) => a - b)
    this.queued = new Uint8Array(this.order.length)
    for (const frame of this.order) this.add(frame, job.frames[frame] as FrameRecordView)
  }

  get total (): number { return this.order.length }

  /** Counts the record's share in: its state, its holders, its failures. */
  add (frame: number, record: FrameRecordView): void {
    this.counts[record.state]++
    if (record.state === 'pending') {
      if (record.failedOn.length > 0) this.pendingRetried++
      this.enqueue(frame)
    } else if (record.state === 'rendering') {
      this.rendering.add(frame)
    } else if (record.state === 'done' && record.node !== undefined) {
      bump(this.doneBy, record.node, 1)
    }
    for (const id of holders(record)) {
      let frames = this.held.get(id)
      if (frames === undefined) this.held.set(id, frames = new Set())
      frames.add(frame)
    }
    for (const name of record.failedOn) bump(this.failedOn, name, 1)
  }

  /** Takes the record's share out again (before it changes). */
  remove (frame: number, record: FrameRecordView): void {
    this.counts[record.state]--
    if (record.state === 'pending') {
      if (record.failedOn.length > 0) this.pendingRetried--
      // Its heap entry stays until it reaches the top (lazy deletion).
    } else if (record.state === 'rendering') {
      this.rendering.delete(frame)
    } else if (record.state === 'done' && record.node !== undefined) {
      bump(this.doneBy, record.node, -1)
    }
    for (const id of holders(record)) {
      const frames = this.held.get(id)
      frames?.delete(frame)
      if (frames?.size === 0) this.held.delete(id)
    }
    for (const name of record.failedOn) bump(this.failedOn, name, -1)
  }

  /**
   * Pending frames in ascending order, for as long as `take` wants more
   * (returns false to stop). Each frame `take` does not accept stays queued.
   * Costs O((taken + skipped) log n), never a walk over the job.
   */
  eachPending (job: Job, take: (frame: number) => boolean | 'skip'): void {
    const skipped: number[] = []
    try {
      while (this.heap.length > 0) {
        const position = this.heap[0] as number
        const frame = this.order[position] as number
        if (job.frames[frame]?.state !== 'pending') {
          this.pop()
          continue
        }
        const answer = take(frame)
        if (answer === false) return
        this.pop()
        // An accepted frame leaves the pending state (assignFrame) right after.
        if (answer === 'skip') skipped.push(frame)
      }
    } finally {
      for (const frame of skipped) this.enqueue(frame)
    }
  }

  /** Whether the frame waits in the queue of pending frames. */
  isQueued (frame: number): boolean {
    const position = this.positionOf(frame)
    return position !== undefined && this.queued[position] === 1
  }

  private enqueue (frame: number): void {
    const position = this.positionOf(frame)
    if (position === undefined || this.queued[position] === 1) return
    this.queued[position] = 1
    const heap = this.heap
    heap.push(position)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((heap[parent] as number) <= position) break
      heap[i] = heap[parent] as number
      i = parent
    }
    heap[i] = position
  }

  private pop (): void {
    const heap = this.heap
    const top = heap[0] as number
    this.queued[top] = 0
    const last = heap.pop() as number
    if (heap.length === 0) return
    let i = 0
    while (true) {
      const left = 2 * i + 1
      if (left >= heap.length) break
      const right = left + 1
      const child = right < heap.length && (heap[right] as number) < (heap[left] as number) ? right : left
      if ((heap[child] as number) >= last) break
      heap[i] = heap[child] as number
      i = child
    }
    heap[i] = last
  }

  private positionOf (frame: number): number | undefined {
    let low = 0
    let high = this.order.length - 1
    while (low <= high) {
      const mid = (low + high) >> 1
      const value = this.order[mid] as number
      if (value === frame) return mid
      if (value < frame) low = mid + 1
      else high = mid - 1
    }
    return undefined
  }
}

function holders (record: FrameRecordView): string[] {
  const ids: string[] = []
  if (record.nodeId !== undefined) ids.push(record.nodeId)
  if (record.backupNodeId !== undefined && record.backupNodeId !== record.nodeId) ids.push(record.backupNodeId)
  return ids
}

function bump (map: Map<string, number>, key: string, by: number): void {
  const value = (map.get(key) ?? 0) + by
  if (value === 0) map.delete(key)
  else map.set(key, value)
}

const indexes = new WeakMap<JobView['frames'], FrameIndex>()

/** The job's index, built from its records on first use. */
export function frameIndex (job: JobView): FrameIndex {
  let index = indexes.get(job.frames)
  if (index === undefined) {
    index = new FrameIndex(job)
    indexes.set(job.frames, index)
  }
  return index
}

/** Frames were added to the job (create-job.ts): the next frameIndex builds anew. */
export function framesAdded (job: Job): void {
  indexes.delete(job.frames)
}

/** How the kept index differs from one built from the records now; the tests check this after every step. */
export function indexViolations (job: JobView): string[] {
  const kept = frameIndex(job)
  const fresh = new FrameIndex(job)
  const problems: string[] = []
  const same = (what: string, a: unknown, b: unknown): void => {
    if (JSON.stringify(a) !== JSON.stringify(b)) problems.push(`index ${what}: kept ${JSON.stringify(a)}, records say ${JSON.stringify(b)}`)
  }
  same('counts', kept.counts, fresh.counts)
  same('pendingRetried', kept.pendingRetried, fresh.pendingRetried)
  same('rendering', [...kept.rendering].sort((a, b) => a - b), [...fresh.rendering].sort((a, b) => a - b))
  const sorted = (map: Map<string, Set<number>>): Array<[string, number[]]> =>
    [...map].map(([id, set]): [string, number[]] => [id, [...set].sort((a, b) => a - b)]).sort((a, b) => a[0].localeCompare(b[0]))
  same('held', sorted(kept.held), sorted(fresh.held))
  const entries = (map: Map<string, number>): Array<[string, number]> => [...map].sort((a, b) => a[0].localeCompare(b[0]))
  same('failedOn', entries(kept.failedOn), entries(fresh.failedOn))
  same('doneBy', entries(kept.doneBy), entries(fresh.doneBy))
  const missing: number[] = []
  for (const frame of fresh.order) {
    if (job.frames[frame]?.state === 'pending' && !kept.isQueued(frame)) missing.push(frame)
  }
  if (missing.length > 0) problems.push(`index: pending frames not queued: ${missing.slice(0, 10).join(',')}`)
  return problems
}
