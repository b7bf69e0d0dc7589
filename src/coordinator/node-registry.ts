import { NodeNames } from './node-names.js'
import { NodeStates } from './node-states.js'
import type { NodeWithdrawal } from './node-states.js'
import { FrameTimings } from './frame-timings.js'
import { frameProgress } from '../jobs/progress-estimate.js'
import type { ComputeDeviceType, CoordinatorToNode, RenderDevice } from '../protocol/messages.js'
import type { NodeRef } from '../jobs/scheduler.js'

/** A render node connected to this coordinator (one per session stream). */
export interface NodeSession {
  id: string
  name: string
  cores: number
  blenderVersion: string
  platform: string
  /** The Cycles device type it renders on, and the devices in use (from its hello). */
  device?: ComputeDeviceType
  devices?: readonly RenderDevice[]
  connectedAt: number
  lastSeen: number
  /** Work requests not yet answered with a task. */
  wants: number
  /** Tasks handed to it and not yet finished. */
  tasks: Set<string>
  framesDone: number
  /** Sum of seconds between assignment and arrival, for the average frame time. */
  frameSeconds: number
  /** When its last frame arrived (ms): the start of the frame it renders now. */
  lastFrameAt?: number
  /** When it last showed work on the frames it holds (a task handed over, a frame started, progress, a frame in or failed). */
  lastWorkAt?: number
  /** The frame it renders now and how far Blender is with it (0..1), from its progress reports (Blender's samples `done` of `total`). */
  progress?: { jobId: string, frame: number, fraction: number, done?: number, total?: number }
  /** The frame Blender started last on it, and when (ms): what a time-based progress estimate counts from. */
  frameStarted?: { jobId: string, frame: number, at: number }
  /** Drained or disabled by an admin (see node-states.ts): it takes no work and no dispatch rule counts on it. */
  withdrawn?: NodeWithdrawal
  /** Its --schedule as the node says: the window, whether it sleeps now (it takes no work then), and until when (ms). */
  schedule?: NodeScheduleFacts
  send: (message: CoordinatorToNode) => void
  disconnect: (reason: string) => void
  /** The content it fetches now, piece by piece, from its announcements (see content-swarm.ts). */
  fetching?: ContentFetch
}

/** A node's fetch of a content in progress, as views show it: bytes verified, rate, peers it heard of, jobs that need it. */
export interface ContentFetch { sha256: string, size: number, bytes: number, fromPeers: number, bytesPerSecond: number, peers: number, jobIds: readonly string[] }

/** How far the node is with the frame in its Blender, as views show it: `estimated` from time taken (see jobs/progress-estimate.ts). */
export interface ShownProgress { jobId: string, frame: number, fraction: number, estimated?: boolean }

/** What views (the terminal UI) see of a node: facts, copied; no way to send to it or drop it. */
export type NodeSnapshot = Readonly<Pick<NodeSession, 'id' | 'name' | 'cores' | 'blenderVersion' | 'platform' | 'device' | 'devices' | 'connectedAt' | 'lastSeen' | 'framesDone' | 'frameSeconds' | 'lastFrameAt' | 'withdrawn' | 'schedule' | 'fetching'> & { progress?: ShownProgress }>

/** What a node says of itself and how to reach it; everything else starts empty. */
export type NodeSessionInit = Pick<NodeSession, 'id' | 'name' | 'cores' | 'blenderVersion' | 'platform' | 'send' | 'disconnect'> & Partial<Pick<NodeSession, 'device' | 'devices'>>

/** What the scheduler knows of a node: who it is, its Blender and device (see jobs/blender-rules.ts). */
export function nodeRef (node: NodeSession): NodeRef {
  return { id: node.id, name: node.name, blenderVersion: node.blenderVersion, ...(node.device !== undefined ? { device: node.device } : {}) }
}

/**
 * Whether dispatch may hand the node work and count on it rendering pending
 * frames (the tail rule, a failed frame left to another node). Every rule
 * that counts nodes for pending work asks this, or a withdrawn node would be
 * waited for and the last frames left to nobody.
 */
export function takesWork (node: Pick<NodeSession, 'withdrawn' | 'schedule'>): boolean {
  return node.withdrawn === undefined && node.schedule?.sleeping !== true
}

/** A polite node's schedule (see node/schedule.ts), from its `schedule` messages. */
export interface NodeScheduleFacts { window: string, sleeping: boolean, until?: number }

/** A session as it starts: nothing asked for, nothing done yet. */
export function newNodeSession (init: NodeSessionInit, now = Date.now()): NodeSession {
  return { ...init, connectedAt: now, lastSeen: now, wants: 0, tasks: new Set(), framesDone: 0, frameSeconds: 0 }
}

export class NodeRegistry {
  private readonly nodes = new Map<string, NodeSession>()
  /** Who owns which name (see node-names.ts); replaced by the remembered ones on load. */
  names = new NodeNames()
  /** Which peer ids an admin drained or disabled (see node-states.ts); replaced by the remembered ones on load. */
  states = new NodeStates()
  /** How long frames of each job take, for the progress estimates. */
  readonly timings = new FrameTimings()

  /**
   * Adds a node under a name no other connected node has and no other peer
   * id owns: two machines cloned with the same host name, or two nodes on one
   * machine, are `vm` and `vm#2`, and a peer that says hello as `vm` while vm
   * is offline is `vm#2` too (blocklists, counts and rows go by this name). A
   * node that comes back gets its own name again.
   */
  add (node: NodeSession, now: number): void {
    const taken = new Set(this.all().filter(other => other.id !== node.id).map(other => other.name))
    node.name = this.names.claim(node.id, node.name, taken, now)
    const withdrawn = this.states.of(node.id)
    if (withdrawn !== undefined) node.withdrawn = withdrawn
    this.nodes.set(node.id, node)
  }

  remove (id: string, now: number): boolean {
    this.names.seen(id, now)
    return this.nodes.delete(id)
  }
  get (id: string): NodeSession | undefined { return this.nodes.get(id) }
  all (): NodeSession[] { return [...this.nodes.values()] }
  /** The connected nodes dispatch may count on (see takesWork). */
  workers (): NodeSession[] { return this.all().filter(takesWork) }

  /** Copies for views, taken at one moment (`now`: the farm's clock, for progress estimates). */
  snapshots (now = Date.now()): NodeSnapshot[] {
    return this.all().map(({ id, name, cores, blenderVersion, platform, device, devices, connectedAt, lastSeen, framesDone, frameSeconds, lastFrameAt, progress, frameStarted, withdrawn, schedule, fetching }) => ({
      id, name, cores, blenderVersion, platform, ...(device !== undefined ? { device } : {}), ...(devices !== undefined ? { devices } : {}), connectedAt, lastSeen, framesDone, frameSeconds,
      ...(lastFrameAt !== undefined ? { lastFrameAt } : {}),
      ...(withdrawn !== undefined ? { withdrawn } : {}),
      ...(schedule !== undefined ? { schedule: { ...schedule } } : {}),
      ...(fetching !== undefined ? { fetching: { ...fetching } } : {}),
      ...this.progressOf({ id, progress, frameStarted }, now),
    }))
  }
  /** The frame Blender started last on the node and how far it is: Blender's count, or an estimate when that is too coarse. */
  progressOf (node: Pick<NodeSession, 'id' | 'progress' | 'frameStarted'>, now: number): { progress?: ShownProgress } {
    const { progress, frameStarted } = node
    const current = frameStarted ?? progress
    if (current === undefined) return {}
    const same = progress !== undefined && progress.jobId === current.jobId && progress.frame === current.frame
    const shown = frameProgress({
      ...(same && progress.done !== undefined && progress.total !== undefined ? { reported: { done: progress.done, total: progress.total } } : {}),
      ...(frameStarted !== undefined ? { startedAt: frameStarted.at } : {}),
      ...withFrameMs(this.timings.frameMs(current.jobId, node.id)),
      now,
    })
    return shown !== undefined ? { progress: { jobId: current.jobId, frame: current.frame, ...shown } } : {}
  }

  get size (): number { return this.nodes.size }

  /** Nodes that asked for work, longest-waiting first is not tracked: order of joining. */
  waiting (): NodeSession[] {
    return this.all().filter(node => node.wants > 0)
  }

  /** Nodes silent for longer than `timeoutMs`. */
  silentSince (now: number, timeoutMs: number): NodeSession[] {
    return this.all().filter(node => now - node.lastSeen > timeoutMs)
  }
}

function withFrameMs (frameMs: number | undefined): { frameMs?: number } {
  return frameMs !== undefined ? { frameMs } : {}
}
