import test from 'ava'
import { FlushBehind } from '../../../src/pieces/flush-behind.js'

/** A file whose datasyncs wait until released, counted. */
function file (fail?: Error): { datasync: () => Promise<void>, started: number, release: () => void } {
  const waiting: Array<() => void> = []
  const out = {
    started: 0,
    datasync: async (): Promise<void> => {
      out.started++
      await new Promise<void>(resolve => waiting.push(resolve))
      if (fail !== undefined) throw fail
    },
    release: (): void => { for (const resolve of waiting.splice(0)) resolve() },
  }
  return out
}

test('a flush starts each time that many bytes were written, never two at once', async t => {
  const f = file()
  const flush = new FlushBehind(f, 100)
  flush.wrote(60)
  t.is(f.started, 0)
  flush.wrote(60)
  t.is(f.started, 1)
  // Written while the first flush runs: no second one beside it.
  flush.wrote(200)
  t.is(f.started, 1)
  f.release()
  await flush.settle()
  flush.wrote(100)
  t.is(f.started, 2)
  f.release()
  await flush.settle()
})

test('a failed flush is thrown by settle, not lost, and no further flush starts', async t => {
  const f = file(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }))
  const flush = new FlushBehind(f, 10)
  flush.wrote(10)
  f.release()
  await flush.idle()
  flush.wrote(10)
  t.is(f.started, 1)
  await t.throwsAsync(flush.settle(), { message: /ENOSPC/ })
})

test('idle waits for the flush under way without throwing', async t => {
  const f = file(new Error('EIO'))
  const flush = new FlushBehind(f, 1)
  flush.wrote(1)
  let done = false
  const idle = flush.idle().then(() => { done = true })
  await Promise.resolve()
  t.false(done)
  f.release()
  await idle
  t.true(done)
})
