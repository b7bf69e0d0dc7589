import test from 'ava'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { Holdings } from '../../../src/node/piece-holdings.js'
import type { AnnounceSession } from '../../../src/node/piece-holdings.js'
import { contentFiles } from '../../../src/node/piece-paths.js'
import { Bitfield, sha256Hex } from '../../../src/pieces/pieces.js'
import type { PieceList } from '../../../src/pieces/pieces.js'
import { tempFolder } from '../../helpers/temp-folder.js'

// What a node restarted with content in its folder offers its peers: the
// coordinator hears of it at every session (whole, or the pieces that still
// verify), so the node is a source again.

const PIECE = 1024

function listOf (bytes: Buffer): PieceList {
  const pieces: string[] = []
  for (let s = 0; s < bytes.byteLength; s += PIECE) pieces.push(sha256Hex(bytes.subarray(s, s + PIECE)))
  return { sha256: sha256Hex(bytes), size: bytes.byteLength, pieceBytes: PIECE, pieces }
}

interface Coordinator { session: AnnounceSession, told: Map<string, Bitfield>, listsAsked: string[], lines: string[] }

function coordinator (lists: PieceList[], busy = new Set<string>()): Coordinator {
  const out: Coordinator = { told: new Map(), listsAsked: [], lines: [], session: undefined as unknown as AnnounceSession }
  out.session = {
    busy: (sha) => busy.has(sha),
    log: (line) => out.lines.push(line),
    pieceList: async (content) => {
      out.listsAsked.push(content.sha256)
      return lists.find(l => l.sha256 === content.sha256)
    },
    tell: async (sha256, have) => { out.told.set(sha256, have) },
  }
  return out
}

test('a restarted node tells the coordinator what it holds: whole content, and the pieces of a partial one that still verify', async (t) => {
  const dir = await tempFolder(t, 'mf-holdings-')
  const whole = randomBytes(3 * PIECE)
  const partial = randomBytes(4 * PIECE - 10)
  const gone = randomBytes(2 * PIECE)
  const [w, p, g] = [listOf(whole), listOf(partial), listOf(gone)]
  await writeFile(contentFiles(dir, w.sha256).whole, whole)
  await writeFile(contentFiles(dir, g.sha256).whole, gone)
  // Pieces 0-2 marked verified, but piece 1 on disk is not what the list says (the bitfield is kept without fsync).
  const onDisk = Buffer.from(partial)
  onDisk[PIECE + 5] = onDisk[PIECE + 5]! ^ 0xff
  onDisk.fill(0, 3 * PIECE)
  await writeFile(contentFiles(dir, p.sha256).partial, onDisk)
  const claimed = new Bitfield(4)
  for (const i of [0, 1, 2]) claimed.set(i)
  await writeFile(contentFiles(dir, p.sha256).have, claimed.bytes())

  const holdings = new Holdings()
  holdings.adopt([
    { sha256: w.sha256, size: w.size, whole: true, files: contentFiles(dir, w.sha256) },
    { sha256: p.sha256, size: p.size, whole: false, files: contentFiles(dir, p.sha256) },
    { sha256: g.sha256, size: g.size, whole: true, files: contentFiles(dir, g.sha256) },
  ])
  t.is(holdings.get(w.sha256), undefined, 'nothing is served before the coordinator gave its piece list')
  const first = coordinator([w, p])
  t.deepEqual(await holdings.announce(first.session, AbortSignal.timeout(10_000)), { contents: 2, partial: 1 })
  t.true(first.told.get(w.sha256)?.complete)
  t.deepEqual(first.told.get(p.sha256)?.missing(), [1, 3])
  t.false(first.told.has(g.sha256), 'content the coordinator holds no more is not offered')
  t.is(holdings.get(g.sha256), undefined)
  t.deepEqual(holdings.get(p.sha256)?.path, contentFiles(dir, p.sha256).partial)
  t.true(holdings.get(p.sha256)?.have.has(2))

  // The coordinator came back (or this node reconnected): told again, without a second pass over the files.
  const second = coordinator([w, p])
  t.deepEqual(await holdings.announce(second.session, AbortSignal.timeout(10_000)), { contents: 2, partial: 1 })
  t.deepEqual(second.listsAsked, [])
  t.deepEqual([...second.told.keys()].sort(), [w.sha256, p.sha256].sort())
})

test('content fetched now is left to its fetch; a fetch that began replaces what was found on disk', async (t) => {
  const dir = await tempFolder(t, 'mf-holdings-')
  const a = randomBytes(2 * PIECE)
  const b = randomBytes(2 * PIECE)
  const [la, lb] = [listOf(a), listOf(b)]
  await writeFile(contentFiles(dir, la.sha256).whole, a)
  await writeFile(contentFiles(dir, lb.sha256).whole, b)
  const holdings = new Holdings()
  holdings.adopt([la, lb].map(l => ({ sha256: l.sha256, size: l.size, whole: true, files: contentFiles(dir, l.sha256) })))
  const fetching = coordinator([la, lb], new Set([la.sha256]))
  t.deepEqual(await holdings.announce(fetching.session, AbortSignal.timeout(10_000)), { contents: 1, partial: 0 })
  t.deepEqual([...fetching.told.keys()], [lb.sha256])
  holdings.set(la.sha256, { list: la, path: '/elsewhere', have: new Bitfield(2) })
  const next = coordinator([la, lb])
  await holdings.announce(next.session, AbortSignal.timeout(10_000))
  t.is(holdings.get(la.sha256)?.path, '/elsewhere')
  t.false(next.told.has(la.sha256), 'no verified piece yet: nothing to tell')
  t.deepEqual(next.listsAsked, [])
})
