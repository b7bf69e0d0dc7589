import { readFile } from 'node:fs/promises'
import { PNG } from 'pngjs'
import type { PNGWithMetadata } from 'pngjs'
import writeFileAtomic from 'write-file-atomic'
import type { PixelRect, TilePlan } from '../jobs/tiles.js'

// The coordinator puts a tiled still back together without Blender: each
// tile's overscan is cropped away and its core placed where it belongs. PNG
// only (pngjs): 8 or 16 bits a sample, RGB or RGBA or grey, kept as the tiles
// have them.

/** The tiles cannot make one image: a wrong size, a mix of depths, a format the stitcher cannot write. */
export class StitchError extends Error {
  override name = 'StitchError'
}

/** An image as decoded: RGBA samples, 8 or 16 bits each (pngjs' normalised layout), and how the file stored them. */
const EXR_MAGIC = Buffer.from([0x76, 0x2f, 0x31, 0x01])
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff])
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

export interface RgbaImage {
  width: number
  height: number
  depth: 8 | 16
  /** PNG colour type of the file (0 grey, 2 RGB, 4 grey + alpha, 6 RGBA): the stitched file is written the same way. */
  colorType: number
  data: Uint8Array | Uint16Array
}

export interface DecodedTile {
  plan: Pick<TilePlan, 'index' | 'core' | 'rendered' | 'crop'>
  image: RgbaImage
}

function sameRect (a: { width: number, height: number }, b: PixelRect): boolean {
  return a.width === b.width && a.height === b.height
}

/** The still from its tiles: every tile's crop copied to its core. Pure; checks that the tiles fit together. */
export function placeTiles (size: { width: number, height: number }, tiles: readonly DecodedTile[]): RgbaImage {
  const first = tiles[0]
  if (first === undefined) throw new StitchError('no tiles to stitch')
  const { depth, colorType } = first.image
  const data = depth === 16 ? new Uint16Array(size.width * size.height * 4) : new Uint8Array(size.width * size.height * 4)
  let covered = 0
  for (const { plan, image } of tiles) {
    if (!sameRect(image, plan.rendered)) {
      throw new StitchError(`tile ${plan.index} is ${image.width}×${image.height} pixels, its plan renders ${plan.rendered.width}×${plan.rendered.height}`)
    }
    if (image.depth !== depth || image.colorType !== colorType) {
      throw new StitchError(`tile ${plan.index} is ${image.depth}-bit colour type ${image.colorType}, tile ${first.plan.index} ${depth}-bit colour type ${colorType}: tiles of one still must match`)
    }
    const { crop, core } = plan
    for (let row = 0; row < crop.height; row++) {
      const from = ((crop.y + row) * image.width + crop.x) * 4
      data.set(image.data.subarray(from, from + crop.width * 4), ((core.y + row) * size.width + core.x) * 4)
    }
    covered += core.width * core.height
  }
  if (covered !== size.width * size.height) throw new StitchError(`the tiles cover ${covered} of the still's ${size.width * size.height} pixels`)
  return { width: size.width, height: size.height, depth, colorType, data }
}

/** Decodes a PNG keeping 16-bit samples (pngjs would scale them to 8 bits by default). */
export function decodePng (bytes: Buffer): RgbaImage {
  return asRgbaImage(PNG.sync.read(bytes, { skipRescale: true }))
}

function asRgbaImage (png: PNGWithMetadata): RgbaImage {
  if (png.depth !== 8 && png.depth !== 16) throw new StitchError(`a ${png.depth}-bit PNG: Blender writes 8 or 16 bits, the stitcher handles only those`)
  // With skipRescale, pngjs hands 16-bit samples back as a Uint16Array, whatever its types say.
  const samples: Uint8Array | Uint16Array = png.data
  if (png.depth === 16 && !(samples instanceof Uint16Array)) throw new StitchError('pngjs did not keep the 16-bit samples')
  return { width: png.width, height: png.height, depth: png.depth, colorType: png.colorType, data: samples }
}

/**
 * Encodes as the tiles were stored: same depth and colour type (alpha only if
 * they had it). One filter (Paeth, what encoders mostly pick for rendered
 * images) at zlib's default level, not pngjs's trial of every filter at level
 * 9: a 2560x1440 still in 0.55 s, not 0.8 s.
 */
export function encodePng (image: RgbaImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height })
  png.data = pngSamples(image)
  return PNG.sync.write(png, { colorType: image.colorType as 0 | 2 | 4 | 6, bitDepth: image.depth, inputColorType: 6, inputHasAlpha: true, filterType: 4, deflateLevel: 6 })
}

/** The samples as pngjs takes them: 16-bit ones as native-order Uint16 over a buffer of their own. */
function pngSamples (image: RgbaImage): Buffer {
  const samples = image.data instanceof Uint16Array && (image.data.byteOffset !== 0 || image.data.buffer.byteLength !== image.data.byteLength) ? image.data.slice() : image.data
  return samples instanceof Uint16Array ? Buffer.from(samples.buffer) : Buffer.from(samples)
}

async function readTile (path: string): Promise<RgbaImage> {
  const bytes = await readFile(path)
  // By magic alone: a tile's format is refused before its header is even whole.
  if (bytes.subarray(0, 4).equals(EXR_MAGIC)) {
    throw new StitchError(`${path} is an OpenEXR tile: the coordinator stitches PNG only (it cannot write EXR yet); render tiled stills as PNG, or this still without --tiles`)
  }
  if (bytes.subarray(0, 3).equals(JPEG_MAGIC)) throw new StitchError(`${path} is a JPEG tile: stitching would compress it twice; render tiled stills as PNG`)
  if (!bytes.subarray(0, 8).equals(PNG_MAGIC)) throw new StitchError(`${path} is not a PNG image`)
  return decodePng(bytes)
}

/**
 * Reads each tile, stitches, writes `outPath` atomically (a reader never sees
 * half a still). pngjs works synchronously here: the coordinator runs this in
 * its stitching thread (stitch-thread.ts), never on its event loop.
 */
export async function stitchTileFiles (size: { width: number, height: number }, tiles: ReadonlyArray<{ plan: DecodedTile['plan'], path: string }>, outPath: string): Promise<void> {
  const decoded: DecodedTile[] = []
  for (const tile of tiles) decoded.push({ plan: tile.plan, image: await readTile(tile.path) })
  await writeFileAtomic(outPath, encodePng(placeTiles(size, decoded)))
}
