import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import jpeg from 'jpeg-js'
import { decodeFrame } from '../../../src/tui/frame-decoder.js'
import type { DecodedFrame } from '../../../src/tui/frame-decoder.js'
import { pictureLines } from '../../../src/tui/preview-panel.js'
import { rgbaPng } from '../../helpers/rgba-png.js'
import { tempFolder } from '../../helpers/temp-folder.js'

// Frames as the output folder holds them: real files, decoded with pngjs and
// jpeg-js, and every kind of file that cannot be shown.

async function decoded (t: Parameters<typeof tempFolder>[0], name: string, bytes: Buffer): Promise<DecodedFrame> {
  const file = path.join(await tempFolder(t, 'mf-decode-'), name)
  await writeFile(file, bytes)
  return decodeFrame(file, bytes.length)
}

function noteOf (frame: DecodedFrame): string {
  return frame.kind === 'note' ? frame.note : `a picture of ${frame.source.width}×${frame.source.height}`
}

test('a known PNG becomes the expected cells: red and green over blue and white', async (t) => {
  const png = rgbaPng(2, 2, [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255])
  const frame = await decoded(t, 'frame_0001.png', png)
  if (frame.kind !== 'picture') return t.fail(noteOf(frame))
  t.deepEqual(frame.source, { width: 2, height: 2 })
  t.deepEqual(pictureLines(frame.picture, { columns: 2, rows: 1, colors: 256, halfBlock: true }), [[
    { text: '▀', fg: 196, bg: 21 },
    { text: '▀', fg: 46, bg: 231 },
  ]])
})

test('a 16-bit PNG (Blender\'s 16-bit colour depth) is read as 8 bits a sample, alpha included', async (t) => {
  const png = rgbaPng(2, 1, [65535, 0, 0, 65535, 0, 128 * 257, 65535, 0], { bitDepth: 16 })
  t.is(png[24], 16, 'the file really is 16 bits a sample')
  const frame = await decoded(t, 'frame_0001.png', png)
  if (frame.kind !== 'picture') return t.fail(noteOf(frame))
  t.deepEqual([...frame.picture.data], [255, 0, 0, 255, 0, 128, 255, 0])
  // The transparent pixel shows the checkerboard, the red one red.
  t.deepEqual(pictureLines(frame.picture, { columns: 2, rows: 1, colors: 256, halfBlock: false }), [[{ text: ' ', bg: 196 }, { text: ' ', bg: 236 }]])
})

test('a JPEG frame is decoded too', async (t) => {
  const red = jpeg.encode({ width: 16, height: 16, data: Buffer.alloc(16 * 16 * 4, Buffer.from([255, 0, 0, 255])) }, 95)
  const frame = await decoded(t, 'frame_0001.jpg', red.data)
  if (frame.kind !== 'picture') return t.fail(noteOf(frame))
  t.deepEqual(pictureLines(frame.picture, { columns: 1, rows: 1, colors: 256, halfBlock: true }), [[{ text: '▀', fg: 196, bg: 196 }]])
})

test('a large frame is made small right after decoding: the preview keeps at most 320x240', async (t) => {
  const width = 1000
  const height = 500
  const frame = await decoded(t, 'frame_0001.png', rgbaPng(width, height, Array.from({ length: width * height * 4 }, (_, i) => i % 4 === 3 ? 255 : 90)))
  if (frame.kind !== 'picture') return t.fail(noteOf(frame))
  t.deepEqual(frame.source, { width, height })
  t.deepEqual([frame.picture.width, frame.picture.height], [320, 160])
  t.deepEqual([...frame.picture.data.subarray(0, 4)], [90, 90, 90, 255])
})

test('EXR frames have a note instead of a picture, by their magic number or their name', async (t) => {
  t.is(noteOf(await decoded(t, 'frame_0001.exr', Buffer.from([0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0]))), 'EXR frame: no preview (PNG and JPEG frames have one)')
  t.is(noteOf(await decoded(t, 'frame_0001.png', Buffer.from([0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0]))), 'EXR frame: no preview (PNG and JPEG frames have one)')
})

test('a broken, cut-short, huge or foreign file gives a note, never an exception', async (t) => {
  const png = rgbaPng(4, 4, Array.from({ length: 64 }, () => 200))
  t.regex(noteOf(await decoded(t, 'cut.png', png.subarray(0, png.length - 20))), /^cannot decode the frame: /)
  const garbage = Buffer.concat([png.subarray(0, 33), Buffer.from('this is not a compressed image stream at all')])
  t.regex(noteOf(await decoded(t, 'garbage.png', garbage)), /^cannot decode the frame: /)
  t.regex(noteOf(await decoded(t, 'tiny.png', png.subarray(0, 12))), /cut short/)
  const huge = Buffer.from(png)
  huge.writeUInt32BE(100_000, 16)
  huge.writeUInt32BE(100_000, 20)
  t.is(noteOf(await decoded(t, 'huge.png', huge)), '100000×100000: too large to preview')
  t.regex(noteOf(await decoded(t, 'bad.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 1, 2, 3]))), /^cannot decode the frame: /)
  t.is(noteOf(await decoded(t, 'frame.tif', Buffer.from('II*\0 tiff'))), 'not a PNG or JPEG file: no preview')
  t.regex(noteOf(await decodeFrame('/nonexistent/frame_0001.png', 100)), /^cannot read the frame file: ENOENT/)
  t.regex(noteOf(await decodeFrame('/nonexistent/frame_0001.png', 1e12)), /too large to preview/)
})
