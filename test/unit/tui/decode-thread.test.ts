import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { DecodeThread } from '../../../src/tui/decode-thread.js'
import { decodeFrame } from '../../../src/tui/frame-decoder.js'
import { rgbaPng } from '../../helpers/rgba-png.js'
import { tempFolder } from '../../helpers/temp-folder.js'

// Frames decoded in the worker thread come back as the same pictures and
// notes as decoded here.

test('a frame decoded in the thread is the same picture; a missing file the same note', async (t) => {
  const file = path.join(await tempFolder(t, 'mf-thread-'), 'frame_0001.png')
  const png = rgbaPng(2, 1, [255, 0, 0, 255, 0, 0, 255, 128])
  await writeFile(file, png)
  const thread = new DecodeThread()
  t.teardown(() => thread.stop())
  const [there, here] = [await thread.decode(file, png.length), await decodeFrame(file, png.length)]
  if (there.kind !== 'picture' || here.kind !== 'picture') return t.fail('not decoded')
  t.deepEqual(there.source, here.source)
  t.deepEqual({ ...there.picture, data: [...there.picture.data] }, { ...here.picture, data: [...here.picture.data] })
  t.deepEqual(await thread.decode('/nonexistent/frame_0001.png', 10), { kind: 'note', note: 'cannot read the frame file: ENOENT: no such file or directory, open \'/nonexistent/frame_0001.png\'' })
})

test('stopping the thread answers the frames waiting with an error; the next frame starts a new thread', async (t) => {
  const file = path.join(await tempFolder(t, 'mf-thread-'), 'frame_0001.png')
  const png = rgbaPng(1, 1, [9, 9, 9, 255])
  await writeFile(file, png)
  const thread = new DecodeThread()
  t.teardown(() => thread.stop())
  const waiting = thread.decode(file, png.length)
  thread.stop()
  await t.throwsAsync(waiting, { name: 'DecodeThreadError', message: 'the decoding thread was stopped' })
  t.like(await thread.decode(file, png.length), { kind: 'picture', source: { width: 1, height: 1 } })
})
