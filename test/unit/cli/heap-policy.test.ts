import test from 'ava'
import { CoordinatorHeap } from '../../../src/cli/heap-policy.js'

// What the coordinator asks V8 for, recorded instead of set.
function recorded (): { heap: CoordinatorHeap, asked: number[] } {
  const asked: number[] = []
  return { heap: new CoordinatorHeap(percent => { asked.push(percent) }), asked }
}

test('the coordinator keeps its heap small until a pieces stream opens', (t) => {
  const { asked } = recorded()
  t.deepEqual(asked, [30])
})

test('the heap has room while any pieces stream is open, and is small again when the last one ends', (t) => {
  const { heap, asked } = recorded()
  heap.opened()
  heap.opened()
  heap.closed()
  t.deepEqual(asked, [30, 200], 'one of two streams ended: still room')
  heap.closed()
  t.deepEqual(asked, [30, 200, 30])
  heap.opened()
  t.deepEqual(asked, [30, 200, 30, 200])
})

test('a stream that ends without having opened is a bug, said so', (t) => {
  const { heap } = recorded()
  t.throws(() => { heap.closed() }, { message: /never opened/ })
})
