import test from 'ava'
import { nearestColor, paletteRgb } from '../../../src/tui/palette.js'
import { fitCells, resample } from '../../../src/tui/picture.js'
import type { Picture } from '../../../src/tui/picture.js'
import { pictureLines, previewBox } from '../../../src/tui/preview-panel.js'
import { plain } from '../../../src/tui/styled.js'

const RED = [255, 0, 0, 255] as const
const GREEN = [0, 255, 0, 255] as const
const BLUE = [0, 0, 255, 255] as const
const WHITE = [255, 255, 255, 255] as const
const CLEAR = [0, 0, 0, 0] as const

function picture (width: number, height: number, pixel: (x: number, y: number) => readonly number[]): Picture {
  const data = new Uint8Array(width * height * 4)
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4)
  return { width, height, data }
}

test('256 colours: the cube and the grey ramp, nearest as the eye sees it', (t) => {
  t.is(nearestColor(255, 0, 0, 256), 196)
  t.is(nearestColor(0, 0, 0, 256), 16)
  t.is(nearestColor(255, 255, 255, 256), 231)
  t.is(nearestColor(95, 135, 175, 256), 67, 'a cube colour exactly')
  t.is(nearestColor(128, 128, 128, 256), 244, 'grey 128 is on the ramp, between cube levels')
  t.is(nearestColor(30, 30, 30, 256), 234, 'a dark grey from the ramp, not the cube\'s black')
  t.is(nearestColor(40, 80, 40, 256), 65, 'a muted dark green stays green (the plain RGB distance picks grey 237)')
  t.deepEqual(paletteRgb(244), [128, 128, 128])
  t.deepEqual(paletteRgb(67), [95, 135, 175])
  // Never the first 16: terminals disagree about what they look like.
  for (let v = 0; v < 256; v += 15) t.true(nearestColor(v, 255 - v, (v * 7) % 256, 256) >= 16)
})

test('16 and 8 colours: the terminal\'s own, where it has no more', (t) => {
  t.deepEqual([RED, GREEN, BLUE, WHITE].map(([r, g, b]) => nearestColor(r, g, b, 16)), [9, 10, 4, 15])
  t.is(nearestColor(200, 0, 0, 16), 1, 'a darker red is the normal red, not the bright one')
  t.is(nearestColor(128, 128, 128, 16), 8)
  t.is(nearestColor(255, 0, 0, 8), 1)
  t.is(nearestColor(255, 255, 255, 8), 7)
})

test('a 2x2 picture becomes one row of two half-block cells: top pixels in front, bottom ones behind', (t) => {
  const pixels = [RED, GREEN, BLUE, WHITE]
  const p = picture(2, 2, (x, y) => pixels[y * 2 + x] ?? CLEAR)
  t.deepEqual(pictureLines(p, { columns: 2, rows: 1, colors: 256, halfBlock: true }), [[
    { text: '▀', fg: 196, bg: 21 },
    { text: '▀', fg: 46, bg: 231 },
  ]])
  t.deepEqual(pictureLines(p, { columns: 2, rows: 1, colors: 16, halfBlock: true }), [[
    { text: '▀', fg: 9, bg: 4 },
    { text: '▀', fg: 10, bg: 15 },
  ]])
})

test('without half blocks a cell is one pixel: a coloured space; cells of one colour are one segment', (t) => {
  const p = picture(4, 2, x => x < 2 ? RED : BLUE)
  t.deepEqual(pictureLines(p, { columns: 4, rows: 2, colors: 256, halfBlock: false }), [
    [{ text: '  ', bg: 196 }, { text: '  ', bg: 21 }],
    [{ text: '  ', bg: 196 }, { text: '  ', bg: 21 }],
  ])
})

test('scaling averages areas in linear light and keeps the aspect', (t) => {
  const halves = picture(4, 4, x => x < 2 ? [0, 0, 0, 255] : WHITE)
  t.deepEqual([...resample(halves, 2, 1).data], [0, 0, 0, 255, 255, 255, 255, 255])
  // Black and white average to half the light: sRGB 188, not 128.
  const pair = picture(2, 1, x => x === 0 ? [0, 0, 0, 255] : WHITE)
  t.deepEqual([...resample(pair, 1, 1).data], [188, 188, 188, 255])
  // A 3-pixel row into 2: each side takes half of the middle pixel, a third of its own light (sRGB 156).
  const three = picture(3, 1, x => [x === 1 ? 255 : 0, 0, 0, 255])
  t.deepEqual([...resample(three, 2, 1).data], [156, 0, 0, 255, 156, 0, 0, 255])
  // A cell is about twice as high as wide: 16:9 in 40 columns is 11 rows (22 pixel rows of 40).
  t.deepEqual(fitCells({ width: 1920, height: 1080 }, 40, 30), { columns: 40, rows: 11 })
  t.deepEqual(fitCells({ width: 1920, height: 1080 }, 40, 5), { columns: 18, rows: 5 }, 'short of rows: narrower')
  t.deepEqual(fitCells({ width: 100, height: 1000 }, 40, 10), { columns: 2, rows: 10 })
})

test('transparent pixels show a dark checkerboard; their colour does not bleed into opaque neighbours', (t) => {
  const clear = picture(8, 2, () => CLEAR)
  // Squares of 4 pixels: grey 48 (236) then grey 68 (238).
  t.deepEqual(pictureLines(clear, { columns: 8, rows: 1, colors: 256, halfBlock: true }), [[
    { text: '▀▀▀▀', fg: 236, bg: 236 },
    { text: '▀▀▀▀', fg: 238, bg: 238 },
  ]])
  const half = picture(2, 1, x => x === 0 ? RED : [0, 255, 0, 0])
  t.deepEqual([...resample(half, 1, 1).data], [255, 0, 0, 128], 'the invisible green adds no green')
})

test('the preview box: a caption with the frame and its size, then the picture, within the room given', (t) => {
  const p = picture(16, 9, () => RED)
  const box = previewBox({ frame: 12, state: 'picture', picture: p, source: { width: 1920, height: 1080 } }, { columns: 40, rows: 8, colors: 256, halfBlock: true, picked: false })
  t.is(box.lines.length, 8)
  t.is(box.columns, 28, 'as wide as the caption')
  t.is(plain(box.lines[0] ?? []), 'frame 12  1920×1080  v hides')
  t.deepEqual(box.lines[1], [{ text: '▀'.repeat(25), fg: 196, bg: 196 }], '7 rows of picture, 16:9: 25 columns')
  t.is(box.lines.length, 8)
  const picked = previewBox({ frame: 3, state: 'picture', picture: p, source: { width: 16, height: 9 } }, { columns: 40, rows: 8, colors: 256, halfBlock: true, picked: true })
  t.regex(plain(picked.lines[0] ?? []), /^frame 3 \(picked\)/)
})

test('notes instead of a picture: EXR, a broken file, a frame being read, a terminal without colours', (t) => {
  const room = { columns: 20, rows: 6, colors: 256, halfBlock: true, picked: false }
  const exr = previewBox({ frame: 4, state: 'note', note: 'EXR frame: no preview (PNG and JPEG frames have one)' }, room)
  t.deepEqual(exr.lines.slice(1).map(plain).map(line => line.trimEnd()), ['EXR frame: no', 'preview (PNG and', 'JPEG frames have', 'one)'])
  t.is(exr.lines[1]?.[0]?.fg, 'yellow')
  t.is(plain(previewBox({ frame: 4, state: 'loading' }, room).lines[1] ?? []), 'reading the frame…')
  const grey = previewBox({ frame: 4, state: 'picture', picture: picture(2, 2, () => RED), source: { width: 2, height: 2 } }, { ...room, colors: 2 })
  t.regex(grey.lines.slice(1).map(plain).join(' '), /without colours/)
})
