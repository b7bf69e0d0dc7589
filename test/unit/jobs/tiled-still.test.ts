import test from 'ava'
import { createJob, setSceneInfo } from '../../../src/jobs/create-job.js'
import { frameNumbers } from '../../../src/jobs/job.js'
import { pickTask } from '../../../src/jobs/scheduler.js'
import { outputFrames, tiledStillFor } from '../../../src/jobs/tiled-still.js'
import { TileSpecError } from '../../../src/jobs/tiles.js'
import { at, projectManifest, sceneInfo, submitRequest } from '../../helpers/job-fixtures.js'

const grid = (columns: number, rows: number): { grid: { columns: number, rows: number }, overscan: number } => ({ grid: { columns, rows }, overscan: 16 })
const node = { id: 'peer-a', name: 'a' }

test('a tiled submit is one PNG frame, a grid that fits the image, or auto with the scene\'s size', (t) => {
  const base = { format: 'PNG' as const, frames: '12', sceneInfo: sceneInfo({ resolutionX: 64, resolutionY: 32 }) }
  t.like(tiledStillFor({ ...base, tiles: grid(4, 2) }, 1), { frame: 12, columns: 4, rows: 2, overscan: 16, stitch: 'none' })
  t.is(tiledStillFor({ ...base }, 1), undefined)
  t.throws(() => tiledStillFor({ ...base, frames: '1-2', tiles: grid(2, 2) }, 1), { instanceOf: TileSpecError, message: /one still: give its frame with --frames N/ })
  t.throws(() => tiledStillFor({ format: 'PNG', tiles: grid(2, 2) }, 1), { instanceOf: TileSpecError, message: /--frames N/ })
  t.throws(() => tiledStillFor({ ...base, format: 'OPEN_EXR', tiles: grid(2, 2) }, 1), { instanceOf: TileSpecError, message: /PNG tiles only .* --format PNG/ })
  t.throws(() => tiledStillFor({ ...base, tiles: grid(65, 1) }, 1), { instanceOf: TileSpecError, message: /do not fit a 64×32 image/ })
  t.throws(() => tiledStillFor({ ...base, sceneInfo: sceneInfo({ cropToBorder: true }), tiles: grid(2, 2) }, 1), { instanceOf: TileSpecError, message: /Crop to Render Region/ })
  t.throws(() => tiledStillFor({ format: 'PNG', frames: '12', tiles: { grid: 'auto', overscan: 16 } }, 4), { instanceOf: TileSpecError, message: /auto needs the scene's resolution/ })
  // Auto: 2 to 4 tiles a node online.
  const auto = tiledStillFor({ ...base, sceneInfo: sceneInfo(), tiles: { grid: 'auto', overscan: 16 } }, 4)
  const count = (auto?.columns ?? 0) * (auto?.rows ?? 0)
  t.true(count >= 8 && count <= 16, `${count} tiles for 4 nodes`)
})

test('a tiled job holds a record per tile, one tile a task, no video; its output is the one still', (t) => {
  const request = submitRequest({ frames: '12', chunk: 5, encode: { enabled: true, codec: 'h264', quality: 'high', location: 'parent' }, sceneInfo: sceneInfo({ resolutionX: 30, resolutionY: 20 }), tiles: grid(3, 2) })
  const job = createJob('1', request, projectManifest(), at(), undefined, tiledStillFor(request, 1))
  t.deepEqual([...frameNumbers(job)], [0, 1, 2, 3, 4, 5])
  t.deepEqual([...outputFrames(job)], [12])
  t.is(job.chunk, 1)
  t.false(job.encode.settings.enabled)
  t.is(job.probe, undefined)

  const task = pickTask([job], node, [node], 't1', at())
  t.like(task, { kind: 'render', frames: [0], tiles: { frame: 12 } })
  // Tile 0 is the top-left 10×10 and its 16 px of overscan, clamped: x 0..26 of 30, y 0..20 of 20 (Blender's y from the bottom).
  const border = task?.kind === 'render' ? task.tiles?.borders[0] : undefined
  t.is(border?.index, 0)
  t.is(border?.border.minX, 0)
  t.is(border?.border.maxX, 26.5 / 30)
  t.is(border?.border.minY, 0)
  t.is(border?.border.maxY, 1)
})

test('without the scene\'s size a node reads the scene first; tiles go out only after, and a grid the scene cannot take fails then', (t) => {
  const request = submitRequest({ frames: '3', tiles: grid(4, 4) })
  const job = createJob('1', request, projectManifest(), at(), undefined, tiledStillFor(request, 1))
  t.is(job.probe?.state, 'needed')
  t.like(pickTask([job], node, [node], 't1', at()), { kind: 'probe' })
  // While the probe runs no tile is handed out: its border needs the size.
  t.is(pickTask([job], { id: 'peer-b', name: 'b' }, [node], 't2', at()), undefined)
  setSceneInfo(job, sceneInfo({ resolutionX: 40, resolutionY: 40 }))
  t.deepEqual([...frameNumbers(job)], Array.from({ length: 16 }, (_, i) => i), 'the scene\'s range does not replace the tiles')
  t.like(pickTask([job], node, [node], 't3', at()), { kind: 'render', frames: [0] })

  const tooSmall = createJob('2', request, projectManifest(), at(), undefined, tiledStillFor(request, 1))
  t.throws(() => { setSceneInfo(tooSmall, sceneInfo({ resolutionX: 3, resolutionY: 3 })) }, { instanceOf: TileSpecError, message: /4x4 tiles do not fit a 3×3 image/ })
})
