import type { FrameState, JobView, JobState } from '../jobs/job.js'
import { formatDuration, percent } from './format.js'
import type { Glyphs } from './glyphs.js'
import { etaSeconds } from './survey.js'
import type { JobFacts } from './survey.js'
import type { Color, Line } from './styled.js'
import { sizeColumns, tableHeader, tableRow } from './table.js'
import type { Column } from './table.js'

export interface JobRow {
  id: string
  name: string
  state: JobState
  done: number
  total: number
  failed: number
  priority: number
  counts: Record<FrameState, number>
  /** Seconds left; undefined = unknown, '' shown for finished jobs. */
  eta?: number
}

export const JOB_STATE_COLORS: Record<JobState, Color> = {
  queued: 'white',
  active: 'yellow',
  paused: 'magenta',
  completed: 'green',
  cancelled: 'gray',
  failed: 'red',
}

/** Measured seconds per frame for a job; `workers`: nodes on it now, or those that may take it when it is between frames. */
export function jobRow (job: JobView, facts: JobFacts, secondsPerFrame: number | undefined, eligibleNodes: number): JobRow {
  const remaining = facts.counts.pending + facts.counts.rendering
  const workers = facts.workers.size > 0 ? facts.workers.size : job.state === 'active' ? eligibleNodes : 0
  const eta = job.state === 'active' || job.state === 'queued'
    ? etaSeconds({ remaining, workers, ...(secondsPerFrame !== undefined ? { secondsPerFrame } : {}) })
    : undefined
  return {
    id: job.id,
    name: job.name,
    state: job.state,
    done: facts.counts.done,
    total: facts.total,
    failed: facts.counts.failed,
    priority: job.priority,
    counts: facts.counts,
    ...(eta !== undefined ? { eta } : {}),
  }
}

/** A bar of `width` cells: done in green, failed in red, the rest empty; then the percentage done. */
export function progressBar (counts: Record<FrameState, number>, total: number, width: number, glyphs: Glyphs): Line {
  const cells = Math.max(0, width - 5)
  const done = total === 0 ? 0 : Math.floor(cells * counts.done / total)
  const failed = total === 0 ? 0 : Math.min(cells - done, Math.ceil(cells * counts.failed / total))
  return [
    { text: glyphs.barFull.repeat(done), fg: 'green' },
    { text: glyphs.barFailed.repeat(failed), fg: 'red' },
    { text: glyphs.barEmpty.repeat(cells - done - failed), fg: 'gray' },
    { text: (total === 0 ? '—' : percent(counts.done / total)).padStart(5) },
  ]
}

const COLUMNS: Column[] = [
  { title: ' JOB', width: 5 },
  { title: 'NAME', width: 10, flex: 2 },
  { title: 'STATE', width: 9 },
  { title: 'PROGRESS', width: 15, flex: 1 },
  { title: 'DONE', width: 11, align: 'right' },
  { title: 'FAIL', width: 4, align: 'right' },
  { title: 'PRI', width: 3, align: 'right' },
  { title: 'ETA', width: 7, align: 'right' },
]

/** The rows as lines; the selected one is marked with `>` (the view highlights it too). */
export function jobsTable (rows: readonly JobRow[], width: number, glyphs: Glyphs, selectedId?: string): { header: Line, lines: Line[] } {
  const widths = sizeColumns(COLUMNS, width)
  const lines = rows.map(row => tableRow([
    `${row.id === selectedId ? '>' : ' '}${row.id}`,
    row.name,
    { text: row.state, fg: JOB_STATE_COLORS[row.state] },
    progressBar(row.counts, row.total, widths[3] ?? 15, glyphs),
    row.total === 0 ? 'scene?' : `${row.done}/${row.total}`,
    row.failed > 0 ? { text: String(row.failed), fg: 'red' } : '0',
    String(row.priority),
    row.state === 'active' || row.state === 'queued' ? (row.eta !== undefined ? formatDuration(row.eta) : '—') : '',
  ], COLUMNS, widths))
  return { header: tableHeader(COLUMNS, widths), lines }
}
