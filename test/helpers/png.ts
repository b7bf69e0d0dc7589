import { open, readFile } from 'node:fs/promises'
import { inflateSync } from 'node:zlib'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Width and height from a PNG's IHDR chunk, which the format requires to come first. */
export async function readPngSize (filePath: string): Promise<{ width: number; height: number }> {
  const file = await open(filePath, 'r')
  try {
    const header = Buffer.alloc(24)
    const { bytesRead } = await file.read(header, 0, header.length, 0)
    if (bytesRead < header.length || !header.subarray(0, 8).equals(PNG_SIGNATURE)) {
      throw new Error(`${filePath} is not a PNG file`)
    }
    if (header.toString('latin1', 12, 16) !== 'IHDR') throw new Error(`${filePath}: first PNG chunk is not IHDR`)
    return { width: header.readUInt32BE(16), height: header.readUInt32BE(20) }
  } finally {
    await file.close()
  }
}

/**
 * A PNG's image: its header and its inflated pixel rows, without the text
 * chunks Blender adds (file path, date, render time differ between two renders
 * of the same pixels). Two renders compare equal exactly when their pixels do.
 */
export async function readPngImage (filePath: string): Promise<Buffer> {
  const data = await readFile(filePath)
  if (!data.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error(`${filePath} is not a PNG file`)
  const header: Buffer[] = []
  const idat: Buffer[] = []
  for (let offset = 8; offset + 8 <= data.length;) {
    const length = data.readUInt32BE(offset)
    const type = data.toString('latin1', offset + 4, offset + 8)
    const body = data.subarray(offset + 8, offset + 8 + length)
    if (type === 'IHDR') header.push(body)
    if (type === 'IDAT') idat.push(body)
    offset += 12 + length
  }
  return Buffer.concat([...header, inflateSync(Buffer.concat(idat))])
}
