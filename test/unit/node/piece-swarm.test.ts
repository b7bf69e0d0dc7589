import test from 'ava'
import type { ExecutionContext } from 'ava'
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection } from '@libp2p/interface'
import { streamPair } from '@libp2p/utils'
import { ContentSwarm } from '../../../src/coordinator/content-swarm.js'
import type { PieceStreamWatcher } from '../../../src/coordinator/content-swarm.js'
import { CoordinatorEvents } from '../../../src/coordinator/events.js'
import { ContentCache } from '../../../src/node/content-cache.js'
import type { OpenStream } from '../../../src/node/content-cache.js'
import { NodeSwarm } from '../../../src/node/piece-swarm.js'
import { pieceListPath } from '../../../src/pieces/piece-files.js'
import { DEFAULT_PIECE_BYTES, sha256Hex } from '../../../src/pieces/pieces.js'
import { PIECES_PROTOCOL } from '../../../src/protocol/constants.js'
import { tempFolder } from '../../helpers/temp-folder.js'

// A node's fetch in pieces against the coordinator's real swarm handlers over
// in-memory streams (no peers): what it leaves in its content folder.

async function farm (t: ExecutionContext, bytes: Buffer, streams?: PieceStreamWatcher): Promise<{ open: OpenStream, store: string, node: string, content: { sha256: string, size: number } }> {
  const dir = await tempFolder(t, 'mf-swarm-')
  const store = path.join(dir, 'coordinator')
  await mkdir(store)
  const content = { sha256: sha256Hex(bytes), size: bytes.byteLength }
  await writeFile(path.join(store, content.sha256), bytes)
  const swarm = new ContentSwarm({ path: (sha) => path.join(store, sha) }, { nameOf: () => 'n1', members: () => [], setFetching: () => {}, jobsOf: async () => [] }, new CoordinatorEvents(), streams)
  const connection = { remotePeer: { toString: () => 'N1' } } as unknown as Connection
  const open: OpenStream = async (protocol) => {
    const [outbound, inbound] = await streamPair()
    const handled = protocol === PIECES_PROTOCOL ? swarm.handlePieces(inbound, connection) : swarm.handleSwarm(inbound, connection)
    handled.catch((err: unknown) => inbound.abort(err instanceof Error ? err : new Error(String(err))))
    return outbound
  }
  return { open, store, node: path.join(dir, 'node'), content }
}

async function nodeSwarm (): Promise<NodeSwarm> {
  return new NodeSwarm({ privateKey: await generateKeyPair('Ed25519'), port: 0, log: () => {} })
}

test('content fetched in pieces takes its name; no temporary file of the fetch is left', async (t) => {
  const bytes = randomBytes(2 * DEFAULT_PIECE_BYTES + 1000)
  const f = await farm(t, bytes)
  const cache = new ContentCache(f.node, 1e9, await nodeSwarm())
  const { path: placed, fetched } = await cache.ensure(f.content, f.open, AbortSignal.timeout(60_000))
  t.true(fetched)
  t.is(placed, path.join(f.node, f.content.sha256))
  t.deepEqual(await readdir(f.node), [f.content.sha256])
})

/** A watcher of the coordinator's pieces streams, and a wait until every stream it saw open has ended. */
function streamWatcher (): { watcher: PieceStreamWatcher, seen: { opened: number, closed: number }, allEnded: () => Promise<void> } {
  const seen = { opened: 0, closed: 0 }
  const allEnded = async (): Promise<void> => {
    // The node closed its streams: the coordinator ends its side soon after.
    const deadline = Date.now() + 10_000
    while (seen.closed < seen.opened && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10))
  }
  return { watcher: { opened: () => { seen.opened++ }, closed: () => { seen.closed++ } }, seen, allEnded }
}

test('the coordinator tells its watcher of each pieces stream it serves, opened and ended', async (t) => {
  const { watcher, seen, allEnded } = streamWatcher()
  const f = await farm(t, randomBytes(2 * DEFAULT_PIECE_BYTES + 1000), watcher)
  await new ContentCache(f.node, 1e9, await nodeSwarm()).ensure(f.content, f.open, AbortSignal.timeout(60_000))
  t.true(seen.opened >= 1)
  await allEnded()
  t.is(seen.closed, seen.opened)
})

test('a pieces stream that fails still ends for the watcher', async (t) => {
  const { watcher, seen, allEnded } = streamWatcher()
  const f = await farm(t, randomBytes(2 * DEFAULT_PIECE_BYTES + 1000), watcher)
  const wrong = { ...f.content, pieceBytes: DEFAULT_PIECE_BYTES, pieces: [0, 1, 2].map(() => sha256Hex(randomBytes(8))) }
  await writeFile(pieceListPath(path.join(f.store, f.content.sha256)), JSON.stringify(wrong))
  await t.throwsAsync(new ContentCache(f.node, 1e9, await nodeSwarm()).ensure(f.content, f.open, AbortSignal.timeout(60_000)))
  t.true(seen.opened >= 1)
  await allEnded()
  t.is(seen.closed, seen.opened)
})

test('a fetch that cannot complete (the piece list was wrong) removes what it fetched', async (t) => {
  const bytes = randomBytes(2 * DEFAULT_PIECE_BYTES + 1000)
  const f = await farm(t, bytes)
  // The coordinator's list, kept beside its content, names other bytes for each piece.
  const wrong = { ...f.content, pieceBytes: DEFAULT_PIECE_BYTES, pieces: [0, 1, 2].map(() => sha256Hex(randomBytes(8))) }
  await writeFile(pieceListPath(path.join(f.store, f.content.sha256)), JSON.stringify(wrong))
  const cache = new ContentCache(f.node, 1e9, await nodeSwarm())
  await t.throwsAsync(cache.ensure(f.content, f.open, AbortSignal.timeout(60_000)), { name: 'PieceFetchError' })
  t.deepEqual(await readdir(f.node), [])
})
