import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { createGunzip } from 'node:zlib'
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

/** What a .blend's first bytes say: the Blender version that saved it ("4.2"), or why they say nothing. */
export type BlendHeader = { kind: 'plain', version: string } | { kind: 'compressed', compression: 'gzip' | 'zstd' } | { kind: 'unknown' }

/**
 * Reads a .blend header (see STACK-NOTES): before Blender 5.0, `BLENDER` + `_`
 * or `-` (pointer size) + `v`/`V` (endianness) + 3 digits (`304` = 3.4); from
 * 5.0, `BLENDER` + 2-digit header size + `-` + 2-digit format + `v` + 4 digits
 * (`0500` = 5.0). Compressed files hold the header inside the stream.
 */
export function parseBlendHeader (head: Uint8Array): BlendHeader {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength)
  if (bytes.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))) return { kind: 'compressed', compression: 'gzip' }
  if (bytes.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return { kind: 'compressed', compression: 'zstd' }
  const text = bytes.subarray(0, 17).toString('latin1')
  const legacy = /^BLENDER[_-][vV](\d)(\d\d)/.exec(text)
  if (legacy !== null) return { kind: 'plain', version: `${Number(legacy[1])}.${Number(legacy[2])}` }
  const current = /^BLENDER\d\d-\d\d[vV](\d\d)(\d\d)/.exec(text)
  if (current !== null) return { kind: 'plain', version: `${Number(current[1])}.${Number(current[2])}` }
  return { kind: 'unknown' }
}

/**
 * The version that saved the .blend, from its header; gzip files are opened
 * for it. Undefined for zstd (Node 20 has no zstd: the submitter's Blender
 * reads it instead, see the trace's fileVersion) and for a header it cannot read.
 */
export async function readBlendVersion (path: string): Promise<string | undefined> {
  const handle = await open(path, 'r')
  let header: BlendHeader
  try {
    const head = Buffer.alloc(17)
    const { bytesRead } = await handle.read(head, 0, head.length, 0)
    header = parseBlendHeader(head.subarray(0, bytesRead))
  } finally {
    await handle.close()
  }
  if (header.kind === 'plain') return header.version
  if (header.kind !== 'compressed' || header.compression !== 'gzip') return undefined
  const inflated = await firstBytes(createReadStream(path).pipe(createGunzip()), 17)
  const inner = parseBlendHeader(inflated)
  return inner.kind === 'plain' ? inner.version : undefined
}

/** The first `count` bytes of a stream, which is then destroyed. */
async function firstBytes (stream: NodeJS.ReadableStream & { destroy: () => void }, count: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let length = 0
  try {
    for await (const chunk of stream) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)
      chunks.push(buffer)
      length += buffer.length
      if (length >= count) break
    }
  } finally {
    stream.destroy()
  }
  return Buffer.concat(chunks).subarray(0, count)
}
