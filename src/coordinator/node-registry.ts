import { MAX_SHORT_TEXT } from '../protocol/constants.js'
import type { CoordinatorToNode } from '../protocol/messages.js'
import { fitText } from '../util/fit-text.js'

/** A render node connected to this coordinator (one per session stream). */
export interface NodeSession {
  id: string
  name: string
  cores: number
  blenderVersion: string
  platform: string
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
  /** The frame it renders now and how far Blender is with it (0..1), from its progress reports. */
  progress?: { jobId: string, frame: number, fraction: number }
  send: (message: CoordinatorToNode) => void
  disconnect: (reason: string) => void
}

/** What views (the terminal UI) see of a node: facts, copied; no way to send to it or drop it. */
export type NodeSnapshot = Readonly<Pick<NodeSession, 'id' | 'name' | 'cores' | 'blenderVersion' | 'platform' | 'connectedAt' | 'lastSeen' | 'framesDone' | 'frameSeconds' | 'lastFrameAt' | 'progress'>>

/** What a node says of itself and how to reach it; everything else starts empty. */
export type NodeSessionInit = Pick<NodeSession, 'id' | 'name' | 'cores' | 'blenderVersion' | 'platform' | 'send' | 'disconnect'>

/** A session as it starts: nothing asked for, nothing done yet. */
export function newNodeSession (init: NodeSessionInit, now = Date.now()): NodeSession {
  return { ...init, connectedAt: now, lastSeen: now, wants: 0, tasks: new Set(), framesDone: 0, frameSeconds: 0 }
}

export class NodeRegistry {
  private readonly nodes = new Map<string, NodeSession>()

  /**
   * Adds a node under a name no other connected node has: two machines cloned
   * with the same host name, or two nodes on one machine, are `vm` and `vm#2`
   * (blocklists, counts and rows go by this name). A node that comes back
   * after it left gets its own name again.
   */
  add (node: NodeSession): void {
    node.name = this.freeName(node.name, node.id)
    this.nodes.set(node.id, node)
  }

  private freeName (wanted: string, id: string): string {
    const taken = new Set(this.all().filter(other => other.id !== id).map(other => other.name))
    if (!taken.has(wanted)) return wanted
    // Within the limit of a name, suffix included: summaries key counts and blocklists by it.
    for (let n = 2; ; n++) {
      const suffix = `#${n}`
      const name = fitText(wanted, MAX_SHORT_TEXT - suffix.length) + suffix
      if (!taken.has(name)) return name
    }
  }
  remove (id: string): boolean { return this.nodes.delete(id) }
  get (id: string): NodeSession | undefined { return this.nodes.get(id) }
  all (): NodeSession[] { return [...this.nodes.values()] }

  /** Copies for views, taken at one moment. */
  snapshots (): NodeSnapshot[] {
    return this.all().map(({ id, name, cores, blenderVersion, platform, connectedAt, lastSeen, framesDone, frameSeconds, lastFrameAt, progress }) => ({
      id, name, cores, blenderVersion, platform, connectedAt, lastSeen, framesDone, frameSeconds,
      ...(lastFrameAt !== undefined ? { lastFrameAt } : {}),
      ...(progress !== undefined ? { progress: { ...progress } } : {}),
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
