import test from 'ava'
import { fit, formatAgo, formatBytes, formatDuration, formatFrameTime, percent, shortId, wrap } from '../../../src/tui/format.js'
import { fitLine, plain, restyle } from '../../../src/tui/styled.js'

test('fit pads or cuts to the width, marking a cut with an ellipsis', (t) => {
  t.is(fit('abc', 5), 'abc  ')
  t.is(fit('abc', 5, 'right'), '  abc')
  t.is(fit('abcdef', 4), 'abc…')
  t.is(fit('abc', 0), '')
})

test('durations read naturally at every scale', (t) => {
  t.is(formatDuration(42), '42s')
  t.is(formatDuration(185), '3m05s')
  t.is(formatDuration(7620), '2h07m')
  t.is(formatDuration(3 * 86_400 + 4 * 3600), '3d04h')
  t.is(formatDuration(-1), '—')
  t.is(formatFrameTime(0.84), '0.8s')
  t.is(formatFrameTime(undefined), '—')
  t.is(formatAgo(500), 'now')
  t.is(formatAgo(65_000), '1m05s ago')
})

test('sizes, ids, percentages', (t) => {
  t.is(formatBytes(512), '512 B')
  t.is(formatBytes(8400), '8.2 KiB')
  t.is(formatBytes(5 * 1024 * 1024 * 1024), '5.0 GiB')
  t.is(shortId('12D3KooWNHVtnVpHjBT7Uk6ughC4DoKcLkH1g2jgLcrfjHEZUGDU'), '12D3Ko…EZUGDU')
  t.is(percent(0.999), '99%')
  t.is(percent(1), '100%')
})

test('wrap cuts long lines and indents the rest', (t) => {
  t.deepEqual(wrap('0123456789', 4, 1), ['0123', ' 456', ' 789'])
  t.deepEqual(wrap('short', 10), ['short'])
})

test('fitLine cuts styled text to the width and keeps the styles', (t) => {
  const line = fitLine([{ text: 'abc', fg: 'red' }, { text: 'defgh' }], 6)
  t.is(plain(line), 'abcde…')
  t.is(line[0]?.fg, 'red')
  t.is(plain(fitLine([{ text: 'ab' }], 4)), 'ab  ')
  t.is(plain(fitLine([{ text: 'abcd' }], 4)), 'abcd', 'an exact fit is not cut')
  t.deepEqual(restyle([{ text: 'x', fg: 'red' }], { bg: 'blue', fg: 'white' }), [{ text: 'x', fg: 'red', bg: 'blue' }])
})
