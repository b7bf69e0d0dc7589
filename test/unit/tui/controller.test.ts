import test from 'ava'
import { JobControlError } from '../../../src/jobs/job-state.js'
import type { Job } from '../../../src/jobs/job.js'
import type { JobAction } from '../../../src/protocol/messages.js'
import { logContent } from '../../../src/tui/log-overlay.js'
import type { LogOverlay } from '../../../src/tui/log-overlay.js'
import { Controller } from '../../../src/tui/controller.js'
import type { DashboardActions, KeyPress } from '../../../src/tui/controller.js'
import { jobWith } from './fixtures.js'

interface Setup {
  controller: Controller
  press: (...keys: Array<string | KeyPress>) => void
  calls: Array<[string, JobAction]>
  submitted: Array<{ path: string, options: { frames?: string, chunk: number } }>
  logs: string[]
  quits: () => number
}

const settle = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

function setup (jobs: Job[]): Setup {
  const calls: Setup['calls'] = []
  const submitted: Setup['submitted'] = []
  const logs: string[] = []
  let quits = 0
  const actions: DashboardActions = {
    jobAction: async (jobId, action) => {
      calls.push([jobId, action])
      if (action === 'retry') throw new JobControlError(`job ${jobId} has no failed frames to retry`)
      return `job ${jobId}: ${action} done`
    },
    submitFile: async (path, options) => {
      submitted.push({ path, options })
      return { id: '9', name: 'shot.blend' }
    },
    jobFiles: async () => [{ path: '/out/job_1_render.mp4', bytes: 4096, kind: 'video' }],
    nodeState: async (node, state) => {
      calls.push([node, state === 'drained' ? 'pause' : state === 'disabled' ? 'cancel' : 'resume'])
      return `${node} ${state}`
    },
    unblock: async (jobId, node) => {
      calls.push([node, 'retry'])
      return `job ${jobId}: ${node} may render it again`
    },
    lastFailedFrameLog: async (jobId) => jobId === '1' ? FAILED_LOG : undefined,
  }
  const controller = new Controller({ actions, jobs: () => jobs, log: (text) => logs.push(text), changed: () => {}, quit: () => { quits++ }, redraw: () => {} })
  // Printable keys come with their character; named keys (up, enter, escape, C-c) without.
  const press = (...keys: Array<string | KeyPress>): void => {
    for (const key of keys) controller.key(typeof key !== 'string' ? key : key.length === 1 ? { full: key, ch: key } : { full: key })
  }
  return { controller, press, calls, submitted, logs, quits: () => quits }
}

test('p pauses the selected job and resumes a paused one; a, r and e run at once', async (t) => {
  const jobs = [jobWith('1', 'dp'), jobWith('2', 'pp', { state: 'paused' })]
  const s = setup(jobs)
  s.press('p')
  s.press('j', 'p', 'a', 'e')
  await settle()
  t.deepEqual(s.calls, [['1', 'pause'], ['2', 'resume'], ['2', 'activate'], ['2', 'encode']])
  t.deepEqual(s.controller.state.status, { text: 'job 2: encode done', level: 'ok' })
  t.true(s.logs.includes('job 2: resume done'))
})

test('an action the job refuses shows its reason as an error', async (t) => {
  const s = setup([jobWith('1', 'dd', { state: 'completed' })])
  s.press('r')
  await settle()
  t.deepEqual(s.controller.state.status, { text: 'job 1 has no failed frames to retry', level: 'error' })
  t.true(s.logs.includes('job 1 has no failed frames to retry'))
})

test('cancel, force-complete and delete ask first: y does it, n or Esc does nothing', async (t) => {
  const s = setup([jobWith('1', 'dp')])
  s.press('c')
  t.is(s.controller.state.overlay?.kind, 'confirm')
  s.press('n', 'f', 'escape', 'd', 'x')
  t.is(s.controller.state.overlay?.kind, 'confirm', 'other keys leave the question open')
  s.press('escape')
  await settle()
  t.deepEqual(s.calls, [])
  t.is(s.controller.state.overlay, undefined)
  s.press('c', 'y', 'f', 'y', 'd', 'y')
  await settle()
  t.deepEqual(s.calls, [['1', 'cancel'], ['1', 'complete'], ['1', 'delete']])
})

test('q quits at once when nothing renders, asks while jobs are queued or active', (t) => {
  const idle = setup([jobWith('1', 'dd', { state: 'completed' })])
  idle.press('q')
  t.is(idle.quits(), 1)

  const busy = setup([jobWith('1', 'dp')])
  busy.press('q')
  t.is(busy.quits(), 0)
  t.is(busy.controller.state.overlay?.kind, 'confirm')
  busy.press('n')
  t.is(busy.quits(), 0)
  busy.press('C-c', 'q')
  t.is(busy.quits(), 1, 'q or Ctrl-C again confirms')
})

test('up/down and j/k move the selection; Tab moves the focus; the log scrolls back and G follows', (t) => {
  const jobs = [jobWith('1', 'dd', { state: 'completed' }), jobWith('2', 'dp'), jobWith('3', 'pp')]
  const s = setup(jobs)
  s.controller.sync({ scroll: { jobs: 0, nodes: 0, log: 0 }, selectedJobId: '2' })
  s.press('down')
  t.is(s.controller.state.selectedJobId, '3')
  s.press('down', 'k', 'up')
  t.is(s.controller.state.selectedJobId, '1')
  s.press('G')
  t.is(s.controller.state.selectedJobId, '3')
  s.press('tab')
  t.is(s.controller.state.focus, 'nodes')
  s.press('tab', 'up', 'up', 'pageup')
  t.is(s.controller.state.focus, 'log')
  t.is(s.controller.state.scroll.log, 12)
  s.press('G')
  t.is(s.controller.state.scroll.log, 0)
  s.press('S-tab', 'S-tab')
  t.is(s.controller.state.focus, 'jobs')
  s.press('p')
  t.is(s.controller.state.selectedJobId, '3', 'moving in other panels keeps the job')
})

test('n asks for a .blend, frames and chunk; mistakes keep the form open', async (t) => {
  const s = setup([])
  s.press('n', ...'/tmp/shot.blend', 'enter', ...'1-5', 'enter', 'C-u', 'x', 'enter')
  await settle()
  const form = s.controller.state.overlay
  t.is(form?.kind, 'form')
  t.regex(form?.kind === 'form' ? form.error ?? '' : '', /chunk: a whole number/)
  t.deepEqual(s.submitted, [])
  s.press('backspace', '2', 'enter', { full: 'return', ch: '\r' })
  await settle()
  t.deepEqual(s.submitted, [{ path: '/tmp/shot.blend', options: { frames: '1-5', chunk: 2 } }])
  t.is(s.controller.state.overlay, undefined)
  t.is(s.controller.state.selectedJobId, '9', 'the new job is selected')
  t.deepEqual(s.controller.state.status, { text: 'job 9 submitted: shot.blend, frames 1-5', level: 'ok' })
})

test('the new-job form checks the frame list; empty frames leave the range to a node', async (t) => {
  const s = setup([])
  s.press('n', ...'a.blend', 'enter', ...'9-1', 'enter', 'enter')
  await settle()
  const form = s.controller.state.overlay
  t.regex(form?.kind === 'form' ? form.error ?? '' : '', /9-1/)
  s.press('up', 'C-u', 'enter', 'enter')
  await settle()
  t.deepEqual(s.submitted, [{ path: 'a.blend', options: { chunk: 1 } }])
})

const FAILED_LOG = { frame: 3, attempt: 2, node: 'vm', at: '2026-12-02T01:02:03.000Z', outcome: 'failed' as const, error: 'Error: Cannot render, no camera', lines: Array.from({ length: 40 }, (_, i) => `line ${i + 1}`) }

test('l shows Blender\'s output of the frame that failed last, from its end; it scrolls, and Esc closes it', async (t) => {
  const s = setup([jobWith('1', 'dfd'), jobWith('2', 'dd')])
  s.press('l')
  await settle()
  const log = s.controller.state.overlay
  t.is(log?.kind, 'log')
  t.deepEqual(log?.kind === 'log' ? log.entry : undefined, FAILED_LOG)
  const { lines, scroll } = logContent(log as LogOverlay, 12)
  const text = lines.map(line => line.map(part => part.text).join(''))
  t.is(text[0], 'frame 3, attempt 2 on vm at 2026-12-02 01:02:03')
  t.is(text[1], 'Error: Cannot render, no camera')
  t.is(text.at(-2), 'line 40', 'it opens at the end, where Blender says why')
  s.controller.sync({ scroll: s.controller.state.scroll, selectedJobId: '1', overlay: { title: '', lines: [], width: 0, height: 0, ...(scroll !== undefined ? { scroll } : {}) } })
  s.press('up', 'up')
  t.is(logContent(log as LogOverlay, 12).lines.at(-2)?.[0]?.text, 'line 38')
  s.press('escape')
  t.is(s.controller.state.overlay, undefined)
  s.press('j', 'l')
  await settle()
  const none = s.controller.state.overlay
  t.deepEqual(logContent(none as LogOverlay, 12).lines, [[{ text: 'no frame of this job has failed', fg: 'gray' }]])
})

test('o lists the job\'s files; ? shows help and the next key only closes it', async (t) => {
  const s = setup([jobWith('1', 'dd', { state: 'completed' })])
  s.press('o')
  await settle()
  const files = s.controller.state.overlay
  t.deepEqual(files?.kind === 'files' ? files.files : undefined, [{ path: '/out/job_1_render.mp4', bytes: 4096, kind: 'video' }])
  s.press('escape', '?', 'c')
  t.is(s.controller.state.overlay, undefined)
  t.deepEqual(s.calls, [])
})

test('with no job, job keys say so', (t) => {
  const s = setup([])
  s.press('c')
  t.deepEqual(s.controller.state.status, { text: 'no job selected', level: 'error' })
})

test('node keys act on the node picked in the nodes panel: D and X ask first, E and U run at once', async (t) => {
  const s = setup([jobWith('1', 'dp')])
  s.press('D')
  await settle()
  t.regex(s.controller.state.status?.text ?? '', /Tab to the nodes panel/, 'outside the nodes panel they say where to go')
  s.press('tab')
  s.controller.sync({ scroll: s.controller.state.scroll, selectedJobId: '1', nodeNames: ['a', 'b'], selectedNode: 'a' })
  s.press('j', 'X')
  t.like(s.controller.state.overlay, { kind: 'confirm', title: 'Disable node b?' })
  s.press('n')
  s.press('D')
  t.like(s.controller.state.overlay, { kind: 'confirm', title: 'Drain node b?' })
  s.press('y', 'E', 'U')
  await settle()
  t.deepEqual(s.calls, [['b', 'pause'], ['b', 'resume'], ['b', 'retry']], 'drained, enabled, unblocked; the disable was declined')
  t.deepEqual(s.controller.state.status, { text: 'job 1: b may render it again', level: 'ok' })
})
