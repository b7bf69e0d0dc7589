import test from 'ava'
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { ContentCache } from '../../../src/node/content-cache.js'
import type { PieceFetching } from '../../../src/node/content-cache.js'
import { tempFolder } from '../../helpers/temp-folder.js'

// The node's content folder on disk: whole content, and fetches in pieces
// left by an earlier run (a sparse `.<sha>.swarm` and the bitfield of its
// verified pieces, `.<sha>.swarm-have`).

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)
const C = 'c'.repeat(64)
const D = 'd'.repeat(64)

interface Recorder { pieces: PieceFetching, adopted: Array<{ sha256: string, size: number, whole: boolean }>, forgotten: string[] }

function recorder (): Recorder {
  const out: Recorder = { adopted: [], forgotten: [], pieces: undefined as unknown as PieceFetching }
  out.pieces = {
    minBytes: 0,
    fetch: async () => { throw new Error('not fetched in this test') },
    completed: () => {},
    forget: (sha256) => { out.forgotten.push(sha256) },
    adopt: (found) => { out.adopted.push(...found.map(f => ({ sha256: f.sha256, size: f.size, whole: f.whole }))) },
  }
  return out
}

async function files (dir: string, entries: Record<string, number>, ageSeconds: Record<string, number> = {}): Promise<void> {
  await mkdir(dir, { recursive: true })
  for (const [name, size] of Object.entries(entries)) {
    await writeFile(path.join(dir, name), Buffer.alloc(size, 1))
    const when = new Date(Date.now() - (ageSeconds[name] ?? 0) * 1000)
    await utimes(path.join(dir, name), when, when)
  }
}

test('at start: half-received files and fetches that cannot resume go; what stays is handed to the swarm to serve again', async (t) => {
  const dir = path.join(await tempFolder(t, 'mf-cache-'), 'content')
  await files(dir, {
    [A]: 1000, // whole
    [`.${A}.swarm`]: 1000, [`.${A}.swarm-have`]: 1, // a fetch of it that is over: redundant
    [`.${B}.swarm`]: 3000, [`.${B}.swarm-have`]: 1, // a fetch that resumes
    [`.${C}.swarm`]: 2000, // no verified pieces kept: nothing to resume
    [`.${D}.swarm-have`]: 1, // a bitfield without its pieces
    [`.${D}.0123abcd.part`]: 50, // a whole-file transfer cut off
  })
  const r = recorder()
  await new ContentCache(dir, 1e9, r.pieces).removeTemporaries()
  t.deepEqual((await readdir(dir)).sort(), [A, `.${B}.swarm`, `.${B}.swarm-have`].sort())
  t.deepEqual(r.adopted.sort((x, y) => x.sha256.localeCompare(y.sha256)), [{ sha256: A, size: 1000, whole: true }, { sha256: B, size: 3000, whole: false }])
})

test('partial content counts against the cache size: least recently used goes first, with its bitfield', async (t) => {
  const dir = path.join(await tempFolder(t, 'mf-cache-'), 'content')
  await files(dir, {
    [A]: 4096,
    [`.${B}.swarm`]: 8192, [`.${B}.swarm-have`]: 1,
    [C]: 4096,
  }, { [A]: 10, [`.${B}.swarm`]: 100, [C]: 1 })
  const r = recorder()
  const cache = new ContentCache(dir, 12 * 1024, r.pieces)
  t.deepEqual(await cache.evict(new Set()), { files: 1, bytes: 8192 })
  t.deepEqual((await readdir(dir)).sort(), [A, C].sort())
  t.deepEqual(r.forgotten, [B])
  // Over the limit again: the whole content least recently used goes; what a job needs stays.
  t.deepEqual(await cache.evict(new Set([A]), 8 * 1024), { files: 1, bytes: 4096 })
  t.deepEqual(await readdir(dir), [A])
})

test('at start, partial content over the cache size goes, oldest first', async (t) => {
  const dir = path.join(await tempFolder(t, 'mf-cache-'), 'content')
  await files(dir, {
    [`.${A}.swarm`]: 8192, [`.${A}.swarm-have`]: 1,
    [`.${B}.swarm`]: 8192, [`.${B}.swarm-have`]: 1,
  }, { [`.${A}.swarm`]: 100, [`.${B}.swarm`]: 10 })
  const r = recorder()
  await new ContentCache(dir, 10 * 1024, r.pieces).removeTemporaries()
  t.deepEqual((await readdir(dir)).sort(), [`.${B}.swarm`, `.${B}.swarm-have`].sort())
  t.deepEqual(r.adopted.map(f => f.sha256), [B])
})
