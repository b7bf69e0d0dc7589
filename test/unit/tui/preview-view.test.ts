import test from 'ava'
import type { JobFile } from '../../../src/coordinator/api.js'
import type { Job } from '../../../src/jobs/job.js'
import { Controller } from '../../../src/tui/controller.js'
import { FarmModel } from '../../../src/tui/farm-model.js'
import { UNICODE_GLYPHS } from '../../../src/tui/glyphs.js'
import { overlayView } from '../../../src/tui/overlay-view.js'
import type { FramePreview } from '../../../src/tui/preview-panel.js'
import { plain } from '../../../src/tui/styled.js'
import { initialUiState } from '../../../src/tui/ui-state.js'
import { buildView } from '../../../src/tui/view-model.js'
import type { ViewInput } from '../../../src/tui/view-model.js'
import { jobWith, NOW, session } from './fixtures.js'

// Where the preview goes on the screen, and the keys around it: v, and Enter
// in the files list.

const RED_16_9 = ((): FramePreview => {
  const data = new Uint8Array(16 * 9 * 4)
  for (let i = 0; i < data.length; i += 4) data.set([255, 0, 0, 255], i)
  return { frame: 4, state: 'picture', picture: { width: 16, height: 9, data }, source: { width: 1920, height: 1080 } }
})()

function screen (width: number, height: number, o: Partial<ViewInput> = {}): string[] {
  const jobs = [jobWith('1', 'ddddrrpp'), jobWith('2', 'pppp')]
  const input: ViewInput = { width, height, now: NOW, jobs, sessions: [session('a'), session('b')], model: new FarmModel('studio'), ui: initialUiState(), glyphs: UNICODE_GLYPHS, ...o }
  return buildView(input).lines.map(plain)
}

/** Rows of the screen holding preview cells, and the column where they start. */
function pictureRows (lines: string[]): Array<[number, number]> {
  return lines.flatMap((line, row): Array<[number, number]> => line.includes('▀') ? [[row, line.indexOf('▀')]] : [])
}

test('on a wide screen the preview sits beside the job detail and the log; the lists above keep their rows', (t) => {
  const without = screen(120, 40)
  const lines = screen(120, 40, { preview: RED_16_9 })
  t.true(lines.every(line => line.length === 120))
  const detailTitle = lines.findIndex(line => line.startsWith('JOB 1 '))
  t.deepEqual(lines.slice(0, detailTitle + 1), without.slice(0, detailTitle + 1), 'header, nodes, jobs and the detail title unchanged')
  t.regex(lines[detailTitle + 1] ?? '', / {2}frame 4 {2}1920×1080 {2}v hides\s*$/)
  const rows = pictureRows(lines)
  t.is(rows.length, 11, '40 columns of 16:9')
  t.true(rows.every(([row, column]) => row > detailTitle + 1 && column === 80), 'beside 79 columns of detail and log')
})

test('at 80x24 the preview takes only the log\'s lines; the nodes, jobs and detail are as without it', (t) => {
  const without = screen(80, 24)
  const lines = screen(80, 24, { preview: RED_16_9 })
  const logTitle = lines.findIndex(line => line.startsWith('LOG'))
  t.deepEqual(lines.slice(0, logTitle + 1), without.slice(0, logTitle + 1))
  t.regex(lines[logTitle + 1] ?? '', /frame 4 {2}1920×1080 {2}v hides\s*$/)
  const rows = pictureRows(lines)
  t.true(rows.length >= 3)
  t.true(rows.every(([row]) => row > logTitle + 1 && row < 22), 'above the status line and the footer')
  t.is(screen(80, 12, { preview: RED_16_9 }).filter(line => line.includes('▀')).length, 0, 'no room for it: none')
})

const FILES: JobFile[] = [
  { path: '/out/job_1/frame_0001.png', bytes: 2048, kind: 'frame' },
  { path: '/out/job_1/frame_0002.png', bytes: 3072, kind: 'frame' },
  { path: '/out/scene_job1.mp4', bytes: 1_048_576, kind: 'video' },
]

function controller (jobs: Job[]): Controller {
  return new Controller({
    actions: { jobAction: async () => 'done', submitFile: async () => ({ id: '9', name: 'x' }), jobFiles: async () => FILES, nodeState: async () => 'done', unblock: async () => 'done', lastFailedFrameLog: async () => undefined },
    jobs: () => jobs,
    log: () => {},
    changed: () => {},
    quit: () => {},
    redraw: () => {},
  })
}

const key = (c: Controller, ...names: string[]): void => { for (const name of names) c.key(name.length === 1 ? { full: name, ch: name } : { full: name }) }

test('v hides the preview and shows it again', (t) => {
  const c = controller([jobWith('1', 'dd')])
  key(c, 'v')
  t.true(c.state.preview.hidden)
  t.regex(c.state.status?.text ?? '', /preview hidden/)
  key(c, 'v')
  t.false(c.state.preview.hidden)
})

test('o lists the files with sizes and frame numbers; Enter on a frame puts it in the preview', async (t) => {
  const c = controller([jobWith('1', 'dd'), jobWith('2', 'dd')])
  key(c, 'o')
  await new Promise(resolve => setImmediate(resolve))
  const listed = (): string[] => overlayView(c.state.overlay ?? { kind: 'help' }, { width: 120, height: 40 }).lines.map(plain)
  t.deepEqual(listed().slice(0, 5).map(line => line.trimEnd()), [
    '2 frame file(s), 5.0 KiB; 1 video(s), 1.0 MiB',
    'in /out, /out/job_1',
    '>   1.0 MiB  video        scene_job1.mp4',
    '    2.0 KiB  frame     1  frame_0001.png',
    '    3.0 KiB  frame     2  frame_0002.png',
  ])
  key(c, 'enter')
  t.regex(c.state.status?.text ?? '', /shows frames, not videos/)
  t.is(c.state.overlay?.kind, 'files', 'still open')
  key(c, 'down', 'down', 'down')
  t.regex(listed()[4] ?? '', /^> +3\.0 KiB {2}frame {5}2/, 'the cursor stops at the last file')
  key(c, 'k', 'enter')
  t.is(c.state.overlay, undefined)
  t.deepEqual(c.state.preview, { hidden: false, picked: { jobId: '1', frame: 1, path: '/out/job_1/frame_0001.png' } })
  t.is(c.state.selectedJobId, '1')
  key(c, 'v', 'v')
  t.deepEqual(c.state.preview, { hidden: false }, 'hidden and shown again: back to the latest frame')
})
