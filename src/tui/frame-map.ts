import type { FrameState } from '../jobs/job.js'

/**
 * When a job has more frames than the map has cells, each cell stands for
 * several consecutive frames and shows the most urgent of them: a failed frame
 * anywhere in it shows, then one rendering, then one still to render; a cell
 * is "done" only when all its frames are.
 */
export const URGENCY: readonly FrameState[] = ['failed', 'rendering', 'pending', 'done']

export interface FrameMap {
  framesPerCell: number
  cells: FrameState[]
}

/** One cell per frame (in frame order) while they fit in `maxCells`, else groups of frames per cell. */
export function frameMap (states: readonly FrameState[], maxCells: number): FrameMap {
  const framesPerCell = Math.max(1, Math.ceil(states.length / Math.max(1, maxCells)))
  const cells: FrameState[] = []
  for (let start = 0; start < states.length; start += framesPerCell) {
    cells.push(mostUrgent(states, start, Math.min(states.length, start + framesPerCell)))
  }
  return { framesPerCell, cells }
}

/** Each state's place in URGENCY, looked up once per frame on every redraw. */
const RANK = Object.fromEntries(URGENCY.map((state, rank) => [state, rank])) as Record<FrameState, number>

function mostUrgent (states: readonly FrameState[], from: number, to: number): FrameState {
  let best = URGENCY.length - 1
  for (let i = from; i < to && best > 0; i++) {
    best = Math.min(best, RANK[states[i] as FrameState])
  }
  return URGENCY[best] as FrameState
}

/** Splits the cells into rows of `width`. */
export function mapRows (cells: readonly FrameState[], width: number): FrameState[][] {
  const rows: FrameState[][] = []
  for (let i = 0; i < cells.length; i += Math.max(1, width)) rows.push(cells.slice(i, i + Math.max(1, width)))
  return rows
}
