import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { streamPair } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import type { PeerCaller } from '../../../src/coordinator/ownership.js'
import { CoordinatorClient } from '../../../src/client/coordinator-client.js'
import type { SubmitProgress } from '../../../src/client/coordinator-client.js'
import { CoordinatorEvents } from '../../../src/coordinator/events.js'
import { Farm } from '../../../src/coordinator/farm.js'
import { handleSubmit } from '../../../src/coordinator/handlers/submit.js'
import { hashProject } from '../../../src/project/local-project.js'
import type { LocalProject } from '../../../src/project/local-project.js'
import { JobStore } from '../../../src/store/job-store.js'
import { tempFolder } from '../../helpers/temp-folder.js'
import { waitFor } from '../../helpers/cli.js'

// The submit protocol end to end over in-memory streams: the real client
// against the real handler, store and farm. What is complete stays stored,
// nothing half-received takes a content name, a submit run again sends only
// what is missing, and content no job needs any more is collected.

const settings = { name: 'shot.blend', frames: '1-2', chunk: 1, format: 'PNG' as const, priority: 0, encode: { enabled: false, codec: 'h264' as const, quality: 'high' as const, location: 'parent' as const } }

interface Setup { farm: Farm, store: JobStore, client: CoordinatorClient, dir: string, streams: Stream[] }

async function setup (t: ExecutionContext, cut?: (stream: Stream) => void): Promise<Setup> {
  const dir = await tempFolder(t, 'mf-submit-')
  const store = new JobStore(path.join(dir, 'out'))
  await store.init()
  t.teardown(async () => { await store.drain() })
  const farm = new Farm({ policy: { maxAttempts: 3, blocklistAfter: 3 } }, { store, events: new CoordinatorEvents() })
  const streams: Stream[] = []
  // Who the connection proves the submitter is.
  const submitter = (): PeerCaller => ({ kind: 'peer', peerId: 'peer-submitter' })
  const client = CoordinatorClient.over(async () => {
    const [outbound, inbound] = await streamPair()
    streams.push(outbound)
    cut?.(outbound)
    handleSubmit(farm, store, inbound, submitter).catch((err: unknown) => { inbound.abort(err instanceof Error ? err : new Error(String(err))) })
    return outbound
  })
  return { farm, store, client, dir, streams }
}

/** A project of random files: the .blend first, then textures; `same` reuses the bytes of another project's file i. */
async function project (dir: string, sizes: number[], same: Map<number, Buffer> = new Map()): Promise<LocalProject> {
  const root = path.join(dir, 'project')
  await mkdir(path.join(root, 'tex'), { recursive: true })
  const files = []
  for (const [i, size] of sizes.entries()) {
    const relative = i === 0 ? 'shot.blend' : `tex/t${i}.png`
    await writeFile(path.join(root, relative), same.get(i) ?? randomBytes(size))
    files.push({ source: path.join(root, relative), path: relative })
  }
  return hashProject({ root, main: 'shot.blend', files, remap: [], missing: [] })
}

const stored = async (store: JobStore): Promise<string[]> => (await readdir(store.layout.contentDir)).sort()

test('a submit cut off half-way keeps the files that were complete, no half file; run again, it sends only the rest', async (t) => {
  let budget = Infinity
  const s = await setup(t, (stream) => {
    // The connection breaks after `budget` bytes of file content.
    const send = stream.send.bind(stream)
    stream.send = (data) => {
      budget -= data.byteLength
      if (budget < 0) { stream.abort(new Error('cable pulled')); return true }
      return send(data)
    }
  })
  const local = await project(s.dir, [1000, 300_000, 300_000, 300_000])
  budget = 1000 + 300_000 + 150_000 + 2000
  await t.throwsAsync(s.client.submit(local, settings))
  // The coordinator notices the cut a moment later and removes its temporary file.
  const after = await waitFor('the half-received file to go', async () => {
    const names = await stored(s.store)
    return names.every(name => /^[0-9a-f]{64}$/.test(name)) ? names : undefined
  }, 10_000)
  t.true(after.length >= 2 && after.length < 5, `what was complete is kept (${after.length} of 5 contents)`)
  t.is(s.farm.jobs.size, 0)

  budget = Infinity
  const progress: SubmitProgress[] = []
  const result = await s.client.submit(local, settings, p => progress.push(p))
  t.is(result.filesSent, 5 - after.length, 'only what was missing is sent')
  t.is(progress.at(-1)?.bytes, result.bytesSent)
  t.is(progress.at(-1)?.files, progress.at(-1)?.filesTotal)
  t.is(s.farm.jobs.size, 1)
  t.is((await stored(s.store)).length, 5)
})

test('content shared by two jobs is stored once; deleting one keeps what the other needs and collects the rest', async (t) => {
  const s = await setup(t)
  const first = await project(s.dir, [1000, 5000, 7000])
  const one = await s.client.submit(first, settings)
  // Same texture t1, another t2 and another .blend: the shared file is not sent again.
  const sharing = await project(path.join(s.dir, 'b'), [1100, 5000, 7000], new Map([[1, await readFile(first.sources[1] as string)]]))
  const two = await s.client.submit(sharing, settings)
  t.is(two.filesSent, 2, 'the .blend and the other texture; not the shared one')
  t.is((await stored(s.store)).length, 4 + 3)

  await s.farm.deleteJob(one.jobId)
  const left = await stored(s.store)
  t.deepEqual(left, [sharing.ref.sha256, ...sharing.manifest.files.map(f => f.sha256)].sort(), 'exactly the second job\'s content is left')
})

test('a file saved again between hashing and sending is named at once, not after a minute of waiting', async (t) => {
  const s = await setup(t)
  const local = await project(s.dir, [1000, 300_000])
  const shrunk = local.sources[1] as string
  await writeFile(shrunk, randomBytes(100))
  const started = Date.now()
  await t.throwsAsync(s.client.submit(local, settings), { name: 'FileChangedError', message: /t1\.png changed while it was sent \(100 bytes now, 300000 when it was hashed\); submit again once it is saved/ })
  t.true(Date.now() - started < 10_000)
  const replaced = await project(path.join(s.dir, 'b'), [1000, 5000])
  await writeFile(replaced.sources[1] as string, randomBytes(5000))
  await t.throwsAsync(s.client.submit(replaced, settings), { name: 'FileChangedError', message: /t1\.png changed while it was sent \(its content no longer matches what was hashed\)/ })
})
