import test from 'ava'
import { nodeRows } from '../../../src/tui/nodes-panel.js'
import { survey } from '../../../src/tui/survey.js'
import { pickTask } from '../../../src/jobs/scheduler.js'
import { newNodeSession } from '../../../src/coordinator/node-registry.js'
import type { NodeSnapshot } from '../../../src/coordinator/node-registry.js'
import { at, makeJob } from '../../helpers/job-fixtures.js'

function session (id: string, extra: Partial<NodeSnapshot> = {}): NodeSnapshot {
  return { ...newNodeSession({ id, name: id, cores: 4, blenderVersion: '3.4.1', platform: 'linux', send: () => {}, disconnect: () => {} }, 0), ...extra }
}

test('the nodes panel says draining, drained and disabled, and marks an estimated progress with ~', (t) => {
  const job = makeJob('1', { frames: '1-4', chunk: 1 })
  pickTask([job], { id: 'a', name: 'a' }, [], 't1', at(1))
  const sessions = [
    session('a', { withdrawn: 'drained', progress: { jobId: '1', frame: 1, fraction: 0.4, estimated: true } }),
    session('b', { withdrawn: 'drained' }),
    session('c', { withdrawn: 'disabled' }),
    session('d'),
  ]
  const rows = nodeRows({ records: new Map(), sessions, survey: survey([job]), jobs: [job], now: 0 })
  t.deepEqual(rows.map(row => [row.name, row.state]), [['a', 'draining'], ['b', 'drained'], ['c', 'disabled'], ['d', 'idle']])
  t.is(rows[0]?.work, '1: 1 (1 at ~40%)')
})
