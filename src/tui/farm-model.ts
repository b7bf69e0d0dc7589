import type { CoordinatorEvent } from '../coordinator/events.js'
import { formatEvent } from '../coordinator/event-log.js'

/** What the UI remembers of a node, including after it left (the coordinator forgets it then). */
export interface NodeRecord {
  id: string
  name: string
  blenderVersion: string
  cores: number
  framesDone: number
  /** Frames that came with a measured time, and the sum of those times. */
  timedFrames: number
  frameSeconds: number
  /** When it joined, or left: the last sign of life the UI saw. */
  seenAt: number
  leftReason?: string
}

export type LogLevel = 'info' | 'good' | 'warning' | 'error' | 'action'

export interface LogEntry {
  time: number
  text: string
  level: LogLevel
}

export interface JobTiming {
  seconds: number
  frames: number
}

/** The log keeps this many lines; older ones go. */
export const LOG_CAPACITY = 1000
const RATE_WINDOW_S = 60

/**
 * The UI's own model, fed by the coordinator's events: what the farm's live
 * state does not keep (nodes that left, measured frame times, the rate of
 * frames, the log). Applying an event is cheap; nothing here draws.
 */
export class FarmModel {
  farmName: string
  /** Only machines holding the farm key may join (shown in the header; never the key). */
  farmPrivate = false
  peerId?: string
  addresses: string[] = []
  readonly nodes = new Map<string, NodeRecord>()
  readonly jobTimings = new Map<string, JobTiming>()
  readonly lastFrameError = new Map<string, string>()
  private entries: LogEntry[] = []
  /** Frames done per second of the clock, for the last minute: [second, count]. */
  private readonly rate: Array<[number, number]> = []

  constructor (farmName: string) {
    this.farmName = farmName
  }

  get log (): readonly LogEntry[] { return this.entries }

  apply (event: CoordinatorEvent, now: number): void {
    this.track(event, now)
    const text = formatEvent(event)
    if (text !== undefined) this.note(text, levelOf(event), now)
  }

  note (text: string, level: LogLevel, now: number): void {
    this.entries.push({ time: now, text, level })
    // Trim in batches: one copy per LOG_CAPACITY lines, not one per line.
    if (this.entries.length >= 2 * LOG_CAPACITY) this.entries = this.entries.slice(-LOG_CAPACITY)
  }

  /** Frames that arrived in the last minute. */
  framesPerMinute (now: number): number {
    const since = Math.floor(now / 1000) - RATE_WINDOW_S
    return this.rate.reduce((sum, [second, count]) => sum + (second > since ? count : 0), 0)
  }

  private track (event: CoordinatorEvent, now: number): void {
    switch (event.type) {
      case 'listening':
        this.farmName = event.farm
        this.peerId = event.peerId
        this.addresses = event.addresses
        break
      case 'node-joined': {
        // A node that comes back keeps its row and its counts.
        const node = this.nodes.get(event.name) ?? { id: event.nodeId, name: event.name, blenderVersion: '', cores: 0, framesDone: 0, timedFrames: 0, frameSeconds: 0, seenAt: now }
        Object.assign(node, { id: event.nodeId, blenderVersion: event.blenderVersion, cores: event.cores, seenAt: now })
        delete node.leftReason
        this.nodes.set(event.name, node)
        break
      }
      case 'node-left': {
        const node = this.nodes.get(event.name)
        if (node !== undefined && node.id === event.nodeId) {
          node.seenAt = now
          node.leftReason = event.reason
        }
        break
      }
      case 'frame-done':
        this.frameDone(event, now)
        break
      case 'frame-failed':
        this.lastFrameError.set(event.jobId, `frame ${event.frame} on ${event.nodeName}: ${event.error}`)
        break
      case 'job-state':
        if (event.state === 'deleted') this.forgetJob(event.jobId)
        break
      default:
        // The other events change nothing the model keeps (the views read the farm for those).
        break
    }
  }

  private frameDone (event: Extract<CoordinatorEvent, { type: 'frame-done' }>, now: number): void {
    const node = this.nodes.get(event.nodeName)
    if (node !== undefined) {
      node.framesDone++
      if (event.seconds !== undefined) {
        node.timedFrames++
        node.frameSeconds += event.seconds
      }
    }
    if (event.seconds !== undefined) {
      const timing = this.jobTimings.get(event.jobId) ?? { seconds: 0, frames: 0 }
      timing.seconds += event.seconds
      timing.frames++
      this.jobTimings.set(event.jobId, timing)
    }
    this.countFrame(now)
  }

  private countFrame (now: number): void {
    const second = Math.floor(now / 1000)
    const last = this.rate[this.rate.length - 1]
    if (last !== undefined && last[0] === second) {
      last[1]++
      return
    }
    this.rate.push([second, 1])
    while ((this.rate[0]?.[0] ?? second) <= second - RATE_WINDOW_S) this.rate.shift()
  }

  private forgetJob (jobId: string): void {
    this.jobTimings.delete(jobId)
    this.lastFrameError.delete(jobId)
  }
}

function levelOf (event: CoordinatorEvent): LogLevel {
  switch (event.type) {
    case 'frame-failed':
    case 'job-failed':
    case 'peer-error':
    case 'node-blocklisted':
      return 'error'
    case 'warning':
    case 'bad-piece':
    case 'node-left':
      return 'warning'
    case 'job-completed':
    case 'node-joined':
    case 'listening':
      return 'good'
    case 'encode':
      return event.state === 'failed' ? 'error' : event.state === 'done' ? 'good' : 'info'
    case 'disk':
      return event.full ? 'warning' : 'good'
    default:
      return 'info'
  }
}
