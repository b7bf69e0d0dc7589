import test from 'ava'
import { freeAt, leaveToFasterNodes } from '../../../src/jobs/tail.js'

const now = 10_000

test('a slow node leaves the last frames to a fast one that will be through them sooner', (t) => {
  const slow = { frameMs: 400, freeAt: now }
  const fast = { frameMs: 100, freeAt: now + 50 }
  // Fast finishes its current frame at +50, then frames at +150, +250, +350: three before slow's one at +400.
  t.true(leaveToFasterNodes(slow, [fast], 3, now))
  t.false(leaveToFasterNodes(slow, [fast], 4, now), 'a fourth frame is worth starting on the slow node')
  t.false(leaveToFasterNodes(fast, [slow], 1, now), 'the slow node would not beat the fast one')
})

test('the capacity of every other node counts, and asking ahead counts the frame in hand', (t) => {
  const asking = { frameMs: 300, freeAt: now + 250 } // busy: its next frame would end at +550
  const others = [{ frameMs: 200, freeAt: now + 100 }, { frameMs: 250, freeAt: now }]
  // +300 and +500 on the first, +250 and +500 on the second: four frames before +550.
  t.true(leaveToFasterNodes(asking, others, 4, now))
  t.false(leaveToFasterNodes(asking, others, 5, now))
  t.false(leaveToFasterNodes({ ...asking, freeAt: now }, others, 4, now), 'when idle, its frame would end at +300')
})

test('on a tie nobody waits: two equal nodes never hold each other back', (t) => {
  const a = { frameMs: 200, freeAt: now }
  const b = { frameMs: 200, freeAt: now }
  t.false(leaveToFasterNodes(a, [b], 1, now))
  t.false(leaveToFasterNodes(b, [a], 1, now))
  // Finishing at +400 exactly, as the asking node would: not sooner, so not counted.
  t.false(leaveToFasterNodes({ frameMs: 400, freeAt: now }, [{ frameMs: 200, freeAt: now }], 2, now))
  t.true(leaveToFasterNodes({ frameMs: 400, freeAt: now }, [{ frameMs: 200, freeAt: now }], 1, now))
})

test('nothing is held back on unknown speeds or without pending frames', (t) => {
  const fast = { frameMs: 100, freeAt: now }
  t.false(leaveToFasterNodes({ frameMs: undefined, freeAt: now }, [fast], 1, now))
  t.false(leaveToFasterNodes({ frameMs: 400, freeAt: now }, [{ frameMs: undefined, freeAt: now }], 1, now))
  t.false(leaveToFasterNodes({ frameMs: 400, freeAt: now }, [{ frameMs: 100, freeAt: undefined }], 1, now))
  t.false(leaveToFasterNodes({ frameMs: 400, freeAt: now }, [fast], 0, now))
})

test('freeAt: idle now, busy after the frames it holds, unknown when a whole frame late', (t) => {
  t.is(freeAt(0, 0, 100, now), now)
  t.is(freeAt(now - 50, 2, 100, now), now + 150)
  t.is(freeAt(now - 150, 1, 100, now), now - 50, 'a little late still counts: it is about to deliver')
  t.is(freeAt(now - 250, 1, 100, now), undefined, 'a whole frame late: maybe stuck, not counted on')
  t.is(freeAt(now, 1, undefined, now), undefined)
})
