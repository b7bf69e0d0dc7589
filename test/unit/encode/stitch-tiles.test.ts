import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { decodePng, encodePng, placeTiles, StitchError, stitchTileFiles } from '../../../src/encode/stitch-tiles.js'
import type { RgbaImage } from '../../../src/encode/stitch-tiles.js'
import { StitchThread } from '../../../src/encode/stitch-thread.js'
import { planTiles } from '../../../src/jobs/tiles.js'
import type { PixelRect } from '../../../src/jobs/tiles.js'
import { tempFolder } from '../../helpers/temp-folder.js'

/** A picture where every sample says where it is, so a misplaced pixel shows. */
function picture (width: number, height: number, depth: 8 | 16, colorType = 6): RgbaImage {
  const max = depth === 16 ? 65535 : 255
  const data = depth === 16 ? new Uint16Array(width * height * 4) : new Uint8Array(width * height * 4)
  for (let i = 0; i < width * height; i++) {
    data[i * 4] = (i * 7) % (max + 1)
    data[i * 4 + 1] = (i * 13 + 5) % (max + 1)
    data[i * 4 + 2] = (i * 31 + 11) % (max + 1)
    data[i * 4 + 3] = colorType === 6 ? (i * 3) % (max + 1) : max
  }
  return { width, height, depth, colorType, data }
}

/** What Blender would write for a tile: the rendered rectangle of the whole picture. */
function cutOut (image: RgbaImage, rect: PixelRect): RgbaImage {
  const data = image.depth === 16 ? new Uint16Array(rect.width * rect.height * 4) : new Uint8Array(rect.width * rect.height * 4)
  for (let row = 0; row < rect.height; row++) {
    const from = ((rect.y + row) * image.width + rect.x) * 4
    data.set(image.data.subarray(from, from + rect.width * 4), row * rect.width * 4)
  }
  return { ...image, width: rect.width, height: rect.height, data }
}

test('tiles with overscan, cropped and placed, give the picture back at an odd size', (t) => {
  const whole = picture(161, 91, 8)
  for (const overscan of [0, 1, 16, 200]) {
    const tiles = planTiles(whole, { columns: 3, rows: 2 }, overscan).map(plan => ({ plan, image: cutOut(whole, plan.rendered) }))
    t.deepEqual(placeTiles(whole, tiles).data, whole.data, `overscan ${overscan}`)
  }
})

test('16-bit samples and alpha survive decoding, stitching and encoding', (t) => {
  const whole = picture(37, 23, 16)
  const tiles = planTiles(whole, { columns: 4, rows: 3 }, 5).map(plan => ({ plan, image: decodePng(encodePng(cutOut(whole, plan.rendered))) }))
  const back = decodePng(encodePng(placeTiles(whole, tiles)))
  t.is(back.depth, 16)
  t.is(back.colorType, 6)
  t.true(back.data instanceof Uint16Array)
  t.deepEqual(Array.from(back.data), Array.from(whole.data))
  t.true(Array.from(back.data).some(v => v > 255))
})

test('an RGB still stays RGB, 8-bit', (t) => {
  const whole = picture(20, 10, 8, 2)
  const tiles = planTiles(whole, { columns: 2, rows: 1 }, 3).map(plan => ({ plan, image: decodePng(encodePng(cutOut(whole, plan.rendered))) }))
  const back = decodePng(encodePng(placeTiles(whole, tiles)))
  t.is(back.colorType, 2)
  t.is(back.depth, 8)
  t.deepEqual(Buffer.from(back.data), Buffer.from(whole.data))
})

test('a tile of the wrong size, a mix of depths, missing tiles: refused', (t) => {
  const whole = picture(40, 20, 8)
  const plans = planTiles(whole, { columns: 2, rows: 2 }, 4)
  const tiles = plans.map(plan => ({ plan, image: cutOut(whole, plan.rendered) }))
  const [a, b, c, d] = tiles
  if (a === undefined || b === undefined || c === undefined || d === undefined) throw new Error('four tiles expected')
  t.throws(() => placeTiles(whole, [a, { plan: b.plan, image: cutOut(whole, b.plan.core) }, c, d]), { instanceOf: StitchError, message: /tile 1 is 20×10 pixels, its plan renders 24×14/ })
  const deep = picture(40, 20, 16)
  t.throws(() => placeTiles(whole, [a, { plan: b.plan, image: cutOut(deep, b.plan.rendered) }, c, d]), { instanceOf: StitchError, message: /tiles of one still must match/ })
  t.throws(() => placeTiles(whole, [a, b, c]), { instanceOf: StitchError, message: /cover 600 of the still's 800 pixels/ })
  t.throws(() => placeTiles(whole, []), { instanceOf: StitchError, message: /no tiles/ })
})

test('EXR and JPEG tiles are refused with what to do instead', async (t) => {
  const dir = await tempFolder(t, 'mf-stitch-')
  const plans = planTiles({ width: 4, height: 2 }, { columns: 2, rows: 1 }, 0)
  const exr = path.join(dir, 'tile0.exr')
  await writeFile(exr, Buffer.from([0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0]))
  const jpeg = path.join(dir, 'tile1.jpg')
  await writeFile(jpeg, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))
  const tiles = plans.map((plan, i) => ({ plan, path: i === 0 ? exr : jpeg }))
  await t.throwsAsync(stitchTileFiles({ width: 4, height: 2 }, tiles, path.join(dir, 'out.png')), { instanceOf: StitchError, message: /OpenEXR tile: the coordinator stitches PNG only .* render tiled stills as PNG/ })
  await t.throwsAsync(stitchTileFiles({ width: 4, height: 2 }, tiles.slice(1), path.join(dir, 'out.png')), { instanceOf: StitchError, message: /JPEG tile/ })
})

test('files of 16-bit RGBA tiles stitched in the stitching thread: the picture back, and a tile that is not there is the thread\'s StitchError', async (t) => {
  const dir = await tempFolder(t, 'mf-stitch-thread-')
  const whole = picture(97, 41, 16)
  const plans = planTiles(whole, { columns: 3, rows: 2 }, 4)
  const tiles = []
  for (const plan of plans) {
    const file = path.join(dir, `tile${plan.index}.png`)
    await writeFile(file, encodePng(cutOut(whole, plan.rendered)))
    tiles.push({ plan, path: file })
  }
  const thread = new StitchThread()
  t.teardown(() => { thread.stop() })
  const out = path.join(dir, 'still.png')
  await thread.stitch(whole, tiles, out)
  const back = decodePng(await readFile(out))
  t.deepEqual([back.width, back.height, back.depth, back.colorType], [97, 41, 16, 6])
  t.deepEqual([...back.data], [...whole.data])
  const [first, ...rest] = tiles
  if (first === undefined) throw new Error('tiles expected')
  await t.throwsAsync(thread.stitch(whole, [...rest, { plan: first.plan, path: path.join(dir, 'gone.png') }], out), { name: 'StitchError', message: /ENOENT/ })
})
