import { fitText } from '../util/fit-text.js'
import { MAX_SHORT_TEXT } from '../protocol/constants.js'

// Node names belong to peer ids. A node is known by its peer id (its key,
// kept in its work folder); its name is for people, but blocklists, counts
// and rows are keyed by the name, so a peer must not be able to take another
// machine's name: the first peer id to use a name owns it, also while that
// machine is offline and across coordinator restarts. Another peer asking for
// it is `name#2`. A name whose owner has not been seen for NAME_KEPT_MS is free.

export interface NameOwner { peerId: string, lastSeen: number }

/** How long a name stays with a machine that does not come back. */
export const NAME_KEPT_MS = 30 * 24 * 3600_000
/** Names remembered at most (the least recently seen go first): a flood of peer ids cannot grow this without end. */
export const MAX_REMEMBERED_NAMES = 10_000

export class NodeNames {
  private readonly owners = new Map<string, NameOwner>()
  private readonly byPeer = new Map<string, string>()

  constructor (entries: Iterable<readonly [string, NameOwner]> = []) {
    for (const [name, owner] of entries) this.set(name, owner)
  }

  /**
   * The name `peerId` gets when it asks for `wanted`: `wanted` if no other
   * peer owns it and no other connected node (`inUse`) has it, else the first
   * free `wanted#n`. The peer owns that name from now on (and no other).
   */
  claim (peerId: string, wanted: string, inUse: ReadonlySet<string>, now: number): string {
    for (let n = 1; ; n++) {
      // Within the limit of a name, suffix included: summaries key counts and blocklists by it.
      const name = n === 1 ? wanted : fitText(wanted, MAX_SHORT_TEXT - `#${n}`.length) + `#${n}`
      const owner = this.owners.get(name)
      const ownedByOther = owner !== undefined && owner.peerId !== peerId && now - owner.lastSeen < NAME_KEPT_MS
      if (inUse.has(name) || ownedByOther) continue
      this.set(name, { peerId, lastSeen: now })
      this.evictOldest()
      return name
    }
  }

  /** The peer was seen (it left now): its name is kept from now on. */
  seen (peerId: string, now: number): void {
    const name = this.byPeer.get(peerId)
    const owner = name !== undefined ? this.owners.get(name) : undefined
    if (owner !== undefined) owner.lastSeen = now
  }

  /** Whether this peer id is (or was, within the month) a render node of this farm. */
  isNode (peerId: string): boolean {
    return this.byPeer.has(peerId)
  }

  entries (): Array<[string, NameOwner]> {
    return [...this.owners].map(([name, owner]) => [name, { ...owner }])
  }

  private set (name: string, owner: NameOwner): void {
    const previous = this.byPeer.get(owner.peerId)
    if (previous !== undefined && previous !== name) this.owners.delete(previous)
    const other = this.owners.get(name)
    if (other !== undefined && other.peerId !== owner.peerId) this.byPeer.delete(other.peerId)
    this.owners.set(name, owner)
    this.byPeer.set(owner.peerId, name)
  }

  private evictOldest (): void {
    if (this.owners.size <= MAX_REMEMBERED_NAMES) return
    const oldest = [...this.owners].sort((a, b) => a[1].lastSeen - b[1].lastSeen).slice(0, this.owners.size - MAX_REMEMBERED_NAMES)
    for (const [name, owner] of oldest) {
      this.owners.delete(name)
      this.byPeer.delete(owner.peerId)
    }
  }
}
