import { plainText } from '../protocol/plain-text.js'
import type { CoordinatorEvent } from './events.js'
import type { DispatchFigures, DispatchStats } from './dispatch-timing.js'
import { formatUntil } from '../util/format-until.js'

/**
 * One line per event for the headless coordinator (and the UI's log pane).
 * Exactly one: texts from peers are plain when they arrive, and whatever got
 * past that (an error's message quoting what a peer sent) is made plain here,
 * so no line shows what the coordinator did not say.
 */
export function formatEvent (event: CoordinatorEvent): string | undefined {
  const line = describe(event)
  return line === undefined ? undefined : plainText(line)
}

function describe (event: CoordinatorEvent): string | undefined {
  switch (event.type) {
    case 'listening':
      return `farm "${event.farm}" listening as ${event.peerId} on ${event.addresses.join(' ')}`
    case 'node-joined':
      return `node joined: ${event.name} (Blender ${event.blenderVersion}, ${event.cores} cores)`
    case 'node-left':
      return `node left: ${event.name} (${event.reason})` + (event.requeued > 0 ? `; ${event.requeued} frame(s) queued again` : '')
    case 'node-schedule': {
      const until = event.until !== undefined ? ` until ${formatUntil(new Date(event.until), new Date())}` : ''
      return `node ${event.name} ${event.sleeping ? 'sleeping' : 'awake'}${until} (schedule ${event.window})`
    }
    case 'job-created':
      return `job ${event.jobId} created: ${event.name}, ${event.frames > 0 ? `${event.frames} ${event.still !== undefined ? 'tiles' : 'frames'} (${event.range})` : 'frame range to be read from the scene'}`
    case 'job-state':
      return event.message
    case 'task-assigned':
      return event.kind === 'probe'
        ? `job ${event.jobId}: ${event.nodeName} reads the scene's frame range`
        : `job ${event.jobId}: ${event.still !== undefined ? `tile(s) ${event.frames.join(',')} of frame ${event.still}` : `frames ${event.frames.join(',')}`} → ${event.nodeName}`
    case 'frame-progress':
      // Several a second per node: shown by the UI, too many for a log.
      return undefined
    case 'frame-done':
      return `job ${event.jobId}: ${unit(event)} done by ${event.nodeName} (${event.done}/${event.total})`
    case 'frame-failed':
      return `job ${event.jobId}: ${unit(event)} failed on ${event.nodeName}: ${event.error}` + (event.willRetry ? ' (will retry)' : ' (giving up)')
    case 'node-blocklisted':
      return `job ${event.jobId}: node ${event.nodeName} may no longer render it (${event.reason})`
    case 'job-completed':
      return `job ${event.jobId} complete: ${event.name}` + (event.missing > 0 ? ` (${event.missing} frame(s) missing)` : '')
    case 'job-failed':
      return `job ${event.jobId} failed: ${event.error}`
    case 'encode':
    case 'stitch':
      return `job ${event.jobId}: ${event.message}`
    case 'peer-error':
      return `rejected ${event.protocol} stream from ${event.peer}: ${event.error}`
    case 'warning':
      return `warning: ${event.message}`
    case 'content-fetched':
      return describeFetched(event)
    case 'bad-piece':
      return `warning: ${event.reporter} got a bad piece (${event.index}) of content ${event.sha256.slice(0, 12)}… from ${event.culprit}; ${event.culprit} is no longer a source of it`
    case 'disk':
      return event.full ? `warning: ${event.message}` : event.message
    case 'dispatch-stats':
      return describeDispatch(event.stats)
  }
}

/** "frame 12", or "tile 3 of frame 12" for a tiled still. */
function unit (event: { frame: number, still?: number }): string {
  return event.still !== undefined ? `tile ${event.frame} of frame ${event.still}` : `frame ${event.frame}`
}

/** The line the soak bench reads too (bench/lib/coordinator-dispatch.ts): keep its shape. */
function describeDispatch (s: DispatchStats): string {
  const p = s.period
  const w = s.sinceStart
  return `dispatch, last ${Math.round(p.periodMs / 1000)} s: ${p.answered} request(s) answered at once, ${latencies(p)} (request read → assign written); ${waitsAndLoop(p)}; ` +
    `since start (${Math.round(w.periodMs / 1000)} s): ${w.answered} answered at once, ${latencies(w)}; ${waitsAndLoop(w)}`
}

function latencies (f: DispatchFigures): string {
  return `p50 ${ms(f.p50Ms)} ms, p99 ${ms(f.p99Ms)} ms, max ${ms(f.maxMs)} ms`
}

function waitsAndLoop (f: DispatchFigures): string {
  return `${f.waited} waited for work; event loop delay p99 ${ms(f.loopDelayP99Ms)} ms, max ${ms(f.loopDelayMaxMs)} ms`
}

/** Three significant digits up to 100: 20.4 ms must not read as the 20 ms goal. */
function ms (n: number): string {
  return n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)
}

function describeFetched (e: Extract<CoordinatorEvent, { type: 'content-fetched' }>): string {
  const mb = (n: number): string => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`
  const peers = e.fromPeers.filter(p => p.bytes > 0).sort((a, b) => b.bytes - a.bytes)
  const peerBytes = peers.reduce((sum, p) => sum + p.bytes, 0)
  return `${e.nodeName} has content ${e.sha256.slice(0, 12)}… (${mb(e.size)}, ${e.seconds.toFixed(1)} s): ${mb(e.fromCoordinator)} from the coordinator, ${mb(peerBytes)} from peers` +
    (peers.length > 0 ? ` (${peers.map(p => `${p.name} ${mb(p.bytes)}`).join(', ')})` : '')
}
