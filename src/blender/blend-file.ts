import { open } from 'node:fs/promises'
import { basename } from 'node:path'

export class NotABlendFileError extends Error {
  override name = 'NotABlendFileError'
}

// "BLENDER" for plain files; Blender 3.0+ may save zstd-compressed, older ones gzip.
const MAGICS = [
  Buffer.from('BLENDER'),
  Buffer.from([0x28, 0xb5, 0x2f, 0xfd]),
  Buffer.from([0x1f, 0x8b]),
]

/** Checks before upload that the file is there, readable and looks like a .blend. */
export async function checkBlendFile (path: string): Promise<void> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new NotABlendFileError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read it (${code ?? String(err)})`, { cause: err })
  }
  try {
    if ((await handle.stat()).isDirectory()) throw new NotABlendFileError(`${path} is a folder, not a .blend file: name the scene's .blend inside it`)
    const head = Buffer.alloc(8)
    const { bytesRead } = await handle.read(head, 0, 8, 0)
    if (!MAGICS.some(magic => bytesRead >= magic.length && head.subarray(0, magic.length).equals(magic))) {
      throw new NotABlendFileError(`${basename(path)} is not a Blender file (no .blend header)`)
    }
  } finally {
    await handle.close()
  }
}
