import { readFile } from 'node:fs/promises'
import test from 'ava'
import { frameWarnings, OutputTail } from '../../../src/blender/frame-log.js'
import { frameLog, MAX_LOG_BYTES, MAX_LOG_LINES } from '../../../src/protocol/frame-logs.js'

const fixture = async (name: string): Promise<string[]> =>
  (await readFile(new URL(`../../fixtures/blender-output/${name}`, import.meta.url), 'utf8')).split('\n')

test('a frame\'s output keeps its last 200 lines', t => {
  const tail = new OutputTail()
  for (let i = 1; i <= 1000; i++) tail.push(`Fra:1 | Sample ${i}/1000`)
  const lines = tail.lines()
  t.is(lines.length, MAX_LOG_LINES)
  t.is(lines[0], 'Fra:1 | Sample 801/1000')
  t.is(lines.at(-1), 'Fra:1 | Sample 1000/1000')
  t.true(frameLog.safeParse(lines).success)
})

test('a frame\'s output keeps at most 64 KiB, long lines cut, and always fits the message', t => {
  const tail = new OutputTail()
  for (let i = 0; i < 100; i++) tail.push(`${i} ` + 'é'.repeat(5000))
  const lines = tail.lines()
  const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0)
  t.true(bytes <= MAX_LOG_BYTES, `${bytes} bytes`)
  t.true(lines.length < 100)
  t.true(lines.every(line => line.length <= 2001 && line.endsWith('…')))
  t.true((lines.at(-1) ?? '').startsWith('99 '))
  t.true(frameLog.safeParse(lines).success)
  t.false(frameLog.safeParse(Array.from({ length: 201 }, () => 'x')).success)
})

test('warnings of a frame that rendered: missing files and Blender\'s warnings, not its progress', async t => {
  const lines = [...await fixture('cycles-render-ok.txt'), ...await fixture('missing-file.txt')]
  const warnings = frameWarnings(lines)
  t.true(warnings.length > 0)
  t.true(warnings.every(w => !/Sample \d+\/\d+/.test(w)))
  t.deepEqual(frameWarnings(await fixture('cycles-render-ok.txt')), [])
  t.deepEqual(frameWarnings(['Warning: Unable to open \'/x/lib.blend\': No such file or directory', 'Fra:1 Mem:1M | Sample 1/2']), ['Warning: Unable to open \'/x/lib.blend\': No such file or directory'])
})
