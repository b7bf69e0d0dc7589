import test from 'ava'
import { parseFrameList } from '../../../src/jobs/frame-range.js'
import { summarizeFrameList } from '../../../src/jobs/frame-list-summary.js'

test('runs with a step are written as a user types them, and read back to the same frames', (t) => {
  for (const spec of ['1-250', '0-199998x2', '1-3,5-9x2,20', '7', '1-2,10-30x10', '']) {
    const frames = spec === '' ? [] : parseFrameList(spec)
    const text = summarizeFrameList(frames, 10_000)
    t.is(text, spec)
    if (spec !== '') t.deepEqual(parseFrameList(text), frames)
  }
})

test('two frames a step apart are two frames, not a run', (t) => {
  t.is(summarizeFrameList([1, 3, 4, 5], 100), '1,3-5')
  t.is(summarizeFrameList([4, 1, 4, 2], 100), '1-2,4')
})

test('a list longer than the limit is cut at a comma and says how many frames there are', (t) => {
  const frames = parseFrameList('0-149997x3,1-149998x3')
  const text = summarizeFrameList(frames, 1000)
  t.true(text.length <= 1000, `${text.length} characters`)
  t.true(text.startsWith('0-1,3-4,'))
  t.regex(text, /,\d+-\d+,… \(100000 frames in all\)$/)
})

test('with no room for a single part, only the count is left', (t) => {
  t.is(summarizeFrameList([100000, 100002], 25), '… (2 frames in all)')
})
