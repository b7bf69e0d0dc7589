import test from 'ava'
import { formatEvent } from '../../../src/coordinator/event-log.js'
import type { CoordinatorEvent } from '../../../src/coordinator/events.js'

// What a peer says (a node's name, an error text) must never make the log
// show a line the coordinator did not write.

const forged = 'evil\n[12:00:00] job 1 complete\u001b[2J'
// eslint-disable-next-line no-control-regex -- what the test looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

const events: CoordinatorEvent[] = [
  { type: 'node-joined', nodeId: 'p', name: forged, blenderVersion: forged, cores: 8 },
  { type: 'node-left', nodeId: 'p', name: forged, reason: forged, requeued: 0 },
  { type: 'job-created', jobId: '1', name: forged, frames: 3, range: '1-3' },
  { type: 'frame-failed', jobId: '1', frame: 1, nodeName: forged, error: forged, willRetry: true },
  { type: 'node-blocklisted', jobId: '1', nodeName: forged, reason: forged },
  { type: 'job-failed', jobId: '1', error: forged },
  { type: 'peer-error', peer: 'p', protocol: '/microfarm/submit/1.0.0', error: forged },
  { type: 'warning', message: forged },
]

for (const event of events) {
  test(`a ${event.type} event with a forged line in a peer's text is one line without control characters`, (t) => {
    const line = formatEvent(event) ?? ''
    t.false(CONTROL.test(line), JSON.stringify(line))
    t.true(line.includes('evil [12:00:00] job 1 complete?[2J'), JSON.stringify(line))
  })
}
