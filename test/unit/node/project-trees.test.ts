import { createHash, randomBytes } from 'node:crypto'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import type { ExecutionContext } from 'ava'
import { streamPair } from '@libp2p/utils'
import { handleContentRequest } from '../../../src/coordinator/handlers/content.js'
import { ContentCache } from '../../../src/node/content-cache.js'
import type { OpenStream } from '../../../src/node/content-cache.js'
import { ProjectTrees } from '../../../src/node/project-trees.js'
import { encodeMessage } from '../../../src/protocol/framing.js'
import type { RenderTask } from '../../../src/protocol/messages.js'
import { ContentStore } from '../../../src/store/content-store.js'
import { OutputLayout } from '../../../src/store/layout.js'
import { tempFolder } from '../../helpers/temp-folder.js'

// The node's side of a job's files, against the coordinator's real content
// handler over in-memory streams: fetch what is missing, lay out the tree,
// refuse manifests that would write outside it, keep the cache bounded.

const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex')

interface Farm { store: ContentStore, open: OpenStream, fetches: string[], dir: string }

async function coordinator (t: ExecutionContext): Promise<Farm> {
  const dir = await tempFolder(t, 'mf-trees-')
  const store = new ContentStore(new OutputLayout(path.join(dir, 'coordinator')))
  await store.init()
  const fetches: string[] = []
  const open: OpenStream = async () => {
    const [outbound, inbound] = await streamPair()
    handleContentRequest(store, inbound).catch((err: unknown) => { inbound.abort(err instanceof Error ? err : new Error(String(err))) })
    const send = outbound.send.bind(outbound)
    // Count what the node asks for: the first message of each stream.
    outbound.send = (data) => { fetches.push(Buffer.from(data.subarray()).toString('utf8')); return send(data) }
    return outbound
  }
  return { store, open, fetches, dir }
}

async function put (store: ContentStore, bytes: Uint8Array): Promise<{ sha256: string, size: number }> {
  const content = { sha256: sha(bytes), size: bytes.byteLength }
  await store.put(content, 'test content', async (temp) => { await writeFile(temp, bytes) })
  return content
}

/** Stores a project's files and its manifest on the coordinator; returns a task naming it. */
async function project (store: ContentStore, files: Record<string, Uint8Array>, extra: object = {}): Promise<RenderTask> {
  const listed = []
  for (const [filePath, bytes] of Object.entries(files)) listed.push({ path: filePath, ...await put(store, bytes) })
  const main = listed[0] as { path: string, sha256: string, size: number }
  const manifest = encodeMessage({ version: 1, main: main.path, files: listed, remap: [], missing: [], ...extra })
  const ref = await put(store, manifest)
  return { kind: 'render', taskId: 't1', jobId: '1', blendSha256: main.sha256, blendSize: main.size, project: ref, format: 'PNG', frames: [1] }
}

test('a project is laid out as the scene expects, its files hard links to the cache, its absolute paths rewritten', async (t) => {
  const farm = await coordinator(t)
  const task = await project(farm.store, { 'shots/a.blend': Buffer.from('BLENDER-v304 a'), 'textures/wood.png': randomBytes(1000), '_external/mnt/sky.exr': randomBytes(500) },
    { remap: [{ from: '/mnt/sky.exr', to: '_external/mnt/sky.exr' }], missing: [{ kind: 'image', owner: "image 'gone'", stored: '//gone.png', resolved: '/p/gone.png' }] })
  const cache = new ContentCache(path.join(farm.dir, 'node', 'content'), 1e9)
  const trees = new ProjectTrees(path.join(farm.dir, 'node', 'jobs'), cache)
  const scene = await trees.prepare(task, farm.open)
  const tree = path.join(farm.dir, 'node', 'jobs', task.project?.sha256 ?? '')
  t.is(scene.blendPath, path.join(tree, 'shots', 'a.blend'))
  t.deepEqual(scene.remap, [{ from: '/mnt/sky.exr', to: path.join(tree, '_external', 'mnt', 'sky.exr') }])
  t.deepEqual(scene.allowedMissing, ['//gone.png'])
  t.deepEqual(scene.fetched, { files: 3, bytes: 14 + 1000 + 500 })
  const wood = await stat(path.join(tree, 'textures', 'wood.png'))
  const cached = await stat(cache.pathFor(sha(await readFile(path.join(tree, 'textures', 'wood.png')))))
  t.is(wood.ino, cached.ino, 'a hard link, not a copy')

  const again = await trees.prepare({ ...task, taskId: 't2' }, farm.open)
  t.deepEqual(again.fetched, { files: 0, bytes: 0 }, 'nothing is fetched twice')
})

test('two projects with the same path and other content never see each other\'s file', async (t) => {
  const farm = await coordinator(t)
  const cache = new ContentCache(path.join(farm.dir, 'node', 'content'), 1e9)
  const trees = new ProjectTrees(path.join(farm.dir, 'node', 'jobs'), cache)
  const a = await trees.prepare(await project(farm.store, { 'a.blend': Buffer.from('BLENDER a'), 'textures/checker.png': Buffer.from('red') }), farm.open)
  const b = await trees.prepare(await project(farm.store, { 'a.blend': Buffer.from('BLENDER b'), 'textures/checker.png': Buffer.from('blue') }), farm.open)
  t.is(await readFile(path.join(path.dirname(a.blendPath), 'textures', 'checker.png'), 'utf8'), 'red')
  t.is(await readFile(path.join(path.dirname(b.blendPath), 'textures', 'checker.png'), 'utf8'), 'blue')
})

for (const [what, bad] of [['../../etc/passwd', '../../etc/passwd'], ['an absolute path', '/etc/passwd'], ['a NUL', 'tex\0.png'], ['a device name', 'tex/NUL'], ['a drive letter', 'C:/x.png']]) {
  test(`a manifest with ${what} is rejected and nothing is written outside the node's folders`, async (t) => {
    const farm = await coordinator(t)
    const blend = await put(farm.store, Buffer.from('BLENDER x'))
    const other = await put(farm.store, Buffer.from('payload'))
    const ref = await put(farm.store, encodeMessage({ version: 1, main: 'a.blend', files: [{ path: 'a.blend', ...blend }, { path: bad, ...other }], remap: [], missing: [] }))
    const nodeDir = path.join(farm.dir, 'node')
    const trees = new ProjectTrees(path.join(nodeDir, 'jobs'), new ContentCache(path.join(nodeDir, 'content'), 1e9))
    const task: RenderTask = { kind: 'render', taskId: 't', jobId: '1', blendSha256: blend.sha256, blendSize: blend.size, project: ref, format: 'PNG', frames: [1] }
    await t.throwsAsync(trees.prepare(task, farm.open), { name: 'ProtocolError', message: /rejected the job's project manifest: .*not a safe relative path/ })
    t.deepEqual(await readdir(farm.dir), ['coordinator', 'node'])
    t.deepEqual((await readdir(nodeDir)).sort(), ['content'], 'no job folder was made')
  })
}

test('the cache stays within its size: least recently used content of other jobs goes, a job in progress keeps its files', async (t) => {
  const farm = await coordinator(t)
  const nodeDir = path.join(farm.dir, 'node')
  const cache = new ContentCache(path.join(nodeDir, 'content'), 5000)
  const trees = new ProjectTrees(path.join(nodeDir, 'jobs'), cache)
  const first = await project(farm.store, { 'a.blend': randomBytes(100), 'big.exr': randomBytes(3000) })
  const second = await project(farm.store, { 'b.blend': randomBytes(100), 'big.exr': randomBytes(3000) })
  await trees.prepare(first, farm.open)
  const cached = async (): Promise<number> => (await readdir(path.join(nodeDir, 'content'))).length
  t.is(await cached(), 3)
  // Both jobs in progress: together over the limit, yet nothing either needs may go.
  await trees.prepare(second, farm.open)
  t.is(await cached(), 6)
  // The first job is over on this node: its tree goes, and the cache is trimmed to its limit.
  await trees.retainOnly(new Set([second.project?.sha256 ?? '']))
  t.deepEqual((await readdir(path.join(nodeDir, 'jobs'))).sort(), [second.project?.sha256])
  const sizes = await Promise.all((await readdir(path.join(nodeDir, 'content'))).map(async name => (await stat(path.join(nodeDir, 'content', name))).size))
  t.true(sizes.reduce((a, b) => a + b, 0) <= 5000, `the cache is within its limit again (${sizes.join(' + ')})`)
  t.true(await cached() < 6, 'some of the first job\'s content went')
  const again = await trees.prepare(second, farm.open)
  t.deepEqual(again.fetched, { files: 0, bytes: 0 }, 'the job in progress kept everything')
  const firstAgain = await trees.prepare(first, farm.open)
  t.true(firstAgain.fetched.files >= 1, 'evicted content is fetched again when needed')
})

test('a job from before projects (the .blend alone) gets a tree with just scene.blend', async (t) => {
  const farm = await coordinator(t)
  const blend = await put(farm.store, Buffer.from('BLENDER-v304 legacy'))
  const trees = new ProjectTrees(path.join(farm.dir, 'node', 'jobs'), new ContentCache(path.join(farm.dir, 'node', 'content'), 1e9))
  const scene = await trees.prepare({ kind: 'render', taskId: 't', jobId: '1', blendSha256: blend.sha256, blendSize: blend.size, format: 'PNG', frames: [1] }, farm.open)
  t.is(path.basename(scene.blendPath), 'scene.blend')
  t.is(await readFile(scene.blendPath, 'utf8'), 'BLENDER-v304 legacy')
})

test('a job whose files are all cached makes no room: other jobs\' content stays', async (t) => {
  const farm = await coordinator(t)
  const nodeDir = path.join(farm.dir, 'node')
  const cache = new ContentCache(path.join(nodeDir, 'content'), 1000)
  const trees = new ProjectTrees(path.join(nodeDir, 'jobs'), cache)
  const big = await project(farm.store, { 'a.blend': randomBytes(500) })
  const small = await project(farm.store, { 'b.blend': randomBytes(200) })
  await trees.prepare(big, farm.open)
  await trees.prepare(small, farm.open)
  const before = (await readdir(path.join(nodeDir, 'content'))).sort()
  await trees.prepare({ ...big, taskId: 't9' }, farm.open)
  t.deepEqual((await readdir(path.join(nodeDir, 'content'))).sort(), before)
})

test('content in the cache is read-only: a write through a job\'s tree cannot change what later jobs get', async (t) => {
  const farm = await coordinator(t)
  const trees = new ProjectTrees(path.join(farm.dir, 'node', 'jobs'), new ContentCache(path.join(farm.dir, 'node', 'content'), 1e9))
  const scene = await trees.prepare(await project(farm.store, { 'a.blend': Buffer.from('BLENDER ro') }), farm.open)
  t.is((await stat(scene.blendPath)).mode & 0o777, 0o444)
})
