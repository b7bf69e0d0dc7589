import { appendFile, stat } from 'node:fs/promises'
import test from 'ava'
import { FrameLogStore } from '../../../src/store/frame-logs.js'
import type { FrameLogEntry } from '../../../src/protocol/frame-logs.js'
import { tempFolder } from '../../helpers/temp-folder.js'

const entry = (frame: number, attempt: number, lines: string[], outcome: FrameLogEntry['outcome'] = 'failed'): FrameLogEntry =>
  ({ frame, attempt, node: `node${attempt}`, at: `2026-12-07T19:0${attempt}:00.000Z`, outcome, ...(outcome === 'failed' ? { error: 'Cannot render, no camera' } : {}), lines })

test('attempts are kept per frame, oldest first; the index says the latest of each frame', async t => {
  const logs = new FrameLogStore(await tempFolder(t, 'mf-logs-'))
  await logs.append('7', entry(3, 1, ['Fra:3 first']))
  await logs.append('7', entry(3, 2, ['Fra:3 second']))
  await logs.append('7', entry(5, 1, ['Warning: fallback'], 'warnings'))
  t.deepEqual((await logs.entries('7', 3)).map(e => e.lines), [['Fra:3 first'], ['Fra:3 second']])
  t.deepEqual(await logs.entries('7', 4), [])
  t.deepEqual(await logs.entries('8', 3), [])
  t.deepEqual((await logs.index('7')).map(f => [f.frame, f.attempts, f.node, f.outcome]), [[3, 2, 'node2', 'failed'], [5, 1, 'node1', 'warnings']])
})

test('a job\'s log stays within its bound: the oldest attempts go, the newest stay', async t => {
  const dir = await tempFolder(t, 'mf-logs-')
  const logs = new FrameLogStore(dir, { maxBytes: 64 * 1024 })
  const big = Array.from({ length: 100 }, (_, i) => `line ${i} ` + 'x'.repeat(90))
  for (let frame = 1; frame <= 40; frame++) await logs.append('1', entry(frame, 1, big))
  t.true((await stat(logs.pathOf('1'))).size <= 64 * 1024)
  const kept = (await logs.index('1')).map(f => f.frame)
  t.true(kept.length >= 2 && kept.length < 40)
  t.is(kept.at(-1), 40)
  t.deepEqual((await logs.entries('1', 40))[0]?.lines, big)
  t.deepEqual(await logs.entries('1', 1), [])
})

test('a line cut by a crash is skipped and said; a job id is never a path', async t => {
  const problems: string[] = []
  const logs = new FrameLogStore(await tempFolder(t, 'mf-logs-'), { onProblem: (p) => problems.push(p) })
  await logs.append('2', entry(1, 1, ['ok']))
  await appendFile(logs.pathOf('2'), '{"frame": 1, "attem')
  t.is((await logs.entries('2', 1)).length, 1)
  t.is(problems.length, 1)
  t.throws(() => logs.pathOf('../x'), { instanceOf: RangeError })
  await logs.remove('2')
  t.deepEqual(await logs.entries('2', 1), [])
})
