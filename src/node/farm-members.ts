import { sleep } from '../util/sleep.js'

/** How often an unknown peer may make this node ask its coordinator for the farm's members. */
export const MEMBERS_REFRESH_MS = 2000

/**
 * The farm's members as this node's coordinator last named them: the peers
 * this node serves pieces to. A peer not in the list makes the node ask again,
 * at most once every `refreshMs` (a flood of unknown peers shares one
 * question), and waits for that answer: a node that joined just after the
 * last answer is a member, not refused.
 */
export class FarmMembers {
  private members = new Set<string>()
  private askedAt = -Infinity
  private asking?: { startedAt: number, done: Promise<void> }

  /** `ask`: the coordinator's list now, or undefined without a session. */
  constructor (private readonly ask: () => Promise<readonly string[] | undefined>, private readonly refreshMs = MEMBERS_REFRESH_MS) {}

  /** A list the coordinator sent with another answer. */
  set (members: readonly string[]): void {
    this.members = new Set(members)
  }

  async has (peerId: string): Promise<boolean> {
    if (this.members.has(peerId)) return true
    const since = Date.now()
    // An answer asked for before this peer came may not name it yet: then one more.
    for (let round = 0; round < 2 && !this.members.has(peerId); round++) {
      const asking = this.asking ?? this.askAgain()
      await asking.done
      if (asking.startedAt >= since) break
    }
    return this.members.has(peerId)
  }

  private askAgain (): { startedAt: number, done: Promise<void> } {
    const startedAt = Math.max(Date.now(), this.askedAt + this.refreshMs)
    this.askedAt = startedAt
    const done = (async () => {
      await sleep(startedAt - Date.now())
      const members = await this.ask()
      if (members !== undefined) this.set(members)
    })().finally(() => { this.asking = undefined })
    const asking = { startedAt, done }
    this.asking = asking
    return asking
  }
}
