import { PassThrough } from 'node:stream'
import test from 'ava'
import { describeProgress, transferProgress } from '../../../src/cli/transfer-progress.js'
import { byteSize } from '../../../src/cli/parse.js'

test('a submit\'s progress: files, bytes, rate and time left', (t) => {
  const mib = 1024 * 1024
  t.is(describeProgress({ files: 3, filesTotal: 10, bytes: 100 * mib, bytesTotal: 500 * mib }, 2), 'sending 3/10 files, 100 MiB of 500 MiB, 50 MiB/s, 8 s left')
  t.is(describeProgress({ files: 10, filesTotal: 10, bytes: 500 * mib, bytesTotal: 500 * mib }, 10), 'sending 10/10 files, 500 MiB of 500 MiB, 50 MiB/s')
  t.is(describeProgress({ files: 0, filesTotal: 2, bytes: mib, bytesTotal: 2000 * mib }, 1), 'sending 0/2 files, 1.0 MiB of 2.0 GiB, 1.0 MiB/s, 33 min 19 s left')
})

test('in a log (not a terminal) a line every few seconds, and the last one at the end', (t) => {
  const out = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream
  let now = 0
  const progress = transferProgress(out, () => now)
  let text = ''
  ;(out as unknown as PassThrough).on('data', (chunk: Buffer) => { text += chunk.toString() })
  for (let i = 1; i <= 100; i++) {
    now = i * 100
    progress.update({ files: i, filesTotal: 100, bytes: i, bytesTotal: 100 })
  }
  progress.end()
  const lines = text.trim().split('\n')
  t.true(lines.length >= 2 && lines.length <= 4, lines.join(' | '))
  t.regex(lines.at(-1) ?? '', /^sending 100\/100 files/)
})

test('--cache-size takes sizes people write', (t) => {
  const parse = byteSize('--cache-size')
  t.is(parse('20G'), 20 * 1024 ** 3)
  t.is(parse('500M'), 500 * 1024 ** 2)
  t.is(parse('1.5T'), Math.floor(1.5 * 1024 ** 4))
  t.is(parse('2GiB'), 2 * 1024 ** 3)
  t.is(parse('4096'), 4096)
  for (const bad of ['', 'lots', '-1G', '0', '5X']) t.throws(() => parse(bad), { message: /--cache-size takes a size such as 20G/ })
})
