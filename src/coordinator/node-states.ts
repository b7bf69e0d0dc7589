// What an admin decided about a node, by peer id (names are for people, see
// node-names.ts): drained (it finishes what it holds and takes nothing new)
// or disabled (its frames go to others now; its session may stay connected
// but it gets no work). Every other node is enabled and is not stored.
// Remembered across coordinator restarts (store/node-states-file.ts).

export type NodeWithdrawal = 'drained' | 'disabled'
export type NodeAdminState = NodeWithdrawal | 'enabled'

export interface NodeStateEntry { state: NodeWithdrawal, since: number }

/** Peer ids remembered at most; an admin sets these one by one, so the limit is for a damaged or hostile file. */
export const MAX_NODE_STATES = 10_000

export class NodeStates {
  private readonly byPeer = new Map<string, NodeStateEntry>()

  constructor (entries: Iterable<readonly [string, NodeStateEntry]> = []) {
    for (const [peerId, entry] of entries) {
      if (this.byPeer.size >= MAX_NODE_STATES) break
      this.byPeer.set(peerId, { ...entry })
    }
  }

  /** Drained or disabled, or undefined for an enabled node. */
  of (peerId: string): NodeWithdrawal | undefined {
    return this.byPeer.get(peerId)?.state
  }

  since (peerId: string): number | undefined {
    return this.byPeer.get(peerId)?.since
  }

  /** Returns whether anything changed. */
  set (peerId: string, state: NodeAdminState, now: number): boolean {
    const before = this.byPeer.get(peerId)?.state
    if ((before ?? 'enabled') === state) return false
    if (state === 'enabled') this.byPeer.delete(peerId)
    else if (before !== undefined || this.byPeer.size < MAX_NODE_STATES) this.byPeer.set(peerId, { state, since: now })
    else throw new RangeError(`${MAX_NODE_STATES} nodes are drained or disabled already; enable some first`)
    return true
  }

  entries (): Array<[string, NodeStateEntry]> {
    return [...this.byPeer].map(([peerId, entry]) => [peerId, { ...entry }])
  }
}
