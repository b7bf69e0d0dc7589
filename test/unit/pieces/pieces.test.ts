import test from 'ava'
import { randomBytes } from 'node:crypto'
import { Bitfield, checkPieceList, MAX_PIECES, pickRarest, pieceBytesFor, pieceCount, pieceRange, sha256Hex, verifyPiece } from '../../../src/pieces/pieces.js'
import type { PieceList } from '../../../src/pieces/pieces.js'

function listOf (bytes: Uint8Array, pieceBytes: number): PieceList {
  const pieces: string[] = []
  for (let start = 0; start < bytes.byteLength; start += pieceBytes) pieces.push(sha256Hex(bytes.subarray(start, start + pieceBytes)))
  return { sha256: sha256Hex(bytes), size: bytes.byteLength, pieceBytes, pieces }
}

test('pieces cover the content exactly; the last one is short', (t) => {
  t.is(pieceCount(10, 4), 3)
  t.is(pieceCount(8, 4), 2)
  t.is(pieceCount(0, 4), 0)
  t.deepEqual(pieceRange({ size: 10, pieceBytes: 4 }, 2), { start: 8, end: 10 })
  t.throws(() => pieceRange({ size: 10, pieceBytes: 4 }, 3), { name: 'PieceError' })
  t.throws(() => pieceRange({ size: 10, pieceBytes: 4 }, -1), { name: 'PieceError' })
})

test('big content gets bigger pieces, so its list stays bounded', (t) => {
  t.is(pieceBytesFor(1024 ** 3), 4 * 1024 * 1024)
  const huge = 64 * 1024 ** 3
  t.true(pieceCount(huge, pieceBytesFor(huge)) <= MAX_PIECES)
})

test('a piece verifies by its size and hash; a changed byte or a wrong length does not', (t) => {
  const bytes = randomBytes(10_000)
  const list = listOf(bytes, 4096)
  t.true(verifyPiece(list, 2, bytes.subarray(8192)))
  const bad = Buffer.from(bytes.subarray(4096, 8192))
  bad[17] = bad[17]! ^ 1
  t.false(verifyPiece(list, 1, bad))
  t.false(verifyPiece(list, 2, bytes.subarray(8192, 9000)))
  // Hashed as it arrived: the digest given is the one compared, and the size still counts.
  t.true(verifyPiece(list, 1, bad, sha256Hex(bytes.subarray(4096, 8192))))
  t.false(verifyPiece(list, 1, bytes.subarray(4096, 8192), sha256Hex(bad)))
  t.false(verifyPiece(list, 2, bytes.subarray(8192, 9000), list.pieces[2]))
})

test('a piece list of other content or a wrong count is refused', (t) => {
  const bytes = randomBytes(10_000)
  const list = listOf(bytes, 4096)
  t.notThrows(() => checkPieceList(list, { sha256: list.sha256, size: 10_000 }))
  t.throws(() => checkPieceList(list, { sha256: list.sha256, size: 10_001 }), { name: 'PieceError' })
  t.throws(() => checkPieceList({ ...list, pieces: list.pieces.slice(1) }, { sha256: list.sha256, size: 10_000 }), { name: 'PieceError' })
})

test('a bitfield round-trips through base64 and counts what it holds', (t) => {
  const field = new Bitfield(11)
  field.set(0); field.set(7); field.set(10); field.set(10)
  t.is(field.held, 3)
  const back = Bitfield.fromBase64(11, field.toBase64())
  t.deepEqual([0, 7, 10].map(i => back.has(i)), [true, true, true])
  t.deepEqual(back.missing(), [1, 2, 3, 4, 5, 6, 8, 9])
  back.clear(7)
  t.is(back.held, 2)
  t.true(Bitfield.full(11).complete)
  t.throws(() => Bitfield.fromBase64(20, field.toBase64()), { name: 'PieceError' })
})

test('rarest first: the piece fewest peers hold, among what the source has and we lack and do not fetch', (t) => {
  const have = new Bitfield(4)
  have.set(0)
  const source = Bitfield.full(4)
  const a = new Bitfield(4); a.set(1); a.set(2)
  const b = new Bitfield(4); b.set(1)
  // Piece 3: no other holder; 2: one; 1: two.
  t.is(pickRarest(have, new Set(), source, [a, b]), 3)
  t.is(pickRarest(have, new Set([3]), source, [a, b]), 2)
  t.is(pickRarest(have, new Set([2, 3]), source, [a, b]), 1)
  t.is(pickRarest(have, new Set([1, 2, 3]), source, [a, b]), undefined)
  // A source without the rare pieces gives what it has.
  t.is(pickRarest(have, new Set(), b, [a, b]), 1)
})

test('rarest first: ties go to the lowest, so a file fills front to back', (t) => {
  const have = new Bitfield(8)
  have.set(0)
  const source = Bitfield.full(8)
  t.is(pickRarest(have, new Set(), source, []), 1)
  t.is(pickRarest(have, new Set([1]), source, []), 2)
})
