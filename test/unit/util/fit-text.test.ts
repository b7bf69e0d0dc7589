import test from 'ava'
import { fitText } from '../../../src/util/fit-text.js'

test('a text within the limit is returned as it is', (t) => {
  t.is(fitText('abc', 3), 'abc')
  t.is(fitText('', 0), '')
})

test('a longer text is cut to exactly the limit, ending with an ellipsis', (t) => {
  const cut = fitText('x'.repeat(5000), 4000)
  t.is(cut.length, 4000)
  t.true(cut.endsWith('x…'))
})

test('a cut never splits a character outside the BMP in two', (t) => {
  // 'a🎬🎬': the limit of 3 would fall inside the first emoji.
  t.is(fitText('a🎬🎬', 3), 'a…')
  t.is(fitText('a🎬🎬', 4), 'a🎬…')
})

test('no room at all leaves nothing', (t) => {
  t.is(fitText('abc', 0), '')
})
