import test from 'ava'
import {
  formatFrameList,
  FrameRangeError,
  framePadding,
  MAX_FRAMES_PER_JOB,
  parseFrameList,
  sceneFrames,
} from '../../../src/jobs/frame-range.js'

function range (start: number, end: number, step = 1): number[] {
  const frames: number[] = []
  for (let frame = start; frame <= end; frame += step) frames.push(frame)
  return frames
}

test('parseFrameList reads a plain range', (t) => {
  t.deepEqual(parseFrameList('1-250'), range(1, 250))
})

test('parseFrameList reads a single frame and frame 0', (t) => {
  t.deepEqual(parseFrameList('7'), [7])
  t.deepEqual(parseFrameList('0'), [0])
})

test('parseFrameList reads ranges and single frames mixed', (t) => {
  t.deepEqual(parseFrameList('1-100,120,130-140'), [...range(1, 100), 120, ...range(130, 140)])
})

test('parseFrameList reads a step', (t) => {
  t.deepEqual(parseFrameList('1-9x2'), [1, 3, 5, 7, 9])
  t.deepEqual(parseFrameList('1-10x3'), [1, 4, 7, 10])
})

test('parseFrameList allows spaces around parts and separators', (t) => {
  t.deepEqual(parseFrameList(' 1 - 3 , 5 , 7 - 9 x 2 '), [1, 2, 3, 5, 7, 9])
})

test('parseFrameList sorts and removes duplicates and overlaps', (t) => {
  t.deepEqual(parseFrameList('5,1-3,2-4,3,3'), [1, 2, 3, 4, 5])
})

test('parseFrameList names the part it cannot read', (t) => {
  const err = t.throws(() => parseFrameList('1-5,abc'), { instanceOf: FrameRangeError })
  t.is(err?.name, 'FrameRangeError')
  t.regex(err?.message ?? '', /"abc" is not a frame/)
})

test('parseFrameList rejects a range that ends before it starts', (t) => {
  t.throws(() => parseFrameList('5-1'), { instanceOf: FrameRangeError, message: /5-1 ends before it starts/ })
})

test('parseFrameList rejects a range without an end', (t) => {
  t.throws(() => parseFrameList('1-'), { instanceOf: FrameRangeError, message: /"1-" is not a frame/ })
})

test('parseFrameList rejects empty parts and an empty list', (t) => {
  t.throws(() => parseFrameList('1,,3'), { instanceOf: FrameRangeError, message: /"" is not a frame/ })
  t.throws(() => parseFrameList('1-3,'), { instanceOf: FrameRangeError })
  t.throws(() => parseFrameList(''), { instanceOf: FrameRangeError })
})

test('parseFrameList rejects negative frames and a zero step', (t) => {
  t.throws(() => parseFrameList('-3'), { instanceOf: FrameRangeError })
  t.throws(() => parseFrameList('1-9x0'), { instanceOf: FrameRangeError, message: /step in 1-9x0 must be at least 1/ })
})

test('parseFrameList accepts exactly MAX_FRAMES_PER_JOB frames and refuses one more', (t) => {
  t.is(parseFrameList(`1-${MAX_FRAMES_PER_JOB}`).length, MAX_FRAMES_PER_JOB)
  t.throws(() => parseFrameList(`1-${MAX_FRAMES_PER_JOB + 1}`), {
    instanceOf: FrameRangeError,
    message: new RegExp(`more than ${MAX_FRAMES_PER_JOB} frames`),
  })
})

test('parseFrameList counts frames across parts against the limit', (t) => {
  const half = MAX_FRAMES_PER_JOB / 2
  t.throws(() => parseFrameList(`1-${half},${half + 1}-${MAX_FRAMES_PER_JOB + 1}`), { instanceOf: FrameRangeError })
  // Overlapping parts name each frame once, so they stay under the limit.
  t.is(parseFrameList(`1-${MAX_FRAMES_PER_JOB},1-${MAX_FRAMES_PER_JOB}`).length, MAX_FRAMES_PER_JOB)
})

test('sceneFrames follows the scene start, end and step', (t) => {
  t.deepEqual(sceneFrames(1, 5, 1), [1, 2, 3, 4, 5])
  t.deepEqual(sceneFrames(0, 10, 5), [0, 5, 10])
  t.deepEqual(sceneFrames(3, 3, 1), [3])
})

test('sceneFrames refuses an empty or negative range', (t) => {
  t.throws(() => sceneFrames(10, 1, 1), { instanceOf: FrameRangeError, message: /10-1 is empty/ })
  t.throws(() => sceneFrames(-5, 10, 1), { instanceOf: FrameRangeError, message: /starts at frame -5/ })
})

test('formatFrameList compacts runs', (t) => {
  t.is(formatFrameList([1, 2, 3, 5, 7, 8]), '1-3,5,7-8')
  t.is(formatFrameList([9, 1, 2]), '1-2,9')
  t.is(formatFrameList([]), '')
})

test('formatFrameList and parseFrameList round-trip', (t) => {
  for (const spec of ['1-250', '1-100,120,130-140', '0,2,4', '5', '1-3,10-12,99']) {
    t.is(formatFrameList(parseFrameList(spec)), spec)
  }
  const stepped = parseFrameList('1-9x2')
  t.deepEqual(parseFrameList(formatFrameList(stepped)), stepped)
})

test('framePadding is at least 4 digits and grows with the last frame', (t) => {
  t.is(framePadding([]), 4)
  t.is(framePadding([1, 2, 3]), 4)
  t.is(framePadding([9999]), 4)
  t.is(framePadding([1, 10000]), 5)
  t.is(framePadding([1_000_000, 3]), 7)
})
