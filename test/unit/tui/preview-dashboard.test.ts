import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import type { JobView } from '../../../src/jobs/job.js'
import { Dashboard } from '../../../src/tui/dashboard.js'
import type { Terminal } from '../../../src/tui/terminal.js'
import { rgbaPng } from '../../helpers/rgba-png.js'
import { tempFolder } from '../../helpers/temp-folder.js'
import { fakeFarm, fakeTerminal, screenText } from './headless.js'
import { jobWith } from './fixtures.js'

// The dashboard reads the selected job's frame from the output folder itself
// and draws it; blessed's cells are checked for the colours it was given.

/** A job whose frame 2 is done, and that frame on disk: red. */
async function farmWithFrame (t: ExecutionContext): Promise<ReturnType<typeof fakeFarm>> {
  const dir = await tempFolder(t, 'mf-preview-')
  const job = jobWith('1', 'ddp')
  const framePath = (j: JobView, frame: number): string => path.join(dir, `job_${j.id}`, `frame_${String(frame).padStart(4, '0')}.png`)
  await mkdir(path.join(dir, 'job_1'))
  await writeFile(framePath(job, 2), rgbaPng(16, 9, Array.from({ length: 16 * 9 }, () => [255, 0, 0, 255]).flat()))
  return { ...fakeFarm([job]), store: { layout: { framePath } } }
}

/** Foreground colour of every "▀" cell blessed holds (its attribute packs flags, fg and bg). */
function pictureColours (terminal: Terminal): Set<number> {
  const lines = (terminal.screen as unknown as { lines: Array<Array<[number, string]>> }).lines
  return new Set(lines.flatMap(row => row.filter(cell => cell[1] === '▀').map(cell => (cell[0] >> 9) & 0x1ff)))
}

async function until (what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

test('the selected job\'s latest frame is drawn in 256 colours; v hides it, v shows it again', async (t) => {
  const dashboard = new Dashboard(await farmWithFrame(t), { farmName: 'f' })
  const streams = fakeTerminal(120, 40)
  const terminal = dashboard.open({ ...streams, terminal: 'xterm-256color', unicode: true })
  t.teardown(() => dashboard.close())
  await until('the picture', () => pictureColours(terminal).size > 0)
  t.deepEqual([...pictureColours(terminal)], [196])
  t.true(screenText(terminal).some(line => /frame 2 {2}16×9 {2}v hides/.test(line)))
  streams.input.write('v')
  await until('the picture gone', () => pictureColours(terminal).size === 0)
  t.true(screenText(terminal).some(line => line.includes('preview hidden (v shows it again)')))
  streams.input.write('v')
  await until('the picture back', () => pictureColours(terminal).size > 0)
})

test('a terminal of 8 colours gets the picture in its own colours', async (t) => {
  const dashboard = new Dashboard(await farmWithFrame(t), { farmName: 'f' })
  const terminal = dashboard.open({ ...fakeTerminal(120, 40), terminal: 'xterm', unicode: true })
  t.teardown(() => dashboard.close())
  t.is(terminal.colors, 8)
  await until('the picture', () => pictureColours(terminal).size > 0)
  t.deepEqual([...pictureColours(terminal)], [1])
})
