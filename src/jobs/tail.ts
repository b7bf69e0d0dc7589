// The end of a job on nodes of different speeds. A slow node that takes one of
// the last frames sets the job's end: a faster node, done with what it holds,
// would have finished that frame sooner. So near the end a node asking for
// work (idle, or asking ahead while it renders) is told to wait when the other
// nodes are expected to render every pending frame before it could finish one.
// Its request stays open; the next event (a frame delivered, a node leaving)
// or the coordinator's periodic check asks again with fresher numbers.

/** What the coordinator expects of one node, from the frames it delivered. */
export interface NodeOutlook {
  /** Average ms a frame; undefined until it delivered one. */
  frameMs: number | undefined
  /** When it should be through the frames it holds (ms); undefined when unknown or overdue. */
  freeAt: number | undefined
}

/** True when `requester` should leave the `pending` frames to the `others`. */
export function leaveToFasterNodes (requester: NodeOutlook, others: readonly NodeOutlook[], pending: number, now: number): boolean {
  if (pending <= 0 || requester.frameMs === undefined || requester.freeAt === undefined) return false
  const finish = Math.max(now, requester.freeAt) + requester.frameMs
  let taken = 0
  for (const node of others) {
    if (node.frameMs === undefined || node.freeAt === undefined) continue
    // Frames it finishes strictly sooner: on a tie nobody waits, or two equal nodes would wait for each other.
    taken += Math.max(0, Math.ceil((finish - Math.max(now, node.freeAt)) / node.frameMs) - 1)
    if (taken >= pending) return true
  }
  return false
}

/**
 * When a node holding `held` frames should be free: it started the first of
 * them at `startedAt`. A node more than one frame late is not counted on
 * (undefined): it may be stuck, and waiting for it would stall the job.
 */
export function freeAt (startedAt: number, held: number, frameMs: number | undefined, now: number): number | undefined {
  if (frameMs === undefined) return undefined
  if (held === 0) return now
  const free = startedAt + held * frameMs
  return free < now - frameMs ? undefined : free
}
