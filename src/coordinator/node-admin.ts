import type { Farm } from './farm.js'
import type { NodeAdminState } from './node-states.js'
import { writeNodeStates } from '../store/node-states-file.js'
import { unblockNodes } from '../jobs/unblock.js'
import { holdsFramesOf } from '../jobs/scheduler.js'
import { isFinished } from '../jobs/job.js'

// An admin's decisions about nodes: drain, disable, enable (remembered by peer
// id, see node-states.ts) and unblock a node on a job. Who may do this is the
// API's to check (ownership.ts); what it does to dispatch is here and in the
// one rule dispatch asks (takesWork in node-registry.ts).

export class UnknownNodeError extends Error {
  override name = 'UnknownNodeError'
}

/** A libp2p peer id as people paste it (base58btc). */
const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{40,60}$/

export interface NodeRefByAdmin { peerId: string, name: string }

export class NodeAdmin {
  private writes: Promise<void> = Promise.resolve()

  constructor (private readonly farm: Farm, private readonly statesPath: string, private readonly clock: () => number = Date.now) {}

  /** A node by its name as `microfarm nodes` shows it, or by its peer id: connected, or remembered. */
  resolve (who: string): NodeRefByAdmin {
    const nodes = this.farm.nodes
    const connected = nodes.all().find(node => node.name === who) ?? nodes.get(who)
    if (connected !== undefined) return { peerId: connected.id, name: connected.name }
    const named = nodes.names.entries().find(([name, owner]) => name === who || owner.peerId === who)
    if (named !== undefined) return { peerId: named[1].peerId, name: named[0] }
    if (PEER_ID.test(who)) return { peerId: who, name: who }
    throw new UnknownNodeError(`no node ${who} on this farm: give a name as microfarm nodes shows it, or a peer id`)
  }

  /** Drains, disables or enables a node; resolves once that is on disk. */
  async setState (who: string, state: NodeAdminState): Promise<string> {
    const { peerId, name } = this.resolve(who)
    const nodes = this.farm.nodes
    const changed = nodes.states.set(peerId, state, this.clock())
    const session = nodes.get(peerId)
    let message: string
    if (state === 'enabled') {
      if (session !== undefined) delete session.withdrawn
      message = changed ? `${name} enabled: it takes work again` : `${name} was enabled already`
    } else {
      if (session !== undefined) session.withdrawn = state
      message = state === 'drained'
        ? `${name} drained: ${this.holding(peerId)} and takes nothing new (microfarm enable ${name} lets it take work again)`
        : `${name} disabled: ${session !== undefined ? `${this.farm.takeBackFrom(session)} frame(s) it held go to other nodes` : 'it is offline'}; it gets no work until microfarm enable ${name}`
    }
    // Other nodes may be waiting for what this one no longer counts for, or may now take.
    this.farm.dispatch()
    if (changed) await this.save()
    return message
  }

  /** Clears the job's blocklist entry for the node (`who`), or for every node (undefined). */
  unblock (jobId: string, who: string | undefined): string {
    const job = this.farm.job(jobId)
    const name = who === undefined ? undefined : job.blocklist[who] !== undefined ? who : this.resolve(who).name
    if (name !== undefined && job.blocklist[name] === undefined) return `${name} is not blocklisted on job ${jobId}`
    const unblocked = unblockNodes(job, name === undefined ? undefined : [name])
    if (unblocked.length === 0) return `job ${jobId} has no blocklisted nodes`
    this.farm.persist(job, true)
    this.farm.dispatch()
    const finished = isFinished(job.state) ? ` (the job is ${job.state}: microfarm retry ${jobId} or activate ${jobId} renders it again)` : ''
    return `job ${jobId}: ${unblocked.join(', ')} may render it again${finished}`
  }

  private holding (peerId: string): string {
    const jobs = [...this.farm.jobs.values()].filter(job => holdsFramesOf(job, peerId))
    return jobs.length === 0 ? 'it holds no frames' : `it finishes the frames it holds (job ${jobs.map(job => job.id).join(', ')})`
  }

  /** One write at a time, each of the newest states; resolves once this change is on disk. */
  private async save (): Promise<void> {
    const write = this.writes.then(async () => { await writeNodeStates(this.statesPath, this.farm.nodes.states.entries()) })
    this.writes = write.catch(() => undefined)
    await write
  }
}
