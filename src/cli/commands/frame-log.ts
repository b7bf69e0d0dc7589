import { CoordinatorClient } from '../../client/coordinator-client.js'
import type { ClientOptions } from '../../client/coordinator-client.js'
import type { FrameLogEntry, FrameLogSummary } from '../../protocol/frame-logs.js'
import { formatTable } from '../table.js'

/** `microfarm log JOB [FRAME]`: Blender's output of a frame's last attempt (or every attempt kept), or the frames that have one. */
export async function runFrameLog (jobId: string, frame: number | undefined, flags: ClientOptions & { all: boolean, json: boolean }): Promise<number> {
  const client = await CoordinatorClient.connect(flags)
  try {
    const reply = await client.frameLog(jobId, frame, flags.all)
    if (flags.json) console.log(JSON.stringify(reply.type === 'frame-log' ? reply.entries : reply.frames, null, 2))
    else if (reply.type === 'frame-log') console.log(formatFrameLog(reply.jobId, reply.frame, reply.entries, reply.earlier))
    else console.log(formatLogIndex(reply.jobId, reply.frames))
    return 0
  } finally {
    await client.close()
  }
}

export function formatFrameLog (jobId: string, frame: number, entries: readonly FrameLogEntry[], earlier: number): string {
  if (entries.length === 0) return `job ${jobId}, frame ${frame}: no Blender output kept (it has not failed or warned, or its log was dropped for newer ones)`
  const blocks = entries.map(entry => [
    `job ${jobId}, frame ${frame}: attempt ${entry.attempt} on ${entry.node} at ${shownTime(entry.at)}: ` +
      (entry.outcome === 'failed' ? `failed: ${entry.error ?? 'no reason given'}` : 'rendered, with Blender warnings'),
    ...(entry.lines.length > 0 ? entry.lines : ['(the node sent none of Blender\'s output)']),
  ].join('\n'))
  const note = earlier > 0 ? [`(${earlier} earlier attempt(s) kept and not shown)`] : []
  return [...note, ...blocks].join('\n\n')
}

export function formatLogIndex (jobId: string, frames: readonly FrameLogSummary[]): string {
  if (frames.length === 0) return `job ${jobId}: no frame has a Blender log (none failed or warned)`
  const rows = frames.map(f => [String(f.frame), String(f.attempts), f.outcome === 'failed' ? 'failed' : 'warnings', f.node, shownTime(f.at), f.error ?? ''])
  return [formatTable(['FRAME', 'KEPT', 'LAST', 'NODE', 'WHEN (UTC)', 'ERROR'], rows), `microfarm log ${jobId} FRAME prints one (--all: every attempt kept)`].join('\n')
}

function shownTime (iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')
}
