import { createHash } from 'node:crypto'
import { open, readFile } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import writeFileAtomic from 'write-file-atomic'
import { z } from 'zod'
import { sha256 } from '../protocol/project.js'
import { Bitfield, checkPieceList, pieceBytesFor, pieceCount, pieceRange, PieceError, verifyPiece } from './pieces.js'
import type { PieceList } from './pieces.js'

// Piece lists and bitfields on disk. A content's piece list is kept beside it
// (`<sha256>.pieces`), computed once from the whole file; a fetch in progress
// keeps the pieces it verified in a small bitfield file, so a node restarted
// mid-fetch goes on from there.

const storedList = z.object({
  sha256,
  size: z.number().int().nonnegative(),
  pieceBytes: z.number().int().positive(),
  pieces: z.array(sha256),
})

export function pieceListPath (contentPath: string): string {
  return `${contentPath}.pieces`
}

/** Reads a file once: the SHA-256 of each piece and of the whole (which must be `expectSha256`). */
export async function computePieceList (path: string, expectSha256: string, size: number): Promise<PieceList> {
  const pieceBytes = pieceBytesFor(size)
  const whole = createHash('sha256')
  const pieces: string[] = []
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.allocUnsafe(Math.min(pieceBytes, size))
    for (let index = 0; index < pieceCount(size, pieceBytes); index++) {
      const bytes = await readRange(handle, { size, pieceBytes }, index, buffer)
      whole.update(bytes)
      pieces.push(createHash('sha256').update(bytes).digest('hex'))
    }
  } finally {
    await handle.close()
  }
  const digest = whole.digest('hex')
  if (digest !== expectSha256) throw new PieceError(`${path} is not the content ${expectSha256.slice(0, 12)}… (its SHA-256 is ${digest.slice(0, 12)}…)`)
  return { sha256: expectSha256, size, pieceBytes, pieces }
}

/** The piece list kept beside the content, or computed (and kept) when there is none or it does not fit. */
export async function loadOrComputePieceList (contentPath: string, content: { sha256: string, size: number }): Promise<PieceList> {
  try {
    const list = storedList.parse(JSON.parse(await readFile(pieceListPath(contentPath), 'utf8')))
    checkPieceList(list, content)
    return list
  } catch (err) {
    // Missing, or left by another version: computed again below. Anything else is a real failure.
    if (!(err instanceof SyntaxError || err instanceof z.ZodError || err instanceof PieceError || (err as NodeJS.ErrnoException).code === 'ENOENT')) throw err
  }
  const list = await computePieceList(contentPath, content.sha256, content.size)
  await writeFileAtomic(pieceListPath(contentPath), JSON.stringify(list))
  return list
}

/** Reads piece `index` into `buffer` (reused by the caller) or a new one. */
export async function readRange (handle: FileHandle, list: Pick<PieceList, 'size' | 'pieceBytes'>, index: number, buffer?: Buffer): Promise<Buffer> {
  const { start, end } = pieceRange(list, index)
  const target = buffer !== undefined && buffer.byteLength >= end - start ? buffer.subarray(0, end - start) : Buffer.allocUnsafe(end - start)
  let done = 0
  while (done < target.byteLength) {
    const { bytesRead } = await handle.read(target, done, target.byteLength - done, start + done)
    if (bytesRead === 0) throw new PieceError(`the file ends before piece ${index} does`)
    done += bytesRead
  }
  return target
}

/**
 * Of the pieces `claimed` (a bitfield kept without fsync: a power cut may
 * have lost what it marks), those whose bytes on disk match the list; each is
 * handed to `onPiece` as it is read.
 */
export async function verifiedPieces (handle: FileHandle, list: PieceList, claimed: Bitfield, onPiece?: (index: number, bytes: Buffer) => void): Promise<Bitfield> {
  const verified = new Bitfield(claimed.length)
  for (let index = 0; index < claimed.length; index++) {
    if (!claimed.has(index)) continue
    let bytes: Buffer
    try {
      bytes = await readRange(handle, list, index)
    } catch (err) {
      // A file cut short holds no piece past its end.
      if (err instanceof PieceError) continue
      throw err
    }
    if (!verifyPiece(list, index, bytes)) continue
    verified.set(index)
    onPiece?.(index, bytes)
  }
  return verified
}

/** Opens (or creates) the file a fetch writes pieces into, at the content's length: sparse until pieces land. */
export async function openSparse (path: string, size: number): Promise<FileHandle> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r+')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    handle = await open(path, 'w+')
  }
  try {
    if ((await handle.stat()).size !== size) await handle.truncate(size)
  } catch (err) {
    await handle.close()
    throw err
  }
  return handle
}

/** The pieces a fetch verified, as left by an earlier run; an empty field when there is none (or of other content). */
export async function readBitfield (path: string, length: number): Promise<Bitfield> {
  try {
    return new Bitfield(length, await readFile(path))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof PieceError) return new Bitfield(length)
    throw err
  }
}

/** Not fsynced: pieces marked here are checked again by hash when a fetch resumes. */
export async function writeBitfield (path: string, field: Bitfield): Promise<void> {
  await writeFileAtomic(path, Buffer.from(field.bytes()), { fsync: false })
}
