import { deflateSync, inflateSync } from 'node:zlib'

// Real PNG files for tests that stand in for Blender: the coordinator checks
// an uploaded frame's header (format and size), so a simulated render writes
// a true image. A tEXt chunk carries a note (which frame of which job) that
// checks read back.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32 (bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk (type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  body.copy(out, 4)
  out.writeUInt32BE(crc32(body), 8 + data.length)
  return out
}

/** A grey PNG of `width`×`height` pixels (8-bit greyscale) carrying `note` in a tEXt chunk. */
export function tinyPng (note: string, width = 1, height = 1, grey = 128): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 0 // greyscale
  const row = Buffer.alloc(width + 1, grey)
  row[0] = 0 // filter: none
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('tEXt', Buffer.from(`Comment\0${note}`, 'latin1')),
    chunk('IDAT', pixels),
    chunk('IEND', new Uint8Array(0)),
  ])
}

/** The note tinyPng put in the file, or undefined. */
export function pngNote (bytes: Buffer): string | undefined {
  let pos = 8
  while (pos + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(pos)
    const type = bytes.toString('latin1', pos + 4, pos + 8)
    if (type === 'tEXt') return bytes.toString('latin1', pos + 8, pos + 8 + length).split('\0')[1]
    pos += 12 + length
  }
  return undefined
}

/** The grey level of a tinyPng's first pixel (to tell copies apart). */
export function pngGrey (bytes: Buffer): number | undefined {
  let pos = 8
  while (pos + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(pos)
    if (bytes.toString('latin1', pos + 4, pos + 8) === 'IDAT') return inflateSync(bytes.subarray(pos + 8, pos + 8 + length))[1]
    pos += 12 + length
  }
  return undefined
}
