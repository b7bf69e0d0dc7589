import test from 'ava'
import type { ExecutionContext } from 'ava'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { streamPair } from '@libp2p/utils'
import type { Host } from '../../../src/net/host.js'
import { createHost } from '../../../src/net/host.js'
import { ephemeralIdentity } from '../../../src/net/identity.js'
import { PieceChannel } from '../../../src/pieces/piece-channel.js'
import { pieceLink } from '../../../src/pieces/piece-link.js'
import { PieceServer } from '../../../src/pieces/piece-server.js'
import { Bitfield, pieceBytesFor, sha256Hex, verifyPiece } from '../../../src/pieces/pieces.js'
import type { PieceList } from '../../../src/pieces/pieces.js'
import { PIECE_FRAME_BYTES, PIECES_PROTOCOL } from '../../../src/protocol/constants.js'
import { pieceRequest } from '../../../src/protocol/pieces.js'
import type { PieceReply, PieceRequest } from '../../../src/protocol/pieces.js'
import { tempFolder } from '../../helpers/temp-folder.js'

// One piece between two real libp2p hosts on loopback (TCP, noise, yamux), as
// farm members exchange them. Content past 32 GiB gets pieces of 8 MiB and
// more (pieceBytesFor); such a piece must cross a yamux stream whose read
// buffer is smaller than the piece.

async function host (t: ExecutionContext, listenPort?: number): Promise<Host> {
  const h = await createHost({ privateKey: await ephemeralIdentity(), ...(listenPort !== undefined ? { listenPort, listenHost: '127.0.0.1' } : {}) })
  t.teardown(async () => { await h.stop() })
  return h
}

async function listOf (bytes: Buffer, pieceBytes: number): Promise<PieceList> {
  const pieces: string[] = []
  for (let start = 0; start < bytes.byteLength; start += pieceBytes) pieces.push(sha256Hex(bytes.subarray(start, start + pieceBytes)))
  return { sha256: sha256Hex(bytes), size: bytes.byteLength, pieceBytes, pieces }
}

for (const pieceBytes of [pieceBytesFor(1024 ** 3), pieceBytesFor(64 * 1024 ** 3)]) {
  test(`a piece of ${pieceBytes / 1024 / 1024} MiB crosses a real libp2p stream whole`, async (t) => {
    const dir = await tempFolder(t, 'mf-piece-transfer-')
    const bytes = randomBytes(pieceBytes + 1000)
    const file = path.join(dir, 'content')
    await writeFile(file, bytes)
    const list = await listOf(bytes, pieceBytes)
    const server = new PieceServer({
      source: { holding: async (sha) => sha === list.sha256 ? { list, path: file, has: () => true } : undefined },
      allowed: async () => true,
      maxUploads: 4,
    })
    const serving = await host(t, 0)
    await serving.handle(PIECES_PROTOCOL, (stream, connection) => { server.handle(stream, connection).catch(() => undefined) })
    const asking = await host(t)
    const address = serving.getMultiaddrs().find(a => a.toString().startsWith('/ip4/127.0.0.1/'))
    if (address === undefined) throw new Error('the serving host has no loopback address')
    const link = pieceLink(await asking.dialProtocol(address, PIECES_PROTOCOL), list.sha256)
    t.teardown(async () => { await link.close() })
    const into = Buffer.alloc(pieceBytes)
    for (const index of [0, 1]) {
      // Piece 0 into the asker's buffer; piece 1 (1000 bytes) too, at its start.
      const got = await link.get({ index }, AbortSignal.timeout(30_000), into)
      if (typeof got === 'string') return t.fail(`piece ${index}: ${got}`)
      t.is(got.index, index)
      t.true(verifyPiece(list, index, got.bytes), `piece ${index} arrived as its list says`)
      t.is(got.sha256, sha256Hex(got.bytes), 'the SHA-256 hashed frame by frame as it came is that of the whole piece')
      t.is(got.bytes.buffer, into.buffer, 'received into the buffer given')
    }
  })
}

test('a peer that sends more bytes than its piece header says is refused, not buffered', async (t) => {
  const [asking, serving] = await streamPair()
  const sha = sha256Hex(Buffer.from('content'))
  const peer = new PieceChannel<PieceRequest, PieceReply>(serving)
  const lying = (async () => {
    await peer.read(pieceRequest, AbortSignal.timeout(5000))
    await peer.write({ type: 'piece', sha256: sha, index: 0, bytes: 10 }, AbortSignal.timeout(5000))
    await peer.writeBytes(randomBytes(2 * PIECE_FRAME_BYTES), AbortSignal.timeout(5000))
  })()
  const link = pieceLink(asking, sha)
  await t.throwsAsync(link.get({ index: 0 }, AbortSignal.timeout(5000)), { name: 'ProtocolError', message: /more than the 10 bytes its piece header said/ })
  await lying.catch(() => undefined)
})

test('a piece the seed counted as on its way is ended when its answer fails midway, not left in transit', async (t) => {
  const dir = await tempFolder(t, 'mf-piece-server-')
  const list: PieceList = { sha256: sha256Hex(Buffer.from('x')), size: 4096, pieceBytes: 4096, pieces: [sha256Hex(Buffer.alloc(4096))] }
  const delivered: number[] = []
  const server = new PieceServer({
    // The content's path is a folder: reading the piece fails (EISDIR) after the seed picked it.
    source: { holding: async () => ({ list, path: dir, has: () => true }) },
    allowed: async () => true,
    maxUploads: 4,
    seed: { list: async () => list, pick: () => 0, admit: () => true, delivered: (_sha, _peer, index) => { delivered.push(index) } },
  })
  const [asking, serving] = await streamPair()
  const connection = { remotePeer: { toString: () => 'N1' } } as unknown as Parameters<PieceServer['handle']>[1]
  const handled = server.handle(serving, connection)
  const link = pieceLink(asking, list.sha256)
  await t.throwsAsync(link.get({ skip: new Bitfield(1) }, AbortSignal.timeout(5000)))
  await t.throwsAsync(handled, { code: 'EISDIR' })
  t.deepEqual(delivered, [0], 'the seed heard the piece ended')
})
