import test from 'ava'
import { pulledMakespan, tileDoneTimes } from '../../../bench/lib/tile-schedule.js'

test('tiles pulled in order by equal nodes end when the busiest node is through', (t) => {
  t.is(pulledMakespan([1, 1, 1, 1], 1), 4)
  t.is(pulledMakespan([1, 1, 1, 1], 2), 2)
  // The long tile first: the other node takes the rest.
  t.is(pulledMakespan([3, 1, 1, 1], 2), 3)
  // The long tile last: it goes to the node free soonest (after 1 s), ending at 4 s.
  t.is(pulledMakespan([1, 1, 1, 3], 2), 4)
  t.is(pulledMakespan([2, 2], 4), 2)
  t.throws(() => pulledMakespan([1], 0), { instanceOf: RangeError })
})

test('tile completion times are read from the coordinator\'s log lines of that job only', (t) => {
  const log = [
    '04:00:01.500 job 2: tile 0 of frame 1 done by a (1/3)',
    '04:00:02.000 job 3: tile 0 of frame 1 done by a (1/2)',
    '04:00:03.250 job 2: tile 1 of frame 1 done by b (2/3)',
    '04:00:03.300 job 2: frame 1 done by b (1/1)',
    '04:01:00.000 job 2: tile 2 of frame 1 done by a (3/3)',
  ].join('\n')
  t.deepEqual(tileDoneTimes(log, '2'), [14_401_500, 14_403_250, 14_460_000])
})
