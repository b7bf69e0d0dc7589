import type { JobView, JobState } from '../jobs/job.js'
import type { FarmModel } from './farm-model.js'
import { shortId } from './format.js'
import { KEYS } from './keys.js'
import type { Line } from './styled.js'
import type { Status } from './ui-state.js'

/** Farm name, short peer id, listen addresses; then nodes, frames per minute, jobs by state. */
export function header (o: { model: FarmModel, jobs: readonly JobView[], online: number, known: number, rendering: number, now: number }): Line[] {
  const addresses = o.model.addresses.map(addr => addr.replace(/\/p2p\/.*$/, ''))
  const byState = new Map<JobState, number>()
  for (const job of o.jobs) byState.set(job.state, (byState.get(job.state) ?? 0) + 1)
  // Most pressing first: on a narrow screen the end is cut.
  const order: JobState[] = ['active', 'queued', 'paused', 'failed', 'completed', 'cancelled']
  const jobs = order.filter(state => byState.has(state)).map(state => `${byState.get(state)} ${state}`).join(', ')
  return [
    [
      { text: 'MicroFarm', bold: true, fg: 'cyan' },
      { text: '  farm ' }, { text: o.model.farmName, bold: true },
      { text: o.model.farmPrivate ? ' private' : ' open', fg: o.model.farmPrivate ? 'green' : 'yellow' },
      { text: '  peer ' }, { text: o.model.peerId !== undefined ? shortId(o.model.peerId) : 'starting…' },
      { text: '  on ' }, { text: addresses.join(' ') || '—' },
    ],
    [
      { text: 'nodes ' }, { text: `${o.online}/${o.known}`, bold: true, fg: o.online > 0 ? 'green' : 'yellow' }, { text: ' online, ' },
      { text: String(o.rendering), bold: true }, { text: ' rendering  ' },
      { text: String(o.model.framesPerMinute(o.now)), bold: true }, { text: ' frames/min  ' },
      { text: 'jobs ' }, { text: jobs || 'none yet (n: new job)' },
    ],
  ]
}

export function statusLine (status: Status | undefined): Line {
  if (status === undefined) return [{ text: 'Tab switches panels, ? lists every key', fg: 'gray' }]
  return [{ text: status.text, fg: status.level === 'error' ? 'red' : status.level === 'ok' ? 'green' : 'white' }]
}

export function footer (): Line {
  return KEYS.filter(key => key.footer !== undefined).flatMap(key => [
    { text: ` ${key.keys} `, bg: 'blue' as const, fg: 'white' as const, bold: true },
    { text: ` ${key.footer} ` },
  ])
}
