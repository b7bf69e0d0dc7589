import test from 'ava'
import { NodeRegistry, newNodeSession } from '../../../src/coordinator/node-registry.js'
import type { NodeSession } from '../../../src/coordinator/node-registry.js'

function session (id: string, name: string): NodeSession {
  return newNodeSession({ id, name, cores: 1, blenderVersion: '4.2.0', platform: 'linux', send: () => {}, disconnect: () => {} })
}

test('a second node of a name as long as names may be still gets a name within the limit', (t) => {
  const registry = new NodeRegistry()
  const name = 'n'.repeat(200)
  registry.add(session('p1', name))
  const second = session('p2', name)
  registry.add(second)
  t.is(second.name.length, 200)
  t.true(second.name.endsWith('…#2'), second.name.slice(-10))
  t.not(second.name, name)
})
