import test from 'ava'
import { FarmModel } from '../../../src/tui/farm-model.js'
import { ASCII_GLYPHS, UNICODE_GLYPHS } from '../../../src/tui/glyphs.js'
import { jobRow, jobsTable, progressBar } from '../../../src/tui/jobs-panel.js'
import { nodeRows, nodesTable } from '../../../src/tui/nodes-panel.js'
import { plain } from '../../../src/tui/styled.js'
import { etaSeconds, survey } from '../../../src/tui/survey.js'
import { initialUiState } from '../../../src/tui/ui-state.js'
import type { UiState } from '../../../src/tui/ui-state.js'
import { buildView, keepVisible, pickJob } from '../../../src/tui/view-model.js'
import type { ViewInput } from '../../../src/tui/view-model.js'
import { jobWith, NOW, session } from './fixtures.js'
import { createJob } from '../../../src/jobs/create-job.js'
import { completeFrame } from '../../../src/jobs/frame-record.js'
import { tiledStillFor } from '../../../src/jobs/tiled-still.js'
import { projectManifest, sceneInfo, submitRequest } from '../../helpers/job-fixtures.js'

function input (o: Partial<ViewInput> = {}): ViewInput {
  return { width: 80, height: 24, now: NOW, jobs: [], sessions: [], model: new FarmModel('studio'), ui: initialUiState(), glyphs: ASCII_GLYPHS, ...o }
}

const screen = (o: Partial<ViewInput> = {}): string[] => buildView(input(o)).lines.map(plain)

test('the screen is exactly the terminal size, at 80x24 and after a resize', (t) => {
  const jobs = [jobWith('1', 'ddrrpp'), jobWith('2', 'pppp')]
  for (const [width, height] of [[80, 24], [120, 40], [100, 30]] as const) {
    const lines = screen({ width, height, jobs, sessions: [session('a')] })
    t.is(lines.length, height)
    t.true(lines.every(line => line.length === width), `${width}x${height}`)
  }
})

test('node states: rendering with its job and frames, idle, blocklisted, offline', (t) => {
  const model = new FarmModel('f')
  for (const name of ['a', 'b', 'c', 'gone']) model.apply({ type: 'node-joined', nodeId: `peer-${name}`, name, blenderVersion: '4.2.0', cores: 4 }, NOW - 60_000)
  model.apply({ type: 'frame-done', jobId: '1', frame: 1, nodeName: 'a', done: 1, total: 6, seconds: 2.5 }, NOW - 5000)
  model.apply({ type: 'node-left', nodeId: 'peer-gone', name: 'gone', reason: 'no heartbeat for 15 s', requeued: 0 }, NOW - 90_000)
  const job = jobWith('1', 'drrppp', { renderingOn: 'peer-a' })
  job.blocklist.c = 'failed 3 times'
  const jobs = [job]
  const sessions = [session('b'), session('a', { lastSeen: NOW - 4000, progress: { jobId: '1', frame: 2, fraction: 0.42 } }), session('c')]
  const rows = nodeRows({ records: model.nodes, sessions, survey: survey(jobs), jobs, now: NOW })
  t.deepEqual(rows.map(row => [row.name, row.state, row.work]), [
    ['a', 'rendering', '1: 2-3 (2 at 42%)'],
    ['b', 'idle', ''],
    ['c', 'blocklisted', 'not on job 1'],
    ['gone', 'offline', 'no heartbeat for 15 s'],
  ])
  t.like(rows[0], { framesDone: 1, secondsPerFrame: 2.5, silentMs: 4000, blender: '4.2.0' })
  t.is(rows[3]?.silentMs, 90_000)
  const table = nodesTable(rows, 80).lines.map(plain)
  t.regex(table[0] ?? '', /^a\s+rendering\s+1: 2-3 \(2 at 42%\)\s+4\.2\.0\s+1\s+2\.5s\s+4s ago$/)
  t.regex(table[3] ?? '', /^gone\s+offline\s+no heartbeat for 15 s\s+4\.2\.0\s+0\s+—\s+1m30s ago$/)
})

test('a node reading a scene shows it; a finished job no longer blocklists anyone', (t) => {
  const probing = jobWith('2', 'pp')
  probing.frames = {}
  probing.probe = { state: 'running', nodeId: 'peer-a', attempts: 1 }
  const done = jobWith('3', 'dd', { state: 'completed' })
  done.blocklist.b = 'failed'
  const jobs = [probing, done]
  const rows = nodeRows({ records: new Map(), sessions: [session('a'), session('b')], survey: survey(jobs), jobs, now: NOW })
  t.deepEqual(rows.map(row => [row.state, row.work]), [['rendering', '2: scene'], ['idle', '']])
})

test('job rows: progress bar, done/total, failed, priority, ETA from measured frame times', (t) => {
  const job = jobWith('7', 'ddddrrppff', { request: { priority: 5, name: 'shot_010.blend' } })
  job.frames[5]!.nodeId = 'peer-a'
  job.frames[6]!.nodeId = 'peer-b'
  const facts = survey([job]).jobs.get('7')!
  // 4 frames left (2 rendering, 2 pending) at 10 s a frame on 2 nodes: 20 s.
  const row = jobRow(job, facts, 10, 3)
  t.like(row, { id: '7', name: 'shot_010.blend', state: 'active', done: 4, total: 10, failed: 2, priority: 5, eta: 20 })
  const [line] = jobsTable([row], 80, ASCII_GLYPHS, '7').lines.map(plain)
  t.regex(line ?? '', /^>7\s+shot_010\.blend\s+active\s+#+X+-+\s+40%\s+4\/10\s+2\s+5\s+20s$/)
})

test('ETA: unknown until a frame was timed or while nobody renders; finished jobs show none', (t) => {
  t.is(etaSeconds({ remaining: 10, workers: 2 }), undefined)
  t.is(etaSeconds({ remaining: 10, secondsPerFrame: 3, workers: 0 }), undefined)
  t.is(etaSeconds({ remaining: 0, workers: 0 }), 0)
  t.is(etaSeconds({ remaining: 1, secondsPerFrame: 6, workers: 4 }), 6, 'one frame left takes a frame\'s time, however many nodes')
  const between = jobWith('1', 'ddpp')
  t.is(jobRow(between, survey([between]).jobs.get('1')!, 5, 2).eta, 5, 'an active job between frames counts the nodes that may take it')
  const paused = jobWith('2', 'ddpp', { state: 'paused' })
  t.is(jobRow(paused, survey([paused]).jobs.get('2')!, 5, 2).eta, undefined)
})

test('progress bars fill with done frames, failed ones in red', (t) => {
  const bar = progressBar({ done: 5, failed: 1, rendering: 0, pending: 4 }, 10, 15, UNICODE_GLYPHS)
  t.is(plain(bar), '██████░░░░  50%')
  t.deepEqual(bar.map(s => s.fg), ['green', 'red', 'gray', undefined])
  t.is(plain(progressBar({ done: 0, failed: 0, rendering: 0, pending: 0 }, 0, 10, ASCII_GLYPHS)), '-----    —')
  t.is(plain(progressBar({ done: 3, failed: 0, rendering: 0, pending: 0 }, 3, 10, ASCII_GLYPHS)), '##### 100%')
})

test('the selected job: frame map, legend, video and last error', (t) => {
  const job = jobWith('1', 'ddrpf')
  job.encode.state = 'encoding'
  job.encode.progress = 0.42
  job.encode.outputPath = '/out/job_1_render.mp4'
  const model = new FarmModel('f')
  model.apply({ type: 'frame-failed', jobId: '1', frame: 5, nodeName: 'a', error: 'Error: Cannot render, no camera', willRetry: false }, NOW)
  const lines = screen({ jobs: [job], model })
  const at = lines.findIndex(line => line.startsWith('JOB 1  scene.blend'))
  t.true(at > 0)
  t.is(lines[at + 1]?.trimEnd(), '##*.X')
  t.regex(lines[at + 2] ?? '', /X failed\s+\* rendering\s+\. pending\s+# done\s+1 frame a cell/)
  t.regex(lines[at + 3] ?? '', /^video: encoding 42% → \/out\/job_1_render\.mp4/)
  t.regex(lines[at + 4] ?? '', /^last error: frame 5 on a: Error: Cannot render, no camera/)
})

test('a tiled still\'s map draws its tiles where they lie in the image, and says where the still is', (t) => {
  const request = submitRequest({ frames: '12', sceneInfo: sceneInfo(), tiles: { grid: { columns: 4, rows: 2 }, overscan: 16 } })
  const job = createJob('1', request, projectManifest(), new Date(NOW), undefined, tiledStillFor(request, 1))
  for (const tile of [0, 1, 5]) completeFrame(job, tile, 'a', new Date(NOW).toISOString())
  job.state = 'active'
  const lines = screen({ jobs: [job], width: 80, height: 40 })
  const at = lines.findIndex(line => line.startsWith('JOB 1'))
  t.regex(lines[at] ?? '', /frame 12 in 4x2 tiles, overscan 16 px/)
  t.deepEqual(lines.slice(at + 1, at + 3).map(line => line.trimEnd()), ['####....', '..##....'])
  t.regex(lines.find(line => line.includes('tiles as they lie in the image')) ?? '', /# done/)
  t.truthy(lines.find(line => /^still: stitched on the coordinator once every tile is in/.test(line)))
})

test('a long job\'s map is scaled and says how', (t) => {
  const job = jobWith('1', 'd'.repeat(999) + 'f')
  const lines = screen({ jobs: [job], width: 80, height: 40 })
  const at = lines.findIndex(line => line.startsWith('JOB 1'))
  const map = lines.slice(at + 1, at + 7).map(line => line.trimEnd())
  t.is(map.join('').length, Math.ceil(1000 / Math.ceil(1000 / 480)))
  t.true(map.join('').endsWith('X'), 'the cell holding the failed frame shows it')
  t.regex(lines[at + 7] ?? '', /3 frames a cell, most urgent shown/)
})

test('header: farm, open or private, short peer id, addresses, nodes online, frames per minute, jobs by state', (t) => {
  const model = new FarmModel('studio')
  model.apply({ type: 'listening', farm: 'studio', peerId: '12D3KooWNHVtnVpHjBT7Uk6ughC4DoKcLkH1g2jgLcrfjHEZUGDU', addresses: ['/ip4/10.0.0.2/tcp/9090/p2p/12D3KooWNHVtnVpHjBT7Uk6ughC4DoKcLkH1g2jgLcrfjHEZUGDU'] }, NOW)
  model.apply({ type: 'node-joined', nodeId: 'peer-gone', name: 'gone', blenderVersion: '4.2.0', cores: 4 }, NOW)
  model.apply({ type: 'node-left', nodeId: 'peer-gone', name: 'gone', reason: 'x', requeued: 0 }, NOW)
  for (let i = 0; i < 12; i++) model.apply({ type: 'frame-done', jobId: '1', frame: i, nodeName: 'a', done: i, total: 20 }, NOW - i * 1000)
  const [first, second] = screen({ width: 100, model, sessions: [session('a')], jobs: [jobWith('1', 'dp'), jobWith('2', 'pp'), jobWith('3', 'dd', { state: 'completed' })] })
  t.regex(first ?? '', /^MicroFarm {2}farm studio open {2}peer 12D3Ko…EZUGDU {2}on \/ip4\/10\.0\.0\.2\/tcp\/9090\s*$/)
  model.farmPrivate = true
  t.regex(screen({ width: 100, model })[0] ?? '', /^MicroFarm {2}farm studio private {2}peer/, 'a private farm says so')
  model.farmPrivate = false
  t.regex(second ?? '', /^nodes 1\/2 online, 0 rendering {2}12 frames\/min {2}jobs 1 active, 1 queued, 1 completed/)
  const narrow = screen({ width: 60, model, sessions: [session('a')], jobs: [jobWith('1', 'dd', { state: 'completed' }), jobWith('2', 'fp', { state: 'failed' })] })[1]
  t.regex(narrow ?? '', /jobs 1 failed…$/, 'the most pressing states come first')
})

test('the log pane shows the newest lines and scrolls back', (t) => {
  const model = new FarmModel('f')
  for (let i = 1; i <= 50; i++) model.note(`event ${i}`, 'info', NOW)
  const follow = screen({ model })
  t.regex(follow[follow.length - 3] ?? '', /event 50\s*$/)
  const ui: UiState = { ...initialUiState(), focus: 'log', scroll: { jobs: 0, nodes: 0, log: 10 } }
  const view = buildView(input({ model, ui }))
  t.regex(plain(view.lines[view.lines.length - 3] ?? []), /event 40\s*$/)
  t.is(view.scroll.log, 10)
  const oldest = buildView(input({ model, ui: { ...ui, scroll: { jobs: 0, nodes: 0, log: 999 } } }))
  const rows = oldest.lines.length - 2 - oldest.lines.findIndex(line => plain(line).startsWith('LOG')) - 1
  t.is(oldest.scroll.log, 50 - rows, 'clamped to the oldest line')
  t.regex(plain(oldest.lines[oldest.lines.length - 2 - rows] ?? []), /event 1\s*$/)
})

test('footer lists the keys; dialogs are drawn over the screen', (t) => {
  t.regex(screen().at(-1) ?? '', /^ \? {2}help {2}q {2}quit {2}j\/k {2}select/)
  const help = buildView(input({ ui: { ...initialUiState(), overlay: { kind: 'help' } } })).overlay
  t.is(help?.title, 'Keys')
  for (const key of ['c', 'f', 'e', 'a', 'p', 'r', 'd', 'n', 'o', 'q', 'Tab']) {
    t.true(help?.lines.some(line => plain(line).startsWith(`${key} `)), key)
  }
  const confirm = buildView(input({ height: 24, ui: { ...initialUiState(), overlay: { kind: 'confirm', title: 'Cancel job 1?', text: ['sure?'], onYes: () => {} } } })).overlay
  t.true(confirm !== undefined && confirm.width <= 80 && confirm.height <= 24)
})

test('selection: the user\'s pick, else the active job, then a waiting one, then the newest', (t) => {
  const jobs = [jobWith('1', 'dd', { state: 'completed' }), jobWith('2', 'pp'), jobWith('3', 'dp'), jobWith('4', 'dd', { state: 'completed' })]
  t.is(pickJob(jobs, '1')?.id, '1')
  t.is(pickJob(jobs, undefined)?.id, '3')
  t.is(pickJob(jobs.slice(0, 2), 'gone')?.id, '2')
  t.is(pickJob([jobs[0]!, jobs[3]!], undefined)?.id, '4')
  t.is(keepVisible(12, 0, 5, 20), 8)
  t.is(keepVisible(2, 8, 5, 20), 2)
  t.is(keepVisible(-1, 30, 5, 20), 15)
})

test('the frame map draws a frame waiting on a node as still to render, and one in Blender as rendering', (t) => {
  const job = jobWith('1', 'drrrp')
  // Frame 2 is in Blender on its node; 3 and 4 wait there (the node's next frames).
  const lines = screen({ jobs: [job], framePhase: (_job, frame) => frame === 2 ? 'rendering' : undefined })
  const at = lines.findIndex(line => line.startsWith('JOB 1  scene.blend'))
  t.is(lines[at + 1]?.trimEnd(), '#*...')
  t.is(screen({ jobs: [job] })[at + 1]?.trimEnd(), '#***.', 'without what the nodes say: every frame handed out')
})

test('a job no node online may render shows what it needs and why it waits', (t) => {
  const job = jobWith('1', 'pppp', { request: { blendVersion: '4.2' } })
  const lines = screen({ width: 120, height: 40, jobs: [job], sessions: [session('vm', { blenderVersion: '3.4.1' })] })
  t.true(lines.some(line => line.includes('needs Blender ≥ 4.2')), lines.join('\n'))
  t.true(lines.some(line => line.includes('waiting: needs Blender ≥ 4.2: no node has it (vm: it has Blender 3.4.1)')), lines.join('\n'))
  const served = screen({ width: 120, height: 40, jobs: [job], sessions: [session('vm', { blenderVersion: '4.2.1' })] })
  t.false(served.some(line => line.includes('waiting:')))
})

test('the nodes panel shows a GPU node\'s devices after its Blender version', (t) => {
  const model = new FarmModel('f')
  const gpu = session('gpu-1', { blenderVersion: '4.2.3', device: 'OPTIX', devices: [{ id: 'a_OptiX', name: 'RTX', type: 'OPTIX' }, { id: 'b_OptiX', name: 'RTX', type: 'OPTIX' }] })
  const rows = nodeRows({ records: model.nodes, sessions: [gpu, session('cpu', { device: 'CPU' })], survey: survey([]), jobs: [], now: NOW })
  t.deepEqual(rows.map(row => row.blender), ['4.2.0', '4.2.3 OPTIX×2'])
  t.regex(nodesTable(rows, 120).lines.map(plain)[1] ?? '', /4\.2\.3 OPTIX×2/)
})
