import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { checkBlendFile, NotABlendFileError } from '../../../src/blender/blend-file.js'
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
