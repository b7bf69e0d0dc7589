import test from 'ava'
import {
  autoGrid,
  borderPixel,
  DEFAULT_OVERSCAN,
  parseTileSpec,
  planTiles,
  TileSpecError,
} from '../../../src/jobs/tiles.js'
import type { TilePlan } from '../../../src/jobs/tiles.js'

/** Every pixel of the image is in exactly one tile's core. */
function coverage (tiles: TilePlan[], width: number, height: number): number[] {
  const seen = new Array<number>(width * height).fill(0)
  for (const { core } of tiles) {
    for (let y = core.y; y < core.y + core.height; y++) {
      for (let x = core.x; x < core.x + core.width; x++) seen[y * width + x] = (seen[y * width + x] ?? 0) + 1
    }
  }
  return seen
}

test('parseTileSpec reads a grid and auto', (t) => {
  t.deepEqual(parseTileSpec('4x4'), { kind: 'grid', grid: { columns: 4, rows: 4 } })
  t.deepEqual(parseTileSpec(' 3X2 '), { kind: 'grid', grid: { columns: 3, rows: 2 } })
  t.deepEqual(parseTileSpec('auto'), { kind: 'auto' })
})

test('parseTileSpec refuses what is not a grid, one tile and too many', (t) => {
  for (const text of ['4', '4x', 'x4', '4*4', '-1x2', '2.5x2', '']) {
    t.throws(() => parseTileSpec(text), { instanceOf: TileSpecError, message: /COLUMNSxROWS/ }, text)
  }
  t.throws(() => parseTileSpec('1x1'), { instanceOf: TileSpecError, message: /whole frame/ })
  t.throws(() => parseTileSpec('0x4'), { instanceOf: TileSpecError, message: /at least one/ })
  t.throws(() => parseTileSpec('17x16'), { instanceOf: TileSpecError, message: /272 tiles, at most 256/ })
})

test('an odd resolution: cores cover every pixel once, sizes differ by at most one pixel', (t) => {
  const tiles = planTiles({ width: 161, height: 91 }, { columns: 3, rows: 2 })
  t.is(tiles.length, 6)
  t.true(coverage(tiles, 161, 91).every(n => n === 1))
  t.deepEqual(tiles.map(tile => tile.core.width), [53, 54, 54, 53, 54, 54])
  t.deepEqual(tiles.map(tile => tile.core.height), [45, 45, 45, 46, 46, 46])
  t.deepEqual(tiles.map(tile => [tile.column, tile.row]), [[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [2, 1]])
})

test('overscan grows inner sides only and the crop finds the core again', (t) => {
  t.is(planTiles({ width: 161, height: 91 }, { columns: 3, rows: 1 })[0]?.rendered.width, 53 + DEFAULT_OVERSCAN, 'the default overscan')
  const [first, middle, last] = planTiles({ width: 161, height: 91 }, { columns: 3, rows: 1 }, 16)
  if (first === undefined || middle === undefined || last === undefined) throw new Error('three tiles expected')
  t.deepEqual(first.rendered, { x: 0, y: 0, width: 53 + 16, height: 91 })
  t.deepEqual(first.crop, { x: 0, y: 0, width: 53, height: 91 })
  t.deepEqual(middle.rendered, { x: 53 - 16, y: 0, width: 54 + 32, height: 91 })
  t.deepEqual(middle.crop, { x: 16, y: 0, width: 54, height: 91 })
  t.deepEqual(last.rendered, { x: 107 - 16, y: 0, width: 54 + 16, height: 91 })
  t.deepEqual(last.crop, { x: 16, y: 0, width: 54, height: 91 })
  for (const tile of [first, middle, last]) {
    t.is(tile.rendered.x + tile.crop.x, tile.core.x)
    t.is(tile.rendered.y + tile.crop.y, tile.core.y)
  }
})

test('overscan larger than a tile is clamped at the image edges', (t) => {
  const tiles = planTiles({ width: 40, height: 30 }, { columns: 4, rows: 3 }, 100)
  for (const tile of tiles) t.deepEqual(tile.rendered, { x: 0, y: 0, width: 40, height: 30 })
  t.deepEqual(tiles.map(tile => tile.crop.x), [0, 10, 20, 30, 0, 10, 20, 30, 0, 10, 20, 30])
})

test('without overscan, rendered is the core', (t) => {
  for (const tile of planTiles({ width: 99, height: 77 }, { columns: 4, rows: 4 }, 0)) {
    t.deepEqual(tile.rendered, tile.core)
    t.deepEqual(tile.crop, { x: 0, y: 0, width: tile.core.width, height: tile.core.height })
  }
})

test('border fractions give back the rendered pixels as Blender truncates them, y from the bottom', (t) => {
  for (const [width, height] of [[161, 91], [1920, 1080], [4097, 2161], [7, 5], [12000, 9001]] as const) {
    for (const tile of planTiles({ width, height }, { columns: Math.min(width, 7), rows: Math.min(height, 5) }, 3)) {
      const { border, rendered } = tile
      t.is(borderPixel(border.minX, width), rendered.x)
      t.is(borderPixel(border.maxX, width), rendered.x + rendered.width)
      // Blender's bottom row is the image's last: its ymin is what lies below the tile.
      t.is(borderPixel(border.minY, height), height - (rendered.y + rendered.height))
      t.is(borderPixel(border.maxY, height), height - rendered.y)
      for (const f of [border.minX, border.maxX, border.minY, border.maxY]) t.true(f >= 0 && f <= 1)
    }
  }
})

test('the top-left tile of a 2x2 grid is the top half in Blender\'s terms', (t) => {
  const [topLeft] = planTiles({ width: 100, height: 100 }, { columns: 2, rows: 2 }, 0)
  t.deepEqual(topLeft?.border, { minX: 0, maxX: 50.5 / 100, minY: 50.5 / 100, maxY: 1 })
})

test('planTiles refuses a grid finer than the image and a bad overscan', (t) => {
  t.throws(() => planTiles({ width: 3, height: 3 }, { columns: 4, rows: 1 }), { instanceOf: TileSpecError, message: /do not fit a 3×3/ })
  t.throws(() => planTiles({ width: 30, height: 30 }, { columns: 2, rows: 1 }, -1), { instanceOf: TileSpecError, message: /overscan -1/ })
  t.throws(() => planTiles({ width: 30, height: 30 }, { columns: 2, rows: 1 }, 1.5), { instanceOf: TileSpecError })
  t.throws(() => planTiles({ width: 0, height: 30 }, { columns: 2, rows: 1 }), { instanceOf: TileSpecError })
})

test('auto: 2 to 4 tiles a node, as square as the image allows', (t) => {
  for (const nodes of [1, 2, 3, 4, 8, 20]) {
    const grid = autoGrid({ width: 1920, height: 1080 }, nodes)
    const count = grid.columns * grid.rows
    t.true(count >= 2 * nodes && count <= 4 * nodes, `${nodes} nodes: ${grid.columns}x${grid.rows}`)
    const aspect = (1920 / grid.columns) / (1080 / grid.rows)
    t.true(aspect > 0.5 && aspect < 2, `${nodes} nodes: tiles ${aspect.toFixed(2)} wide to high`)
  }
  t.deepEqual(autoGrid({ width: 1920, height: 1080 }, 4), { columns: 4, rows: 3 })
  t.deepEqual(autoGrid({ width: 1000, height: 1000 }, 3), { columns: 3, rows: 3 })
})

test('auto: no nodes online plans for one; a tiny image still gets what fits', (t) => {
  t.deepEqual(autoGrid({ width: 1920, height: 1080 }, 0), autoGrid({ width: 1920, height: 1080 }, 1))
  const thin = autoGrid({ width: 1, height: 1 }, 4)
  t.deepEqual(thin, { columns: 1, rows: 1 })
  const line = autoGrid({ width: 300, height: 1 }, 2)
  t.is(line.rows, 1)
  t.true(line.columns >= 4 && line.columns <= 8)
  for (const size of [{ width: 300, height: 1 }, { width: 1, height: 300 }, { width: 5, height: 5 }]) {
    const grid = autoGrid(size, 50)
    t.notThrows(() => planTiles(size, grid))
  }
})
