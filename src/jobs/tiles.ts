// A still split into tiles, each rendered by Blender's border render and
// grown by an overscan margin that the stitcher crops away again. Pure: pixel
// arithmetic only, so every edge case is tested without Blender.

import { MAX_OVERSCAN, MAX_TILES } from '../protocol/constants.js'
import type { BorderFractions, TileGrid } from '../protocol/messages.js'

export type { BorderFractions, TileGrid }


export class TileSpecError extends Error {
  override name = 'TileSpecError'
}

/** What the user asked for: a fixed grid (`--tiles 4x4`) or `auto` (sized by the farm's online nodes). */
export type TileSpec = { kind: 'grid', grid: TileGrid } | { kind: 'auto' }

/** A rectangle in image pixels: x from the left, y from the top row (as a PNG stores it). */
export interface PixelRect {
  x: number
  y: number
  width: number
  height: number
}

export interface TilePlan {
  /** 0-based, row by row from the top-left. */
  index: number
  column: number
  row: number
  /** The pixels this tile contributes to the stitched image. */
  core: PixelRect
  /** What Blender renders: the core and its overscan, clamped at the image's edges. */
  rendered: PixelRect
  /** `rendered` as Blender's border. */
  border: BorderFractions
  /** Where the core lies inside the rendered tile image (what the stitcher keeps). */
  crop: PixelRect
}

/**
 * Overscan when none is given. Measured with Cycles in Blender 3.4, tiles match
 * the single render bit for bit even without one (its pixel filter is
 * importance-sampled; what needs the whole image is off for tiles), while
 * 16 px cost a 4x4 tiling of 1080p 14 % more pixels. What could still reach
 * across in Blenders not measured here (the pixel filter's 1.5 px, adaptive
 * sampling's 1 px of neighbours) fits in 4 px, at 3.5 % more pixels.
 */
export const DEFAULT_OVERSCAN = 4
/** Auto tiles never get narrower than this: tiny tiles spend more time in overscan than in their core. */
export const MIN_AUTO_TILE = 64

/** Reads `--tiles`: `COLSxROWS` (e.g. `4x4`, `3x2`) or `auto`. */
export function parseTileSpec (text: string): TileSpec {
  const trimmed = text.trim().toLowerCase()
  if (trimmed === 'auto') return { kind: 'auto' }
  const match = /^(\d{1,3})x(\d{1,3})$/.exec(trimmed)
  if (match === null) throw new TileSpecError(`--tiles ${text}: expected COLUMNSxROWS (e.g. 4x4, 3x2) or auto`)
  const grid = { columns: Number(match[1]), rows: Number(match[2]) }
  if (grid.columns < 1 || grid.rows < 1) throw new TileSpecError(`--tiles ${text}: a grid needs at least one column and one row`)
  if (grid.columns * grid.rows < 2) throw new TileSpecError(`--tiles ${text}: one tile is the whole frame; leave --tiles out`)
  if (grid.columns * grid.rows > MAX_TILES) throw new TileSpecError(`--tiles ${text}: ${grid.columns * grid.rows} tiles, at most ${MAX_TILES}`)
  return { kind: 'grid', grid }
}

/**
 * The grid for `--tiles auto`: about 2–4 tiles per online node (3 aimed at, so
 * a slow node's tile does not hold the still back alone), tiles as square as
 * the image allows and at least MIN_AUTO_TILE pixels on a side where it can.
 */
export function autoGrid (size: { width: number, height: number }, onlineNodes: number): TileGrid {
  const nodes = Math.max(1, Math.floor(onlineNodes))
  const least = Math.min(2 * nodes, MAX_TILES)
  const most = Math.min(4 * nodes, MAX_TILES)
  const aim = Math.min(3 * nodes, MAX_TILES)
  let best: { grid: TileGrid, cost: number } | undefined
  for (let columns = 1; columns <= Math.min(size.width, most); columns++) {
    for (let rows = 1; rows <= Math.min(size.height, most); rows++) {
      const count = columns * rows
      if (count < least || count > most) continue
      const tileWidth = size.width / columns
      const tileHeight = size.height / rows
      // Square tiles waste the least overscan; small tiles and a count far from the aim cost too.
      const cost = Math.abs(Math.log(tileWidth / tileHeight)) +
        (Math.min(tileWidth, tileHeight) < MIN_AUTO_TILE ? 10 : 0) +
        Math.abs(count - aim) / aim
      if (best === undefined || cost < best.cost) best = { grid: { columns, rows }, cost }
    }
  }
  // An image too small for 2 tiles a node (1×n pixels) still gets the most it can.
  return best?.grid ?? { columns: Math.min(size.width, 2), rows: size.width >= 2 ? 1 : Math.min(size.height, 2) }
}

/** Where tile `i` of `count` starts along `length` pixels: remainders spread, no tile more than 1 px larger. */
function cut (i: number, count: number, length: number): number {
  return Math.floor(i * length / count)
}

/**
 * Blender's border fraction for a pixel edge. Blender takes the pixel as
 * `(int)(fraction * size)` (render_init_from_main), from a float32 property:
 * half a pixel in, the truncation lands on the edge whatever the rounding.
 */
function edgeFraction (pixel: number, length: number): number {
  if (pixel <= 0) return 0
  if (pixel >= length) return 1
  return (pixel + 0.5) / length
}

/**
 * The tiles of a still of `size` (the output size: resolution × percentage),
 * row by row from the top-left, each with `overscan` pixels more on every side
 * that is not an image edge.
 */
export function planTiles (size: { width: number, height: number }, grid: TileGrid, overscan = DEFAULT_OVERSCAN): TilePlan[] {
  const { width, height } = size
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new TileSpecError(`cannot tile a ${width}×${height} image`)
  if (!Number.isInteger(overscan) || overscan < 0 || overscan > MAX_OVERSCAN) throw new TileSpecError(`overscan ${overscan}: expected a whole number of pixels, 0 to ${MAX_OVERSCAN}`)
  if (grid.columns > width || grid.rows > height) {
    throw new TileSpecError(`${grid.columns}x${grid.rows} tiles do not fit a ${width}×${height} image: at most one tile per pixel`)
  }
  const tiles: TilePlan[] = []
  for (let row = 0; row < grid.rows; row++) {
    for (let column = 0; column < grid.columns; column++) {
      const x0 = cut(column, grid.columns, width)
      const x1 = cut(column + 1, grid.columns, width)
      const y0 = cut(row, grid.rows, height)
      const y1 = cut(row + 1, grid.rows, height)
      const rx0 = Math.max(0, x0 - overscan)
      const rx1 = Math.min(width, x1 + overscan)
      const ry0 = Math.max(0, y0 - overscan)
      const ry1 = Math.min(height, y1 + overscan)
      tiles.push({
        index: tiles.length,
        column,
        row,
        core: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
        rendered: { x: rx0, y: ry0, width: rx1 - rx0, height: ry1 - ry0 },
        // Blender counts rows from the bottom: the image's top row y is its height - 1 - y.
        border: {
          minX: edgeFraction(rx0, width),
          maxX: edgeFraction(rx1, width),
          minY: edgeFraction(height - ry1, height),
          maxY: edgeFraction(height - ry0, height),
        },
        crop: { x: x0 - rx0, y: y0 - ry0, width: x1 - x0, height: y1 - y0 },
      })
    }
  }
  return tiles
}

/** The pixel edge Blender renders from a border fraction (as render_init_from_main truncates it). */
export function borderPixel (fraction: number, length: number): number {
  // float32 × int in C is a float32 product, then truncated to int.
  return Math.trunc(Math.fround(Math.fround(fraction) * length))
}
