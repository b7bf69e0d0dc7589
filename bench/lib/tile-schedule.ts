// What N nodes would take for a still's tiles, from the times one node took
// for each: the farm hands tiles out in order to whichever node asks first,
// so each tile goes to the node that is free soonest. Pure.

/** The time the last of `durations` (in hand-out order) ends on `nodes` equal nodes pulling them. */
export function pulledMakespan (durations: readonly number[], nodes: number): number {
  if (!Number.isInteger(nodes) || nodes < 1) throw new RangeError(`nodes: ${nodes}`)
  const freeAt = new Array<number>(nodes).fill(0)
  for (const duration of durations) {
    let soonest = 0
    for (let i = 1; i < nodes; i++) if ((freeAt[i] as number) < (freeAt[soonest] as number)) soonest = i
    freeAt[soonest] = (freeAt[soonest] as number) + duration
  }
  return Math.max(...freeAt)
}

/** Milliseconds of the day of a log line's `HH:MM:SS.mmm` stamp. */
function stampMs (stamp: string): number {
  const [h, m, s] = stamp.split(':').map(Number)
  return (((h ?? 0) * 60 + (m ?? 0)) * 60 + (s ?? 0)) * 1000
}

/** When each tile of `jobId` was done, as the coordinator's log says (ms of the day, in log order). */
export function tileDoneTimes (log: string, jobId: string): number[] {
  const pattern = new RegExp(`^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) job ${jobId}: tile \\d+ of frame \\d+ done by`, 'gm')
  return [...log.matchAll(pattern)].map(match => stampMs(match[1] as string))
}
