import { NodeNames } from './node-names.js'
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
  /** The frame it renders now and how far Blender is with it (0..1), from its progress reports. */
  progress?: { jobId: string, frame: number, fraction: number }
  /** Its --schedule as the node says: the window, whether it sleeps now (it takes no work then), and until when (ms). */
  schedule?: NodeScheduleFacts
  send: (message: CoordinatorToNode) => void
  disconnect: (reason: string) => void
}

/** What views (the terminal UI) see of a node: facts, copied; no way to send to it or drop it. */
export type NodeSnapshot = Readonly<Pick<NodeSession, 'id' | 'name' | 'cores' | 'blenderVersion' | 'platform' | 'device' | 'devices' | 'connectedAt' | 'lastSeen' | 'framesDone' | 'frameSeconds' | 'lastFrameAt' | 'progress' | 'schedule'>>

/** A polite node's schedule (see node/schedule.ts), from its `schedule` messages. */
export interface NodeScheduleFacts { window: string, sleeping: boolean, until?: number }

/** What a node says of itself and how to reach it; everything else starts empty. */
export type NodeSessionInit = Pick<NodeSession, 'id' | 'name' | 'cores' | 'blenderVersion' | 'platform' | 'send' | 'disconnect'> & Partial<Pick<NodeSession, 'device' | 'devices'>>

/** What the scheduler knows of a node: who it is, its Blender and device (see jobs/blender-rules.ts). */
export function nodeRef (node: NodeSession): NodeRef {
  return { id: node.id, name: node.name, blenderVersion: node.blenderVersion, ...(node.device !== undefined ? { device: node.device } : {}) }
}

/** A session as it starts: nothing asked for, nothing done yet. */
export function newNodeSession (init: NodeSessionInit, now = Date.now()): NodeSession {
  return { ...init, connectedAt: now, lastSeen: now, wants: 0, tasks: new Set(), framesDone: 0, frameSeconds: 0 }
}

export class NodeRegistry {
  private readonly nodes = new Map<string, NodeSession>()
  /** Who owns which name (see node-names.ts); replaced by the remembered ones on load. */
  names = new NodeNames()

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
    this.nodes.set(node.id, node)
  }

  remove (id: string, now: number): boolean {
    this.names.seen(id, now)
    return this.nodes.delete(id)
  }
  get (id: string): NodeSession | undefined { return this.nodes.get(id) }
  all (): NodeSession[] { return [...this.nodes.values()] }

  /** Copies for views, taken at one moment. */
  snapshots (): NodeSnapshot[] {
    return this.all().map(({ id, name, cores, blenderVersion, platform, device, devices, connectedAt, lastSeen, framesDone, frameSeconds, lastFrameAt, progress, schedule }) => ({
      id, name, cores, blenderVersion, platform, ...(device !== undefined ? { device } : {}), ...(devices !== undefined ? { devices } : {}), connectedAt, lastSeen, framesDone, frameSeconds,
      ...(lastFrameAt !== undefined ? { lastFrameAt } : {}),
      ...(progress !== undefined ? { progress: { ...progress } } : {}),
      ...(schedule !== undefined ? { schedule: { ...schedule } } : {}),
    }))
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
