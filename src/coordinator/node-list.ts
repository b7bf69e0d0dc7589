import type { Farm } from './farm.js'
import type { NodeSession } from './node-registry.js'
import type { NodeSummary } from '../protocol/messages.js'
import { frameIndex, isFinished } from '../jobs/index.js'
import type { Job } from '../jobs/job.js'
import { summarizeFrameList } from '../jobs/frame-list-summary.js'
import { NAME_KEPT_MS } from './node-names.js'

// `microfarm nodes`: every node the coordinator knows, as facts for people
// and scripts. A read over the farm's state, taken at one moment.

/** Offline nodes listed at most (the most recently seen): the reply stays far below the message limit. */
const MAX_OFFLINE_LISTED = 500
/** Frames of one job a node holds, as text: one line's worth. */
const MAX_FRAME_TEXT = 200

export function listNodes (farm: Farm, now: number): NodeSummary[] {
  const jobs = [...farm.jobs.values()].sort((a, b) => Number(a.id) - Number(b.id))
  const online = farm.nodes.all().map(node => onlineNode(farm, node, jobs, now)).sort(byName)
  const connected = new Set(online.map(node => node.peerId))
  const remembered = farm.nodes.names.entries()
    .filter(([, owner]) => !connected.has(owner.peerId) && now - owner.lastSeen < NAME_KEPT_MS)
    .map(([name, owner]) => ({ peerId: owner.peerId, name, lastSeen: owner.lastSeen }))
  // A node drained or disabled by peer id before it was ever seen is listed too.
  const named = new Set(remembered.map(node => node.peerId))
  for (const [peerId, entry] of farm.nodes.states.entries()) {
    if (!connected.has(peerId) && !named.has(peerId)) remembered.push({ peerId, name: peerId, lastSeen: entry.since })
  }
  const offline = remembered.sort((a, b) => b.lastSeen - a.lastSeen).slice(0, MAX_OFFLINE_LISTED).map((node): NodeSummary => ({
    peerId: node.peerId,
    name: node.name,
    online: false,
    state: 'offline',
    admin: farm.nodes.states.of(node.peerId) ?? 'enabled',
    work: [],
    framesDone: framesDoneBy(jobs, node.name),
    lastSeen: new Date(node.lastSeen).toISOString(),
    blocklisted: blocklistsOf(jobs, node.name),
  })).sort(byName)
  return [...online, ...offline]
}

function onlineNode (farm: Farm, node: NodeSession, jobs: readonly Job[], now: number): NodeSummary {
  const work = jobs.flatMap(job => {
    if (isFinished(job.state)) return []
    const held = frameIndex(job).held.get(node.id)
    const probing = job.probe?.state === 'running' && job.probe.nodeId === node.id
    if (held === undefined && !probing) return []
    return [{ jobId: job.id, frames: held !== undefined ? summarizeFrameList([...held].sort((a, b) => a - b), MAX_FRAME_TEXT) : 'scene' }]
  })
  const blocklisted = blocklistsOf(jobs, node.name)
  const blockedOnUnfinished = jobs.some(job => !isFinished(job.state) && job.blocklist[node.name] !== undefined)
  const { progress } = farm.nodes.progressOf(node, now)
  // Only a frame it still holds: one delivered (or taken back) is no longer its work.
  const job = progress !== undefined ? farm.jobs.get(progress.jobId) : undefined
  const current = job !== undefined && progress !== undefined && frameIndex(job).held.get(node.id)?.has(progress.frame) === true ? progress : undefined
  return {
    peerId: node.id,
    name: node.name,
    online: true,
    state: node.withdrawn === 'disabled' ? 'disabled'
      : node.withdrawn === 'drained' ? (work.length > 0 ? 'draining' : 'drained')
        : work.length > 0 ? 'rendering' : node.schedule?.sleeping === true ? 'sleeping' : blockedOnUnfinished ? 'blocklisted' : 'idle',
    admin: node.withdrawn ?? 'enabled',
    work,
    ...(current !== undefined ? { progress: { jobId: current.jobId, frame: current.frame, fraction: current.fraction, estimated: current.estimated === true } } : {}),
    ...(node.device !== undefined ? { device: node.device } : {}),
    blenderVersion: node.blenderVersion,
    cores: node.cores,
    framesDone: framesDoneBy(jobs, node.name),
    ...(node.framesDone > 0 ? { secondsPerFrame: node.frameSeconds / node.framesDone } : {}),
    lastSeen: new Date(node.lastSeen).toISOString(),
    blocklisted,
    ...(node.schedule !== undefined ? { schedule: scheduleText(node.schedule) } : {}),
  }
}

/** `Mon-Fri 19:00-08:00`, and while it sleeps, until when (the coordinator's local time). */
function scheduleText (schedule: NonNullable<NodeSession['schedule']>): string {
  if (!schedule.sleeping) return schedule.window
  const until = schedule.until !== undefined ? ` until ${new Date(schedule.until).toTimeString().slice(0, 5)}` : ''
  return `${schedule.window} (sleeping${until})`
}

/** Frames of the coordinator's jobs done by the node (kept in the manifests: counts survive restarts). */
function framesDoneBy (jobs: readonly Job[], name: string): number {
  return jobs.reduce((sum, job) => sum + (frameIndex(job).doneBy.get(name) ?? 0), 0)
}

function blocklistsOf (jobs: readonly Job[], name: string): Record<string, string> {
  return Object.fromEntries(jobs.flatMap(job => job.blocklist[name] !== undefined ? [[job.id, job.blocklist[name]]] : []))
}

function byName (a: NodeSummary, b: NodeSummary): number {
  return a.name.localeCompare(b.name)
}
