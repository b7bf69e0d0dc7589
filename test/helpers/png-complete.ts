import { open } from 'node:fs/promises'

/** A PNG that was cut short lacks its closing IEND chunk: the last 12 bytes say whether it is whole. */
export async function pngIsComplete (filePath: string): Promise<boolean> {
  const file = await open(filePath, 'r')
  try {
    const { size } = await file.stat()
    if (size < 12) return false
    const tail = Buffer.alloc(12)
    await file.read(tail, 0, 12, size - 12)
    return tail.toString('latin1', 4, 8) === 'IEND'
  } finally {
    await file.close()
  }
}
