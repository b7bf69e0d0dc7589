import type { JobView } from '../jobs/job.js'
import { frameMap, mapRows, URGENCY } from './frame-map.js'
import { FRAME_COLORS } from './glyphs.js'
import type { Glyphs } from './glyphs.js'
import { percent } from './format.js'
import type { JobFacts } from './survey.js'
import type { Line } from './styled.js'
import { frameNumbers } from '../jobs/job.js'
import { describeRequirements } from '../jobs/blender-rules.js'

export interface DetailInputs {
  job: JobView
  facts: JobFacts
  /** The last frame failure the log saw for this job, if any. */
  lastFrameError?: string
  width: number
  mapRows: number
  glyphs: Glyphs
  /** Why no node online may render it (blender-rules.ts), when none may. */
  waitingFor?: string
  /** Whether a frame handed to a node is in Blender (or uploading) rather than waiting there; absent: all are. */
  inBlender?: (frame: number) => boolean
}

export interface Detail {
  title: string
  /** mapRows lines of cells, then the legend, the video and the last error. */
  lines: Line[]
}

/** The selected job: a frame map scaled to fit, its legend, the video, the last error. */
export function jobDetail (o: DetailInputs): Detail {
  const { job, facts, glyphs } = o
  // Integer keys iterate in ascending order: these are the states in frame order.
  // A frame waiting on a node (its next task) still has to be rendered: drawn as such.
  const inBlender = o.inBlender
  // Object.values and the sorted numbers line up (integer keys ascend); no string keys per frame.
  const numbers = frameNumbers(job)
  const states = Object.values(job.frames).map((record, i) =>
    record.state === 'rendering' && inBlender !== undefined && !inBlender(numbers[i] as number) ? 'pending' : record.state)
  const cell = (state: typeof states[number]): Line[number] => ({ text: glyphs.frame[state], fg: FRAME_COLORS[state] })
  const still = job.tiles
  // A tiled still's tiles are drawn where they lie in the image, each two cells wide (a cell is about half as wide as tall), when the grid fits.
  const asGrid = still !== undefined && still.rows <= o.mapRows && still.columns * 2 <= o.width
  const map = frameMap(states, o.width * o.mapRows)
  const rows: Line[] = asGrid
    ? Array.from({ length: still.rows }, (_, row) => runs(states.slice(row * still.columns, (row + 1) * still.columns).flatMap(state => [cell(state), cell(state)])))
    : mapRows(map.cells, o.width).map(cells => runs(cells.map(cell)))
  if (facts.total === 0) rows.push(noFrames(job))
  while (rows.length < o.mapRows) rows.push([])
  // In order of urgency: a cell of several frames shows the first of these it holds.
  const unit = still !== undefined ? 'tile' : 'frame'
  const scale = asGrid ? 'tiles as they lie in the image' : map.framesPerCell === 1 ? `1 ${unit} a cell` : `${map.framesPerCell} ${unit}s a cell, most urgent shown`
  const legend: Line = [
    ...URGENCY.flatMap(state => [{ text: glyphs.frame[state], fg: FRAME_COLORS[state] }, { text: ` ${state}  ` }]),
    { text: scale, fg: 'gray' },
  ]
  const needs = describeRequirements(job)
  const range = facts.total === 0 ? 'not read yet' : `${job.frameSpec ?? `${facts.first}-${facts.last}`} (${facts.total})`
  const work = still !== undefined ? `frame ${still.frame} in ${still.columns}x${still.rows} tiles, overscan ${still.overscan} px` : `frames ${range}  chunk ${job.chunk}`
  return {
    title: `JOB ${job.id}  ${job.name}  ${work}  ${job.format}${needs !== undefined ? `  needs ${needs}` : ''}`,
    lines: [...rows.slice(0, o.mapRows), legend, still !== undefined ? stillLine(still) : videoLine(job), o.waitingFor !== undefined ? [{ text: 'waiting: ', fg: 'yellow' }, { text: o.waitingFor }] : errorLine(job, o.lastFrameError)],
  }
}

/** Neighbouring cells of one colour become one segment: fewer tags to draw. */
function runs (cells: Line): Line {
  const out: Line = []
  for (const cell of cells) {
    const last = out[out.length - 1]
    if (last !== undefined && last.fg === cell.fg) last.text += cell.text
    else out.push({ ...cell })
  }
  return out
}

function noFrames (job: JobView): Line {
  const probe = job.probe
  if (probe === undefined) return [{ text: 'no frames', fg: 'gray' }]
  const what = probe.state === 'running' ? 'a node is reading the scene\'s frame range' : probe.state === 'failed' ? 'the scene could not be read' : 'waiting for a node to read the scene\'s frame range'
  return [{ text: what, fg: probe.state === 'failed' ? 'red' : 'gray' }]
}

function videoLine (job: JobView): Line {
  const encode = job.encode
  const label = { text: 'video: ', fg: 'cyan' as const }
  const path = encode.outputPath !== undefined ? ` → ${encode.outputPath}` : ''
  switch (encode.state) {
    case 'none':
      return [label, { text: encode.settings.enabled ? `${encode.settings.codec}, made when the job completes` : 'none (encoding is off for this job; e encodes now)', fg: 'gray' }]
    case 'waiting':
      return [label, { text: 'waiting for the encoder', fg: 'yellow' }]
    case 'encoding':
      return [label, { text: `encoding ${encode.progress !== undefined ? percent(encode.progress) : ''}${path}`, fg: 'yellow' }]
    case 'done':
      return [label, { text: `done${path}`, fg: 'green' }]
    case 'failed':
      return [label, { text: `failed: ${encode.error ?? 'unknown error'}`, fg: 'red' }]
  }
}

/** Where a tiled still's stitching is. */
function stillLine (still: NonNullable<JobView['tiles']>): Line {
  const label = { text: 'still: ', fg: 'cyan' as const }
  switch (still.stitch) {
    case 'none':
      return [label, { text: 'stitched on the coordinator once every tile is in', fg: 'gray' }]
    case 'waiting':
      return [label, { text: 'stitching', fg: 'yellow' }]
    case 'done':
      return [label, { text: `done${still.outputPath !== undefined ? ` → ${still.outputPath}` : ''}`, fg: 'green' }]
    case 'failed':
      return [label, { text: `stitching failed: ${still.error ?? 'unknown error'}`, fg: 'red' }]
  }
}

function errorLine (job: JobView, lastFrameError: string | undefined): Line {
  const error = job.error ?? lastFrameError
  if (error === undefined) return warningLine(job) ?? [{ text: 'no errors', fg: 'gray' }]
  return [{ text: 'last error: ', fg: 'red' }, { text: error }]
}

/** Files the job was submitted without, or what Blender said about its files on a node. */
function warningLine (job: JobView): Line | undefined {
  const missing = job.missingFiles ?? []
  if (missing.length > 0) {
    return [{ text: 'warning: ', fg: 'yellow' }, { text: `submitted without ${missing.length} missing file(s): ${missing.slice(0, 3).map(m => m.stored).join(', ')}${missing.length > 3 ? ', …' : ''}` }]
  }
  const warning = job.warnings?.[0]
  if (warning === undefined) return undefined
  return [{ text: 'warning: ', fg: 'yellow' }, { text: `Blender on a node: ${warning}${(job.warnings?.length ?? 0) > 1 ? ` (+${(job.warnings?.length ?? 1) - 1} more)` : ''}` }]
}
