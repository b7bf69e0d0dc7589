import test from 'ava'
import { plainText } from '../../../src/protocol/plain-text.js'

test('line breaks and tabs become spaces: a text stays on its line', (t) => {
  t.is(plainText('a\nb\r\nc\td\u2028e\u2029f\u0085g'), 'a b  c d e f g')
})

test('escape sequences and other control characters become "?", visible but inert', (t) => {
  t.is(plainText('x\u001b[2Jy\u0007z\u0000\u007f\u009b'), 'x?[2Jy?z???')
})

test('bidi overrides and isolates, which reorder what a terminal shows, become "?"', (t) => {
  t.is(plainText('a\u202eb\u202ac\u2066d\u2069e'), 'a?b?c?d?e')
})

test('ordinary text, accents, other scripts and emoji are left as they are', (t) => {
  const text = 'Café 渲染 שלום 🎬 [12:00:00] {red-fg}'
  t.is(plainText(text), text)
})

test('the length never changes, so a text that fitted its limit still fits', (t) => {
  const text = '\n\u001b\u202e'.repeat(100)
  t.is(plainText(text).length, text.length)
})
