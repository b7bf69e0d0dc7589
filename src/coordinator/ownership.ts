import type { JobAction } from '../protocol/messages.js'
import type { JobView } from '../jobs/job.js'

// Who may do what to a job. Anyone on the farm may submit, list, resume or
// activate; what stops, removes or redoes someone's work (cancel, pause,
// complete, retry, delete, encode) is for the job's owner and the farm's
// admins. The coordinator's own dashboard is an admin, and so is a CLI on
// its machine under its user (the same identity key), so a farm of one
// person needs no set-up. Pure: the API asks, the store keeps the admins.

/** Who asks: the coordinator's own dashboard, or a peer proven by its connection. */
export type Caller = { kind: 'dashboard' } | PeerCaller
export interface PeerCaller { kind: 'peer', peerId: string }

export const DASHBOARD: Caller = { kind: 'dashboard' }

const DISRUPTIVE: ReadonlySet<JobAction> = new Set<JobAction>(['cancel', 'pause', 'complete', 'retry', 'delete', 'encode'])

export class NotYourJobError extends Error {
  override name = 'NotYourJobError'
}

/** A render node's identity used on the submit or admin protocol: nodes render, people submit and control. */
export class NodeIdentityError extends Error {
  override name = 'NodeIdentityError'
}

export function isAdmin (caller: Caller, admins: ReadonlySet<string>): boolean {
  return caller.kind === 'dashboard' || admins.has(caller.peerId)
}

/** Throws NotYourJobError unless `caller` is an admin: draining, disabling and enabling nodes is for farm admins. */
export function checkMayManageNodes (caller: Caller, admins: ReadonlySet<string>): void {
  if (!isAdmin(caller, admins)) throw new NotYourJobError('only a farm admin drains, disables or enables nodes; ask one (microfarm admins list)')
}

/** Throws NotYourJobError when `caller` may not do `action` to `job`. */
export function checkMayControl (job: JobView, action: JobAction, caller: Caller, admins: ReadonlySet<string>): void {
  if (!DISRUPTIVE.has(action) || isAdmin(caller, admins)) return
  if (job.owner !== undefined && caller.kind === 'peer' && job.owner.peerId === caller.peerId) return
  const whose = job.owner !== undefined ? `belongs to ${job.owner.name}` : 'was made on the coordinator'
  throw new NotYourJobError(`job ${job.id} ${whose}; ask them or a farm admin (microfarm admins list)`)
}

/** The completed jobs `clear` forgets for this caller: all for an admin, their own for anyone else. */
export function clearable (jobs: readonly JobView[], caller: Caller, admins: ReadonlySet<string>): JobView[] {
  return jobs.filter(job => isAdmin(caller, admins) || (caller.kind === 'peer' && job.owner?.peerId === caller.peerId))
}
