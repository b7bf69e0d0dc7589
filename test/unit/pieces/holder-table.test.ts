import test from 'ava'
import { HolderTable, MAX_SEEDS_AT_ONCE, SEED_GRACE_MS, SEED_ROOM_MS, SEEDS_AT_ONCE } from '../../../src/pieces/holder-table.js'
import { Bitfield } from '../../../src/pieces/pieces.js'

const SHA = 'a'.repeat(64)

function field (length: number, ...held: number[]): Bitfield {
  const f = new Bitfield(length)
  for (const i of held) f.set(i)
  return f
}

test('a fetching node is told of the others holding pieces, most pieces first, never itself', (t) => {
  const table = new HolderTable()
  table.announce(SHA, 'A', ['/ip4/10.0.0.2/tcp/1/p2p/A'], field(4, 0))
  table.announce(SHA, 'B', ['/ip4/10.0.0.3/tcp/1/p2p/B'], field(4, 0, 1, 2))
  table.announce(SHA, 'C', [], field(4))
  t.deepEqual(table.peersFor(SHA, 'A').map(h => h.peerId), ['B'])
  t.deepEqual(table.peersFor(SHA, 'C').map(h => h.peerId), ['B', 'A'])
  t.deepEqual(table.peersFor('b'.repeat(64), 'C'), [])
})

test('a newer announcement replaces the older; pieces in progress count', (t) => {
  const table = new HolderTable()
  table.announce(SHA, 'A', [], field(4, 0))
  table.announce(SHA, 'A', [], field(4, 0, 3))
  t.deepEqual([...table.availability(SHA, 4)], [1, 0, 0, 1])
})

test('a node that leaves is offered no more', (t) => {
  const table = new HolderTable()
  table.announce(SHA, 'A', [], field(2, 0))
  table.announce(SHA, 'B', [], field(2, 1))
  table.leave('A')
  t.deepEqual(table.peersFor(SHA, 'C').map(h => h.peerId), ['B'])
  table.leave('B')
  t.deepEqual(table.contents(), [])
})

test('a node that lied about a piece is dropped for that content for good, not for others', (t) => {
  const table = new HolderTable()
  const other = 'c'.repeat(64)
  table.announce(SHA, 'L', [], field(2, 0, 1))
  table.announce(other, 'L', [], field(2, 0, 1))
  t.true(table.lied(SHA, 'L'))
  t.false(table.lied(SHA, 'L'))
  t.true(table.isLiar(SHA, 'L'))
  t.deepEqual(table.peersFor(SHA, 'X'), [])
  table.announce(SHA, 'L', [], field(2, 0, 1))
  t.deepEqual(table.peersFor(SHA, 'X'), [])
  t.deepEqual(table.peersFor(other, 'X').map(h => h.peerId), ['L'])
})

test('the coordinator seeds every piece once before it sends any piece again', (t) => {
  const table = new HolderTable()
  const picks: number[] = []
  // Four nodes that have nothing ask at once, twice each (the second time skipping what the first brings).
  const asked = [0, 1, 2, 3].map(() => new Bitfield(8))
  for (let round = 0; round < 2; round++) {
    for (let node = 0; node < 4; node++) {
      const pick = table.pickSeed(SHA, 8, asked[node]!, `N${node}`)
      if (typeof pick !== 'number') throw new Error(`no piece for N${node}: ${pick}`)
      asked[node]!.set(pick)
      picks.push(pick)
      // Its stream asks again once the piece arrived: a place for the next.
      table.delivered(SHA, `N${node}`, pick)
    }
  }
  t.deepEqual([...picks].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7])
  // Every piece went once, to nodes still here: theirs to spread, even before they say they hold it.
  t.is(table.pickSeed(SHA, 8, field(8, 0, 1), 'N9'), undefined)
  // A node leaves with what it got: those pieces go again; what a node has or fetches never does.
  table.leave('N0')
  const again = table.pickSeed(SHA, 8, new Bitfield(8), 'N9')
  t.true(again === picks[0] || again === picks[4])
  t.is(table.pickSeed(SHA, 8, Bitfield.full(8), 'N9'), undefined)
})

test('a piece the coordinator sent once and a peer holds is left to the peers', (t) => {
  const table = new HolderTable()
  t.is(table.pickSeed(SHA, 2, new Bitfield(2), 'A'), 0)
  t.is(table.pickSeed(SHA, 2, new Bitfield(2), 'A'), 1)
  table.announce(SHA, 'A', [], field(2, 0, 1))
  t.is(table.pickSeed(SHA, 2, new Bitfield(2), 'B'), undefined)
  // The peer leaves: its pieces come from the coordinator again.
  table.leave('A')
  t.is(table.pickSeed(SHA, 2, new Bitfield(2), 'B'), 0)
})

test('a node asking again for a piece it was sent gets it again: it lost it', (t) => {
  const table = new HolderTable()
  t.is(table.pickSeed(SHA, 1, new Bitfield(1), 'A'), 0)
  t.is(table.pickSeed(SHA, 1, new Bitfield(1), 'B'), undefined)
  // Its stream asked again (so the piece had arrived), without it in `skip`.
  table.delivered(SHA, 'A', 0)
  t.is(table.pickSeed(SHA, 1, new Bitfield(1), 'A'), 0)
})

test('a piece sent to a node that never says it holds it goes again after a while', (t) => {
  const table = new HolderTable()
  t.is(table.pickSeed(SHA, 1, new Bitfield(1), 'A', 0), 0)
  t.is(table.pickSeed(SHA, 1, new Bitfield(1), 'B', 1000), undefined)
  t.is(table.pickSeed(SHA, 1, new Bitfield(1), 'B', SEED_GRACE_MS + 1000), 0)
})

test('what the coordinator sent a node that lied does not count as spreading', (t) => {
  const table = new HolderTable()
  t.is(table.pickSeed(SHA, 1, new Bitfield(1), 'L'), 0)
  t.is(table.pickSeed(SHA, 1, new Bitfield(1), 'B'), undefined)
  table.lied(SHA, 'L')
  t.is(table.pickSeed(SHA, 1, new Bitfield(1), 'B'), 0)
})

test('what the coordinator sends a node known to have lied does not count as spreading either', (t) => {
  const table = new HolderTable()
  table.lied(SHA, 'L')
  // The liar still fetches for itself; nobody asks it, so the piece must go to others too.
  t.is(table.pickSeed(SHA, 1, new Bitfield(1), 'L'), 0)
  t.is(table.pickSeed(SHA, 1, new Bitfield(1), 'B'), 0)
})

test('among pieces sent equally often, the coordinator sends the one fewest peers hold', (t) => {
  const table = new HolderTable()
  table.announce(SHA, 'A', [], field(3, 0, 1))
  table.announce(SHA, 'B', [], field(3, 0))
  t.is(table.pickSeed(SHA, 3, new Bitfield(3), 'C'), 2)
  t.is(table.pickSeed(SHA, 3, new Bitfield(3), 'C'), 1)
  table.delivered(SHA, 'C', 2)
  t.is(table.pickSeed(SHA, 3, new Bitfield(3), 'C'), 0)
})

test('a piece on its way to a node stays its to spread while the node asks on another stream for more', (t) => {
  const table = new HolderTable()
  // A's first stream is sent piece 0; its second stream asks before piece 0 arrived (so its skip lacks it).
  t.is(table.pickSeed(SHA, 2, new Bitfield(2), 'A'), 0)
  t.is(table.pickSeed(SHA, 2, new Bitfield(2), 'A'), 1)
  t.is(table.pickSeed(SHA, 2, new Bitfield(2), 'B'), undefined, 'both pieces are spreading through A: B asks A')
  // Arrived: the stream asked again. A never said it holds piece 0 and asks without it: it lost it.
  table.delivered(SHA, 'A', 0)
  t.is(table.pickSeed(SHA, 2, field(2, 1), 'A'), 0)
})

test('the coordinator has few pieces on their way at once, one a node while others wait: the rest are busy', (t) => {
  const table = new HolderTable()
  // Each piece takes longer than SEED_ROOM_MS to arrive: the limit stays SEEDS_AT_ONCE.
  const SLOW = SEED_ROOM_MS + 1000
  const nodes = Array.from({ length: SEEDS_AT_ONCE + 2 }, (_, i) => `N${i}`)
  // Alone, a node keeps two coming (one arriving, one asked), so its link does not idle between pieces.
  t.is(table.pickSeed(SHA, 64, new Bitfield(64), 'N0', 0), 0)
  t.is(table.pickSeed(SHA, 64, new Bitfield(64), 'N0', 0), 1)
  t.is(table.pickSeed(SHA, 64, new Bitfield(64), 'N0', 0), 'busy')
  // Others asking: one each, up to SEEDS_AT_ONCE in all (8 nodes × 2 streams at 20 Mbit/s queued
  // ~27 s of pieces ahead of each node's session messages, and the sessions dropped).
  for (const node of nodes.slice(1, SEEDS_AT_ONCE - 1)) t.is(typeof table.pickSeed(SHA, 64, new Bitfield(64), node, 0), 'number')
  t.is(table.pickSeed(SHA, 64, new Bitfield(64), nodes[SEEDS_AT_ONCE]!, 0), 'busy')
  t.is(table.pickSeed(SHA, 64, new Bitfield(64), 'N1', 0), 'busy', 'one at a time while others are sent pieces')
  // A piece asked by index (a node that reaches no peer) takes a place too.
  t.false(table.sendsByIndex(SHA, nodes[SEEDS_AT_ONCE]!, 5, 0))
  // One arrived (its stream asked again): that place is free.
  table.delivered(SHA, 'N0', 0, SLOW)
  t.true(table.sendsByIndex(SHA, nodes[SEEDS_AT_ONCE]!, 5, 0))
  t.is(table.pickSeed(SHA, 64, new Bitfield(64), nodes[SEEDS_AT_ONCE + 1]!, 0), 'busy')
  table.delivered(SHA, nodes[SEEDS_AT_ONCE]!, 5, SLOW)
  t.is(typeof table.pickSeed(SHA, 64, new Bitfield(64), nodes[SEEDS_AT_ONCE + 1]!, 0), 'number')
  // A node that leaves frees its places.
  table.leave('N0')
  t.is(typeof table.pickSeed(SHA, 64, new Bitfield(64), nodes[SEEDS_AT_ONCE]!, 0), 'number')
})

test('while seeded pieces arrive within SEED_ROOM_MS, up to MAX_SEEDS_AT_ONCE are on their way, one a node; slow again, back to SEEDS_AT_ONCE', (t) => {
  const table = new HolderTable()
  const nodes = Array.from({ length: MAX_SEEDS_AT_ONCE + 1 }, (_, i) => `N${i}`)
  t.is(table.seedLimit(), SEEDS_AT_ONCE, 'nothing measured yet')
  t.is(table.pickSeed(SHA, 64, new Bitfield(64), 'N0', 0), 0)
  table.delivered(SHA, 'N0', 0, 1000)
  t.is(table.seedLimit(), MAX_SEEDS_AT_ONCE)
  for (const node of nodes.slice(0, MAX_SEEDS_AT_ONCE)) t.is(typeof table.pickSeed(SHA, 64, new Bitfield(64), node, 2000), 'number', node)
  t.is(table.pickSeed(SHA, 64, new Bitfield(64), nodes[MAX_SEEDS_AT_ONCE]!, 2000), 'busy', 'one more than the limit')
  // They took 20 s each (a slow link): the average passes SEED_ROOM_MS and the limit falls back.
  for (const [i, node] of nodes.slice(0, MAX_SEEDS_AT_ONCE).entries()) table.delivered(SHA, node, i + 1, 22_000)
  t.is(table.seedLimit(), SEEDS_AT_ONCE)
})
