import type { RgbaImage } from '../../src/encode/stitch-tiles.js'

export interface ImageDifference {
  /** Largest difference of one sample, in units of the image's depth (1 = one step of 255 at 8 bits). */
  maxDifference: number
  /** Over every sample, alpha included; Infinity when the images are equal. */
  psnr: number
  /** Pixels that differ at all. */
  differing: number
  /** Differing pixels in the columns and rows given (the tile borders), to show a seam. */
  differingAtSeams: number
}

/** How far `b` is from `a`: both the same size and depth. Seams: x of vertical and y of horizontal tile borders. */
export function compareImages (a: RgbaImage, b: RgbaImage, seams: { x: number[], y: number[] } = { x: [], y: [] }): ImageDifference {
  if (a.width !== b.width || a.height !== b.height || a.depth !== b.depth) {
    throw new Error(`cannot compare a ${a.width}×${a.height} ${a.depth}-bit image with a ${b.width}×${b.height} ${b.depth}-bit one`)
  }
  const max = a.depth === 16 ? 65535 : 255
  let maxDifference = 0
  let squares = 0
  let differing = 0
  let differingAtSeams = 0
  for (let pixel = 0; pixel < a.width * a.height; pixel++) {
    let differs = false
    for (let c = 0; c < 4; c++) {
      const d = Math.abs((a.data[pixel * 4 + c] ?? 0) - (b.data[pixel * 4 + c] ?? 0))
      if (d > 0) differs = true
      maxDifference = Math.max(maxDifference, d)
      squares += d * d
    }
    if (!differs) continue
    differing++
    const x = pixel % a.width
    const y = Math.floor(pixel / a.width)
    if (seams.x.some(s => Math.abs(x - s) <= 1) || seams.y.some(s => Math.abs(y - s) <= 1)) differingAtSeams++
  }
  const mse = squares / (a.width * a.height * 4)
  return { maxDifference, psnr: mse === 0 ? Infinity : 10 * Math.log10(max * max / mse), differing, differingAtSeams }
}
