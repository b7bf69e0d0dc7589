import type { NodeSnapshot } from '../coordinator/node-registry.js'
import type { JobView } from '../jobs/job.js'
import { formatFrameList, isFinished } from '../jobs/index.js'
import type { NodeRecord } from './farm-model.js'
import { formatAgo, formatFrameTime, formatProgress } from './format.js'
import type { NodeWork, Survey } from './survey.js'
import type { Color, Line } from './styled.js'
import { sizeColumns, tableHeader, tableRow } from './table.js'
import type { Column } from './table.js'

export type NodeState = 'rendering' | 'idle' | 'blocklisted' | 'offline' | 'draining' | 'drained' | 'disabled'

export interface NodeRow {
  name: string
  state: NodeState
  /** What it works on: `3: 12-14` (job: frames), `3: scene` when reading a scene's range. */
  work: string
  blender: string
  framesDone: number
  secondsPerFrame?: number
  /** Milliseconds since it was last heard from (online) or left (offline). */
  silentMs: number
}

export interface NodeInputs {
  records: ReadonlyMap<string, NodeRecord>
  sessions: readonly NodeSnapshot[]
  survey: Survey
  jobs: readonly JobView[]
  now: number
}

/** Connected nodes first, then the ones that left; by name within each. */
export function nodeRows (o: NodeInputs): NodeRow[] {
  const online = o.sessions.map(session => onlineRow(session, o)).sort(byName)
  const names = new Set(o.sessions.map(session => session.name))
  const offline = [...o.records.values()].filter(record => !names.has(record.name)).map(record => ({
    name: record.name,
    state: 'offline' as const,
    work: record.leftReason ?? '',
    blender: record.blenderVersion,
    framesDone: record.framesDone,
    ...average(record.frameSeconds, record.timedFrames),
    silentMs: o.now - record.seenAt,
  })).sort(byName)
  return [...online, ...offline]
}

function onlineRow (session: NodeSnapshot, o: NodeInputs): NodeRow {
  const record = o.records.get(session.name)
  const work = o.survey.work.get(session.id) ?? []
  const blocked = o.jobs.filter(job => !isFinished(job.state) && job.blocklist[session.name] !== undefined).map(job => job.id)
  // What an admin decided comes first: a drained node still rendering is draining.
  const state: NodeState = session.withdrawn === 'disabled' ? 'disabled'
    : session.withdrawn === 'drained' ? (work.length > 0 ? 'draining' : 'drained')
      : work.length > 0 ? 'rendering' : blocked.length > 0 ? 'blocklisted' : 'idle'
  return {
    name: session.name,
    state,
    work: (work.length > 0
      ? work.map(w => `${w.jobId}: ${w.probe ? 'scene' : formatFrameList(w.frames)}${progressOf(session, w)}`).join('; ')
      : blocked.length > 0 ? `not on job ${blocked.join(', ')}` : '') + fetchingOf(session),
    blender: `${session.blenderVersion}${gpus(session)}`,
    framesDone: record?.framesDone ?? session.framesDone,
    ...(record !== undefined ? average(record.frameSeconds, record.timedFrames) : average(session.frameSeconds, session.framesDone)),
    silentMs: Math.max(0, o.now - session.lastSeen),
  }
}

/** A GPU node's devices after its Blender version: ` OPTIX`, ` CUDA×2`; nothing for the CPU. */
export function gpus (session: Pick<NodeSnapshot, 'device' | 'devices'>): string {
  if (session.device === undefined || session.device === 'CPU') return ''
  const count = session.devices?.length ?? 0
  return ` ${session.device}${count > 1 ? `×${count}` : ''}`
}

/** Progress on the frame it renders now: ` (5 at 42%)`, or ` (5 at ~42%)` for an estimate from time taken. */
function progressOf (session: NodeSnapshot, work: NodeWork): string {
  const progress = session.progress
  if (progress === undefined || progress.jobId !== work.jobId || !work.frames.includes(progress.frame)) return ''
  return ` (${progress.frame} at ${formatProgress(progress)})`
}

/** The content it fetches now: ` fetching 120/210 MB, 11 MB/s, 3 peers`. */
function fetchingOf (session: NodeSnapshot): string {
  const f = session.fetching
  if (f === undefined) return ''
  const mb = (n: number): string => (n / 1e6).toFixed(0)
  return ` fetching ${mb(f.bytes)}/${mb(f.size)} MB, ${(f.bytesPerSecond / 1e6).toFixed(1)} MB/s, ${f.peers} peer${f.peers === 1 ? '' : 's'}`
}

function average (seconds: number, frames: number): { secondsPerFrame?: number } {
  return frames > 0 ? { secondsPerFrame: seconds / frames } : {}
}

function byName (a: NodeRow, b: NodeRow): number {
  return a.name.localeCompare(b.name)
}

export const NODE_STATE_COLORS: Record<NodeState, Color> = {
  rendering: 'yellow',
  idle: 'green',
  blocklisted: 'red',
  offline: 'gray',
  draining: 'magenta',
  drained: 'magenta',
  disabled: 'red',
}

const COLUMNS: Column[] = [
  { title: 'NODE', width: 10, flex: 1 },
  { title: 'STATE', width: 11 },
  { title: 'JOB: FRAMES', width: 12, flex: 4 },
  // Flexible: a GPU node's devices follow its version (4.2.3 OPTIX×2); at 80 columns the job's frames keep their room.
  { title: 'BLENDER', width: 7, flex: 1 },
  { title: 'DONE', width: 5, align: 'right' },
  { title: 'AVG', width: 6, align: 'right' },
  { title: 'SEEN', width: 9, align: 'right' },
]

export function nodesTable (rows: readonly NodeRow[], width: number): { header: Line, lines: Line[] } {
  const widths = sizeColumns(COLUMNS, width)
  const lines = rows.map(row => tableRow([
    row.state === 'offline' ? { text: row.name, fg: 'gray' } : row.name,
    { text: row.state, fg: NODE_STATE_COLORS[row.state] },
    row.work,
    row.blender,
    String(row.framesDone),
    formatFrameTime(row.secondsPerFrame),
    formatAgo(row.silentMs),
  ], COLUMNS, widths))
  return { header: tableHeader(COLUMNS, widths), lines }
}
