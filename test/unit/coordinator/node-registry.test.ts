import test from 'ava'
import { NodeRegistry, newNodeSession } from '../../../src/coordinator/node-registry.js'
import type { NodeSession } from '../../../src/coordinator/node-registry.js'
import { MAX_REMEMBERED_NAMES, NAME_KEPT_MS, NodeNames } from '../../../src/coordinator/node-names.js'

function session (id: string, name: string): NodeSession {
  return newNodeSession({ id, name, cores: 1, blenderVersion: '4.2.0', platform: 'linux', send: () => {}, disconnect: () => {} })
}

test('a second node of a name as long as names may be still gets a name within the limit', (t) => {
  const registry = new NodeRegistry()
  const name = 'n'.repeat(200)
  registry.add(session('p1', name), 0)
  const second = session('p2', name)
  registry.add(second, 0)
  t.is(second.name.length, 200)
  t.true(second.name.endsWith('…#2'), second.name.slice(-10))
  t.not(second.name, name)
})

// Issue 11, finding 5: a hoarder said hello with the real node's name, failed
// three frames, and the real node was blocklisted.
test('a name belongs to the peer id that first used it, also while that node is offline and after a restart', (t) => {
  const registry = new NodeRegistry()
  const desk = session('peer-desk', 'desk')
  registry.add(desk, 1000)
  t.is(desk.name, 'desk')
  registry.remove('peer-desk', 2000)
  const impostor = session('peer-impostor', 'desk')
  registry.add(impostor, 3000)
  t.is(impostor.name, 'desk#2', 'desk is offline, but its name is still its own')
  registry.remove('peer-impostor', 3500)
  // A restarted coordinator remembers the owners.
  const restarted = new NodeRegistry()
  restarted.names = new NodeNames(registry.names.entries())
  const back = session('peer-desk', 'desk')
  restarted.add(back, 4000)
  t.is(back.name, 'desk')
  const impostorAgain = session('peer-impostor', 'desk')
  restarted.add(impostorAgain, 5000)
  t.is(impostorAgain.name, 'desk#2', 'the impostor keeps the name it was given')
})

test('a name whose machine was not seen for a month is free again; a peer owns one name at a time', (t) => {
  const names = new NodeNames()
  t.is(names.claim('peer-old', 'render1', new Set(), 0), 'render1')
  t.is(names.claim('peer-new', 'render1', new Set(), NAME_KEPT_MS - 1), 'render1#2')
  t.is(names.claim('peer-new', 'render1', new Set(), NAME_KEPT_MS + 1), 'render1', 'the old owner was last seen a month ago')
  t.deepEqual(names.entries().map(([name, owner]) => `${name}=${owner.peerId}`), ['render1=peer-new'], 'render1#2 went with the new claim; the old owner lost its name')
})

test('the names remembered are bounded: a flood of peer ids forgets the least recently seen', (t) => {
  const names = new NodeNames()
  for (let i = 0; i <= MAX_REMEMBERED_NAMES; i++) names.claim(`peer-${i}`, `n${i}`, new Set(), i)
  t.is(names.entries().length, MAX_REMEMBERED_NAMES)
  t.false(names.entries().some(([name]) => name === 'n0'))
})
