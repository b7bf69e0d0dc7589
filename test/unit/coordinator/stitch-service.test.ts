import { mkdir, readFile, writeFile } from 'node:fs/promises'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { newNodeSession } from '../../../src/coordinator/node-registry.js'
import { StitchService } from '../../../src/coordinator/stitch-service.js'
import { frameFileProblem } from '../../../src/coordinator/frame-check.js'
import { decodePng } from '../../../src/encode/stitch-tiles.js'
import type { Job } from '../../../src/jobs/job.js'
import { tilePlansOf } from '../../../src/jobs/tiled-still.js'
import type { Task } from '../../../src/protocol/messages.js'
import { projectManifest, sceneInfo, submitRequest } from '../../helpers/job-fixtures.js'
import { rgbaPng } from '../../helpers/rgba-png.js'
import { tempFarm } from '../../helpers/temp-farm.js'
import type { TempFarm } from '../../helpers/temp-farm.js'
import { waitFor } from '../../helpers/cli.js'

// The coordinator's side of a tiled still with a real job store and real
// PNG files: tiles checked for their size, stitched once all are in.

const WIDTH = 9
const HEIGHT = 5

/** The still every test makes: pixel (x, y) is (x*20, y*40, x+y, 255). */
function pixel (x: number, y: number): number[] {
  return [x * 20, y * 40, x + y, 255]
}

/** The PNG a node would send for a tile: the still's pixels inside the rect it renders. */
function tileFile (rect: { x: number, y: number, width: number, height: number }): Buffer {
  const samples: number[] = []
  for (let y = rect.y; y < rect.y + rect.height; y++) for (let x = rect.x; x < rect.x + rect.width; x++) samples.push(...pixel(x, y))
  return rgbaPng(rect.width, rect.height, samples)
}

async function tiledJob (t: ExecutionContext): Promise<TempFarm & { job: Job, service: StitchService, tasks: Task[] }> {
  const setup = await tempFarm(t, 'mf-stitch-')
  const service = new StitchService(setup.farm, setup.store, setup.bus)
  const tasks: Task[] = []
  const node = newNodeSession({ id: 'peer-a', name: 'a', cores: 2, blenderVersion: '4.2.0', platform: 'linux', send: (m) => { if (m.type === 'assign') tasks.push(m.task) }, disconnect: () => {} })
  setup.farm.nodeJoined(node)
  const request = submitRequest({ frames: '7', sceneInfo: sceneInfo({ resolutionX: WIDTH, resolutionY: HEIGHT }), tiles: { grid: { columns: 3, rows: 2 }, overscan: 2 } })
  const job = await setup.farm.submit(request, projectManifest())
  return { ...setup, job, service, tasks }
}

/** The node renders every tile it is handed (the file lands where the upload handler puts it), as many as `count`. */
async function deliver (s: Awaited<ReturnType<typeof tiledJob>>, count: number): Promise<void> {
  const plans = tilePlansOf(s.job) ?? []
  for (let i = 0; i < count; i++) {
    s.farm.requestWork('peer-a')
    const task = s.tasks.at(-1)
    if (task?.kind !== 'render') throw new Error('expected a tile task')
    for (const tile of task.frames) {
      await mkdir(s.store.layout.unitDir(s.job), { recursive: true })
      await writeFile(s.store.layout.unitPath(s.job, tile), tileFile((plans[tile] as NonNullable<typeof plans[number]>).rendered))
      s.farm.frameStored(s.job.id, tile, 'peer-a')
      s.farm.taskFinished('peer-a', task.taskId)
    }
  }
}

test('the last tile in: the coordinator stitches the still under its frame\'s name, and says so', async (t) => {
  const s = await tiledJob(t)
  await deliver(s, 6)
  t.is(s.job.state, 'completed')
  await waitFor('the still', () => s.job.tiles?.stitch === 'done' ? true : undefined, 5000, 20)
  const path = s.store.layout.framePath(s.job, 7)
  t.is(s.job.tiles?.outputPath, path)
  t.regex(path, /job_1\/frame_0007\.png$/)
  const still = decodePng(await readFile(path))
  t.deepEqual([still.width, still.height], [WIDTH, HEIGHT])
  const expected: number[] = []
  for (let y = 0; y < HEIGHT; y++) for (let x = 0; x < WIDTH; x++) expected.push(...pixel(x, y))
  t.deepEqual([...still.data], expected)
  t.true(s.events.some(e => e.type === 'stitch' && e.state === 'done' && e.file === 'frame_0007.png' && e.frame === 7))
  t.true(s.events.some(e => e.type === 'frame-done' && e.still === 7 && e.frame === 0 && e.total === 6), 'tile events name their still')
})

test('a still force-completed without all its tiles is not stitched: the job says which tiles are missing', async (t) => {
  const s = await tiledJob(t)
  await deliver(s, 4)
  await s.farm.control(s.job.id, 'complete')
  await waitFor('the stitch to fail', () => s.job.tiles?.stitch === 'failed' ? true : undefined, 5000, 20)
  t.regex(s.job.tiles?.error ?? '', /tile\(s\) 4-5 of 6 were never rendered .* submit the still again/)
  t.true(s.events.some(e => e.type === 'stitch' && e.state === 'failed'))
})

test('a still whose tiles came in while the coordinator was stopping is stitched on the next start', async (t) => {
  const s = await tiledJob(t)
  await s.service.stop()
  await deliver(s, 6)
  t.is(s.job.state, 'completed')
  // The completion reaches a stitcher on the next turns of the loop (setImmediate): two turns later it would have started.
  for (let turn = 0; turn < 2; turn++) await new Promise(resolve => setImmediate(resolve))
  t.is(s.job.tiles?.stitch, 'waiting', 'a stopped stitcher takes nothing new')
  const next = new StitchService(s.farm, s.store, s.bus)
  next.resumePending()
  await waitFor('the still', () => s.job.tiles?.stitch === 'done' ? true : undefined, 5000, 20)
  t.is(decodePng(await readFile(s.store.layout.framePath(s.job, 7))).width, WIDTH)
})

test('a tile of the wrong size is refused, naming the size its plan renders', async (t) => {
  const s = await tiledJob(t)
  const plans = tilePlansOf(s.job) ?? []
  const file = s.store.layout.unitPath(s.job, 1)
  await mkdir(s.store.layout.unitDir(s.job), { recursive: true })
  await writeFile(file, tileFile(plans[1]?.rendered ?? { x: 0, y: 0, width: 1, height: 1 }))
  t.is(await frameFileProblem(file, s.job, 1), undefined)
  // Tile 0's image sent as tile 1: another size.
  t.regex(await frameFileProblem(file, s.job, 0) ?? '', /it is 7×4 pixels, tile 0 renders 5×4/)
  await writeFile(file, tileFile({ x: 0, y: 0, width: WIDTH, height: HEIGHT }))
  t.regex(await frameFileProblem(file, s.job, 1) ?? '', /it is 9×5 pixels, tile 1 renders/)
})
