import { readFile } from 'node:fs/promises'
import test from 'ava'
import { createProgressParser, parseProgress, parseProgressLine } from '../../../src/encode/progress-parser.js'

// Captured from ffmpeg 5.1.9 (`-progress pipe:1 -stats_period 0.1`, 48 frames of libx264).
const fixture = new URL('../../fixtures/ffmpeg-progress.txt', import.meta.url)

test('the captured progress gives one update per block, ending done', async (t) => {
  const lines = (await readFile(fixture, 'utf8')).split('\n')
  const updates = parseProgress(lines)
  t.deepEqual(updates.map((u) => u.frame), [1, 4, 10, 16, 22, 28, 35, 41, 46, 47, 48])
  t.deepEqual(updates.map((u) => u.done), [...Array<boolean>(10).fill(false), true])
})

test('frame=N/A and going backwards keep the last good count', (t) => {
  t.deepEqual(parseProgress(['frame=N/A', 'progress=continue', 'frame=5', 'progress=continue', 'frame=3', 'progress=end']), [
    { frame: 0, done: false },
    { frame: 5, done: false },
    { frame: 5, done: true },
  ])
})

test('lines that are not key=value are ignored, values are trimmed', (t) => {
  const parse = createProgressParser()
  t.is(parse(''), undefined)
  t.is(parse('garbage'), undefined)
  t.is(parse('frame= 9'), undefined)
  t.deepEqual(parse('progress=continue'), { frame: 9, done: false })
  t.deepEqual(parseProgressLine('bitrate= 104.3kbits/s'), { key: 'bitrate', value: '104.3kbits/s' })
  t.is(parseProgressLine('=x'), undefined)
})
