import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { BlenderDriver } from '../../src/blender/blender-driver.js'
import { decodePng, stitchTileFiles } from '../../src/encode/stitch-tiles.js'
import type { RgbaImage } from '../../src/encode/stitch-tiles.js'
import { planTiles } from '../../src/jobs/tiles.js'
import type { TileGrid } from '../../src/jobs/tiles.js'
import { blenderTest, makeScene, saveSceneWith } from '../helpers/blender.js'
import { compareImages } from '../helpers/image-diff.js'
import type { ImageDifference } from '../helpers/image-diff.js'
import { readPngSize } from '../helpers/png.js'
import { tempFolder } from '../helpers/temp-folder.js'

// A still rendered whole and as tiles through the driver, with real Blender,
// stitched without it: the stitched image must be the single render.

async function decode (file: string): Promise<RgbaImage> {
  return decodePng(await readFile(file))
}

/** Renders frame 1's tiles, checks each is the size planned, stitches them and compares with `whole`. */
async function tiled (t: ExecutionContext, driver: BlenderDriver, dir: string, whole: RgbaImage, grid: TileGrid, overscan: number): Promise<ImageDifference> {
  const size = { width: whole.width, height: whole.height }
  const plans = planTiles(size, grid, overscan)
  const out = path.join(dir, `tiles-${overscan}`)
  const tiles = []
  for (const plan of plans) {
    const file = await driver.render(1, out, 'PNG', { index: plan.index, border: plan.border })
    t.deepEqual(await readPngSize(file), { width: plan.rendered.width, height: plan.rendered.height }, `tile ${plan.index}`)
    t.deepEqual(driver.tileTurnedOff, [])
    tiles.push({ plan, path: file })
  }
  const stitched = path.join(out, 'frame_000001.png')
  await stitchTileFiles(size, tiles, stitched)
  const seams = {
    x: plans.filter(p => p.row === 0 && p.column > 0).map(p => p.core.x),
    y: plans.filter(p => p.column === 0 && p.row > 0).map(p => p.core.y),
  }
  const difference = compareImages(whole, await decode(stitched), seams)
  t.log(`${grid.columns}x${grid.rows} tiles of ${size.width}×${size.height}, overscan ${overscan} px: max difference ${difference.maxDifference}/255, ` +
    `PSNR ${difference.psnr.toFixed(1)} dB, ${difference.differing} pixels differ (${difference.differingAtSeams} within 1 px of a seam)`)
  return difference
}

blenderTest('a still as 3x2 tiles, with and without overscan, stitched, matches the single render at an odd size', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-tiles-')
  // Blender's dither (default 1) adds noise that depends on the image's size: off, then on.
  // Odd size: the tiles do not divide it evenly. Enough samples for adaptive sampling to act.
  const dithered = await makeScene(dir, { frames: 1, width: 161, height: 91, samples: 64 })
  for (const scene of [await saveSceneWith(blender, dithered, 'nodither', 'scene.render.dither_intensity = 0'), dithered]) {
    const driver = await BlenderDriver.start({ blender, blendPath: scene })
    t.teardown(async () => { await driver.stop(true) })
    const whole = await decode(await driver.render(1, path.join(dir, 'whole'), 'PNG'))
    t.deepEqual([whole.width, whole.height], [161, 91])
    for (const overscan of [16, 0]) {
      const difference = await tiled(t, driver, path.join(dir, path.basename(scene, '.blend')), whole, { columns: 3, rows: 2 }, overscan)
      if (scene !== dithered) {
        // Cycles' samples do not depend on the border: without dither the tiles are the single render, bit for bit.
        t.is(difference.differing, 0, `no dither, overscan ${overscan}`)
      } else {
        // Dither is noise of up to 2/255 that Blender draws differently for another image size: spread, not at seams.
        t.true(difference.psnr >= 45 && difference.maxDifference <= 2, `dither, overscan ${overscan}`)
      }
    }
    // The tile settings were put back: the whole frame renders as before.
    const again = await decode(await driver.render(1, path.join(dir, 'again'), 'PNG'))
    t.is(compareImages(whole, again).differing, 0)
    await driver.stop()
  }
})

blenderTest('a tile of a scene that composites is rendered without the compositor, and says so', async (t, blender) => {
  const dir = await tempFolder(t, 'mf-tiles-comp-')
  const plain = await makeScene(dir, { frames: 1, width: 64, height: 48 })
  // use_nodes gives the default tree (Render Layers → Composite): a compositor that runs on the whole image.
  const scene = await saveSceneWith(blender, plain, 'composite', 'scene.use_nodes = True')
  const driver = await BlenderDriver.start({ blender, blendPath: scene })
  t.teardown(async () => { await driver.stop(true) })
  const [plan] = planTiles({ width: 64, height: 48 }, { columns: 2, rows: 2 })
  if (plan === undefined) throw new Error('a tile expected')
  await driver.render(1, path.join(dir, 'tiles'), 'PNG', { index: plan.index, border: plan.border })
  t.deepEqual(driver.tileTurnedOff, ['compositing'])
  // A whole frame after it composites again and reports nothing turned off.
  await driver.render(1, path.join(dir, 'whole'), 'PNG')
  t.deepEqual(driver.tileTurnedOff, [])
})
