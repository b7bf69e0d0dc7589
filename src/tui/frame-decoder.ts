import { readFile } from 'node:fs/promises'
import jpeg from 'jpeg-js'
import { PNG } from 'pngjs'
import { errorMessage } from '../util/error-message.js'
import { resample, shrinkToFit } from './picture.js'
import type { Picture } from './picture.js'

// A rendered frame read from the output folder and made small at once: the
// preview keeps a few hundred pixels a side, never a whole 4K frame. What
// cannot be shown (EXR, a broken or huge file) comes back as a note for the
// user, never as an exception into the UI.

export type DecodedFrame =
  | { kind: 'picture', picture: Picture, source: { width: number, height: number } }
  | { kind: 'note', note: string }

export interface DecodeLimits {
  /** Files larger than this are not read (bytes). */
  maxBytes: number
  /** Frames of more pixels than this are not decoded: the RGBA buffer alone would be 4 bytes a pixel. */
  maxPixels: number
  /** The kept picture fits in this many pixels a side (more than any terminal's cells). */
  keep: { width: number, height: number }
}

export const DECODE_LIMITS: DecodeLimits = {
  maxBytes: 256 * 1024 * 1024,
  // 8K UHD (7680×4320) and a little more.
  maxPixels: 36_000_000,
  keep: { width: 320, height: 240 },
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const EXR_MAGIC = Buffer.from([0x76, 0x2f, 0x31, 0x01])

/** The frame at `path` (`bytes` long, from a stat just before) as a small picture, or why not. */
export async function decodeFrame (path: string, bytes: number, limits: DecodeLimits = DECODE_LIMITS): Promise<DecodedFrame> {
  if (/\.exr$/i.test(path)) return note('EXR frame: no preview (PNG and JPEG frames have one)')
  if (bytes > limits.maxBytes) return note(`the file is ${Math.round(bytes / 1024 / 1024)} MiB: too large to preview`)
  let data: Buffer
  try {
    data = await readFile(path)
  } catch (err) {
    return note(`cannot read the frame file: ${errorMessage(err)}`)
  }
  if (data.subarray(0, 4).equals(EXR_MAGIC)) return note('EXR frame: no preview (PNG and JPEG frames have one)')
  try {
    const decoded = data.subarray(0, 8).equals(PNG_MAGIC)
      ? await decodePng(data, limits)
      : data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff ? decodeJpeg(data, limits) : 'not a PNG or JPEG file: no preview'
    if (typeof decoded === 'string') return note(decoded)
    const kept = shrinkToFit(decoded, limits.keep.width, limits.keep.height)
    return { kind: 'picture', picture: resample(decoded, kept.width, kept.height), source: { width: decoded.width, height: decoded.height } }
  } catch (err) {
    // The decoders throw plain errors (or strings) for whatever a damaged file holds.
    return note(`cannot decode the frame: ${errorMessage(err)}`)
  }
}

function note (text: string): DecodedFrame {
  return { kind: 'note', note: text }
}

function tooLarge (width: number, height: number, limits: DecodeLimits): string | undefined {
  return width * height > limits.maxPixels ? `${width}×${height}: too large to preview` : undefined
}

/** PNG through pngjs's streaming parser: inflating runs off the event loop; 16-bit samples come back as 8-bit. */
async function decodePng (data: Buffer, limits: DecodeLimits): Promise<Picture | string> {
  // The IHDR chunk comes first (the format requires it): width and height at bytes 16 and 20.
  if (data.length < 24) return 'cannot decode the frame: the PNG file is cut short'
  const refused = tooLarge(data.readUInt32BE(16), data.readUInt32BE(20), limits)
  if (refused !== undefined) return refused
  return new Promise((resolve, reject) => {
    new PNG().parse(data, (err, png) => {
      if (err !== null && err !== undefined) reject(err)
      else resolve({ width: png.width, height: png.height, data: png.data })
    })
  })
}

function decodeJpeg (data: Buffer, limits: DecodeLimits): Picture | string {
  // jpeg-js decodes synchronously: the limits keep one frame's decode short and its buffers bounded.
  const image = jpeg.decode(data, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: limits.maxPixels / 1e6, maxMemoryUsageInMB: 512 })
  return { width: image.width, height: image.height, data: image.data }
}
