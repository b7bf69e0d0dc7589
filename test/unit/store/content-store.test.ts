import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { ContentStore } from '../../../src/store/content-store.js'
import { OutputLayout } from '../../../src/store/layout.js'
import { tempFolder } from '../../helpers/temp-folder.js'

test('on start: .blend files of an older MicroFarm become content, half uploads of a killed one go', async (t) => {
  const root = await tempFolder(t, 'mf-content-')
  const layout = new OutputLayout(root)
  const sha = 'ab'.repeat(32)
  await mkdir(layout.legacyBlendDir, { recursive: true })
  await writeFile(path.join(layout.legacyBlendDir, `${sha}.blend`), 'BLENDER old job')
  await mkdir(layout.contentDir, { recursive: true })
  await writeFile(path.join(layout.contentDir, '.upload-0123456789ab.part'), 'half')
  await new ContentStore(layout).init()
  t.deepEqual(await readdir(layout.contentDir), [sha])
  t.is(await readFile(layout.contentPath(sha), 'utf8'), 'BLENDER old job')
  t.deepEqual((await readdir(layout.stateDir)).sort(), ['content'])
})

test('pinned content is not collected until released', async (t) => {
  const layout = new OutputLayout(await tempFolder(t, 'mf-content-'))
  const store = new ContentStore(layout)
  await store.init()
  const sha = 'cd'.repeat(32)
  await store.put({ sha256: sha, size: 4 }, 'test', async (temp) => { await writeFile(temp, 'data') })
  const release = store.pin([sha])
  t.is(await store.collect(async () => new Set()), 0, 'a submit in flight keeps its content')
  release()
  t.is(await store.collect(async () => undefined), 0, 'what is needed cannot be told: nothing goes')
  t.is(await store.collect(async () => new Set()), 1)
})

test('a pin released while a collection runs holds until it ends: a job submitted meanwhile keeps its files', async (t) => {
  const layout = new OutputLayout(await tempFolder(t, 'mf-content-'))
  const store = new ContentStore(layout)
  await store.init()
  const sha = 'ef'.repeat(32)
  await store.put({ sha256: sha, size: 4 }, 'test', async (temp) => { await writeFile(temp, 'data') })
  const release = store.pin([sha])
  // The collection decides what is needed before the job exists; the submit finishes meanwhile.
  const removed = await store.collect(async () => {
    release()
    return new Set()
  })
  t.is(removed, 0)
  t.deepEqual(await readdir(layout.contentDir), [sha])
})
