import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { gzipSync } from 'node:zlib'
import { checkBlendFile, NotABlendFileError, parseBlendHeader, readBlendVersion } from '../../../src/blender/blend-file.js'
import { tempFolder } from '../../helpers/temp-folder.js'

test('plain, zstd- and gzip-compressed .blend headers pass', async (t) => {
  const dir = await tempFolder(t)
  const heads = { plain: Buffer.from('BLENDER-v304'), zstd: Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0]), gzip: Buffer.from([0x1f, 0x8b, 8, 0]) }
  for (const [name, head] of Object.entries(heads)) {
    const file = path.join(dir, `${name}.blend`)
    await writeFile(file, head)
    await t.notThrowsAsync(checkBlendFile(file), name)
  }
})

test('a file that is not a .blend, an empty one and a missing one are refused with a reason', async (t) => {
  const dir = await tempFolder(t)
  const text = path.join(dir, 'notes.blend')
  await writeFile(text, 'just some text\n')
  const empty = path.join(dir, 'empty.blend')
  await writeFile(empty, '')
  const notBlend = await t.throwsAsync(checkBlendFile(text), { instanceOf: NotABlendFileError })
  t.is(notBlend?.message, 'notes.blend is not a Blender file (no .blend header)')
  await t.throwsAsync(checkBlendFile(empty), { instanceOf: NotABlendFileError, message: /empty\.blend is not a Blender file/ })
  await t.throwsAsync(checkBlendFile(path.join(dir, 'gone.blend')), { instanceOf: NotABlendFileError, message: /gone\.blend: no such file/ })
})

test('a folder is refused with a sentence, not EISDIR', async (t) => {
  const dir = await tempFolder(t)
  await t.throwsAsync(checkBlendFile(dir), { instanceOf: NotABlendFileError, message: /is a folder, not a \.blend file: name the scene's \.blend inside it$/ })
})

test('the saving version from a .blend header: 3-digit before 5.0, 4-digit from 5.0; compressed files say so', (t) => {
  t.deepEqual(parseBlendHeader(Buffer.from('BLENDER-v304REND')), { kind: 'plain', version: '3.4' })
  t.deepEqual(parseBlendHeader(Buffer.from('BLENDER_V279')), { kind: 'plain', version: '2.79' })
  t.deepEqual(parseBlendHeader(Buffer.from('BLENDER-v402')), { kind: 'plain', version: '4.2' })
  t.deepEqual(parseBlendHeader(Buffer.from('BLENDER17-01v0500')), { kind: 'plain', version: '5.0' })
  t.deepEqual(parseBlendHeader(Buffer.from('BLENDER17-01v0501')), { kind: 'plain', version: '5.1' })
  t.deepEqual(parseBlendHeader(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0])), { kind: 'compressed', compression: 'zstd' })
  t.deepEqual(parseBlendHeader(Buffer.from([0x1f, 0x8b, 8])), { kind: 'compressed', compression: 'gzip' })
  t.deepEqual(parseBlendHeader(Buffer.from('BLENDER-')), { kind: 'unknown' })
  t.deepEqual(parseBlendHeader(Buffer.from('hello')), { kind: 'unknown' })
})

test('readBlendVersion reads plain and gzip files; zstd is left to Blender', async (t) => {
  const dir = await tempFolder(t)
  const plain = path.join(dir, 'plain.blend')
  await writeFile(plain, Buffer.from('BLENDER-v405RENDxxxx'))
  t.is(await readBlendVersion(plain), '4.5')
  const gzip = path.join(dir, 'gzip.blend')
  await writeFile(gzip, gzipSync(Buffer.from('BLENDER-v279REND' + 'x'.repeat(1000))))
  t.is(await readBlendVersion(gzip), '2.79')
  const zstd = path.join(dir, 'zstd.blend')
  await writeFile(zstd, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0]))
  t.is(await readBlendVersion(zstd), undefined)
})
