import test from 'ava'
import { randomBytes } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { fetchPieces, shuffled } from '../../../src/pieces/piece-fetcher.js'
import type { FetchSources } from '../../../src/pieces/piece-fetcher.js'
import type { PieceLink } from '../../../src/pieces/piece-link.js'
import { Bitfield, pieceRange, sha256Hex } from '../../../src/pieces/pieces.js'
import type { PieceList } from '../../../src/pieces/pieces.js'
import type { SwarmPeer } from '../../../src/protocol/pieces.js'
import { tempFolder } from '../../helpers/temp-folder.js'

const PIECE = 1024

function content (pieces: number): { bytes: Buffer, list: PieceList } {
  const bytes = randomBytes(pieces * PIECE - 100)
  const hashes: string[] = []
  for (let s = 0; s < bytes.byteLength; s += PIECE) hashes.push(sha256Hex(bytes.subarray(s, s + PIECE)))
  return { bytes, list: { sha256: sha256Hex(bytes), size: bytes.byteLength, pieceBytes: PIECE, pieces: hashes } }
}

function piece (c: { bytes: Buffer, list: PieceList }, index: number): Uint8Array {
  const { start, end } = pieceRange(c.list, index)
  return c.bytes.subarray(start, end)
}

interface Fake { sources: FetchSources, fromCoordinator: number[], reported: Array<{ peerId: string, index: number }> }

/**
 * A coordinator that sends only `coordinatorPieces` (then says 'missing'), and
 * peers holding everything, answering with `serve(peerId, index)`.
 */
function fake (c: { bytes: Buffer, list: PieceList }, peers: string[], serve: (peerId: string, index: number) => Uint8Array | Error, coordinatorPieces: Set<number>): Fake {
  const full = Bitfield.full(c.list.pieces.length).toBase64()
  const out: Fake = { fromCoordinator: [], reported: [], sources: undefined as unknown as FetchSources }
  const link = (get: PieceLink['get']): PieceLink => ({ get, close: async () => {} })
  out.sources = {
    coordinator: async () => link(async (want, _signal, into) => {
      const index = 'skip' in want ? [...coordinatorPieces].find(i => !want.skip.has(i)) : [...coordinatorPieces].find(i => i === want.index)
      if (index === undefined) return 'missing'
      out.fromCoordinator.push(index)
      // As the real link does: into the fetcher's buffer. Were it the one still being written, the file would not match.
      const bytes = into !== undefined ? into.subarray(0, piece(c, index).byteLength) : Buffer.alloc(0)
      piece(c, index).forEach((byte, i) => { bytes[i] = byte })
      return { index, bytes: into !== undefined ? bytes : piece(c, index), sha256: sha256Hex(piece(c, index)) }
    }),
    peer: async (peer: SwarmPeer) => link(async (want) => {
      if (!('index' in want)) throw new Error('a peer is asked for a piece by index')
      const got = serve(peer.peerId, want.index)
      if (got instanceof Error) throw got
      return { index: want.index, bytes: got, sha256: sha256Hex(got) }
    }),
    announce: async () => peers.map(peerId => ({ peerId, addresses: [], have: full })),
    badPiece: async (peerId, index) => { out.reported.push({ peerId, index }) },
  }
  return out
}

test('pieces from the coordinator and peers make the whole file, verified', async (t) => {
  const dir = await tempFolder(t, 'mf-fetch-')
  const c = content(20)
  const f = fake(c, ['P1', 'P2'], (_p, i) => piece(c, i), new Set([0, 1, 2]))
  const tempPath = path.join(dir, 'x.part')
  const result = await fetchPieces({ list: c.list, tempPath, statePath: path.join(dir, 'x.have'), sources: f.sources, signal: AbortSignal.timeout(30_000) })
  t.deepEqual(await readFile(tempPath), c.bytes)
  const fromPeers = [...result.fromPeers.values()].reduce((a, b) => a + b, 0)
  t.is(result.fromCoordinator + fromPeers, c.bytes.byteLength, 'every piece counted once')
  t.true(fromPeers > 0)
  await t.throwsAsync(stat(path.join(dir, 'x.have')), { code: 'ENOENT' }, 'no bitfield left once complete')
})

test('from the coordinator alone, each piece received into a buffer of the link\'s own while the last is written: the file is the content', async (t) => {
  const dir = await tempFolder(t, 'mf-fetch-')
  const c = content(64)
  const f = fake(c, [], () => new Error('no peers'), new Set(c.list.pieces.keys()))
  const tempPath = path.join(dir, 'x.part')
  const result = await fetchPieces({ list: c.list, tempPath, statePath: path.join(dir, 'x.have'), sources: f.sources, signal: AbortSignal.timeout(30_000) })
  t.deepEqual(await readFile(tempPath), c.bytes)
  t.is(result.fromCoordinator, c.bytes.byteLength)
})

test('peers are tried in a random order, not the coordinator\'s most-pieces-first one every node gets', async (t) => {
  const dir = await tempFolder(t, 'mf-fetch-')
  const c = content(16)
  const listed = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8']
  const f = fake(c, listed, (_p, i) => piece(c, i), new Set())
  // A seeded generator: the order it makes is known, and is not the listed one.
  const seeded = (): (() => number) => { let x = 7; return () => { x = (x * 48271) % 2147483647; return x / 2147483647 } }
  const expected = shuffled(listed, seeded()).slice(0, 2)
  t.notDeepEqual(new Set(expected), new Set(listed.slice(0, 2)), 'the seed must choose others than the first two listed')
  const result = await fetchPieces({ list: c.list, tempPath: path.join(dir, 'x.part'), statePath: path.join(dir, 'x.have'), sources: f.sources, signal: AbortSignal.timeout(30_000), maxPeers: 2, random: seeded() })
  t.deepEqual(new Set(result.fromPeers.keys()), new Set(expected), 'the two links went to the first two of the shuffled order')
})

test('shuffled: a permutation of what it is given', (t) => {
  const items = Array.from({ length: 50 }, (_, i) => i)
  const out = shuffled(items, Math.random)
  t.deepEqual([...out].sort((a, b) => a - b), items)
  t.deepEqual(items, Array.from({ length: 50 }, (_, i) => i), 'the input is left as it was')
})

test('a peer that dies mid-piece costs that piece only; a peer that sends a bad piece is dropped and reported', async (t) => {
  const dir = await tempFolder(t, 'mf-fetch-')
  const c = content(24)
  const asked = new Map<string, number>()
  const f = fake(c, ['DIES', 'LIES', 'GOOD'], (peerId, index) => {
    asked.set(peerId, (asked.get(peerId) ?? 0) + 1)
    if (peerId === 'DIES' && (asked.get(peerId) ?? 0) >= 2) return new Error('the stream has been reset')
    if (peerId === 'LIES') { const bad = Buffer.from(piece(c, index)); bad[0] = bad[0]! ^ 0xff; return bad }
    return piece(c, index)
  }, new Set())
  const tempPath = path.join(dir, 'x.part')
  const result = await fetchPieces({ list: c.list, tempPath, statePath: path.join(dir, 'x.have'), sources: f.sources, signal: AbortSignal.timeout(60_000) })
  t.deepEqual(await readFile(tempPath), c.bytes)
  t.is(f.reported.length, 1)
  t.is(f.reported[0]?.peerId, 'LIES')
  t.is(asked.get('LIES'), 1, 'a liar is asked once')
  t.false(result.fromPeers.has('LIES'))
  t.true((result.fromPeers.get('GOOD') ?? 0) > 0)
})

test('a fetch stopped half-way keeps its verified pieces; the next one fetches only the rest', async (t) => {
  const dir = await tempFolder(t, 'mf-fetch-')
  const c = content(16)
  const tempPath = path.join(dir, 'x.part')
  const statePath = path.join(dir, 'x.have')
  const stop = new AbortController()
  let served = 0
  const first = fake(c, ['P'], (_p, i) => {
    if (++served === 6) stop.abort(new Error('node killed'))
    return piece(c, i)
  }, new Set())
  await t.throwsAsync(fetchPieces({ list: c.list, tempPath, statePath, sources: first.sources, signal: stop.signal }))
  const asked: number[] = []
  const second = fake(c, ['P'], (_p, i) => { asked.push(i); return piece(c, i) }, new Set())
  const result = await fetchPieces({ list: c.list, tempPath, statePath, sources: second.sources, signal: AbortSignal.timeout(30_000) })
  t.true(result.resumedPieces >= 4, `resumed ${result.resumedPieces}`)
  t.is(asked.length, 16 - result.resumedPieces)
  t.deepEqual(await readFile(tempPath), c.bytes)
})
