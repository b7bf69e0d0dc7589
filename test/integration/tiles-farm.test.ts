import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { decodePng } from '../../src/encode/stitch-tiles.js'
import { runProcess } from '../../src/process/run-process.js'
import { blenderTest, makeScene, saveSceneWith } from '../helpers/blender.js'
import { coordinatorAddress, runCli, startCli, waitFor, waitForJob } from '../helpers/cli.js'
import { compareImages } from '../helpers/image-diff.js'
import { killMatching } from '../helpers/processes.js'
import { tempFolder } from '../helpers/temp-folder.js'

// One still rendered by the farm in tiles, with real Blender on real nodes,
// stitched by the coordinator: the still must be the plain `blender -b`
// render of the same frame, and a node killed mid-tile must not stop it.

async function plainRender (blender: { path: string }, scene: string, dir: string, frame: number): Promise<string> {
  const result = await runProcess({ command: blender.path, args: ['-b', scene, '-Y', '-o', path.join(dir, 'plain_####'), '-F', 'PNG', '-x', '1', '-f', String(frame)], timeoutMs: 120_000 })
  if (result.exitCode !== 0) throw new Error(`blender -b exited with ${result.exitCode ?? result.signal}`)
  return path.join(dir, `plain_${String(frame).padStart(4, '0')}.png`)
}

blenderTest('submit --tiles 3x2 on two nodes: the stitched still is the plain blender -b render, pixel for pixel', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-tiles-farm-')
  const out = path.join(dir, 'out')
  // Odd size (tiles do not divide it evenly); dither off, so Cycles' tiles are the single render bit for bit (see tiles-blender.test.ts).
  // The compositor on with its default tree (render layers straight to the output): tiles turn it off and the job says so.
  const scene = await saveSceneWith(blender, await makeScene(dir, { frames: 3, width: 161, height: 91, samples: 16 }), 'nodither', 'scene.render.dither_intensity = 0; scene.use_nodes = True')
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  for (const name of ['left', 'right']) {
    const work = path.join(dir, `work-${name}`)
    t.teardown(async () => { await killMatching(work) })
    startCli(t, ['node', '--name', name, '--coordinator', address, '--work-dir', work])
    await waitFor(`${name} to join`, () => coordinator.output().includes(`node joined: ${name}`))
  }

  const submit = await runCli(['submit', scene, '--frames', '2', '--tiles', '3x2', '--wait', '--coordinator', address])
  t.is(submit.code, 0, submit.stderr)
  t.regex(submit.stdout, /frame 2 in 6 tiles, stitched on the coordinator/)
  t.regex(submit.stdout, /6\/6 tiles of frame 2 \(100%\), still done/)
  const [job] = await Promise.all([waitForJob(address, '1', 'stitched', j => j.tiles?.stitch === 'done')])
  t.is(job.framesDone, 6)
  t.log(`tiles by node: ${JSON.stringify(job.byNode)}`)
  t.true(job.warnings?.some(w => /^tiles render without compositing: each needs the whole image/.test(w)), `the job says what tiles turn off: ${JSON.stringify(job.warnings)}`)

  // The tiles are kept apart; the job's folder holds the one still.
  t.deepEqual((await readdir(path.join(out, 'job_1'))).filter(name => !name.startsWith('.')).sort(), ['frame_0002.png', 'tiles'])
  t.is((await readdir(path.join(out, 'job_1', 'tiles'))).filter(name => /^frame_0002_tile_00[0-5]\.png$/.test(name)).length, 6)
  const stitched = decodePng(await readFile(path.join(out, 'job_1', 'frame_0002.png')))
  const plain = decodePng(await readFile(await plainRender(blender, scene, dir, 2)))
  t.deepEqual([stitched.width, stitched.height], [161, 91])
  const difference = compareImages(plain, stitched)
  t.log(`stitched vs plain blender -b: ${difference.differing} pixels differ, max ${difference.maxDifference}/255`)
  t.is(difference.differing, 0)

  // What scripts and downloads see: one frame, the still; tile events name their still.
  const files = await runCli(['files', '1', '--json', '--coordinator', address])
  t.is(files.code, 0, files.stderr)
  t.deepEqual((JSON.parse(files.stdout) as { files: Array<{ name: string }> }).files.map(f => f.name), ['frame_0002.png'])
  t.regex(coordinator.output(), /job 1: tile [0-5] of frame 2 done by (left|right) \(1\/6\)/)
  t.regex(coordinator.output(), /job 1: still ready: .*frame_0002\.png \(3x2 tiles\)/)
})

blenderTest('a node killed with -9 mid-tile: the tile is rendered elsewhere and the still completes', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-tiles-kill-')
  const out = path.join(dir, 'out')
  // Slow enough tiles (a few seconds each) that the kill lands while one renders.
  const scene = await makeScene(dir, { frames: 1, width: 640, height: 360, samples: 128 })
  const coordinator = startCli(t, ['coordinator', '--output-dir', out, '--port', '0', '--no-advertise', '--no-tui'])
  const address = await coordinatorAddress(coordinator)
  const work = { doomed: path.join(dir, 'work-doomed'), steady: path.join(dir, 'work-steady') }
  t.teardown(async () => { await killMatching(work.doomed) })
  t.teardown(async () => { await killMatching(work.steady) })
  // steady joins first but takes nothing until doomed is killed: the kill is sure to find doomed mid-tile.
  startCli(t, ['node', '--name', 'steady', '--coordinator', address, '--work-dir', work.steady])
  await waitFor('steady to join', () => coordinator.output().includes('node joined: steady'))
  t.is((await runCli(['disable', 'steady', '--coordinator', address])).code, 0)
  const doomed = startCli(t, ['node', '--name', 'doomed', '--coordinator', address, '--work-dir', work.doomed])
  await waitFor('doomed to join', () => coordinator.output().includes('node joined: doomed'))

  const submit = await runCli(['submit', scene, '--frames', '1', '--tiles', '2x1', '--coordinator', address])
  t.is(submit.code, 0, submit.stderr)
  // The tile doomed is rendering now: one it started that the coordinator has not had from it.
  const inFlight = await waitFor('doomed to be mid-tile', () => {
    const started = [...doomed.output().matchAll(/rendering tile\(s\) (\d+) of frame 1/g)].map(m => Number(m[1]))
    return started.find(tile => !coordinator.output().includes(`tile ${tile} of frame 1 done by doomed`))
  })
  doomed.child.kill('SIGKILL')
  await killMatching(work.doomed)
  await waitFor('the coordinator to notice', () => /node left: doomed/.test(coordinator.output()))
  t.false(coordinator.output().includes(`tile ${inFlight} of frame 1 done by doomed`), 'the kill landed mid-tile')
  t.is((await runCli(['enable', 'steady', '--coordinator', address])).code, 0)

  const job = await waitForJob(address, '1', 'stitched', j => j.tiles?.stitch === 'done', 180_000)
  t.is(job.state, 'completed')
  t.is(job.framesDone, 2)
  t.true(coordinator.output().includes(`tile ${inFlight} of frame 1 done by steady`), `the tile doomed was rendering went to steady: ${JSON.stringify(job.byNode)}`)
  for (const tile of [0, 1]) t.is(coordinator.output().match(new RegExp(`tile ${tile} of frame 1 done by`, 'g'))?.length, 1, `tile ${tile} counted once`)
  const still = decodePng(await readFile(path.join(out, 'job_1', 'frame_0001.png')))
  t.deepEqual([still.width, still.height], [640, 360])
  const plain = decodePng(await readFile(await plainRender(blender, scene, dir, 1)))
  // Dithered (the scene's default): noise drawn per image size, not a seam (tiles-blender.test.ts bounds it).
  const difference = compareImages(plain, still)
  t.log(`stitched vs plain: PSNR ${difference.psnr.toFixed(1)} dB, max ${difference.maxDifference}/255`)
  t.true(difference.psnr >= 45 && difference.maxDifference <= 2)
})
