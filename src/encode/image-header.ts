import { open } from 'node:fs/promises'
import type { RenderFormat } from '../blender/output-format.js'
import { EXR_MAGIC, walkAttributes } from './exr-header.js'

// What kind of image a file is and how big, from its first bytes only: a
// frame a node uploads is checked with this before it counts (a peer could
// send any bytes under a matching hash). No decoding.
//   PNG: 8-byte signature, then the IHDR chunk: width, height (u32 BE at 16, 20).
//   JPEG: FF D8, then segments; a SOFn segment holds height and width (u16 BE).
//   OpenEXR: magic 20000630 (LE), then attributes; dataWindow is a box2i
//   (xMin, yMin, xMax, yMax as int32 LE), the pixels the file holds.

export interface ImageHeader { format: RenderFormat, width: number, height: number }

/** Image headers are a few KiB even for an EXR with many passes; JPEG metadata may come before the size. */
export const HEAD_BYTES = 64 * 1024

/** The first `bytes` bytes of a file (fewer when it is shorter). */
export async function readFileHead (path: string, bytes = HEAD_BYTES): Promise<Uint8Array> {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(bytes)
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** The file's format and size, or undefined when its first bytes are none of the formats a farm renders. */
export function readImageHeader (bytes: Uint8Array): ImageHeader | undefined {
  return pngHeader(bytes) ?? jpegHeader(bytes) ?? exrHeader(bytes)
}

function pngHeader (bytes: Uint8Array): ImageHeader | undefined {
  if (bytes.length < 24 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return undefined
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return { format: 'PNG', width: view.getUint32(16), height: view.getUint32(20) }
}

function jpegHeader (bytes: Uint8Array): ImageHeader | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let pos = 2
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return undefined
    const marker = bytes[pos + 1] as number
    // Fill bytes, and markers that stand alone (no length).
    if (marker === 0xff) { pos++; continue }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) { pos += 2; continue }
    const length = view.getUint16(pos + 2)
    // SOF0..SOF15 hold the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (pos + 9 > bytes.length) return undefined
      return { format: 'JPEG', height: view.getUint16(pos + 5), width: view.getUint16(pos + 7) }
    }
    pos += 2 + length
  }
  return undefined
}

function exrHeader (bytes: Uint8Array): ImageHeader | undefined {
  if (bytes.length < 8) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getInt32(0, true) !== EXR_MAGIC) return undefined
  let size: { width: number, height: number } | undefined
  walkAttributes(bytes, (name, type, value) => {
    if (name !== 'dataWindow' || type !== 'box2i' || value.length < 16) return undefined
    const box = new DataView(value.buffer, value.byteOffset, value.byteLength)
    size = { width: box.getInt32(8, true) - box.getInt32(0, true) + 1, height: box.getInt32(12, true) - box.getInt32(4, true) + 1 }
    return { kind: 'not-exr' } // found: stop walking
  })
  return size === undefined ? undefined : { format: 'OPEN_EXR', ...size }
}

/** Blender's output size in pixels: the resolution scaled by its percentage (integer division, as Blender does). */
export function outputSize (info: { resolutionX: number, resolutionY: number, resolutionPercentage: number }): { width: number, height: number } {
  return {
    width: Math.floor(info.resolutionX * info.resolutionPercentage / 100),
    height: Math.floor(info.resolutionY * info.resolutionPercentage / 100),
  }
}
