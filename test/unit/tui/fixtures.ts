import { newNodeSession } from '../../../src/coordinator/node-registry.js'
import type { NodeSession } from '../../../src/coordinator/node-registry.js'
import type { FrameState, Job } from '../../../src/jobs/job.js'
import type { SubmitRequest } from '../../../src/protocol/messages.js'
import { makeJob } from '../../helpers/job-fixtures.js'
import { assignFrame, completeFrame, giveUpFrame } from '../../../src/jobs/frame-record.js'

export const NOW = Date.UTC(2026, 10, 1, 12, 0, 0)

/** A connected node as the farm keeps it, joined a minute before NOW. */
export function session (name: string, overrides: Partial<NodeSession> = {}): NodeSession {
  const node = newNodeSession({ id: `peer-${name}`, name, cores: 8, blenderVersion: '4.2.0', platform: 'linux', send: () => {}, disconnect: () => {} }, NOW - 60_000)
  return { ...node, lastSeen: NOW, ...overrides }
}

const CODES: Record<string, FrameState> = { d: 'done', r: 'rendering', p: 'pending', f: 'failed' }

/**
 * A job whose frames 1… have the states spelled by `states` (d done, r rendering,
 * p pending, f failed); rendering frames are on `renderingOn` (a peer id).
 */
export function jobWith (id: string, states: string, o: { renderingOn?: string, state?: Job['state'], request?: Partial<SubmitRequest> } = {}): Job {
  const job = makeJob(id, { frames: `1-${states.length}`, ...o.request })
  const holder = o.renderingOn ?? 'peer-a'
  ;[...states].forEach((code, i) => {
    const frame = i + 1
    const state = CODES[code]
    if (job.frames[frame] === undefined || state === undefined) throw new Error(`bad frame code ${code}`)
    // Through the frame transitions, as the farm changes frames (untouched frames share one frozen record).
    if (state === 'rendering') assignFrame(job, frame, { id: holder, name: holder.replace(/^peer-/, '') }, 't1')
    if (state === 'done') completeFrame(job, frame, 'a', new Date(NOW).toISOString())
    if (state === 'failed') giveUpFrame(job, frame)
  })
  job.state = o.state ?? (states.includes('d') || states.includes('r') ? 'active' : 'queued')
  return job
}
