import test from 'ava'
import { StreamLimits, TooManyStreamsError } from '../../../src/coordinator/stream-limits.js'

const settings = { upload: { perPeer: 2, total: 3 }, reply: { perPeer: 1, total: 1 }, watch: { perPeer: 1, total: 1 } }

test('past its own limit a peer is refused at once; other peers are not', async (t) => {
  const limits = new StreamLimits(settings, 1000)
  const a1 = await limits.acquire('a', 'upload')
  await limits.acquire('a', 'upload')
  await t.throwsAsync(limits.acquire('a', 'upload'), { instanceOf: TooManyStreamsError, message: /too many uploads from this peer at once \(at most 2\)/ })
  const b1 = await limits.acquire('b', 'upload')
  a1()
  a1()
  const a3 = await limits.acquire('a', 'upload')
  t.is(typeof a3, 'function', 'a released slot is the peer\'s again; a release counts once')
  b1()
})

test('when every slot is taken a stream waits its turn, and gives up after the wait', async (t) => {
  const limits = new StreamLimits(settings, 200)
  const first = await limits.acquire('a', 'reply')
  const waiting = limits.acquire('b', 'reply')
  first()
  const second = await waiting
  await t.throwsAsync(limits.acquire('c', 'reply'), { instanceOf: TooManyStreamsError, message: /serving 1 requests at once, the most it takes, and none ended within 0.2 s/ })
  second()
  const third = await limits.acquire('c', 'reply')
  third()
})
