import { PassThrough } from 'node:stream'
import { CoordinatorEvents } from '../../../src/coordinator/events.js'
import type { NodeSession } from '../../../src/coordinator/node-registry.js'
import type { Job } from '../../../src/jobs/job.js'
import type { DashboardActions } from '../../../src/tui/controller.js'
import type { FarmSource } from '../../../src/tui/dashboard.js'
import type { Terminal } from '../../../src/tui/terminal.js'

export type FakeTty = PassThrough & { isTTY: true, isRaw: boolean, columns: number, rows: number, setRawMode: (raw: boolean) => FakeTty }

/** A stream that passes for a terminal of the given size (what blessed checks). */
export function fakeTty (columns = 120, rows = 40): FakeTty {
  const stream = new PassThrough() as FakeTty
  Object.assign(stream, {
    isTTY: true,
    isRaw: false,
    columns,
    rows,
    setRawMode: (raw: boolean) => {
      stream.isRaw = raw
      return stream
    },
  })
  return stream
}

export interface Streams { input: FakeTty, output: FakeTty }

export function fakeTerminal (columns = 120, rows = 40): Streams & { written: () => string } {
  const output = fakeTty(columns, rows)
  let written = ''
  output.setEncoding('utf8').on('data', (chunk: string) => { written = (written + chunk).slice(-4096) })
  return { input: fakeTty(columns, rows), output, written: () => written }
}

/** What blessed last drew, as text rows. */
export function screenText (terminal: Terminal): string[] {
  const lines = (terminal.screen as unknown as { lines: Array<Array<[number, string]>> }).lines
  return lines.map(row => row.map(cell => cell[1]).join(''))
}

export interface FakeFarm extends FarmSource {
  events: CoordinatorEvents
  jobs: Map<string, Job>
  sessions: NodeSession[]
}

export function fakeFarm (jobs: Job[] = [], sessions: NodeSession[] = [], api: Partial<DashboardActions> = {}): FakeFarm {
  const map = new Map(jobs.map(job => [job.id, job]))
  return {
    events: new CoordinatorEvents(),
    jobs: map,
    sessions,
    farm: { jobs: map, nodes: { snapshots: () => sessions } },
    api: {
      jobAction: async (jobId, action) => `job ${jobId}: ${action}`,
      submitFile: async () => { throw new Error('not in this test') },
      jobFiles: async () => [],
      nodeState: async (node, state) => `${node} ${state}`,
      unblock: async (jobId, node) => `job ${jobId}: ${node} may render it again`,
      lastFailedFrameLog: async () => undefined,
      ...api,
    },
  }
}
