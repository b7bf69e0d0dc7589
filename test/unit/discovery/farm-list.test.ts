import test from 'ava'
import { farmJson, mergeFarms } from '../../../src/discovery/farm-list.js'
import type { FoundCoordinator } from '../../../src/discovery/browse.js'
import type { LocalCoordinatorRecord, RememberedFarm } from '../../../src/discovery/known-farms.js'

// Peer ids only need to differ here: mergeFarms reads records already validated.
const STUDIO = '12D3KooWStudioStudioStudioStudioStudioStudio1'
const HERE = '12D3KooWHereHereHereHereHereHereHereHereHere2'
const OLD = '12D3KooWOldOldOldOldOldOldOldOldOldOldOldOld3'

const addr = (ip: string, peerId: string, port = 9090): string => `/ip4/${ip}/tcp/${port}/p2p/${peerId}`

const here: LocalCoordinatorRecord = { v: 1, farm: 'test', peerId: HERE, addresses: [addr('192.168.1.5', HERE), addr('127.0.0.1', HERE)], private: true, pid: 42, host: 'box' }
const mdns = (farm: string, peerId: string, ip: string): FoundCoordinator => ({ farm, peerId, multiaddrs: [addr(ip, peerId)], private: false })
const lastUsed = (peerId: string, farm?: string): RememberedFarm => ({ v: 1, ...(farm !== undefined ? { farm } : {}), peerId, addresses: [addr('10.0.0.9', peerId)], private: false })

test('one entry a peer id, seen however many ways: addresses joined (loopback first), every source said, most telling first', (t) => {
  const farms = mergeFarms({ local: [here], remembered: lastUsed(HERE, 'test'), found: [mdns('test', HERE, '192.168.1.5')] })
  t.deepEqual(farms, [{
    name: 'test',
    peerId: HERE,
    addresses: [addr('127.0.0.1', HERE), addr('192.168.1.5', HERE), addr('10.0.0.9', HERE)],
    private: true,
    sources: ['local', 'mdns', 'known'],
  }])
})

test('name and private come from the freshest sighting: this machine\'s record, then mDNS, then the farm used last', (t) => {
  const [farm] = mergeFarms({ local: [], remembered: { ...lastUsed(STUDIO, 'old name'), private: true }, found: [mdns('studio', STUDIO, '192.168.1.30')] })
  t.like(farm, { name: 'studio', private: false, sources: ['mdns', 'known'] })
  const [nameless] = mergeFarms({ local: [], remembered: lastUsed(OLD), found: [] })
  t.is(nameless?.name, undefined, 'reached with --coordinator alone: its name was never learned')
  t.deepEqual(nameless?.sources, ['known'])
})

test('farms list by name, nameless last, then by peer id: the same farms always in the same order', (t) => {
  const twin = '12D3KooWAaaaAaaaAaaaAaaaAaaaAaaaAaaaAaaaAaaa4'
  const farms = mergeFarms({ local: [here], remembered: lastUsed(OLD), found: [mdns('studio', STUDIO, '192.168.1.30'), mdns('studio', twin, '192.168.1.31')] })
  t.deepEqual(farms.map(f => [f.name, f.peerId]), [['studio', twin], ['studio', STUDIO], ['test', HERE], [undefined, OLD]])
})

test('--json: every field present, an unknown name as null, source the first of sources', (t) => {
  const [nameless] = mergeFarms({ local: [], remembered: lastUsed(OLD), found: [] })
  if (nameless === undefined) return t.fail('no farm')
  t.deepEqual(farmJson(nameless), { name: null, peerId: OLD, addresses: [addr('10.0.0.9', OLD)], private: false, source: 'known', sources: ['known'] })
  const [both] = mergeFarms({ local: [here], found: [mdns('test', HERE, '192.168.1.5')] })
  if (both === undefined) return t.fail('no farm')
  t.like(farmJson(both), { name: 'test', source: 'local', sources: ['local', 'mdns'] })
})

test('nothing known and nothing answering: an empty list', (t) => {
  t.deepEqual(mergeFarms({ local: [], found: [] }), [])
})
