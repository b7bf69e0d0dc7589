import { CoordinatorClient } from '../../client/coordinator-client.js'
import type { ClientOptions } from '../../client/coordinator-client.js'
import type { NodeSummary } from '../../protocol/messages.js'
import { formatTable } from '../table.js'
import { formatAgo, formatFrameTime, formatProgress } from '../../tui/format.js'

// microfarm nodes, drain, disable, enable, unblock: through the admin
// protocol, to the same API the dashboard's keys use.

export async function runNodes (flags: ClientOptions & { json: boolean }): Promise<number> {
  const client = await CoordinatorClient.connect(flags)
  try {
    const nodes = await client.listNodes()
    if (flags.json) console.log(JSON.stringify(nodes, null, 2))
    else console.log(nodes.length === 0 ? 'no nodes have joined this farm' : formatNodes(nodes, Date.now()))
    return 0
  } finally {
    await client.close()
  }
}

export async function runNodeState (state: 'drained' | 'disabled' | 'enabled', node: string, flags: ClientOptions): Promise<number> {
  const client = await CoordinatorClient.connect(flags)
  try {
    console.log(await client.nodeState(node, state))
    return 0
  } finally {
    await client.close()
  }
}

export async function runUnblock (jobId: string, node: string | undefined, flags: ClientOptions & { all?: boolean }): Promise<number> {
  if ((node === undefined) === (flags.all !== true)) throw new Error('say which node to unblock (a name as microfarm nodes shows it, or a peer id), or --all for every node; not both')
  const client = await CoordinatorClient.connect(flags)
  try {
    console.log(await client.unblock(jobId, flags.all === true ? undefined : node))
    return 0
  } finally {
    await client.close()
  }
}

export function formatNodes (nodes: readonly NodeSummary[], now: number): string {
  const rows = nodes.map(node => [
    node.name,
    node.state,
    workText(node),
    node.device ?? '-',
    node.blenderVersion ?? '-',
    String(node.framesDone),
    formatFrameTime(node.secondsPerFrame),
    formatAgo(Math.max(0, now - Date.parse(node.lastSeen))),
  ])
  const table = formatTable(['NODE', 'STATE', 'JOB: FRAMES', 'DEVICE', 'BLENDER', 'DONE', 'AVG', 'SEEN'], rows)
  const notes = nodes.flatMap(node => [
    ...Object.entries(node.blocklisted).map(([jobId, why]) => `${node.name}: blocklisted on job ${jobId} (${why}); microfarm unblock ${jobId} ${node.name}`),
    ...(node.schedule !== undefined ? [`${node.name}: renders ${node.schedule}`] : []),
    ...(node.progress?.estimated === true ? [`${node.name}: frame ${node.progress.frame} at ${formatProgress(node.progress)} is an estimate (time taken against the job's average frame; Blender's own count is too coarse)`] : []),
  ])
  return [table, ...notes].join('\n')
}

/** `3: 12-14 (12 at ~40%)`: what it holds, and how far Blender is with the frame it renders. */
function workText (node: NodeSummary): string {
  if (node.work.length === 0) return '-'
  return node.work.map(w => {
    const progress = node.progress !== undefined && node.progress.jobId === w.jobId ? ` (${node.progress.frame} at ${formatProgress(node.progress)})` : ''
    return `${w.jobId}: ${w.frames}${progress}`
  }).join('; ')
}
