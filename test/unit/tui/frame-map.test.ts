import test from 'ava'
import type { FrameState } from '../../../src/jobs/job.js'
import { frameMap, mapRows } from '../../../src/tui/frame-map.js'

const states = (codes: string): FrameState[] => [...codes].map(c => ({ d: 'done', r: 'rendering', p: 'pending', f: 'failed' } as const)[c as 'd'])

test('one cell per frame while the frames fit', (t) => {
  const map = frameMap(states('ddrpf'), 10)
  t.is(map.framesPerCell, 1)
  t.deepEqual(map.cells, states('ddrpf'))
})

test('a long job is scaled to fit: each cell shows the most urgent of its frames', (t) => {
  // 12 frames in 4 cells: 3 frames a cell.
  const map = frameMap(states('ddd' + 'ddp' + 'drp' + 'fdd'), 4)
  t.is(map.framesPerCell, 3)
  t.deepEqual(map.cells, states('dprf'), 'done only when all are done; failed beats everything; rendering beats pending')
})

test('scaling never makes more cells than there is room for', (t) => {
  for (const [frames, room] of [[1000, 80], [10_001, 480], [7, 3], [250, 250], [251, 250]] as const) {
    const map = frameMap(Array<FrameState>(frames).fill('pending'), room)
    t.true(map.cells.length <= room, `${frames} frames in ${room} cells: ${map.cells.length}`)
    t.is(map.framesPerCell, Math.ceil(frames / room))
  }
  t.deepEqual(frameMap([], 10), { framesPerCell: 1, cells: [] })
})

test('cells wrap into rows of the map width', (t) => {
  t.deepEqual(mapRows(states('dddddd'), 4).map(row => row.length), [4, 2])
})
