import { createHash } from 'node:crypto'

// Piece maths for content that travels peer to peer: a content (a .blend, a
// texture) is cut into fixed-size pieces, each with its own SHA-256 in the
// content's piece list, so a node checks every piece as it arrives and can
// take different pieces from several peers at once. Pure: no disk, no network.

/**
 * 4 MiB: on loopback (bench/distribution.ts) 1 MiB pieces cost a request
 * round trip each for little gain in spread; past 4 MiB the first pieces take
 * long to reach a 100 Mbit/s node, so peers have less to exchange early.
 */
export const DEFAULT_PIECE_BYTES = 4 * 1024 * 1024
/** A piece list stays under ~600 KB of JSON: bigger content gets bigger pieces. */
export const MAX_PIECES = 8192

export class PieceError extends Error {
  override name = 'PieceError'
}

/** The piece size for content of `size` bytes: the default, doubled until the list fits MAX_PIECES. */
export function pieceBytesFor (size: number, base = DEFAULT_PIECE_BYTES): number {
  let bytes = base
  while (Math.ceil(size / bytes) > MAX_PIECES) bytes *= 2
  return bytes
}

export interface PieceList {
  sha256: string
  size: number
  pieceBytes: number
  /** SHA-256 (hex) of each piece, in order. */
  pieces: string[]
}

export function pieceCount (size: number, pieceBytes: number): number {
  return Math.ceil(size / pieceBytes)
}

/** Byte range [start, end) of piece `index`. */
export function pieceRange (list: Pick<PieceList, 'size' | 'pieceBytes'>, index: number): { start: number, end: number } {
  const count = pieceCount(list.size, list.pieceBytes)
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new PieceError(`piece ${index} does not exist (the content has ${count})`)
  const start = index * list.pieceBytes
  return { start, end: Math.min(list.size, start + list.pieceBytes) }
}

export function sha256Hex (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** A list that cannot describe its content (wrong count, a last piece past the end) is refused. */
export function checkPieceList (list: PieceList, expected: { sha256: string, size: number }): void {
  if (list.sha256 !== expected.sha256 || list.size !== expected.size) throw new PieceError('the piece list is of other content than asked for')
  if (list.pieceBytes <= 0 || list.pieces.length !== pieceCount(list.size, list.pieceBytes)) {
    throw new PieceError(`the piece list has ${list.pieces.length} pieces of ${list.pieceBytes} bytes for ${list.size} bytes`)
  }
}

/** Whether `bytes` are piece `index`: its size and its SHA-256 (`sha256`, when hashed as they arrived, is that of `bytes`). */
export function verifyPiece (list: PieceList, index: number, bytes: Uint8Array, sha256?: string): boolean {
  const { start, end } = pieceRange(list, index)
  return bytes.byteLength === end - start && (sha256 ?? sha256Hex(bytes)) === list.pieces[index]
}

/** Which pieces a node holds, one bit each; sent as base64. */
export class Bitfield {
  private readonly bits: Uint8Array
  private count = 0

  constructor (readonly length: number, bytes?: Uint8Array) {
    this.bits = new Uint8Array(Math.ceil(length / 8))
    if (bytes !== undefined) {
      if (bytes.byteLength !== this.bits.byteLength) throw new PieceError(`a bitfield of ${bytes.byteLength} bytes for ${length} pieces`)
      for (let i = 0; i < length; i++) if ((bytes[i >> 3]! & (0x80 >> (i & 7))) !== 0) this.set(i)
    }
  }

  static full (length: number): Bitfield {
    const field = new Bitfield(length)
    for (let i = 0; i < length; i++) field.set(i)
    return field
  }

  static fromBase64 (length: number, text: string): Bitfield {
    return new Bitfield(length, Buffer.from(text, 'base64'))
  }

  has (index: number): boolean {
    return index >= 0 && index < this.length && (this.bits[index >> 3]! & (0x80 >> (index & 7))) !== 0
  }

  set (index: number): void {
    if (index < 0 || index >= this.length) throw new PieceError(`piece ${index} is outside a bitfield of ${this.length}`)
    if (this.has(index)) return
    this.bits[index >> 3]! |= 0x80 >> (index & 7)
    this.count++
  }

  clear (index: number): void {
    if (!this.has(index)) return
    this.bits[index >> 3]! &= ~(0x80 >> (index & 7))
    this.count--
  }

  get held (): number { return this.count }
  get complete (): boolean { return this.count === this.length }

  missing (): number[] {
    const out: number[] = []
    for (let i = 0; i < this.length; i++) if (!this.has(i)) out.push(i)
    return out
  }

  bytes (): Uint8Array { return this.bits.slice() }
  toBase64 (): string { return Buffer.from(this.bits).toString('base64') }
}

/**
 * Rarest first: of the pieces this node lacks and is not fetching, that
 * `source` has, the one the fewest known holders have (so the swarm's rarest
 * pieces spread first and no piece ends up held only by a node that leaves).
 * Ties go to the lowest, so a file fills front to back and a fetch's choices
 * are repeatable (the tests hold it to them). Nodes starting
 * together still get different pieces: the coordinator chooses what it
 * sends them (HolderTable.pickSeed). Undefined when the source has nothing we want.
 */
export function pickRarest (have: Bitfield, inFlight: ReadonlySet<number>, source: Bitfield, holders: readonly Bitfield[]): number | undefined {
  let best: number | undefined
  let bestCount = Infinity
  for (let i = 0; i < have.length; i++) {
    if (have.has(i) || inFlight.has(i) || !source.has(i)) continue
    let count = 0
    for (const holder of holders) if (holder.has(i)) count++
    if (count < bestCount) { best = i; bestCount = count }
  }
  return best
}
