import type { NodeSnapshot } from '../coordinator/node-registry.js'
import type { FramePhase } from '../coordinator/frame-phases.js'
import type { JobView } from '../jobs/job.js'
import { refusal, whyNobodyMayRender } from '../jobs/blender-rules.js'
import { isSchedulable } from '../jobs/scheduler.js'
import { header, footer, statusLine } from './chrome.js'
import { jobDetail } from './detail-panel.js'
import type { FarmModel } from './farm-model.js'
import type { Glyphs } from './glyphs.js'
import { jobRow, jobsTable } from './jobs-panel.js'
import { DETAIL_INFO_LINES, layout } from './layout.js'
import { logWindow } from './log-panel.js'
import { nodeRows, nodesTable } from './nodes-panel.js'
import { overlayView } from './overlay-view.js'
import type { OverlayView } from './overlay-view.js'
import { besidePreview, MIN_PREVIEW_ROWS, previewBox, previewPlace } from './preview-panel.js'
import type { FramePreview, PreviewBox } from './preview-panel.js'
import { fitLine, restyle } from './styled.js'
import type { Line } from './styled.js'
import { survey } from './survey.js'
import type { Survey } from './survey.js'
import type { PanelName, UiState } from './ui-state.js'

export interface ViewInput {
  width: number
  height: number
  now: number
  /** In id order. */
  jobs: readonly JobView[]
  sessions: readonly NodeSnapshot[]
  /** What nodes say of the frames they hold (in Blender, uploading); absent: every frame handed out counts as rendering. */
  framePhase?: (job: JobView, frame: number) => FramePhase | undefined
  model: FarmModel
  ui: UiState
  glyphs: Glyphs
  /** The selected job's frame, as the preview service has it (absent: no preview). */
  preview?: FramePreview
  /** The terminal's number of colours (default 256). */
  colors?: number
}

export interface View {
  /** Exactly `height` lines of exactly `width` columns. */
  lines: Line[]
  overlay?: OverlayView
  /** The scroll positions used, clamped and following the selection: the controller keeps them. */
  scroll: Record<PanelName, number>
  selectedJobId?: string
  /** The nodes panel's rows (names, in order) and the one the node keys act on. */
  nodeNames?: string[]
  selectedNode?: string
}

/** The job the user picked, or, until they do, the most interesting one: active, then waiting, then the newest. */
export function pickJob (jobs: readonly JobView[], selectedId: string | undefined): JobView | undefined {
  return jobs.find(job => job.id === selectedId) ??
    jobs.find(job => job.state === 'active') ??
    jobs.find(job => job.state === 'queued' || job.state === 'paused') ??
    jobs[jobs.length - 1]
}

/** Keeps row `index` inside a window of `rows` rows that starts at `scroll`. */
export function keepVisible (index: number, scroll: number, rows: number, count: number): number {
  let start = Math.min(scroll, Math.max(0, count - rows))
  if (index >= 0 && index < start) start = index
  if (index >= start + rows) start = index - rows + 1
  return Math.max(0, start)
}

/** Farm state + UI state → every line on screen. Pure: the blessed layer only paints the result. */
export function buildView (input: ViewInput): View {
  const { width, height, jobs, ui } = input
  const facts = survey(jobs)
  const nodes = nodeRows({ records: input.model.nodes, sessions: input.sessions, survey: facts, jobs, now: input.now })
  const selected = pickJob(jobs, ui.selectedJobId)
  const frames = selected !== undefined ? facts.jobs.get(selected.id)?.total ?? 0 : 0
  const place = input.preview !== undefined ? previewPlace(width) : undefined
  const mapWidth = width - (place?.besideDetail === true ? place.columns : 0)
  // A tiled still asks for a map row per row of tiles (drawn as they lie in the image).
  const wantedMapRows = selected?.tiles !== undefined ? selected.tiles.rows : Math.ceil(frames / Math.max(1, mapWidth))
  const rows = layout(height, { nodes: nodes.length, jobs: jobs.length, mapRows: Math.max(1, wantedMapRows) })
  const picked = ui.preview.picked !== undefined && ui.preview.picked.jobId === selected?.id
  const besideRows = place?.besideDetail === true ? rows.mapRows + DETAIL_INFO_LINES + 1 + rows.log : rows.log
  const box = place !== undefined && input.preview !== undefined && besideRows >= MIN_PREVIEW_ROWS
    ? preview(input, input.preview, picked, { columns: place.columns, rows: besideRows })
    : undefined
  const logWidth = box !== undefined ? width - box.columns - 1 : width
  const detailWidth = place?.besideDetail === true ? logWidth : width
  const title = (panel: PanelName, text: Line, columns = width): Line => {
    const style = ui.focus === panel ? { bg: 'blue', fg: 'white', bold: true } as const : { bg: 'white', fg: 'black', bold: true } as const
    return fitLine(restyle(text, style), columns, style)
  }

  const rendering = nodes.filter(node => node.state === 'rendering').length
  const selectedNode = nodes.find(node => node.name === ui.selectedNode) ?? nodes[0]
  const nodeIndex = selectedNode !== undefined && ui.focus === 'nodes' ? nodes.indexOf(selectedNode) : -1
  const nodeScroll = keepVisible(nodeIndex, ui.scroll.nodes, rows.nodes, nodes.length)
  const nodeTable = nodesTable(nodes.slice(nodeScroll, nodeScroll + rows.nodes), width)
  // The node keys' row is marked while the panel has the focus, as the selected job is in its list.
  const nodeLines = nodeTable.lines.map((line, i) => i + nodeScroll === nodeIndex ? fitLine(restyle(line, { bg: 'blue' }), width, { bg: 'blue' }) : line)
  const jobList = jobsSection(input, facts, selected, rows.jobs)
  const log = logWindow(input.model.log, logWidth, rows.log, ui.scroll.log)
  const [detailTitle, ...detail] = detailSection(input, facts, selected, rows.mapRows, detailWidth, text => title('jobs', text))
  const logTitle = (columns: number): Line => title('log', [{ text: `LOG${log.back > 0 ? ` (${log.back} lines back; G follows)` : ''}` }], columns)
  const logLines = pad(log.lines, rows.log)
  // The preview's column runs down beside the detail and the log, or beside the log's lines alone.
  const lower = box === undefined
    ? [...detail, logTitle(width), ...logLines]
    : place?.besideDetail === true
      ? besidePreview([...detail, logTitle(logWidth), ...logLines], logWidth, box)
      : [...detail, logTitle(width), ...besidePreview(logLines, logWidth, box)]
  const lines: Line[] = [
    ...header({ model: input.model, jobs, online: input.sessions.length, known: nodes.length, rendering, now: input.now }),
    title('nodes', nodeTable.header), ...pad(nodeLines, rows.nodes),
    title('jobs', jobList.header), ...pad(jobList.lines, rows.jobs),
    detailTitle ?? [],
    ...lower,
    statusLine(ui.status),
    footer(),
  ]
  const overlay = ui.overlay !== undefined ? overlayView(ui.overlay, { width, height }) : undefined
  return {
    lines: pad(lines, height).slice(0, height).map(line => fitLine(line, width)),
    ...(overlay !== undefined ? { overlay } : {}),
    scroll: { jobs: jobList.scroll, nodes: nodeScroll, log: log.back },
    ...(selected !== undefined ? { selectedJobId: selected.id } : {}),
    nodeNames: nodes.map(node => node.name),
    ...(selectedNode !== undefined ? { selectedNode: selectedNode.name } : {}),
  }
}

/** The job list, scrolled so the selected job shows; highlighted while the list has the focus. */
function jobsSection (input: ViewInput, facts: Survey, selected: JobView | undefined, rows: number): { header: Line, lines: Line[], scroll: number } {
  const { jobs, width, ui } = input
  const jobRows = jobs.flatMap((job) => {
    const f = facts.jobs.get(job.id)
    const timing = input.model.jobTimings.get(job.id)
    const eligible = input.sessions.filter(session => job.blocklist[session.name] === undefined && refusal(job, session) === undefined).length
    return f === undefined ? [] : [jobRow(job, f, timing !== undefined && timing.frames > 0 ? timing.seconds / timing.frames : undefined, eligible)]
  })
  const index = selected !== undefined ? jobs.indexOf(selected) : -1
  const scroll = keepVisible(index, ui.scroll.jobs, rows, jobRows.length)
  const table = jobsTable(jobRows.slice(scroll, scroll + rows), width, input.glyphs, selected?.id)
  const lines = table.lines.map((line, i) => i + scroll === index && ui.focus === 'jobs' ? fitLine(restyle(line, { bg: 'blue' }), width, { bg: 'blue' }) : line)
  return { header: table.header, lines, scroll }
}

/** The preview column for `room.rows` rows beside the detail and the log. */
function preview (input: ViewInput, frame: FramePreview, picked: boolean, room: { columns: number, rows: number }): PreviewBox {
  return previewBox(frame, { ...room, colors: input.colors ?? 256, halfBlock: input.glyphs.halfBlock, picked })
}

/** The selected job's title, frame map and info lines (`width` wide), or a hint when there is none. */
function detailSection (input: ViewInput, facts: Survey, selected: JobView | undefined, mapRows: number, width: number, title: (text: Line) => Line): Line[] {
  const selectedFacts = selected !== undefined ? facts.jobs.get(selected.id) : undefined
  if (selected === undefined || selectedFacts === undefined) {
    return [title([{ text: 'JOB' }]), ...pad([[{ text: 'no job selected: n submits a .blend from this machine, or use microfarm submit', fg: 'gray' }]], mapRows + DETAIL_INFO_LINES)]
  }
  const lastFrameError = input.model.lastFrameError.get(selected.id)
  const phaseOf = input.framePhase
  const waitingFor = isSchedulable(selected) ? whyNobodyMayRender(selected, input.sessions) : undefined
  const detail = jobDetail({
    job: selected, facts: selectedFacts, width, mapRows, glyphs: input.glyphs,
    ...(waitingFor !== undefined ? { waitingFor } : {}),
    ...(lastFrameError !== undefined ? { lastFrameError } : {}),
    ...(phaseOf !== undefined ? { inBlender: (frame: number) => phaseOf(selected, frame) !== undefined } : {}),
  })
  return [title([{ text: detail.title }]), ...detail.lines]
}

function pad (lines: Line[], rows: number): Line[] {
  const out = lines.slice(0, rows)
  while (out.length < rows) out.push([])
  return out
}
